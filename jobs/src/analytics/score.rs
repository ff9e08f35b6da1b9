//! Facts → per-member scores and the run summary: pure Rust, no database.
//!
//! One pass computes what each member's own facts decide; the parts that compare members (RFM
//! ranks, percentile tiers, medians, the model fits) each sort or select once over a shared
//! scratch buffer. A run is O(n log n) and allocates nothing per member beyond the output (and
//! the reason text of a tier change).
//!
//! * `rank`: RFM scores and percentile tiers (cume-dist over sorted values);
//! * `tier`: tier qualification by thresholds and the downgrade grace period;
//! * `purchase`: BG/NBD + Gamma-Gamma fits, evaluated once per distinct summary;
//! * `segment`: quadrants (strict-median rule), layers, drift flags;
//! * `kpi`: brand KPIs and the run summary's counts.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::analytics::config::{AnalyticsConfig, TierPolicy};
use crate::analytics::facts::{MemberFacts, Tier, TierState};
use crate::model::{BgNbdFit, GammaGammaFit, ModelError};

mod kpi;
mod purchase;
mod rank;
mod segment;
#[cfg(test)]
mod test_support;
mod tier;

pub use entity::vocabulary::{Layer, LoyaltyQuadrant, Strategy, ValueQuadrant};

/// A tier change to record in the tier history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierChange {
    pub old: Option<Tier>,
    pub new: Tier,
    pub reason: String,
}

/// Everything the run computes for one member. Money in cents.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberScores {
    pub member_id: i64,
    pub recency_days: Option<i64>,
    pub avg_order_value_cents: Option<i64>,
    pub r_score: Option<u8>,
    pub f_score: Option<u8>,
    pub m_score: Option<u8>,
    /// The tier the member qualifies for today, before the grace period applies.
    pub qualified_tier: Tier,
    /// The tier after this run, with its grace bookkeeping.
    pub state: TierState,
    pub change: Option<TierChange>,
    /// `None` for members who never bought, or when the model could not be fitted.
    pub p_alive: Option<f64>,
    pub expected_purchases_365: Option<f64>,
    pub expected_value_365_cents: Option<i64>,
    pub clv_cents: Option<i64>,
    pub simple_clv_cents: i64,
    pub loyalty_quadrant: LoyaltyQuadrant,
    pub value_quadrant: ValueQuadrant,
    pub layer: Layer,
    pub declining: bool,
    pub lapsed: bool,
}

/// Brand KPIs of one run (shares as fractions 0–1).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Members with a purchase day in the window.
    pub active_members: u64,
    /// Share of active members with at least two purchase days in the window.
    pub repurchase_rate: f64,
    /// Share of members active in the previous window with no purchase in this one.
    pub churn_rate: f64,
    /// Share of members who joined in the window that were referred by a member.
    pub referral_rate: f64,
    /// Share of window revenue from the top 20% of active members by spend.
    pub top20_revenue_share: f64,
}

/// What a run reports beside the per-member scores.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    pub members: u64,
    pub bgnbd: Option<BgNbdFit>,
    pub gamma_gamma: Option<GammaGammaFit>,
    pub kpis: Kpis,
    /// Tier → members.
    pub tier_distribution: BTreeMap<String, u64>,
    /// Previous tier ("none" before the first run) → new tier → members.
    pub tier_migration: BTreeMap<String, BTreeMap<String, u64>>,
    pub loyalty_quadrants: BTreeMap<String, u64>,
    pub value_quadrants: BTreeMap<String, u64>,
    pub layers: BTreeMap<String, u64>,
    pub declining: u64,
    pub lapsed: u64,
}

/// Scores every member as of `as_of` (see docs/concepts.md).
///
/// Fails only on an unusable configuration or more than `u32::MAX` members. When a purchase model
/// cannot be fitted (too few members, nobody with a repeat purchase) the run still succeeds: the
/// fields that need that model are `None`, and so is its fit in the summary.
pub fn score(
    facts: &[MemberFacts],
    as_of: NaiveDate,
    config: &AnalyticsConfig,
) -> Result<(Vec<MemberScores>, RunSummary), ModelError> {
    check_config(config)?;
    if u32::try_from(facts.len()).is_err() {
        return Err(ModelError::InvalidInput(format!("too many members: {}", facts.len())));
    }
    let mut scores: Vec<MemberScores> = facts.iter().map(|f| own_figures(f, as_of, config)).collect();
    // (value, member index) pairs, reused by every ranking and median.
    let mut scratch: Vec<(i64, u32)> = Vec::with_capacity(facts.len());

    rank::rfm_scores(facts, &mut scores, &mut scratch);
    if let TierPolicy::Percentile { a_share, b_share } = config.tier_policy {
        rank::percentile_tiers(facts, config.value_basis, a_share, b_share, &mut scores, &mut scratch);
    }
    for (f, s) in facts.iter().zip(&mut scores) {
        (s.state, s.change) = tier::next_state(f.previous, s.qualified_tier, as_of, config.downgrade_grace_days);
    }
    let fits = purchase::apply(facts, as_of, config, &mut scores);
    segment::apply(facts, as_of, config, &mut scores, &mut scratch);
    let summary = kpi::summarise(facts, &scores, as_of, fits, &mut scratch);
    Ok((scores, summary))
}

/// What a member's own facts decide; the cross-member fields start at placeholders that later
/// passes overwrite.
fn own_figures(f: &MemberFacts, as_of: NaiveDate, config: &AnalyticsConfig) -> MemberScores {
    let qualified_tier = match config.tier_policy {
        TierPolicy::Thresholds { .. } => tier::qualify_by_thresholds(f, &config.tier_policy),
        // Ranked across members later; until then only "bought in the window or not" is known.
        TierPolicy::Percentile { .. } if f.frequency_365 >= 1 => Tier::C,
        TierPolicy::Percentile { .. } => Tier::D,
    };
    MemberScores {
        member_id: f.member_id,
        recency_days: f.last_purchase.map(|last| (as_of - last).num_days()),
        avg_order_value_cents: (f.orders_total > 0).then(|| div_round(f.spend_total_cents, i64::from(f.orders_total))),
        r_score: None,
        f_score: None,
        m_score: None,
        qualified_tier,
        state: TierState {
            tier: qualified_tier,
            below_since: None,
        },
        change: None,
        p_alive: None,
        expected_purchases_365: None,
        expected_value_365_cents: None,
        clv_cents: None,
        simple_clv_cents: round_cents(f.profit_365_cents as f64 * config.lifecycle_years).unwrap_or(0),
        loyalty_quadrant: LoyaltyQuadrant::Stranger,
        value_quadrant: ValueQuadrant::Dog,
        layer: Layer::Potential,
        declining: segment::declining(f),
        lapsed: false,
    }
}

/// Rejects settings the model or the formulas cannot use (a caller error, unlike a failed fit).
fn check_config(config: &AnalyticsConfig) -> Result<(), ModelError> {
    let finite_non_negative = |v: f64| v.is_finite() && v >= 0.0;
    let share_ok = |v: f64| (0.0..=1.0).contains(&v);
    let policy_ok = match config.tier_policy {
        TierPolicy::Thresholds { .. } => true,
        TierPolicy::Percentile { a_share, b_share } => share_ok(a_share) && share_ok(b_share),
    };
    let ok = policy_ok
        && finite_non_negative(config.expected_horizon_days)
        && finite_non_negative(config.clv_horizon_days)
        && config.clv_annual_discount_rate.is_finite()
        && config.clv_annual_discount_rate > -1.0
        && config.lifecycle_years.is_finite()
        && !config.lapsed_p_alive.is_nan()
        && !config.loyal_p_alive.is_nan();
    if ok {
        Ok(())
    } else {
        Err(ModelError::InvalidInput(format!(
            "unusable analytics configuration: {config:?}"
        )))
    }
}

/// `a / b` rounded half away from zero, for `b > 0` (exact, unlike a trip through f64).
fn div_round(a: i64, b: i64) -> i64 {
    let (a, b) = (i128::from(a), i128::from(b));
    let q = (2 * a.abs() + b) / (2 * b);
    // |a / b| ≤ |a| fits in i64.
    (if a < 0 { -q } else { q }) as i64
}

/// A money estimate rounded to whole cents (`None` if it is not finite).
fn round_cents(cents: f64) -> Option<i64> {
    cents.is_finite().then(|| cents.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;

    #[test]
    fn average_order_value_rounds_half_away_from_zero() {
        assert_eq!(div_round(5, 2), 3, "2.5 → 3");
        assert_eq!(div_round(7, 3), 2, "2.33 → 2");
        assert_eq!(div_round(8, 3), 3, "2.67 → 3");
        assert_eq!(div_round(-5, 2), -3, "−2.5 → −3");
        assert_eq!(div_round(0, 4), 0);
    }

    #[test]
    fn enum_names_labels_and_strategies() {
        let loyalty: Vec<_> = LoyaltyQuadrant::ALL
            .iter()
            .map(|q| (q.as_str(), q.label_zh(), q.strategy()))
            .collect();
        assert_eq!(
            loyalty,
            [
                ("true_friend", "知己", Strategy::DeepCare),
                ("barnacle", "藤壶", Strategy::DeepMining),
                ("butterfly", "蝴蝶", Strategy::DeepAcquisition),
                ("stranger", "过客", Strategy::LongTermCultivation),
            ]
        );
        let value: Vec<_> = ValueQuadrant::ALL
            .iter()
            .map(|q| (q.as_str(), q.label_zh(), q.strategy()))
            .collect();
        assert_eq!(
            value,
            [
                ("star", "明星", Strategy::DeepCare),
                ("cash_cow", "现金", Strategy::DeepMining),
                ("question_mark", "问题", Strategy::DeepAcquisition),
                ("dog", "瘦狗", Strategy::LongTermCultivation),
            ]
        );
        let strategies: Vec<_> = Strategy::ALL.iter().map(|s| (s.as_str(), s.label_zh())).collect();
        assert_eq!(
            strategies,
            [
                ("deep_care", "深度关爱"),
                ("deep_acquisition", "深度获取"),
                ("deep_mining", "深度挖掘"),
                ("long_term_cultivation", "长期培育"),
            ]
        );
        let layers: Vec<_> = Layer::ALL.iter().map(|l| (l.as_str(), l.label_zh())).collect();
        assert_eq!(
            layers,
            [("loyal", "忠诚层"), ("potential", "潜在层"), ("floating", "游离层")]
        );
    }

    #[test]
    fn recency_counts_across_29_february() {
        // 2024 is a leap year: 28 Feb → 29 Feb → 1 Mar is two days.
        let as_of = day("2024-03-01");
        let member = MemberFacts {
            last_purchase: Some(day("2024-02-28")),
            ..buyer(1, "2023-03-02", 3)
        };
        let (scores, _) = score(&[member], as_of, &AnalyticsConfig::default()).unwrap();
        assert_eq!(scores[0].recency_days, Some(2));
        // First purchase 2023-03-02 is 365 days before 2024-03-01 (the year spans 29 Feb).
        assert_eq!(
            purchase::summary(&buyer(1, "2023-03-02", 3), as_of).map(|s| s.t),
            Some(365)
        );
    }

    #[test]
    fn member_without_purchases() {
        let as_of = day("2025-06-30");
        let (scores, summary) = score(&[never_bought(1)], as_of, &AnalyticsConfig::default()).unwrap();
        let s = &scores[0];
        assert_eq!(s.qualified_tier, Tier::D);
        assert_eq!(
            s.state,
            TierState {
                tier: Tier::D,
                below_since: None
            }
        );
        assert_eq!((s.recency_days, s.avg_order_value_cents), (None, None));
        assert_eq!((s.r_score, s.f_score, s.m_score), (None, None, None));
        assert_eq!((s.p_alive, s.expected_value_365_cents, s.clv_cents), (None, None, None));
        assert_eq!(s.layer, Layer::Potential);
        assert_eq!(s.loyalty_quadrant, LoyaltyQuadrant::Stranger);
        assert_eq!(s.value_quadrant, ValueQuadrant::Dog);
        assert!(!s.lapsed && !s.declining);
        assert_eq!(summary.members, 1);
        assert_eq!(summary.kpis, Kpis::default());
    }

    #[test]
    fn unfittable_fixture_still_scores_everyone() {
        // Nobody has a repeat purchase, so BG/NBD has no a, b to identify and Gamma-Gamma no
        // data: both fits fail, the run does not.
        let as_of = day("2025-06-30");
        let facts = [
            MemberFacts {
                frequency_365: 1,
                monetary_365_cents: 5_000,
                profit_365_cents: 2_000,
                ..buyer(1, "2025-06-01", 1)
            },
            MemberFacts {
                frequency_365: 1,
                monetary_365_cents: 9_000,
                profit_365_cents: 3_000,
                ..buyer(2, "2025-01-10", 1)
            },
            never_bought(3),
        ];
        let (scores, summary) = score(&facts, as_of, &AnalyticsConfig::default()).unwrap();
        assert!(summary.bgnbd.is_none() && summary.gamma_gamma.is_none());
        assert_eq!(scores.len(), 3);
        assert!(scores.iter().all(|s| s.p_alive.is_none() && s.clv_cents.is_none()));
        // Everything that needs no model is still there: 2 000 × 3 years = 6 000.
        assert_eq!(scores[0].simple_clv_cents, 6_000);
        assert_eq!(scores[1].m_score, Some(5));
        assert_eq!(scores[0].m_score, Some(3), "ceil(5 × 1/2) = 3");
        assert_eq!(scores[0].layer, Layer::Potential);
        // Recency 171 > 90 days: lapsed on recency alone, without p_alive.
        assert!(scores[1].lapsed && !scores[0].lapsed);
        assert_eq!(summary.kpis.active_members, 2);
    }

    #[test]
    fn bad_configuration_is_an_error() {
        let config = AnalyticsConfig {
            clv_annual_discount_rate: f64::NAN,
            ..AnalyticsConfig::default()
        };
        assert!(score(&[], day("2025-01-01"), &config).is_err());
        let config = AnalyticsConfig {
            tier_policy: TierPolicy::Percentile {
                a_share: 1.5,
                b_share: 0.3,
            },
            ..AnalyticsConfig::default()
        };
        assert!(score(&[], day("2025-01-01"), &config).is_err());
        assert!(score(&[], day("2025-01-01"), &AnalyticsConfig::default()).is_ok());
    }
}
