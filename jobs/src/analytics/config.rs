//! Every default of the nightly analytics run (see docs/concepts.md), as configuration.
use serde::{Deserialize, Serialize};

use super::facts::Tier;

/// How members qualify for a tier.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum TierPolicy {
    /// Evaluated top-down: A needs both A thresholds, B both B thresholds, C one purchase day in
    /// the window, D none.
    Thresholds {
        a_spend_cents: i64,
        a_frequency: u32,
        b_spend_cents: i64,
        b_frequency: u32,
    },
    /// By rank of value among members with a purchase in the window: the top `a_share` are A, the
    /// next `b_share` B, the rest who bought C, and D those who did not.
    Percentile { a_share: f64, b_share: f64 },
}

impl TierPolicy {
    /// What a tier takes in the 365-day window: net spend (cents) and purchase days. C takes
    /// one purchase day and D nothing under either policy; A and B have thresholds only under
    /// `Thresholds` (under `Percentile` they go by rank).
    pub fn threshold(&self, tier: Tier) -> Option<(i64, u32)> {
        match (self, tier) {
            (
                Self::Thresholds {
                    a_spend_cents,
                    a_frequency,
                    ..
                },
                Tier::A,
            ) => Some((*a_spend_cents, *a_frequency)),
            (
                Self::Thresholds {
                    b_spend_cents,
                    b_frequency,
                    ..
                },
                Tier::B,
            ) => Some((*b_spend_cents, *b_frequency)),
            (Self::Percentile { .. }, Tier::A | Tier::B) => None,
            (_, Tier::C) => Some((0, 1)),
            (_, Tier::D) => Some((0, 0)),
        }
    }

    /// The best tier a window of this spend and these purchase days meets the thresholds of,
    /// evaluated top-down (under `Percentile` that decides only between C and D).
    pub fn qualify(&self, spend_cents: i64, days: u32) -> Tier {
        let meets = |tier: &Tier| {
            self.threshold(*tier)
                .is_some_and(|(spend, visits)| spend_cents >= spend && days >= visits)
        };
        Tier::ALL.iter().copied().find(meets).unwrap_or(Tier::D)
    }
}

/// Which money the "value" axis of the loyalty × value matrix uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueBasis {
    Spend,
    Profit,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AnalyticsConfig {
    pub tier_policy: TierPolicy,
    /// Days a member must qualify below their tier, continuously, before being downgraded.
    pub downgrade_grace_days: i64,
    pub value_basis: ValueBasis,
    /// Horizon of `expected_purchases` / `expected_value` (days).
    pub expected_horizon_days: f64,
    /// Model CLV horizon (days) and annual discount rate.
    pub clv_horizon_days: f64,
    pub clv_annual_discount_rate: f64,
    /// The simple CLV: annual profit × expected lifecycle years.
    pub lifecycle_years: f64,
    /// `lapsed` when p_alive is below this, or recency exceeds
    /// max(`lapsed_min_days`, 2 × the member's mean inter-purchase gap).
    pub lapsed_p_alive: f64,
    pub lapsed_min_days: i64,
    /// Loyal layer: at least two purchase days and p_alive at least this.
    pub loyal_p_alive: f64,
}

impl Default for AnalyticsConfig {
    fn default() -> Self {
        Self {
            tier_policy: TierPolicy::Thresholds {
                a_spend_cents: 1_000_000,
                a_frequency: 6,
                b_spend_cents: 300_000,
                b_frequency: 3,
            },
            downgrade_grace_days: 30,
            value_basis: ValueBasis::Spend,
            expected_horizon_days: 365.0,
            clv_horizon_days: 3.0 * 365.0,
            clv_annual_discount_rate: 0.10,
            lifecycle_years: 3.0,
            lapsed_p_alive: 0.3,
            lapsed_min_days: 90,
            loyal_p_alive: 0.5,
        }
    }
}
