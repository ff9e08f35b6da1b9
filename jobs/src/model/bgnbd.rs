//! BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005, "Counting
//! your customers the easy way: an alternative to the Pareto/NBD model",
//! Marketing Science 24(2); equation numbers below refer to that paper).
//!
//! While active, a customer buys as a Poisson process with rate λ ~ Gamma(r, α);
//! after every repeat purchase they drop out with probability p ~ Beta(a, b).
//! A customer is summarised by `x` (number of repeat purchases), `t_x` (time of
//! the last purchase, measured from the first) and `T` (time since the first
//! purchase), all in one time unit (days in Patron's jobs, weeks in the paper).

use serde::Serialize;

use super::optim::{self, Objective};
use super::special::{digamma, ln_gamma, log_add_exp};
use super::ModelError;

/// BG/NBD parameters: λ ~ Gamma(shape `r`, rate `alpha`), p ~ Beta(`a`, `b`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate heterogeneity.
    pub r: f64,
    /// Rate (in the model's time unit) of the purchase-rate heterogeneity.
    pub alpha: f64,
    /// First shape of the dropout-probability Beta distribution.
    pub a: f64,
    /// Second shape of the dropout-probability Beta distribution.
    pub b: f64,
}

/// `weight` customers sharing one summary (`x`, `t_x`, `T`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RfmGroup {
    /// Number of repeat purchases (purchases after the first).
    pub x: u32,
    /// Time of the last purchase, measured from the first (0 when `x` is 0).
    pub t_x: f64,
    /// `T` in the paper: time from the first purchase to the end of observation.
    pub t: f64,
    /// How many customers have this summary (need not be an integer).
    pub weight: f64,
}

/// A BG/NBD maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct BgNbdFit {
    /// The fitted parameters.
    pub params: BgNbdParams,
    /// Total log-likelihood (weighted sum over customers) at `params`.
    pub log_likelihood: f64,
    /// L-BFGS iterations used.
    pub iterations: u64,
}

/// Groups per-customer summaries `(x, t_x, T)` into [`RfmGroup`]s of
/// identical customers, sorted by (x, T, t_x).
pub fn group_customers<I>(customers: I) -> Vec<RfmGroup>
where
    I: IntoIterator<Item = (u32, f64, f64)>,
{
    // Sorting bit patterns is cheaper than hashing for millions of rows and
    // gives a deterministic order. `+ 0.0` folds −0.0 into +0.0; for the
    // non-negative values used here bit order equals numeric order.
    let mut keys: Vec<(u32, u64, u64)> = customers
        .into_iter()
        .map(|(x, t_x, t)| (x, (t + 0.0).to_bits(), (t_x + 0.0).to_bits()))
        .collect();
    keys.sort_unstable();
    let mut groups: Vec<RfmGroup> = Vec::new();
    let mut prev = None;
    for key in keys {
        match groups.last_mut() {
            Some(g) if prev == Some(key) => g.weight += 1.0,
            _ => groups.push(RfmGroup {
                x: key.0,
                t_x: f64::from_bits(key.2),
                t: f64::from_bits(key.1),
                weight: 1.0,
            }),
        }
        prev = Some(key);
    }
    groups
}

/// Fits the BG/NBD model by maximum likelihood (paper eq. 6) over grouped
/// customers, with L-BFGS on (ln r, ln α, ln a, ln b) and an analytic gradient.
///
/// Needs at least one customer with a repeat purchase (otherwise a and b are
/// not identified).
pub fn fit(groups: &[RfmGroup]) -> Result<BgNbdFit, ModelError> {
    let data = Prepared::new(groups)?;
    if data.pos.is_empty() {
        return Err(ModelError::InvalidInput(
            "BG/NBD needs at least one customer with a repeat purchase".into(),
        ));
    }
    // Start at r = a = b = 1 and α = mean T, so that the starting mean rate
    // r/α is about one purchase per average customer age.
    let alpha0 = if data.mean_t > 0.0 { data.mean_t } else { 1.0 };
    let init = vec![0.0, alpha0.ln(), 0.0, 0.0];
    let min = optim::minimise(&data, init)?;
    let params = BgNbdParams::from_log(&min.theta);
    Ok(BgNbdFit {
        params,
        log_likelihood: -min.value * data.total_weight,
        iterations: min.iterations,
    })
}

impl BgNbdParams {
    fn from_log(theta: &[f64]) -> Self {
        let p = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN).exp();
        Self {
            r: p(0),
            alpha: p(1),
            a: p(2),
            b: p(3),
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if ok(self.r) && ok(self.alpha) && ok(self.a) && ok(self.b) {
            Ok(())
        } else {
            Err(ModelError::InvalidParams(format!(
                "BG/NBD parameters must be finite and positive: {self:?}"
            )))
        }
    }

    /// Total log-likelihood (paper eq. 6, weighted by group size) of `groups`.
    pub fn log_likelihood(&self, groups: &[RfmGroup]) -> Result<f64, ModelError> {
        self.validate()?;
        let data = Prepared::new(groups)?;
        let theta = [self.r.ln(), self.alpha.ln(), self.a.ln(), self.b.ln()];
        let mut grad = [0.0; 4];
        Ok(-data.value_and_gradient(&theta, &mut grad) * data.total_weight)
    }

    /// ln of the odds that a customer with a repeat purchase is dead:
    /// ln[ a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) ] (the δ term in the
    /// denominator of eq. 10);
    /// −∞ when `x` is 0 (a customer cannot drop out before a repeat purchase).
    fn ln_dead_odds(&self, x: u32, t_x: f64, t: f64) -> f64 {
        if x == 0 {
            return f64::NEG_INFINITY;
        }
        let xf = f64::from(x);
        self.a.ln() - (self.b + xf - 1.0).ln() + (self.r + xf) * ((self.alpha + t).ln() - (self.alpha + t_x).ln())
    }

    /// Probability that a customer with summary (`x`, `t_x`, `T` = `t`) is
    /// still active at `T`: 1 / (1 + odds of being dead), the denominator of
    /// eq. 10 (Hardie's note "Computing P(alive) using the BG/NBD model").
    /// Always 1 when `x` is 0.
    pub fn p_alive(&self, x: u32, t_x: f64, t: f64) -> f64 {
        // Through exp of a log-odds so large exponents give 0, not NaN.
        1.0 / (1.0 + self.ln_dead_odds(x, t_x, t).exp())
    }

    /// Expected number of purchases in (T, T + `horizon`] of a customer with
    /// summary (`x`, `t_x`, `T` = `t`): the conditional expectation, eq. 10.
    pub fn expected_purchases(&self, horizon: f64, x: u32, t_x: f64, t: f64) -> Result<f64, ModelError> {
        self.validate()?;
        check_summary(x, t_x, t)?;
        if !(horizon.is_finite() && horizon >= 0.0) {
            return Err(ModelError::InvalidInput(format!(
                "horizon must be finite and >= 0, got {horizon}"
            )));
        }
        if horizon == 0.0 {
            return Ok(0.0);
        }
        let numerator = self.eq10_numerator(horizon, f64::from(x), t)?;
        Ok(numerator / (1.0 + self.ln_dead_odds(x, t_x, t).exp()))
    }

    /// Expected purchases in (0, `horizon`] of a newly acquired customer
    /// (unconditional, paper eq. 9; repeat purchases after the first).
    pub fn expected_purchases_new(&self, horizon: f64) -> Result<f64, ModelError> {
        // Eq. 9 is eq. 10 with x = 0 and T = 0.
        self.expected_purchases(horizon, 0, 0.0, 0.0)
    }

    /// The numerator of eq. 10,
    ///   (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^(r+x) ₂F₁(r+x, b+x; a+b+x−1; z)],
    /// z = t/(α+T+t), rewritten to stay finite and accurate everywhere.
    ///
    /// Euler's transformation ₂F₁(A,B;C;z) = (1−z)^(C−A−B) ₂F₁(C−A,C−B;C;z)
    /// turns (1−z)^(r+x) ₂F₁(...) into (1−z)^(a−1) ₂F₁(a+b−1−r, a−1; C; z),
    /// C = a+b+x−1: the huge factors that grow with x cancel, and the new
    /// series converges even at z = 1 (C − A' − B' = r+x+1−a > 0 usually).
    /// Splitting off the series' leading 1 and dividing by (a−1) term by term,
    /// with (a−1)ₙ/(a−1) = (a)ₙ₋₁ and C/(C)ₙ = 1/(C+1)ₙ₋₁, gives
    ///   C · [1 − (1−z)^(a−1)]/(a−1) − (1−z)^(a−1) Σₙ≥₁ (A')ₙ (a)ₙ₋₁ zⁿ / ((C+1)ₙ₋₁ n!),
    /// which has no singularity at a = 1 and no 1 − (≈1) cancellation.
    fn eq10_numerator(&self, horizon: f64, x: f64, t: f64) -> Result<f64, ModelError> {
        let Self { r, alpha, a, b } = *self;
        let c = a + b + x - 1.0;
        let z = horizon / (alpha + t + horizon);
        let ln_one_minus_z = -(horizon / (alpha + t)).ln_1p();
        let am1 = a - 1.0;
        // [1 − (1−z)^(a−1)]/(a−1), with its limit −ln(1−z) at a = 1.
        let e1 = if am1 == 0.0 {
            -ln_one_minus_z
        } else {
            -(am1 * ln_one_minus_z).exp_m1() / am1
        };
        let tail = hyp_tail(a + b - 1.0 - r, a, c, z)?;
        Ok(c * e1 - (am1 * ln_one_minus_z).exp() * tail)
    }
}

/// Σₙ≥₁ (A)ₙ (a)ₙ₋₁ zⁿ / ((C+1)ₙ₋₁ n!) for 0 ≤ z < 1 (see `eq10_numerator`).
///
/// Term ratio: tₙ₊₁/tₙ = (A+n)(a+n−1) z / ((C+n)(n+1)). The sum stops once the
/// ratio is below 1 and a geometric bound on the rest of the tail is below
/// 1e-16 of the sum.
fn hyp_tail(big_a: f64, a: f64, c: f64, z: f64) -> Result<f64, ModelError> {
    const MAX_TERMS: u32 = 2_000_000;
    let mut term = big_a * z;
    let mut sum = term;
    for n in 1..MAX_TERMS {
        let nf = f64::from(n);
        let ratio = (big_a + nf) * (a + nf - 1.0) * z / ((c + nf) * (nf + 1.0));
        term *= ratio;
        sum += term;
        // The ratios tend to z, so bound the tail by 1/(1 − max(|ratio|, z)).
        let rho = ratio.abs().max(z);
        if term == 0.0 || (rho < 1.0 && term.abs() <= 1e-16 * sum.abs() * (1.0 - rho)) {
            return Ok(sum);
        }
        if !sum.is_finite() {
            break;
        }
    }
    Err(ModelError::SeriesNotConverged { z })
}

fn check_summary(x: u32, t_x: f64, t: f64) -> Result<(), ModelError> {
    let ok = t_x.is_finite() && t.is_finite() && t_x >= 0.0 && t_x <= t;
    if ok || (x == 0 && t.is_finite() && t >= 0.0) {
        Ok(())
    } else {
        Err(ModelError::InvalidInput(format!(
            "need 0 <= t_x <= T, got x = {x}, t_x = {t_x}, T = {t}"
        )))
    }
}

/// A time value (T or t_x) of a group: its index in the table of distinct
/// values when there is a table, else the value's bits (one u64 either way
/// keeps the hot loop's groups at 32 bytes).
#[derive(Debug, Clone, Copy)]
struct TimeRef(u64);

impl TimeRef {
    fn index(self) -> usize {
        self.0 as usize
    }

    fn value(self) -> f64 {
        f64::from_bits(self.0)
    }
}

/// One group with a repeat purchase.
#[derive(Debug, Clone, Copy)]
struct PosGroup {
    t: TimeRef,
    t_x: TimeRef,
    w: f64,
    /// Index into the distinct x values.
    ix: u32,
}

/// One group without repeat purchases (only T matters).
#[derive(Debug, Clone, Copy)]
struct ZeroGroup {
    t: TimeRef,
    w: f64,
}

/// Below this many distinct values a table of ln(α+v) always pays off.
const SMALL_TABLE: usize = 4096;

/// The fit's view of the data. Terms of eq. 6 that depend only on x are
/// computed once per distinct x. ln(α+T) and ln(α+t_x) are computed once per
/// distinct value when values repeat a lot (day-grained data has at most
/// ~1100 of each) and the table is small enough to stay in cache; for
/// continuous times they are computed per group instead, which is cheaper
/// than cache misses on a table as large as the data.
struct Prepared {
    /// Distinct x values, ascending, and the total weight of each.
    xs: Vec<f64>,
    wx: Vec<f64>,
    /// Distinct T values, if worth tabulating.
    t_table: Option<Vec<f64>>,
    /// Distinct t_x values of groups with x > 0, if worth tabulating.
    tx_table: Option<Vec<f64>>,
    zero: Vec<ZeroGroup>,
    pos: Vec<PosGroup>,
    total_weight: f64,
    mean_t: f64,
}

/// Sorted distinct values, if there are at most `limit` of them.
fn distinct_table(mut values: Vec<f64>, limit: usize) -> Option<Vec<f64>> {
    values.sort_unstable_by(f64::total_cmp);
    values.dedup();
    (values.len() <= limit).then_some(values)
}

/// `value`'s index in `table`, or the value itself when there is no table.
fn time_ref(table: Option<&Vec<f64>>, value: f64) -> TimeRef {
    let value = value + 0.0; // −0.0 → +0.0
    match table {
        // Every value is in its table, so the search cannot fail.
        Some(t) => TimeRef(t.binary_search_by(|p| p.total_cmp(&value)).unwrap_or(0) as u64),
        None => TimeRef(value.to_bits()),
    }
}

/// ln(α+v) and its α-derivative 1/(α+v).
#[inline]
fn ln_and_inv(alpha: f64, v: f64) -> (f64, f64) {
    let s = alpha + v;
    (s.ln(), 1.0 / s)
}

impl Prepared {
    fn new(groups: &[RfmGroup]) -> Result<Self, ModelError> {
        // A table pays off when it is small or values repeat ~8+ times.
        Self::with_table_limit(groups, SMALL_TABLE.max(groups.len() / 8))
    }

    /// As `new`, tabulating T (and t_x) only if they take at most
    /// `table_limit` distinct values (tests pass 0 to force the per-group path).
    fn with_table_limit(groups: &[RfmGroup], table_limit: usize) -> Result<Self, ModelError> {
        let mut xs: Vec<u32> = Vec::new();
        let (mut ts, mut txs) = (Vec::new(), Vec::new());
        for g in groups {
            if !(g.weight.is_finite() && g.weight >= 0.0) {
                return Err(ModelError::InvalidInput(format!(
                    "weight must be finite and >= 0, got {}",
                    g.weight
                )));
            }
            check_summary(g.x, g.t_x, g.t)?;
            if g.weight > 0.0 {
                xs.push(g.x);
                ts.push(g.t + 0.0);
                if g.x > 0 {
                    txs.push(g.t_x + 0.0);
                }
            }
        }
        xs.sort_unstable();
        xs.dedup();
        let t_table = distinct_table(ts, table_limit);
        let tx_table = distinct_table(txs, table_limit);
        let mut wx = vec![0.0; xs.len()];
        let mut zero = Vec::new();
        let mut pos = Vec::new();
        let (mut total_weight, mut sum_t) = (0.0, 0.0);
        for g in groups.iter().filter(|g| g.weight > 0.0) {
            // Every x is in `xs`, so the search cannot fail.
            let ix = xs.binary_search(&g.x).unwrap_or(0);
            wx[ix] += g.weight;
            total_weight += g.weight;
            sum_t += g.weight * g.t;
            let t = time_ref(t_table.as_ref(), g.t);
            if g.x == 0 {
                zero.push(ZeroGroup { t, w: g.weight });
            } else {
                pos.push(PosGroup {
                    ix: ix as u32,
                    t,
                    t_x: time_ref(tx_table.as_ref(), g.t_x),
                    w: g.weight,
                });
            }
        }
        if total_weight <= 0.0 {
            return Err(ModelError::EmptyInput);
        }
        Ok(Self {
            xs: xs.into_iter().map(f64::from).collect(),
            wx,
            t_table,
            tx_table,
            zero,
            pos,
            total_weight,
            mean_t: sum_t / total_weight,
        })
    }

    /// The per-group part of the log-likelihood and its r- and α-derivatives;
    /// adds each x's Σ w·p₄ into `p4_by_x`. `at_t` / `at_tx` give
    /// (ln(α+v), 1/(α+v)) for a group's T / t_x, from a table or computed.
    fn sum_groups(
        &self,
        r: f64,
        c4: &[f64],
        p4_by_x: &mut [f64],
        at_t: impl Fn(TimeRef) -> (f64, f64),
        at_tx: impl Fn(TimeRef) -> (f64, f64),
    ) -> (f64, f64, f64) {
        let (mut ll, mut d_r, mut d_alpha) = (0.0, 0.0, 0.0);
        // x = 0: ln L = A₁ + A₂ + A₃ with A₃ = −r ln(α+T).
        for g in &self.zero {
            let (ln_big, inv_big) = at_t(g.t);
            ll -= g.w * r * ln_big;
            d_r -= g.w * ln_big;
            d_alpha -= g.w * r * inv_big;
        }
        // x > 0: log-sum-exp of A₃ and A₄; `p4` is A₄'s share
        // e^A₄/(e^A₃+e^A₄), which weights A₄'s derivatives against A₃'s.
        for g in &self.pos {
            let ix = g.ix as usize;
            let rx = r + self.xs[ix];
            let (ln_big, inv_big) = at_t(g.t);
            let (ln_small, inv_small) = at_tx(g.t_x);
            let (lse, p4) = log_add_exp(-rx * ln_big, c4[ix] - rx * ln_small);
            ll += g.w * lse;
            d_r -= g.w * (ln_big + p4 * (ln_small - ln_big));
            d_alpha -= g.w * rx * (inv_big + p4 * (inv_small - inv_big));
            p4_by_x[ix] += g.w * p4;
        }
        (ll, d_r, d_alpha)
    }
}

impl Objective for Prepared {
    /// Mean negative log-likelihood of eq. 6 and its gradient over
    /// θ = (ln r, ln α, ln a, ln b).
    ///
    /// Per customer, in logs (the same split as the `lifetimes` library):
    ///   ln L = A₁ + A₂ + ln(e^A₃ + δ_{x>0} e^A₄)
    ///   A₁ = lnΓ(r+x) − lnΓ(r) + r ln α
    ///   A₂ = lnΓ(a+b) + lnΓ(b+x) − lnΓ(b) − lnΓ(a+b+x)
    ///   A₃ = −(r+x) ln(α+T)
    ///   A₄ = ln a − ln(b+x−1) − (r+x) ln(α+t_x)
    /// A₁ and A₂ depend on x only; per group only A₃, A₄ and their log-sum-exp.
    fn value_and_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let BgNbdParams { r, alpha, a, b } = BgNbdParams::from_log(theta);
        let ln_alpha = alpha.ln();
        let ln_a = a.ln();

        // Per x: A₁ + A₂ (times the weight of that x) and their derivatives.
        let (lg_r, lg_b, lg_ab) = (ln_gamma(r), ln_gamma(b), ln_gamma(a + b));
        let (dg_r, dg_b, dg_ab) = (digamma(r), digamma(b), digamma(a + b));
        let (mut ll, mut d_r, mut d_alpha, mut d_a, mut d_b) = (0.0, 0.0, 0.0, 0.0, 0.0);
        let mut c4 = Vec::with_capacity(self.xs.len());
        let mut inv_bx1 = Vec::with_capacity(self.xs.len());
        for (&x, &w) in self.xs.iter().zip(&self.wx) {
            ll += w * (ln_gamma(r + x) - lg_r + r * ln_alpha + lg_ab + ln_gamma(b + x) - lg_b - ln_gamma(a + b + x));
            let dg_abx = digamma(a + b + x);
            d_r += w * (digamma(r + x) - dg_r + ln_alpha);
            d_alpha += w * r / alpha;
            d_a += w * (dg_ab - dg_abx);
            d_b += w * (dg_ab + digamma(b + x) - dg_b - dg_abx);
            // A₄'s x-only part. x = 0 has no A₄ term; its slot must stay
            // finite (b + x − 1 may be 0 there, and 0 · ∞ is NaN).
            if x > 0.0 {
                c4.push(ln_a - (b + x - 1.0).ln());
                inv_bx1.push(1.0 / (b + x - 1.0));
            } else {
                c4.push(0.0);
                inv_bx1.push(0.0);
            }
        }

        // Per group, with ln(α+v) tabulated or computed (see `Prepared`).
        let tabulate = |t: &Option<Vec<f64>>| {
            t.as_ref()
                .map(|v| v.iter().map(|&v| ln_and_inv(alpha, v)).collect::<Vec<_>>())
        };
        let (t_tab, tx_tab) = (tabulate(&self.t_table), tabulate(&self.tx_table));
        let direct = |t: TimeRef| ln_and_inv(alpha, t.value());
        let mut p4_by_x = vec![0.0; self.xs.len()];
        let (ll_g, d_r_g, d_alpha_g) = match (&t_tab, &tx_tab) {
            (Some(tt), Some(tx)) => self.sum_groups(r, &c4, &mut p4_by_x, |t| tt[t.index()], |t| tx[t.index()]),
            (Some(tt), None) => self.sum_groups(r, &c4, &mut p4_by_x, |t| tt[t.index()], direct),
            (None, Some(tx)) => self.sum_groups(r, &c4, &mut p4_by_x, direct, |t| tx[t.index()]),
            (None, None) => self.sum_groups(r, &c4, &mut p4_by_x, direct, direct),
        };
        ll += ll_g;
        d_r += d_r_g;
        d_alpha += d_alpha_g;
        // ∂A₄/∂a = 1/a, ∂A₄/∂b = −1/(b+x−1).
        for (p4, inv) in p4_by_x.iter().zip(&inv_bx1) {
            d_a += p4 / a;
            d_b -= p4 * inv;
        }

        // Mean negative log-likelihood; chain rule ∂/∂ln θ = θ ∂/∂θ.
        let n = self.total_weight;
        for (slot, v) in grad.iter_mut().zip([r * d_r, alpha * d_alpha, a * d_a, b * d_b]) {
            *slot = -v / n;
        }
        -ll / n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    /// Published CDNOW estimates (paper, section 5).
    const CDNOW: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414,
        a: 0.793,
        b: 2.426,
    };

    /// Plain power series of ₂F₁(a, b; c; z), for cross-checking only.
    fn hyp2f1_plain(a: f64, b: f64, c: f64, z: f64) -> f64 {
        let (mut term, mut sum) = (1.0, 1.0);
        for n in 0..100_000 {
            let nf = f64::from(n);
            term *= (a + nf) * (b + nf) / ((c + nf) * (nf + 1.0)) * z;
            sum += term;
            if term.abs() < 1e-17 * sum.abs() {
                break;
            }
        }
        sum
    }

    /// Eq. 10 evaluated literally (fine when z is not close to 1 and a ≠ 1).
    fn eq10_literal(p: &BgNbdParams, t: f64, x: u32, t_x: f64, big_t: f64) -> f64 {
        let xf = f64::from(x);
        let BgNbdParams { r, alpha, a, b } = *p;
        let z = t / (alpha + big_t + t);
        let f = hyp2f1_plain(r + xf, b + xf, a + b + xf - 1.0, z);
        let num = (a + b + xf - 1.0) / (a - 1.0) * (1.0 - ((alpha + big_t) / (alpha + big_t + t)).powf(r + xf) * f);
        let den = if x > 0 {
            1.0 + a / (b + xf - 1.0) * ((alpha + big_t) / (alpha + t_x)).powf(r + xf)
        } else {
            1.0
        };
        num / den
    }

    #[test]
    fn transformed_series_matches_literal_eq10() {
        for &(t, x, t_x, big_t) in &[
            (39.0, 2, 30.43, 38.86),
            (10.0, 0, 0.0, 20.0),
            (52.0, 7, 35.0, 38.0),
            (5.0, 1, 0.5, 30.0),
        ] {
            let fast = CDNOW.expected_purchases(t, x, t_x, big_t).unwrap();
            let slow = eq10_literal(&CDNOW, t, x, t_x, big_t);
            assert!((fast - slow).abs() < 1e-9 * slow.abs().max(1.0), "{fast} vs {slow}");
        }
    }

    #[test]
    fn expected_purchases_small_and_large_horizon_limits() {
        // Independent of eq. 10: for a tiny horizon h, E[Y(h)] ≈ h · P(alive) ·
        // E[λ | alive] and λ | alive ~ Gamma(r+x, α+T), so E[λ] = (r+x)/(α+T).
        let (x, t_x, big_t) = (3, 20.0, 35.0);
        let h = 1e-6;
        let e = CDNOW.expected_purchases(h, x, t_x, big_t).unwrap();
        let rate = CDNOW.p_alive(x, t_x, big_t) * (CDNOW.r + 3.0) / (CDNOW.alpha + big_t);
        assert!((e / h - rate).abs() < 1e-5 * rate, "{} vs {rate}", e / h);

        // For h → ∞ (and a > 1): a live customer buys again for sure and
        // then drops out with probability p after each purchase, so expects
        // 1/p more purchases; p | alive ~ Beta(a, b+x) gives E[1/p] =
        // (a+b+x−1)/(a−1). The limit is approached like (1−z)^(a−1).
        let p = BgNbdParams { a: 2.5, ..CDNOW };
        let e = p.expected_purchases(1e4 * (p.alpha + big_t), x, t_x, big_t).unwrap();
        let limit = p.p_alive(x, t_x, big_t) * (p.a + p.b + 3.0 - 1.0) / (p.a - 1.0);
        assert!((e - limit).abs() < 1e-4 * limit, "{e} vs {limit}");
    }

    #[test]
    fn expected_purchases_is_continuous_at_a_equal_one() {
        let at = |a: f64| {
            BgNbdParams { a, ..CDNOW }
                .expected_purchases(39.0, 2, 30.43, 38.86)
                .unwrap()
        };
        let (below, exact, above) = (at(1.0 - 1e-7), at(1.0), at(1.0 + 1e-7));
        assert!(exact.is_finite());
        assert!((below - exact).abs() < 1e-6 && (above - exact).abs() < 1e-6);
    }

    #[test]
    fn expected_purchases_rejects_bad_input() {
        assert!(CDNOW.expected_purchases(-1.0, 1, 1.0, 2.0).is_err());
        assert!(CDNOW.expected_purchases(1.0, 1, 3.0, 2.0).is_err());
        assert!(BgNbdParams { r: -1.0, ..CDNOW }
            .expected_purchases(1.0, 1, 1.0, 2.0)
            .is_err());
        assert_eq!(CDNOW.expected_purchases(0.0, 1, 1.0, 2.0), Ok(0.0));
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let groups = [
            RfmGroup {
                x: 0,
                t_x: 0.0,
                t: 38.0,
                weight: 5.0,
            },
            RfmGroup {
                x: 0,
                t_x: 0.0,
                t: 30.0,
                weight: 2.0,
            },
            RfmGroup {
                x: 1,
                t_x: 3.0,
                t: 38.0,
                weight: 3.0,
            },
            RfmGroup {
                x: 2,
                t_x: 30.43,
                t: 38.86,
                weight: 1.0,
            },
            RfmGroup {
                x: 7,
                t_x: 36.0,
                t: 37.0,
                weight: 1.5,
            },
        ];
        let data = Prepared::new(&groups).unwrap();
        let theta = [-0.9, 1.2, -0.3, 0.8];
        let mut grad = [0.0; 4];
        data.value_and_gradient(&theta, &mut grad);
        for i in 0..4 {
            let h = 1e-6;
            let (mut up, mut down) = (theta, theta);
            up[i] += h;
            down[i] -= h;
            let mut scratch = [0.0; 4];
            let fd =
                (data.value_and_gradient(&up, &mut scratch) - data.value_and_gradient(&down, &mut scratch)) / (2.0 * h);
            assert!((grad[i] - fd).abs() < 1e-6, "component {i}: {} vs {fd}", grad[i]);
        }
    }

    #[test]
    fn tabulated_and_per_group_times_agree() {
        // Enough repeated times that `new` builds both tables.
        let groups: Vec<RfmGroup> = (0..200u32)
            .map(|i| {
                let t = f64::from(20 + i % 7);
                let x = i % 5;
                let t_x = if x == 0 { 0.0 } else { f64::from(i % 11).min(t) };
                RfmGroup {
                    x,
                    t_x,
                    t,
                    weight: 1.0 + f64::from(i % 3),
                }
            })
            .collect();
        let tabulated = Prepared::new(&groups).unwrap();
        assert!(tabulated.t_table.is_some() && tabulated.tx_table.is_some());
        let per_group = Prepared::with_table_limit(&groups, 0).unwrap();
        assert!(per_group.t_table.is_none() && per_group.tx_table.is_none());
        let theta = [-1.4, 1.5, -0.2, 0.9];
        let (mut g1, mut g2) = ([0.0; 4], [0.0; 4]);
        let v1 = tabulated.value_and_gradient(&theta, &mut g1);
        let v2 = per_group.value_and_gradient(&theta, &mut g2);
        assert!((v1 - v2).abs() < 1e-12, "{v1} vs {v2}");
        for i in 0..4 {
            assert!((g1[i] - g2[i]).abs() < 1e-12, "component {i}: {} vs {}", g1[i], g2[i]);
        }
    }

    #[test]
    fn fit_without_dropouts_stays_finite() {
        // Everyone bought at the very end of observation: nobody looks dead,
        // so the likelihood keeps improving as the dropout probability → 0
        // (a → 0 or b → ∞). Either a finite answer or an error, never NaN.
        let groups: Vec<RfmGroup> = (1..=6u32)
            .map(|x| RfmGroup {
                x,
                t_x: 30.0,
                t: 30.0,
                weight: 10.0,
            })
            .collect();
        match fit(&groups) {
            Ok(f) => {
                let p = f.params;
                assert!(
                    [p.r, p.alpha, p.a, p.b, f.log_likelihood].iter().all(|v| v.is_finite()),
                    "{f:?}"
                );
            }
            Err(e) => assert!(
                matches!(e, ModelError::NotConverged { .. } | ModelError::Optimisation(_)),
                "{e}"
            ),
        }
    }

    #[test]
    fn grouping_merges_identical_customers() {
        let groups = group_customers([(1, 2.0, 5.0), (0, 0.0, 5.0), (1, 2.0, 5.0), (1, 2.0, 6.0)]);
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[0],
            RfmGroup {
                x: 0,
                t_x: 0.0,
                t: 5.0,
                weight: 1.0
            }
        );
        assert_eq!(
            groups[1],
            RfmGroup {
                x: 1,
                t_x: 2.0,
                t: 5.0,
                weight: 2.0
            }
        );
    }

    #[test]
    fn fit_rejects_degenerate_input() {
        assert_eq!(fit(&[]), Err(ModelError::EmptyInput));
        let no_repeat = [RfmGroup {
            x: 0,
            t_x: 0.0,
            t: 10.0,
            weight: 3.0,
        }];
        assert!(matches!(fit(&no_repeat), Err(ModelError::InvalidInput(_))));
        let bad = [RfmGroup {
            x: 1,
            t_x: 11.0,
            t: 10.0,
            weight: 1.0,
        }];
        assert!(matches!(fit(&bad), Err(ModelError::InvalidInput(_))));
    }
}
