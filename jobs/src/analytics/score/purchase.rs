//! The purchase model (see docs/concepts.md): BG/NBD fitted on every buyer's (x, t_x, T) in days,
//! Gamma-Gamma on repeat buyers' mean spend per repeat purchase day, both evaluated once per
//! distinct summary rather than once per member.
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};
use std::thread;

use chrono::NaiveDate;

use super::{round_cents, MemberScores};
use crate::analytics::config::AnalyticsConfig;
use crate::analytics::facts::MemberFacts;
use crate::model::{
    bgnbd, discounted_clv, gamma_gamma, BgNbdFit, BgNbdParams, ClvSettings, GammaGammaFit, GammaGammaParams,
    ModelError, RfmGroup,
};

/// A buyer's BG/NBD summary in whole days. Field order makes the derived order (x, T, t_x), so
/// sorted summaries put every (x, T) in one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Summary {
    /// Repeat purchase days (purchase days after the first).
    pub(super) x: u32,
    /// Days from the first purchase to D (the paper's T).
    pub(super) t: u32,
    /// Days from the first purchase to the last.
    pub(super) t_x: u32,
}

/// The summary of a member who bought, `None` for one who did not (or whose dates contradict
/// each other: a first purchase after D or after the last one).
pub(super) fn summary(f: &MemberFacts, as_of: NaiveDate) -> Option<Summary> {
    if f.purchase_days == 0 {
        return None;
    }
    let (first, last) = (f.first_purchase?, f.last_purchase?);
    let t = u32::try_from((as_of - first).num_days()).ok()?;
    let t_x = u32::try_from((last - first).num_days()).ok()?;
    (t_x <= t).then_some(Summary {
        x: f.purchase_days - 1,
        t,
        t_x,
    })
}

/// Gamma-Gamma's m_x: net spend per repeat purchase day, in currency units; only when positive
/// (returns can leave repeat days at or below zero).
fn repeat_mean_spend(f: &MemberFacts, x: u32) -> Option<f64> {
    if x == 0 {
        return None;
    }
    let m_x = (f.spend_total_cents - f.first_day_spend_cents) as f64 / 100.0 / f64::from(x);
    (m_x > 0.0).then_some(m_x)
}

/// The fits of one run; `None` where the model could not be fitted.
#[derive(Debug, Default)]
pub(super) struct Fits {
    pub(super) bgnbd: Option<BgNbdFit>,
    pub(super) gamma_gamma: Option<GammaGammaFit>,
}

/// Fits both models and fills `p_alive`, `expected_purchases_365`, `expected_value_365_cents` and
/// `clv_cents` of every member who bought. A fit that fails (tiny databases, nobody with a repeat
/// purchase) leaves the fields that need it `None`; it does not fail the run.
pub(super) fn apply(
    facts: &[MemberFacts],
    as_of: NaiveDate,
    config: &AnalyticsConfig,
    scores: &mut [MemberScores],
) -> Fits {
    // (summary, member): sorted, the runs of equal summaries are the BG/NBD groups.
    let mut buyers: Vec<(Summary, u32)> = facts
        .iter()
        .enumerate()
        .filter_map(|(i, f)| Some((summary(f, as_of)?, i as u32)))
        .collect();
    buyers.sort_unstable();
    let groups: Vec<RfmGroup> = buyers
        .chunk_by(|a, b| a.0 == b.0)
        .map(|run| {
            let s = run[0].0;
            RfmGroup {
                x: s.x,
                t_x: f64::from(s.t_x),
                t: f64::from(s.t),
                weight: run.len() as f64,
            }
        })
        .collect();
    // The two fits are independent: run Gamma-Gamma on a second thread meanwhile.
    let (bgnbd, gamma_gamma) = thread::scope(|scope| {
        let gamma_gamma = scope.spawn(|| {
            let spend = gamma_gamma::group_spend(
                buyers
                    .iter()
                    .filter_map(|&(s, i)| Some((s.x, repeat_mean_spend(&facts[i as usize], s.x)?))),
            );
            fitted("Gamma-Gamma", gamma_gamma::fit(&spend))
        });
        let bgnbd = fitted("BG/NBD", bgnbd::fit(&groups)).filter(usable);
        // A panic in the fit is a bug in the model: pass it on.
        let gamma_gamma = gamma_gamma
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (bgnbd, gamma_gamma)
    });
    if let Some(fit) = &bgnbd {
        let evals = evaluate(&fit.params, &groups, config);
        let gg = gamma_gamma.as_ref().map(|g| g.params);
        write_scores(&buyers, &evals, gg.as_ref(), facts, scores);
    }
    Fits { bgnbd, gamma_gamma }
}

/// A fit whose a and b ran off towards infinity has reached the deterministic-dropout limit,
/// where the hypergeometric series behind the expectations needs millions of terms per member:
/// the run would take hours. No model scores are better than that.
fn usable(fit: &BgNbdFit) -> bool {
    const LIMIT: f64 = 1e5;
    let usable = fit.params.a < LIMIT && fit.params.b < LIMIT;
    if !usable {
        tracing::warn!(
            a = fit.params.a,
            b = fit.params.b,
            "BG/NBD fit degenerate; model scores left empty"
        );
    }
    usable
}

fn fitted<F>(model: &str, fit: Result<F, ModelError>) -> Option<F> {
    // An expected outcome on small or young databases, not an error of the run.
    fit.map_err(|error| tracing::debug!(model, %error, "model not fitted; its scores are left empty"))
        .ok()
}

/// One BG/NBD group's model figures.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
struct GroupEval {
    p_alive: f64,
    /// Over `expected_horizon_days`.
    expected_purchases: Option<f64>,
    /// Discounted expected purchases over the CLV horizon: the CLV of one unit of value per purchase.
    clv_per_unit: Option<f64>,
}

/// The parts of the model that depend on (x, T) only; see [`age_terms`].
#[derive(Clone, Copy, Debug)]
struct AgeTerms {
    expected: f64,
    discounted: f64,
}

/// Eq. 10 of BG/NBD is (a numerator in x, T and the horizon) × P(alive | x, t_x, T), so the
/// costly part, a hypergeometric series per horizon (37 of them for a 3-year CLV in 30-day
/// steps), depends on (x, T) alone; there are far fewer distinct (x, T) than (x, t_x, T). Evaluate
/// at t_x = T, where P(alive) = (b+x−1)/(a+b+x−1) is well away from 0, and divide it out: each
/// group then multiplies by its own P(alive). CLV is linear in value, so it is taken at value 1.
fn age_terms(params: &BgNbdParams, x: u32, t: f64, horizon: f64, clv: &ClvSettings) -> Result<AgeTerms, ModelError> {
    let p_ref = params.p_alive(x, t, t);
    Ok(AgeTerms {
        expected: params.expected_purchases(horizon, x, t, t)? / p_ref,
        discounted: discounted_clv(params, x, t, t, 1.0, clv)? / p_ref,
    })
}

/// Groups per unit of work handed to a thread.
const CHUNK: usize = 256;

/// Evaluates every group (sorted by x, T, t_x), on all cores. A group the model cannot evaluate
/// (a series that does not converge) gets `None` expectations and a warning, not a failed run.
fn evaluate(params: &BgNbdParams, groups: &[RfmGroup], config: &AnalyticsConfig) -> Vec<GroupEval> {
    let clv = ClvSettings::new(config.clv_horizon_days, config.clv_annual_discount_rate);
    let horizon = config.expected_horizon_days;
    let mut evals = vec![GroupEval::default(); groups.len()];
    let threads = thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(groups.len().div_ceil(CHUNK));
    let failed = AtomicUsize::new(0);
    {
        // Chunks are handed out one at a time, as the cost of a group varies with x and T.
        let work = Mutex::new(groups.chunks(CHUNK).zip(evals.chunks_mut(CHUNK)));
        let worker = || loop {
            let next = work.lock().unwrap_or_else(PoisonError::into_inner).next();
            let Some((groups, out)) = next else {
                return;
            };
            let n = evaluate_chunk(params, groups, out, horizon, &clv);
            failed.fetch_add(n, Ordering::Relaxed);
        };
        thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(worker);
            }
            worker();
        });
    }
    let failed = failed.into_inner();
    if failed > 0 {
        tracing::warn!(
            failed,
            groups = groups.len(),
            "BG/NBD could not evaluate some purchase summaries; their expectations are left empty"
        );
    }
    evals
}

/// Evaluates consecutive groups, computing the (x, T) terms once per run; returns the number of
/// groups that could not be evaluated.
fn evaluate_chunk(
    params: &BgNbdParams,
    groups: &[RfmGroup],
    out: &mut [GroupEval],
    horizon: f64,
    clv: &ClvSettings,
) -> usize {
    let mut failed = 0;
    let mut cached: Option<(u32, u64, Option<AgeTerms>)> = None;
    for (g, eval) in groups.iter().zip(out) {
        let key = (g.x, g.t.to_bits());
        let terms = match cached {
            Some((x, t, terms)) if (x, t) == key => terms,
            _ => {
                let terms = age_terms(params, g.x, g.t, horizon, clv).ok();
                cached = Some((key.0, key.1, terms));
                terms
            }
        };
        failed += usize::from(terms.is_none());
        let p_alive = params.p_alive(g.x, g.t_x, g.t);
        *eval = GroupEval {
            p_alive,
            expected_purchases: terms.map(|a| a.expected * p_alive),
            clv_per_unit: terms.map(|a| a.discounted * p_alive),
        };
    }
    failed
}

/// Writes each buyer's figures: their group's, times their expected value per purchase (the
/// Gamma-Gamma conditional expectation given m_x, or the population mean without one).
fn write_scores(
    buyers: &[(Summary, u32)],
    evals: &[GroupEval],
    gg: Option<&GammaGammaParams>,
    facts: &[MemberFacts],
    scores: &mut [MemberScores],
) {
    let population_mean = gg.and_then(|p| p.population_mean().ok());
    for (run, eval) in buyers.chunk_by(|a, b| a.0 == b.0).zip(evals) {
        for &(s, i) in run {
            let i = i as usize;
            let value = gg.and_then(|p| match repeat_mean_spend(&facts[i], s.x) {
                Some(m_x) => p.conditional_expected_value(s.x, m_x).ok(),
                None => population_mean,
            });
            let out = &mut scores[i];
            out.p_alive = Some(eval.p_alive);
            out.expected_purchases_365 = eval.expected_purchases;
            out.expected_value_365_cents = eval
                .expected_purchases
                .zip(value)
                .and_then(|(e, v)| round_cents(e * v * 100.0));
            out.clv_cents = eval
                .clv_per_unit
                .zip(value)
                .and_then(|(c, v)| round_cents(c * v * 100.0));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{buyer, day, never_bought};
    use super::super::{own_figures, score, Layer};
    use super::*;

    #[test]
    fn a_fit_run_off_to_deterministic_dropout_is_not_used() {
        let fit = |a, b| BgNbdFit {
            params: BgNbdParams {
                r: 1.0,
                alpha: 10.0,
                a,
                b,
            },
            log_likelihood: -1.0,
            iterations: 1,
        };
        assert!(usable(&fit(0.793, 2.426)));
        assert!(
            !usable(&fit(5.5e6, 8.6e6)),
            "the degenerate fit seen on a tiny regular fixture"
        );
    }

    /// CDNOW's BG/NBD estimates (Fader, Hardie & Lee 2005) with α in days, and Gamma-Gamma's.
    const BG: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414 * 7.0,
        a: 0.793,
        b: 2.426,
    };
    const GG: GammaGammaParams = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };

    fn relative_error(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(1e-300)
    }

    #[test]
    fn summaries_in_days_across_a_leap_day() {
        let as_of = day("2024-03-01");
        let f = MemberFacts {
            last_purchase: Some(day("2024-02-28")),
            ..buyer(1, "2023-03-01", 4)
        };
        // 2023-03-01 → 2024-03-01 spans 29 Feb 2024: 366 days; to 28 Feb: 364.
        assert_eq!(summary(&f, as_of), Some(Summary { x: 3, t: 366, t_x: 364 }));
        assert_eq!(summary(&never_bought(2), as_of), None);
        // A first purchase after D contradicts the facts: no summary rather than a bogus one.
        assert_eq!(summary(&buyer(3, "2024-03-02", 1), as_of), None);
    }

    #[test]
    fn repeat_mean_spend_excludes_the_first_day() {
        // 3 purchase days: first day 100.00, total 400.00 → (400 − 100) / 2 repeat days = 150.00.
        let f = MemberFacts {
            spend_total_cents: 40_000,
            ..buyer(1, "2025-01-01", 3)
        };
        assert_eq!(repeat_mean_spend(&f, 2), Some(150.0));
        assert_eq!(repeat_mean_spend(&f, 0), None, "no repeat day, no m_x");
        // Returns left the repeat days at zero net: no m_x either.
        let returned = MemberFacts {
            spend_total_cents: 10_000,
            ..buyer(1, "2025-01-01", 3)
        };
        assert_eq!(repeat_mean_spend(&returned, 2), None);
    }

    #[test]
    fn factored_evaluation_matches_the_model_directly() {
        // (x, t_x, T) with several t_x per (x, T), so the cached age terms are reused.
        let summaries = [
            (0, 0.0, 0.0),
            (0, 0.0, 400.0),
            (1, 5.0, 30.0),
            (1, 29.0, 30.0),
            (1, 30.0, 30.0),
            (4, 100.0, 150.0),
            (4, 149.0, 150.0),
            (12, 20.0, 900.0),
            (40, 1_000.0, 1_095.0),
        ];
        let groups: Vec<RfmGroup> = summaries
            .iter()
            .map(|&(x, t_x, t)| RfmGroup { x, t_x, t, weight: 1.0 })
            .collect();
        let config = AnalyticsConfig::default();
        let evals = evaluate(&BG, &groups, &config);
        let settings = ClvSettings::new(config.clv_horizon_days, config.clv_annual_discount_rate);
        for (g, e) in groups.iter().zip(&evals) {
            let expected = BG.expected_purchases(365.0, g.x, g.t_x, g.t).unwrap();
            let clv = discounted_clv(&BG, g.x, g.t_x, g.t, 1.0, &settings).unwrap();
            assert_eq!(e.p_alive, BG.p_alive(g.x, g.t_x, g.t), "{g:?}");
            assert!(
                relative_error(e.expected_purchases.unwrap(), expected) < 1e-12,
                "{g:?}: {e:?} vs {expected}"
            );
            assert!(
                relative_error(e.clv_per_unit.unwrap(), clv) < 1e-12,
                "{g:?}: {e:?} vs {clv}"
            );
        }
    }

    #[test]
    fn parallel_evaluation_matches_one_chunk_at_a_time() {
        // More groups than one chunk, so several threads share the work.
        let groups: Vec<RfmGroup> = (0..3 * CHUNK as u32)
            .map(|i| {
                let (x, t) = (i % 7, f64::from(100 + i / 3));
                RfmGroup {
                    x,
                    t_x: if x == 0 { 0.0 } else { t - f64::from(i % 3) },
                    t,
                    weight: 1.0,
                }
            })
            .collect();
        let config = AnalyticsConfig::default();
        let parallel = evaluate(&BG, &groups, &config);
        let mut serial = vec![GroupEval::default(); groups.len()];
        let settings = ClvSettings::new(config.clv_horizon_days, config.clv_annual_discount_rate);
        assert_eq!(evaluate_chunk(&BG, &groups, &mut serial, 365.0, &settings), 0);
        assert_eq!(parallel, serial);
    }

    #[test]
    fn values_per_purchase_from_gamma_gamma() {
        // Member 0: one purchase day, x = 0 → population mean p·v/(q−1) = 6.25 × 15.44 / 2.74.
        // Member 1: x = 2 repeat days with m_x = 150.00 → p(v + x m_x)/(p x + q − 1)
        //   = 6.25 × (15.44 + 300) / (12.5 + 2.74).
        // Member 2: x = 2 but repeat days returned (m_x = 0) → population mean.
        let as_of = day("2025-06-30");
        let facts = [
            buyer(0, "2025-06-01", 1),
            MemberFacts {
                spend_total_cents: 40_000,
                last_purchase: Some(day("2025-06-20")),
                ..buyer(1, "2025-01-01", 3)
            },
            MemberFacts {
                spend_total_cents: 10_000,
                last_purchase: Some(day("2025-06-20")),
                ..buyer(2, "2025-01-01", 3)
            },
        ];
        let mut buyers: Vec<(Summary, u32)> = facts
            .iter()
            .enumerate()
            .map(|(i, f)| (summary(f, as_of).unwrap(), i as u32))
            .collect();
        buyers.sort_unstable();
        let groups: Vec<RfmGroup> = buyers
            .chunk_by(|a, b| a.0 == b.0)
            .map(|run| RfmGroup {
                x: run[0].0.x,
                t_x: f64::from(run[0].0.t_x),
                t: f64::from(run[0].0.t),
                weight: 1.0,
            })
            .collect();
        assert_eq!(groups.len(), 2, "members 1 and 2 share (x, t_x, T) = (2, 170, 180)");
        let config = AnalyticsConfig::default();
        let evals = evaluate(&BG, &groups, &config);
        let mut scores: Vec<_> = facts.iter().map(|f| own_figures(f, as_of, &config)).collect();
        write_scores(&buyers, &evals, Some(&GG), &facts, &mut scores);

        let population = 6.25 * 15.44 / 2.74;
        let conditional = 6.25 * (15.44 + 300.0) / (12.5 + 2.74);
        let settings = ClvSettings::new(config.clv_horizon_days, config.clv_annual_discount_rate);
        for (member, (x, t_x, t), value) in [
            (0, (0, 0.0, 29.0), population),
            (1, (2, 170.0, 180.0), conditional),
            (2, (2, 170.0, 180.0), population),
        ] {
            let s = &scores[member];
            let expected = BG.expected_purchases(365.0, x, t_x, t).unwrap();
            let clv = discounted_clv(&BG, x, t_x, t, value, &settings).unwrap();
            assert_eq!(s.p_alive, Some(BG.p_alive(x, t_x, t)), "member {member}");
            assert_eq!(
                s.expected_value_365_cents,
                Some((expected * value * 100.0).round() as i64),
                "member {member}"
            );
            // CLV through the factored form may differ from the direct sum in the last bits.
            let clv_cents = s.clv_cents.unwrap();
            assert!(
                (clv_cents - (clv * 100.0).round() as i64).abs() <= 1,
                "member {member}: {clv_cents} vs {clv}"
            );
        }
        assert_eq!(
            scores[0].p_alive,
            Some(1.0),
            "no repeat purchase yet: cannot have dropped out"
        );
    }

    /// 300 members drawn from the BG/NBD process with the CDNOW estimates (seeded), first
    /// purchases up to two years before D, 20.00–200.00 a purchase day: a small database on
    /// which both fits converge.
    fn fittable_facts(as_of: NaiveDate) -> Vec<MemberFacts> {
        use rand::{Rng, SeedableRng};
        use rand_distr::{Beta, Distribution, Exp1, Gamma};

        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let rate = Gamma::new(BG.r, 1.0 / BG.alpha).unwrap();
        let dropout = Beta::new(BG.a, BG.b).unwrap();
        (0..300)
            .map(|k| {
                let t = rng.gen_range(30..=730_u32);
                let (lambda, p): (f64, f64) = (rate.sample(&mut rng), dropout.sample(&mut rng));
                let (mut days, mut last, mut now) = (1, 0, 0.0);
                loop {
                    let wait: f64 = Exp1.sample(&mut rng);
                    now += wait / lambda;
                    if now > f64::from(t) {
                        break;
                    }
                    // Purchases on the day of the previous one add no purchase day.
                    if now.floor() as u32 > last {
                        (days, last) = (days + 1, now.floor() as u32);
                    }
                    if rng.gen::<f64>() < p {
                        break;
                    }
                }
                let first = as_of - chrono::Days::new(u64::from(t));
                let first_day_spend = rng.gen_range(2_000..=20_000);
                let repeat_spend: i64 = (1..days).map(|_| rng.gen_range(2_000..=20_000)).sum();
                MemberFacts {
                    purchase_days: days,
                    orders_total: days,
                    first_purchase: Some(first),
                    last_purchase: Some(first + chrono::Days::new(u64::from(last))),
                    first_day_spend_cents: first_day_spend,
                    spend_total_cents: first_day_spend + repeat_spend,
                    ..never_bought(k)
                }
            })
            .collect()
    }

    #[test]
    fn fits_on_a_small_database_and_scores_single_buyers() {
        let as_of = day("2025-06-30");
        let mut facts = fittable_facts(as_of);
        // One purchase 30 days ago (not lapsed) and one 91 days ago (lapsed: recency > 90).
        facts.push(MemberFacts {
            frequency_365: 1,
            ..buyer(100, "2025-05-31", 1)
        });
        facts.push(MemberFacts {
            frequency_365: 1,
            ..buyer(101, "2025-03-31", 1)
        });
        facts.push(never_bought(102));
        let (scores, summary) = score(&facts, as_of, &AnalyticsConfig::default()).unwrap();
        assert!(summary.bgnbd.is_some(), "BG/NBD should fit");
        assert!(summary.gamma_gamma.is_some(), "Gamma-Gamma should fit");
        let [recent, old, never] = [&scores[300], &scores[301], &scores[302]];
        assert_eq!((recent.recency_days, old.recency_days), (Some(30), Some(91)));
        for single in [recent, old] {
            assert_eq!(single.p_alive, Some(1.0));
            assert_eq!(single.layer, Layer::Potential);
            assert!(single.expected_purchases_365.is_some_and(|e| e > 0.0));
            assert!(single.clv_cents.is_some_and(|c| c > 0));
        }
        assert!(!recent.lapsed);
        assert!(old.lapsed);
        assert_eq!(
            (never.p_alive, never.expected_value_365_cents, never.clv_cents),
            (None, None, None)
        );
        assert!(!never.lapsed);
        // Everyone who bought gets model figures.
        assert!(scores[..302]
            .iter()
            .all(|s| s.p_alive.is_some() && s.expected_value_365_cents.is_some()));
    }
}
