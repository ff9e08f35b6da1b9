//! Special functions needed by the likelihoods and their gradients.

/// ln Γ(x) for x > 0 (libm's `lgamma`, accurate to a few ulp).
#[inline]
pub(crate) fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// Digamma ψ(x) = d/dx ln Γ(x) for x > 0.
///
/// Shifts x up with ψ(x) = ψ(x + 1) − 1/x until x ≥ 6, then uses the
/// asymptotic series ψ(x) ~ ln x − 1/(2x) − Σ B₂ₖ / (2k x²ᵏ) up to x⁻¹²,
/// whose first omitted term is below 1e-12 at x = 6.
pub(crate) fn digamma(x: f64) -> f64 {
    if x.is_nan() || x <= 0.0 || x.is_infinite() {
        return f64::NAN;
    }
    let mut x = x;
    let mut acc = 0.0;
    while x < 6.0 {
        acc -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0 - inv2 * 691.0 / 32760.0)))));
    acc + x.ln() - 0.5 * inv - series
}

/// ln(eᵃ + eᵇ) without overflow, together with the weight eᵇ / (eᵃ + eᵇ) of
/// the second term (needed for the gradient of a log-sum-exp).
#[inline]
pub(crate) fn log_add_exp(a: f64, b: f64) -> (f64, f64) {
    let d = b - a;
    // e = exp(−|d|) ∈ (0, 1]; 1 + e ∈ (1, 2] so a plain ln is accurate to
    // an absolute 1e-16, which is all a sum of log-likelihoods needs.
    let e = (-d.abs()).exp();
    let one_plus = 1.0 + e;
    let lse = a.max(b) + one_plus.ln();
    let w_b = if d >= 0.0 { 1.0 } else { e } / one_plus;
    (lse, w_b)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    #[test]
    fn digamma_known_values() {
        // ψ(1) = −γ (Euler–Mascheroni), ψ(1/2) = −γ − 2 ln 2, ψ(10) = H₉ − γ.
        let euler = 0.577_215_664_901_532_9;
        assert!((digamma(1.0) + euler).abs() < 1e-12);
        assert!((digamma(0.5) - (-euler - 2.0 * std::f64::consts::LN_2)).abs() < 1e-12);
        let h9: f64 = (1..=9).map(|k| 1.0 / k as f64).sum();
        assert!((digamma(10.0) - (h9 - euler)).abs() < 1e-12);
        assert!(digamma(0.0).is_nan());
    }

    #[test]
    fn digamma_is_derivative_of_ln_gamma() {
        for &x in &[0.05f64, 0.243, 0.793, 1.7, 4.414, 37.2, 512.0] {
            let h = 1e-5 * x.max(1.0);
            let fd = (ln_gamma(x + h) - ln_gamma(x - h)) / (2.0 * h);
            assert!((digamma(x) - fd).abs() < 1e-6 * (1.0 + fd.abs()), "x = {x}");
        }
    }

    #[test]
    fn log_add_exp_matches_naive_and_survives_extremes() {
        let (l, w) = log_add_exp(-1.0, -2.0);
        let naive = ((-1.0f64).exp() + (-2.0f64).exp()).ln();
        assert!((l - naive).abs() < 1e-15);
        assert!((w - (-2.0f64).exp() / ((-1.0f64).exp() + (-2.0f64).exp())).abs() < 1e-15);
        let (l, w) = log_add_exp(-2000.0, -1000.0);
        assert!((l + 1000.0).abs() < 1e-12 && (w - 1.0).abs() < 1e-15);
    }
}
