//! Discounted customer lifetime value from a BG/NBD purchase model and an
//! expected value per purchase (typically Gamma-Gamma's conditional
//! expectation).
//!
//! Follows the `lifetimes` library's `customer_lifetime_value`: split the
//! horizon into steps (30-day "months"), take the expected purchases in each
//! step as the increment of the cumulative conditional expectation (BG/NBD
//! eq. 10), and discount each step's value from the end of the step. Unlike
//! `lifetimes` the rate is annual: a step ending d days out is discounted by
//! (1 + rate)^(months/12) with months = d/30, i.e. a 360-day year of twelve
//! 30-day months.

use serde::Serialize;

use super::bgnbd::BgNbdParams;
use super::ModelError;

/// Days in one discounting month (as in `lifetimes` with `freq="D"`).
const DAYS_PER_MONTH: f64 = 30.0;

/// How to turn expected purchases into a discounted value.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ClvSettings {
    /// Length of the prediction horizon, in days.
    pub horizon_days: f64,
    /// Annual discount rate, e.g. 0.10 for 10 % a year.
    pub annual_discount_rate: f64,
    /// Length of one discounting step in days (30 by default).
    pub days_per_step: f64,
    /// Days per time unit of the BG/NBD model (1 if fitted in days, 7 in weeks).
    pub days_per_time_unit: f64,
}

impl ClvSettings {
    /// Monthly (30-day) steps for a model fitted in days.
    pub fn new(horizon_days: f64, annual_discount_rate: f64) -> Self {
        Self {
            horizon_days,
            annual_discount_rate,
            days_per_step: DAYS_PER_MONTH,
            days_per_time_unit: 1.0,
        }
    }

    fn validate(&self) -> Result<(), ModelError> {
        let valid = self.horizon_days.is_finite()
            && self.horizon_days >= 0.0
            && self.annual_discount_rate.is_finite()
            && self.annual_discount_rate > -1.0
            && self.days_per_step.is_finite()
            && self.days_per_step > 0.0
            && self.days_per_time_unit.is_finite()
            && self.days_per_time_unit > 0.0;
        if !valid {
            return Err(ModelError::InvalidInput(format!("invalid CLV settings: {self:?}")));
        }
        Ok(())
    }
}

/// Discounted model CLV of a customer with BG/NBD summary (`x`, `t_x`,
/// `T` = `t`, in the model's time unit):
///   Σ_steps value_per_purchase · [E(end of step) − E(start of step)] / (1 + rate)^(years to end of step)
/// where E(h) is [`BgNbdParams::expected_purchases`] over the next h.
pub fn discounted_clv(
    model: &BgNbdParams,
    x: u32,
    t_x: f64,
    t: f64,
    value_per_purchase: f64,
    settings: &ClvSettings,
) -> Result<f64, ModelError> {
    settings.validate()?;
    if !value_per_purchase.is_finite() {
        return Err(ModelError::InvalidInput(format!(
            "value per purchase must be finite, got {value_per_purchase}"
        )));
    }
    let steps = (settings.horizon_days / settings.days_per_step).ceil() as u64;
    let ln_growth = settings.annual_discount_rate.ln_1p();
    let mut clv = 0.0;
    let mut cumulative_before = 0.0;
    for i in 1..=steps {
        // The last step may be shorter than the others.
        let end_days = (i as f64 * settings.days_per_step).min(settings.horizon_days);
        let cumulative = model.expected_purchases(end_days / settings.days_per_time_unit, x, t_x, t)?;
        let years = end_days / DAYS_PER_MONTH / 12.0;
        clv += value_per_purchase * (cumulative - cumulative_before) * (-ln_growth * years).exp();
        cumulative_before = cumulative;
    }
    Ok(clv)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)] // a panic is how a test reports failure
mod tests {
    use super::*;

    const DAILY: BgNbdParams = BgNbdParams {
        r: 0.243,
        alpha: 4.414 * 7.0,
        a: 0.793,
        b: 2.426,
    };

    #[test]
    fn no_discount_telescopes_to_total_expected_purchases() {
        let clv = discounted_clv(&DAILY, 2, 213.0, 272.0, 25.0, &ClvSettings::new(365.0, 0.0)).unwrap();
        let total = DAILY.expected_purchases(365.0, 2, 213.0, 272.0).unwrap();
        assert!((clv - 25.0 * total).abs() < 1e-9, "{clv} vs {}", 25.0 * total);
    }

    #[test]
    fn discounting_by_hand_for_two_months() {
        // Two 30-day months at 12 % a year: month k is worth 1.12^(−k/12).
        let e = |d: f64| DAILY.expected_purchases(d, 4, 100.0, 150.0).unwrap();
        let by_hand = 40.0 * (e(30.0) / 1.12f64.powf(1.0 / 12.0) + (e(60.0) - e(30.0)) / 1.12f64.powf(2.0 / 12.0));
        let clv = discounted_clv(&DAILY, 4, 100.0, 150.0, 40.0, &ClvSettings::new(60.0, 0.12)).unwrap();
        assert!((clv - by_hand).abs() < 1e-9, "{clv} vs {by_hand}");
        // A partial last step is discounted from the horizon itself.
        let short = discounted_clv(&DAILY, 4, 100.0, 150.0, 40.0, &ClvSettings::new(45.0, 0.12)).unwrap();
        let by_hand = 40.0 * (e(30.0) / 1.12f64.powf(1.0 / 12.0) + (e(45.0) - e(30.0)) / 1.12f64.powf(1.5 / 12.0));
        assert!((short - by_hand).abs() < 1e-9, "{short} vs {by_hand}");
    }

    #[test]
    fn weekly_model_matches_daily_model() {
        // The same model in weeks: α scales with the time unit, r, a, b do not.
        let weekly = BgNbdParams { alpha: 4.414, ..DAILY };
        let settings = ClvSettings {
            days_per_time_unit: 7.0,
            ..ClvSettings::new(730.0, 0.1)
        };
        let w = discounted_clv(&weekly, 2, 30.43, 38.86, 25.0, &settings).unwrap();
        let d = discounted_clv(&DAILY, 2, 30.43 * 7.0, 38.86 * 7.0, 25.0, &ClvSettings::new(730.0, 0.1)).unwrap();
        assert!((w - d).abs() < 1e-9 * d, "{w} vs {d}");
    }

    #[test]
    fn higher_rate_is_worth_less_and_bad_settings_fail() {
        let clv = |rate| discounted_clv(&DAILY, 1, 10.0, 90.0, 30.0, &ClvSettings::new(1095.0, rate)).unwrap();
        assert!(clv(0.2) < clv(0.05) && clv(0.05) < clv(0.0));
        assert!(discounted_clv(&DAILY, 1, 10.0, 90.0, 30.0, &ClvSettings::new(-1.0, 0.1)).is_err());
        assert!(discounted_clv(&DAILY, 1, 10.0, 90.0, f64::NAN, &ClvSettings::new(30.0, 0.1)).is_err());
        assert_eq!(
            discounted_clv(&DAILY, 1, 10.0, 90.0, 30.0, &ClvSettings::new(0.0, 0.1)),
            Ok(0.0)
        );
    }
}
