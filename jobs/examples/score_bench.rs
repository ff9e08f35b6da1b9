//! Times the analytics scoring (`jobs::analytics::score`) on 1,000,000 synthetic members.
//!
//! Members join over five years; 10 % never buy. Buyers follow the BG/NBD process in days (CDNOW's
//! estimates, first purchases spread over three years before D) with Gamma-Gamma spend per
//! purchase day, so the run fits both models on ~400k distinct (x, t_x, T). Two thirds carry a
//! tier state from a previous run. Run with:
//!
//!     cargo run --release -p jobs --example score_bench [members]

use std::time::Instant;

use chrono::{Days, NaiveDate};
use jobs::analytics::{score, AnalyticsConfig, MemberFacts, Tier, TierState};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp1, Gamma};

/// CDNOW's weekly BG/NBD estimates with α rescaled to days, and Gamma-Gamma's (currency units).
const BGNBD: (f64, f64, f64, f64) = (0.243, 4.414 * 7.0, 0.793, 2.426);
const GG: (f64, f64, f64) = (6.25, 3.74, 15.44);
const HISTORY_DAYS: u32 = 3 * 365;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1_000_000,
    };
    let as_of = NaiveDate::from_ymd_opt(2025, 6, 30).ok_or("bad date")?;
    let started = Instant::now();
    let facts = simulate(n, as_of)?;
    println!("simulated {n} members in {:.3} s", started.elapsed().as_secs_f64());

    let mut summaries: Vec<(u32, u32, u32)> = facts
        .iter()
        .filter_map(|f| {
            let (first, last) = (f.first_purchase?, f.last_purchase?);
            let t = (as_of - first).num_days() as u32;
            Some((f.purchase_days - 1, (last - first).num_days() as u32, t))
        })
        .collect();
    let buyers = summaries.len();
    summaries.sort_unstable();
    summaries.dedup();
    println!("{buyers} buyers, {} distinct (x, t_x, T)", summaries.len());

    let config = AnalyticsConfig::default();
    let mut times = Vec::new();
    for run in 1..=3 {
        let started = Instant::now();
        let (scores, summary) = score(&facts, as_of, &config)?;
        let secs = started.elapsed().as_secs_f64();
        times.push(secs);
        if run == 1 {
            let with_clv = scores.iter().filter(|s| s.clv_cents.is_some()).count();
            println!("BG/NBD {:?}", summary.bgnbd);
            println!("Gamma-Gamma {:?}", summary.gamma_gamma);
            println!("{with_clv} members with a model CLV; KPIs {:?}", summary.kpis);
            println!("tiers {:?}", summary.tier_distribution);
            println!("layers {:?}", summary.layers);
        }
        println!("score run {run}: {secs:.3} s");
    }
    times.sort_by(f64::total_cmp);
    println!(
        "score: best {:.3} s, median {:.3} s for {n} members",
        times[0],
        times[times.len() / 2]
    );
    Ok(())
}

/// `n` members as the nightly aggregation would report them as of `as_of`.
fn simulate(n: usize, as_of: NaiveDate) -> Result<Vec<MemberFacts>, Box<dyn std::error::Error>> {
    let mut rng = ChaCha8Rng::seed_from_u64(2026);
    let (r, alpha, a, b) = BGNBD;
    let (p, q, v) = GG;
    let rate = Gamma::new(r, 1.0 / alpha)?;
    let dropout = Beta::new(a, b)?;
    let spend_rate = Gamma::new(q, 1.0 / v)?;
    let tiers = [Tier::A, Tier::B, Tier::C, Tier::D];
    let mut facts = Vec::with_capacity(n);
    for i in 0..n {
        let joined_days_ago = rng.gen_range(0..5 * 365_u64);
        let mut f = MemberFacts {
            member_id: i as i64 + 1,
            joined_on: as_of - Days::new(joined_days_ago),
            referred: rng.gen_bool(0.2),
            ..MemberFacts::default()
        };
        if rng.gen_range(0..3) > 0 {
            let below_since = rng.gen_bool(0.1).then(|| as_of - Days::new(rng.gen_range(1..60)));
            f.previous = Some(TierState {
                tier: tiers[rng.gen_range(0..4)],
                below_since,
            });
        }
        if rng.gen_bool(0.9) {
            let t = rng.gen_range(0..=HISTORY_DAYS);
            let lambda: f64 = rate.sample(&mut rng);
            let dropout_p: f64 = dropout.sample(&mut rng);
            let nu: f64 = spend_rate.sample(&mut rng);
            let day_value = Gamma::new(p, 1.0 / nu)?;
            let first = as_of - Days::new(u64::from(t));
            let buy = |f: &mut MemberFacts, day: u32, rng: &mut ChaCha8Rng| {
                // Days before D of this purchase day, and its spend in cents.
                let ago = t - day;
                let cents = (day_value.sample(rng) * 100.0).round().max(1.0) as i64;
                let orders = 1 + u32::from(rng.gen_bool(0.2));
                f.purchase_days += 1;
                f.orders_total += orders;
                f.spend_total_cents += cents;
                f.last_purchase = Some(first + Days::new(u64::from(day)));
                if ago < 365 {
                    f.frequency_365 += 1;
                    f.monetary_365_cents += cents;
                    f.profit_365_cents += cents * 2 / 5;
                } else if ago < 730 {
                    f.frequency_prev_365 += 1;
                }
                if ago < 90 {
                    f.days_last_90 += 1;
                } else if ago < 455 {
                    f.days_prior_365 += 1;
                }
                cents
            };
            f.first_purchase = Some(first);
            f.first_day_spend_cents = buy(&mut f, 0, &mut rng);
            let (mut now, mut last_day) = (0.0, 0);
            loop {
                let wait: f64 = Exp1.sample(&mut rng);
                now += wait / lambda;
                if now > f64::from(t) {
                    break;
                }
                // A second purchase on the same day is not another purchase day.
                let day = now.floor() as u32;
                if day > last_day {
                    buy(&mut f, day, &mut rng);
                    last_day = day;
                }
                if rng.gen::<f64>() < dropout_p {
                    break;
                }
            }
        }
        facts.push(f);
    }
    Ok(facts)
}
