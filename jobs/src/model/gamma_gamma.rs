//! Gamma-Gamma model of average transaction value (Fader, Hardie & Lee 2005,
//! "The Gamma-Gamma model of monetary value", note at brucehardie.com).
//!
//! A customer's transaction values are i.i.d. Gamma(p, ν), ν ~ Gamma(q, v)
//! across customers. Only the mean m_x of a customer's x transactions is
//! needed; the model assumes value is independent of the purchase process,
//! and is fitted on customers with at least one repeat transaction.

use serde::Serialize;

use super::optim::{self, Objective};
use super::special::{digamma, ln_gamma};
use super::ModelError;

/// Gamma-Gamma parameters: transaction value ~ Gamma(shape `p`, rate ν),
/// ν ~ Gamma(shape `q`, rate `v`) (γ in the note).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaParams {
    /// Shape of a customer's transaction-value distribution.
    pub p: f64,
    /// Shape of the heterogeneity in the transaction-value rate ν.
    pub q: f64,
    /// Scale (rate parameter γ in the note) of the heterogeneity in ν.
    pub v: f64,
}

/// `weight` customers with `x` transactions of mean value `m_x`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SpendGroup {
    /// Number of transactions the mean is taken over (repeat purchases, ≥ 1).
    pub x: u32,
    /// Mean value of those transactions (> 0).
    pub m_x: f64,
    /// How many customers have this summary (need not be an integer).
    pub weight: f64,
}

/// A Gamma-Gamma maximum-likelihood fit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GammaGammaFit {
    /// The fitted parameters.
    pub params: GammaGammaParams,
    /// Total log-likelihood (weighted sum over customers) at `params`.
    pub log_likelihood: f64,
    /// L-BFGS iterations used.
    pub iterations: u64,
}

/// Groups per-customer `(x, m_x)` into [`SpendGroup`]s of identical
/// customers, sorted by (x, m_x).
pub fn group_spend<I>(customers: I) -> Vec<SpendGroup>
where
    I: IntoIterator<Item = (u32, f64)>,
{
    let mut keys: Vec<(u32, u64)> = customers.into_iter().map(|(x, m)| (x, (m + 0.0).to_bits())).collect();
    keys.sort_unstable();
    let mut groups: Vec<SpendGroup> = Vec::new();
    let mut prev = None;
    for key in keys {
        match groups.last_mut() {
            Some(g) if prev == Some(key) => g.weight += 1.0,
            _ => groups.push(SpendGroup {
                x: key.0,
                m_x: f64::from_bits(key.1),
                weight: 1.0,
            }),
        }
        prev = Some(key);
    }
    groups
}

/// Fits the Gamma-Gamma model by maximum likelihood over grouped customers,
/// with L-BFGS on (ln p, ln q, ln v) and an analytic gradient.
pub fn fit(groups: &[SpendGroup]) -> Result<GammaGammaFit, ModelError> {
    let data = Prepared::new(groups)?;
    // Start at p = 1, q = 2 (so the population mean p·v/(q−1) exists) and v
    // equal to the average spend, which makes that mean match the data.
    let init = vec![0.0, 2f64.ln(), data.mean_m.ln()];
    let min = optim::minimise(&data, init)?;
    Ok(GammaGammaFit {
        params: GammaGammaParams::from_log(&min.theta),
        log_likelihood: -min.value * data.total_weight,
        iterations: min.iterations,
    })
}

impl GammaGammaParams {
    fn from_log(theta: &[f64]) -> Self {
        let p = |i: usize| theta.get(i).copied().unwrap_or(f64::NAN).exp();
        Self {
            p: p(0),
            q: p(1),
            v: p(2),
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        let ok = |v: f64| v.is_finite() && v > 0.0;
        if ok(self.p) && ok(self.q) && ok(self.v) {
            Ok(())
        } else {
            Err(ModelError::InvalidParams(format!(
                "Gamma-Gamma parameters must be finite and positive: {self:?}"
            )))
        }
    }

    /// Total log-likelihood of `groups` (the note's marginal density of m_x,
    /// as in `Prepared::value_and_gradient`), weighted by group size.
    pub fn log_likelihood(&self, groups: &[SpendGroup]) -> Result<f64, ModelError> {
        self.validate()?;
        let data = Prepared::new(groups)?;
        let theta = [self.p.ln(), self.q.ln(), self.v.ln()];
        let mut grad = [0.0; 3];
        Ok(-data.value_and_gradient(&theta, &mut grad) * data.total_weight)
    }

    /// Population mean transaction value E[Z] = p·v/(q−1); needs q > 1.
    pub fn population_mean(&self) -> Result<f64, ModelError> {
        self.conditional_expected_value(0, 0.0)
    }

    /// Expected mean transaction value of a customer with `x` transactions of
    /// mean `m_x` (the note's conditional expectation):
    ///   E[M | p, q, v; m_x, x] = p (v + x m_x) / (p x + q − 1),
    /// a weighted average of the population mean p v/(q−1) and m_x.
    /// With `x` = 0 this is the population mean (`m_x` is ignored).
    pub fn conditional_expected_value(&self, x: u32, m_x: f64) -> Result<f64, ModelError> {
        self.validate()?;
        let xf = f64::from(x);
        let m = if x == 0 { 0.0 } else { m_x };
        if !(m.is_finite() && m >= 0.0) {
            return Err(ModelError::InvalidInput(format!(
                "mean transaction value must be finite and >= 0, got {m_x}"
            )));
        }
        let denominator = self.p * xf + self.q - 1.0;
        if denominator <= 0.0 {
            return Err(ModelError::InvalidParams(format!(
                "expected value is infinite: p·x + q − 1 = {denominator} <= 0"
            )));
        }
        Ok(self.p * (self.v + xf * m) / denominator)
    }
}

/// The fit's view of the data: distinct x with total weights (for the
/// Γ-function terms), per-group x·m_x and weights, and two data-only sums.
struct Prepared {
    xs: Vec<f64>,
    wx: Vec<f64>,
    /// Per group: (x, x·m_x, weight).
    groups: Vec<(f64, f64, f64)>,
    /// Σ w x (ln m_x + ln x) and Σ w ln m_x: the parameter-free factors of
    /// the (p x − 1) ln m_x + p x ln x terms.
    sum_wx_ln_xm: f64,
    sum_w_ln_m: f64,
    total_weight: f64,
    mean_m: f64,
}

impl Prepared {
    fn new(groups: &[SpendGroup]) -> Result<Self, ModelError> {
        let mut xs: Vec<u32> = Vec::new();
        for g in groups {
            if !(g.weight.is_finite() && g.weight >= 0.0) {
                return Err(ModelError::InvalidInput(format!(
                    "weight must be finite and >= 0, got {}",
                    g.weight
                )));
            }
            if g.x == 0 || !(g.m_x.is_finite() && g.m_x > 0.0) {
                return Err(ModelError::InvalidInput(format!(
                    "Gamma-Gamma needs x >= 1 and a positive finite mean value, got x = {}, m_x = {}",
                    g.x, g.m_x
                )));
            }
            if g.weight > 0.0 {
                xs.push(g.x);
            }
        }
        xs.sort_unstable();
        xs.dedup();
        let mut wx = vec![0.0; xs.len()];
        let mut out = Vec::with_capacity(groups.len());
        let (mut sum_wx_ln_xm, mut sum_w_ln_m, mut total_weight, mut sum_m) = (0.0, 0.0, 0.0, 0.0);
        for g in groups.iter().filter(|g| g.weight > 0.0) {
            let ix = xs.binary_search(&g.x).unwrap_or(0);
            wx[ix] += g.weight;
            let x = f64::from(g.x);
            let ln_m = g.m_x.ln();
            sum_wx_ln_xm += g.weight * x * (ln_m + x.ln());
            sum_w_ln_m += g.weight * ln_m;
            total_weight += g.weight;
            sum_m += g.weight * g.m_x;
            out.push((x, x * g.m_x, g.weight));
        }
        if total_weight <= 0.0 {
            return Err(ModelError::EmptyInput);
        }
        Ok(Self {
            xs: xs.into_iter().map(f64::from).collect(),
            wx,
            groups: out,
            sum_wx_ln_xm,
            sum_w_ln_m,
            total_weight,
            mean_m: sum_m / total_weight,
        })
    }
}

impl Objective for Prepared {
    /// Mean negative log-likelihood and its gradient over θ = (ln p, ln q, ln v).
    ///
    /// The density of m_x given x (the note, with ν integrated out):
    ///   ln f = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln v + (px−1) ln m_x
    ///          + px ln x − (px+q) ln(v + x m_x)
    /// (the same form as the `lifetimes` library). The Γ terms depend on x
    /// only; per group only ln(v + x m_x) and its derivative remain.
    fn value_and_gradient(&self, theta: &[f64], grad: &mut [f64]) -> f64 {
        let GammaGammaParams { p, q, v } = GammaGammaParams::from_log(theta);
        let n = self.total_weight;
        let (lg_q, dg_q) = (ln_gamma(q), digamma(q));

        // Γ-function terms, once per distinct x.
        let (mut ll, mut d_p, mut d_q) = (0.0, 0.0, 0.0);
        for (&x, &w) in self.xs.iter().zip(&self.wx) {
            let (px, pxq) = (p * x, p * x + q);
            ll += w * (ln_gamma(pxq) - ln_gamma(px) - lg_q);
            let dg_pxq = digamma(pxq);
            d_p += w * x * (dg_pxq - digamma(px));
            d_q += w * (dg_pxq - dg_q);
        }

        // Per group: L = ln(v + x m_x), accumulated as Σ w x L, Σ w L and the
        // same with 1/(v + x m_x) for the derivative in v.
        let (mut s_xl, mut s_l, mut s_xinv, mut s_inv) = (0.0, 0.0, 0.0, 0.0);
        for &(x, xm, w) in &self.groups {
            let denom = v + xm;
            let l = denom.ln();
            let inv = 1.0 / denom;
            s_xl += w * x * l;
            s_l += w * l;
            s_xinv += w * x * inv;
            s_inv += w * inv;
        }

        let ln_v = v.ln();
        ll += q * ln_v * n + p * self.sum_wx_ln_xm - self.sum_w_ln_m - p * s_xl - q * s_l;
        d_p += self.sum_wx_ln_xm - s_xl;
        d_q += n * ln_v - s_l;
        let d_v = q * n / v - p * s_xinv - q * s_inv;

        // Chain rule ∂/∂ln θ = θ ∂/∂θ, on the mean negative log-likelihood.
        for (slot, d) in grad.iter_mut().zip([p * d_p, q * d_q, v * d_v]) {
            *slot = -d / n;
        }
        -ll / n
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    const NOTE: GammaGammaParams = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };

    #[test]
    fn conditional_expectation_by_hand() {
        // CDNOW customer 1: x = 2 repeat purchases averaging $22.35.
        // p(v + x m)/(p x + q − 1) = 6.25 · (15.44 + 44.70) / (12.5 + 2.74)
        //                          = 375.875 / 15.24 = 24.6637...
        let e = NOTE.conditional_expected_value(2, 22.35).unwrap();
        assert!((e - 375.875 / 15.24).abs() < 1e-9, "{e}");
        // x = 0: population mean p v/(q − 1) = 96.5 / 2.74 = 35.2189...
        let mean = NOTE.conditional_expected_value(0, 123.0).unwrap();
        assert!((mean - 96.5 / 2.74).abs() < 1e-9, "{mean}");
        assert_eq!(NOTE.population_mean(), Ok(mean));
        // Heavy spenders are shrunk towards the mean, light ones lifted.
        assert!(NOTE.conditional_expected_value(5, 200.0).unwrap() < 200.0);
        assert!(NOTE.conditional_expected_value(5, 5.0).unwrap() > 5.0);
        // q ≤ 1: the population mean is infinite.
        let heavy = GammaGammaParams { q: 0.9, ..NOTE };
        assert!(heavy.population_mean().is_err());
    }

    #[test]
    fn likelihood_matches_direct_density() {
        // Direct transcription of the density for one customer.
        let (x, m) = (3.0f64, 17.5f64);
        let GammaGammaParams { p, q, v } = NOTE;
        let direct =
            ln_gamma(p * x + q) - ln_gamma(p * x) - ln_gamma(q) + q * v.ln() + (p * x - 1.0) * m.ln() + p * x * x.ln()
                - (p * x + q) * (v + x * m).ln();
        let groups = [SpendGroup {
            x: 3,
            m_x: m,
            weight: 2.0,
        }];
        let ll = NOTE.log_likelihood(&groups).unwrap();
        assert!((ll - 2.0 * direct).abs() < 1e-10, "{ll} vs {}", 2.0 * direct);
    }

    #[test]
    fn analytic_gradient_matches_finite_differences() {
        let groups = [
            SpendGroup {
                x: 1,
                m_x: 12.0,
                weight: 4.0,
            },
            SpendGroup {
                x: 2,
                m_x: 30.5,
                weight: 1.0,
            },
            SpendGroup {
                x: 6,
                m_x: 18.25,
                weight: 2.5,
            },
        ];
        let data = Prepared::new(&groups).unwrap();
        let theta = [1.2, 0.9, 2.5];
        let mut grad = [0.0; 3];
        data.value_and_gradient(&theta, &mut grad);
        for i in 0..3 {
            let h = 1e-6;
            let (mut up, mut down) = (theta, theta);
            up[i] += h;
            down[i] -= h;
            let mut scratch = [0.0; 3];
            let fd =
                (data.value_and_gradient(&up, &mut scratch) - data.value_and_gradient(&down, &mut scratch)) / (2.0 * h);
            assert!((grad[i] - fd).abs() < 1e-6, "component {i}: {} vs {fd}", grad[i]);
        }
    }

    #[test]
    fn fit_rejects_bad_input() {
        assert_eq!(fit(&[]), Err(ModelError::EmptyInput));
        let zero_x = [SpendGroup {
            x: 0,
            m_x: 10.0,
            weight: 1.0,
        }];
        assert!(matches!(fit(&zero_x), Err(ModelError::InvalidInput(_))));
        let bad_m = [SpendGroup {
            x: 1,
            m_x: -1.0,
            weight: 1.0,
        }];
        assert!(matches!(fit(&bad_m), Err(ModelError::InvalidInput(_))));
    }

    #[test]
    fn grouping_merges_identical_customers() {
        let groups = group_spend([(1, 5.0), (2, 5.0), (1, 5.0)]);
        assert_eq!(
            groups,
            vec![
                SpendGroup {
                    x: 1,
                    m_x: 5.0,
                    weight: 2.0
                },
                SpendGroup {
                    x: 2,
                    m_x: 5.0,
                    weight: 1.0
                },
            ]
        );
    }
}
