//! Scores by rank among the members who bought in the window: RFM 1–5 and percentile tiers.
//! Each sorts the (value, member) pairs once and walks the runs of tied values.
use super::MemberScores;
use crate::analytics::config::ValueBasis;
use crate::analytics::facts::{MemberFacts, Tier};

/// Sorts `keyed` and calls `visit(at_or_below, run)` for each run of tied values, where
/// `at_or_below` counts the members whose value is ≤ the run's.
fn for_each_tie_run(keyed: &mut [(i64, u32)], mut visit: impl FnMut(usize, &[(i64, u32)])) {
    keyed.sort_unstable();
    let mut at_or_below = 0;
    for run in keyed.chunk_by(|a, b| a.0 == b.0) {
        at_or_below += run.len();
        visit(at_or_below, run);
    }
}

/// `ceil(5 × cume_dist)` with cume_dist = `at_or_below / n`, in integers (no float edge at the
/// quintile boundaries). `at_or_below` is at least 1, so the score is 1–5.
fn quintile(at_or_below: usize, n: usize) -> u8 {
    (5 * at_or_below).div_ceil(n) as u8
}

/// Fills `scores[i]` into `slot` for members with a purchase in the window, ranked by `key`.
fn score_axis(
    facts: &[MemberFacts],
    scores: &mut [MemberScores],
    scratch: &mut Vec<(i64, u32)>,
    key: impl Fn(&MemberFacts, &MemberScores) -> i64,
    slot: impl Fn(&mut MemberScores) -> &mut Option<u8>,
) {
    scratch.clear();
    scratch.extend(
        facts
            .iter()
            .zip(scores.iter())
            .enumerate()
            .filter(|(_, (f, _))| f.frequency_365 >= 1)
            .map(|(i, (f, s))| (key(f, s), i as u32)),
    );
    let n = scratch.len();
    for_each_tie_run(scratch, |at_or_below, run| {
        let q = quintile(at_or_below, n);
        for &(_, i) in run {
            *slot(&mut scores[i as usize]) = Some(q);
        }
    });
}

/// R, F and M scores 1–5 (see docs/concepts.md): F on frequency_365, M on monetary_365, R on
/// −recency_days so the most recent score 5.
pub(super) fn rfm_scores(facts: &[MemberFacts], scores: &mut [MemberScores], scratch: &mut Vec<(i64, u32)>) {
    // A member active in the window has a last purchase; the fallback only guards bad facts.
    let recency = |_: &MemberFacts, s: &MemberScores| -s.recency_days.unwrap_or(i64::MAX);
    score_axis(facts, scores, scratch, recency, |s| &mut s.r_score);
    let frequency = |f: &MemberFacts, _: &MemberScores| i64::from(f.frequency_365);
    score_axis(facts, scores, scratch, frequency, |s| &mut s.f_score);
    let monetary = |f: &MemberFacts, _: &MemberScores| f.monetary_365_cents;
    score_axis(facts, scores, scratch, monetary, |s| &mut s.m_score);
}

/// The money on a member's "value" axis.
pub(super) fn value_of(f: &MemberFacts, basis: ValueBasis) -> i64 {
    match basis {
        ValueBasis::Spend => f.monetary_365_cents,
        ValueBasis::Profit => f.profit_365_cents,
    }
}

/// Percentile tiers: among members with a purchase in the window, share = (members with a
/// strictly greater value) / n; A if share < `a_share`, B if < `a_share + b_share`, else C. Ties
/// share a tier. Members without a purchase in the window keep D.
pub(super) fn percentile_tiers(
    facts: &[MemberFacts],
    basis: ValueBasis,
    a_share: f64,
    b_share: f64,
    scores: &mut [MemberScores],
    scratch: &mut Vec<(i64, u32)>,
) {
    scratch.clear();
    scratch.extend(
        facts
            .iter()
            .enumerate()
            .filter(|(_, f)| f.frequency_365 >= 1)
            .map(|(i, f)| (value_of(f, basis), i as u32)),
    );
    let n = scratch.len();
    // above / n < share ⇔ above < share × n. The 1e-9 keeps float noise in a sum of shares
    // (0.1 + 0.2 = 0.30000000000000004) from letting in a member with exactly 30 % above.
    let a_cut = a_share * n as f64 - 1e-9;
    let b_cut = (a_share + b_share) * n as f64 - 1e-9;
    for_each_tie_run(scratch, |at_or_below, run| {
        let above = (n - at_or_below) as f64;
        let tier = if above < a_cut {
            Tier::A
        } else if above < b_cut {
            Tier::B
        } else {
            Tier::C
        };
        for &(_, i) in run {
            scores[i as usize].qualified_tier = tier;
        }
    });
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{buyer, day, never_bought};
    use super::super::*;
    use super::*;
    use crate::analytics::config::{AnalyticsConfig, TierPolicy};

    const AS_OF: &str = "2025-06-30";

    /// Members who bought in the window, with the given frequency, spend and last purchase.
    fn active(frequency: u32, spend: i64, last: &str) -> MemberFacts {
        MemberFacts {
            frequency_365: frequency,
            monetary_365_cents: spend,
            profit_365_cents: spend / 2,
            last_purchase: Some(day(last)),
            ..buyer(0, "2024-07-01", frequency)
        }
    }

    fn scored(facts: &[MemberFacts], config: &AnalyticsConfig) -> Vec<MemberScores> {
        score(facts, day(AS_OF), config).unwrap().0
    }

    #[test]
    fn frequency_scores_with_ties() {
        // n = 7, frequencies [1,1,2,3,3,3,7]; members at or below each value and
        // ceil(5 × that / 7): 1 → 2 members → ceil(10/7) = 2; 2 → 3 → ceil(15/7) = 3;
        // 3 → 6 → ceil(30/7) = 5; 7 → 7 → 5 (the maximum always scores 5).
        // A member who never bought is not ranked and does not count in n.
        let mut facts: Vec<_> = [1, 1, 2, 3, 3, 3, 7].map(|f| active(f, 1_000, "2025-06-01")).to_vec();
        facts.push(never_bought(99));
        let f_scores: Vec<_> = scored(&facts, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.f_score)
            .collect();
        let expected = [2, 2, 3, 5, 5, 5, 5].map(Some);
        assert_eq!(f_scores[..7], expected);
        assert_eq!(f_scores[7], None);
    }

    #[test]
    fn monetary_scores_spread_over_all_quintiles() {
        // n = 10 distinct spends: the k-th smallest scores ceil(5k/10) = ceil(k/2):
        // 1,1,2,2,3,3,4,4,5,5 — given here in scrambled order.
        let spends = [700, 100, 1_000, 300, 900, 200, 500, 400, 800, 600];
        let facts: Vec<_> = spends.map(|m| active(1, m, "2025-06-01")).to_vec();
        let m_scores: Vec<_> = scored(&facts, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.m_score)
            .collect();
        assert_eq!(m_scores, [4, 1, 5, 2, 5, 1, 3, 2, 4, 3].map(Some));
    }

    #[test]
    fn a_single_active_member_scores_five() {
        let facts = [active(1, 1, "2025-01-01")];
        let s = &scored(&facts, &AnalyticsConfig::default())[0];
        assert_eq!((s.r_score, s.f_score, s.m_score), (Some(5), Some(5), Some(5)));
    }

    #[test]
    fn most_recent_buyers_score_highest_recency() {
        // Recencies 0, 5, 5, 30, 200 days: keys −0 > −5 = −5 > −30 > −200.
        // Members at or below (by −recency): 200 → 1 → ceil(5/5) = 1; 30 → 2 → 2;
        // 5 → 4 → 4 (tied); 0 → 5 → 5.
        let lasts = ["2025-06-30", "2025-06-25", "2025-06-25", "2025-05-31", "2024-12-12"];
        let facts: Vec<_> = lasts.map(|last| active(1, 1_000, last)).to_vec();
        let scores = scored(&facts, &AnalyticsConfig::default());
        let recency: Vec<_> = scores.iter().map(|s| s.recency_days).collect();
        assert_eq!(recency, [0, 5, 5, 30, 200].map(Some));
        let r: Vec<_> = scores.iter().map(|s| s.r_score).collect();
        assert_eq!(r, [5, 4, 4, 2, 1].map(Some));
    }

    #[test]
    fn percentile_tiers_with_ties() {
        // A = top 20 %, B = next 30 %. n = 10 active; values and members strictly above:
        // 1000 → 0 (0.0 < 0.2: A); 900, 900 → 1 (0.1: A, ties share); 800 → 3 (0.3: B);
        // 700, 700 → 4 (0.4: B); 600 → 6 (0.6: C); 500, 500, 500 → 7 (C).
        let config = AnalyticsConfig {
            tier_policy: TierPolicy::Percentile {
                a_share: 0.2,
                b_share: 0.3,
            },
            ..AnalyticsConfig::default()
        };
        let spends = [500, 900, 1_000, 700, 500, 800, 600, 900, 700, 500];
        let mut facts: Vec<_> = spends.map(|m| active(1, m, "2025-06-01")).to_vec();
        facts.push(never_bought(99));
        let tiers: Vec<_> = scored(&facts, &config).iter().map(|s| s.qualified_tier).collect();
        use Tier::*;
        assert_eq!(tiers, [C, A, A, B, C, B, C, A, B, C, D]);

        // At the cut points, n = 5: 50 → 0 above (A); 40 → 1 (share 0.2 is not < 0.2: B);
        // 30, 30 → 2 (0.4 < 0.5: B); 10 → 4 (0.8: C).
        let facts: Vec<_> = [10, 30, 40, 30, 50].map(|m| active(1, m, "2025-06-01")).to_vec();
        let tiers: Vec<_> = scored(&facts, &config).iter().map(|s| s.qualified_tier).collect();
        assert_eq!(tiers, [C, B, B, B, A]);
    }

    #[test]
    fn percentile_tiers_can_rank_by_profit() {
        // Spend says member 0 is the best, profit says member 1 (profit = spend / 2 unless set).
        let config = AnalyticsConfig {
            tier_policy: TierPolicy::Percentile {
                a_share: 0.5,
                b_share: 0.5,
            },
            value_basis: ValueBasis::Profit,
            ..AnalyticsConfig::default()
        };
        let facts = [
            active(1, 2_000, "2025-06-01"),
            MemberFacts {
                profit_365_cents: 1_500,
                ..active(1, 1_500, "2025-06-01")
            },
        ];
        let tiers: Vec<_> = scored(&facts, &config).iter().map(|s| s.qualified_tier).collect();
        assert_eq!(tiers, [Tier::B, Tier::A]);
    }

    #[test]
    fn share_sums_do_not_suffer_float_noise() {
        // 0.1 + 0.2 is 0.30000000000000004 in f64; with n = 10 a member with exactly 3 above
        // has share 0.3, which is not < 0.3: C, not B.
        let config = AnalyticsConfig {
            tier_policy: TierPolicy::Percentile {
                a_share: 0.1,
                b_share: 0.2,
            },
            ..AnalyticsConfig::default()
        };
        let facts: Vec<_> = (1..=10).map(|m| active(1, m * 100, "2025-06-01")).collect();
        let tiers: Vec<_> = scored(&facts, &config).iter().map(|s| s.qualified_tier).collect();
        use Tier::*;
        assert_eq!(tiers, [C, C, C, C, C, C, C, B, B, A]);
    }
}
