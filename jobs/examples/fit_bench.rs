//! Times the purchase-model fits on 1,000,000 simulated customers.
//!
//! Customers are drawn from the BG/NBD process in days (first purchases spread
//! uniformly over three years, ages and last-purchase times in whole days, as
//! the nightly job computes them from dates), grouped into identical
//! summaries, and fitted; repeat buyers then get Gamma-Gamma mean spends in
//! cents. Run with:
//!
//!     cargo run --release -p jobs --example fit_bench [customers]

#[path = "../tests/sim/mod.rs"]
mod sim;

use std::time::Instant;

use jobs::model::{bgnbd, gamma_gamma, group_customers, group_spend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// CDNOW's weekly estimates with α rescaled to days.
const BGNBD_TRUTH: (f64, f64, f64, f64) = (0.243, 4.414 * 7.0, 0.793, 2.426);
const GG_TRUTH: (f64, f64, f64) = (6.25, 3.74, 15.44);
const HORIZON_DAYS: u32 = 3 * 365;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1_000_000,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(42);

    let started = Instant::now();
    let customers = sim::simulate_bgnbd(&mut rng, BGNBD_TRUTH, n, |rng| {
        f64::from(rng.gen_range(0..=HORIZON_DAYS))
    })?;
    let summaries: Vec<(u32, f64, f64)> = customers.iter().map(|c| (c.x, c.t_x.floor(), c.t)).collect();
    println!("simulated {n} customers in {:.3} s", started.elapsed().as_secs_f64());

    let started = Instant::now();
    let groups = group_customers(summaries.iter().copied());
    let group_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let fit = bgnbd::fit(&groups)?;
    let fit_secs = started.elapsed().as_secs_f64();
    println!(
        "BG/NBD: {} groups (grouping {group_secs:.3} s), fit {fit_secs:.3} s, {} iterations",
        groups.len(),
        fit.iterations
    );
    println!(
        "  truth  r={:.4} alpha={:.3} a={:.4} b={:.4}",
        BGNBD_TRUTH.0, BGNBD_TRUTH.1, BGNBD_TRUTH.2, BGNBD_TRUTH.3
    );
    println!(
        "  fitted r={:.4} alpha={:.3} a={:.4} b={:.4} LL={:.1}",
        fit.params.r, fit.params.alpha, fit.params.a, fit.params.b, fit.log_likelihood
    );

    let mut spend: Vec<(u32, f64)> = Vec::new();
    for &(x, ..) in summaries.iter().filter(|s| s.0 > 0) {
        // Mean spends in whole cents, at least one cent.
        let m = sim::simulate_mean_spend(&mut rng, GG_TRUTH, x)?;
        spend.push((x, (m * 100.0).round().max(1.0) / 100.0));
    }
    let started = Instant::now();
    let spend_groups = group_spend(spend.iter().copied());
    let group_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let gg = gamma_gamma::fit(&spend_groups)?;
    let fit_secs = started.elapsed().as_secs_f64();
    println!(
        "Gamma-Gamma: {} repeat buyers in {} groups (grouping {group_secs:.3} s), fit {fit_secs:.3} s, {} iterations",
        spend.len(),
        spend_groups.len(),
        gg.iterations
    );
    println!("  truth  p={:.3} q={:.3} v={:.3}", GG_TRUTH.0, GG_TRUTH.1, GG_TRUTH.2);
    println!(
        "  fitted p={:.3} q={:.3} v={:.3} LL={:.1}",
        gg.params.p, gg.params.q, gg.params.v, gg.log_likelihood
    );
    Ok(())
}
