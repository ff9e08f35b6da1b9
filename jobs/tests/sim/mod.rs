//! Simulators for the generative processes behind the purchase models, shared
//! by the integration tests and `examples/fit_bench.rs` (which includes this
//! file with `#[path]`). Not a test binary of its own: it lives in a folder.

#![allow(dead_code)]

use std::error::Error;

use rand::Rng;
use rand_distr::{Beta, Distribution, Exp1, Gamma};

/// One simulated customer: repeat purchases `x`, last purchase `t_x`, age `t`.
#[derive(Debug, Clone, Copy)]
pub struct SimCustomer {
    pub x: u32,
    pub t_x: f64,
    pub t: f64,
}

/// BG/NBD process (Fader, Hardie & Lee 2005, section 3): λ ~ Gamma(r, rate α),
/// p ~ Beta(a, b); purchases arrive as a Poisson(λ) process from the first
/// purchase at time 0, and after each repeat purchase the customer drops out
/// with probability p. `age` draws each customer's T.
pub fn simulate_bgnbd<R: Rng>(
    rng: &mut R,
    (r, alpha, a, b): (f64, f64, f64, f64),
    n: usize,
    mut age: impl FnMut(&mut R) -> f64,
) -> Result<Vec<SimCustomer>, Box<dyn Error>> {
    let rate = Gamma::new(r, 1.0 / alpha)?;
    let dropout = Beta::new(a, b)?;
    Ok((0..n)
        .map(|_| {
            let t = age(rng);
            let lambda: f64 = rate.sample(rng);
            let p: f64 = dropout.sample(rng);
            let (mut x, mut t_x, mut now) = (0, 0.0, 0.0);
            loop {
                // Exp(1)/λ is an Exp(λ) waiting time (∞ when λ underflows to 0).
                let wait: f64 = Exp1.sample(rng);
                now += wait / lambda;
                if now > t {
                    break;
                }
                x += 1;
                t_x = now;
                if rng.gen::<f64>() < p {
                    break;
                }
            }
            SimCustomer { x, t_x, t }
        })
        .collect())
}

/// Gamma-Gamma process: ν ~ Gamma(q, rate v) per customer; each transaction
/// value ~ Gamma(p, rate ν), so the mean of x of them ~ Gamma(p x, rate x ν).
pub fn simulate_mean_spend<R: Rng>(rng: &mut R, (p, q, v): (f64, f64, f64), x: u32) -> Result<f64, Box<dyn Error>> {
    let nu: f64 = Gamma::new(q, 1.0 / v)?.sample(rng);
    let xf = f64::from(x);
    Ok(Gamma::new(p * xf, 1.0 / (xf * nu))?.sample(rng))
}
