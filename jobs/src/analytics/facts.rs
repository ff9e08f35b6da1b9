//! Per-member facts as of date D, as the database aggregation yields them.
//!
//! Purchases count by their brand-local day. A return nets against its order: the order keeps its
//! own day and counts `amount + returns`; an order returned in full (net ≤ 0) is not a purchase.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

pub use entity::vocabulary::Tier;

/// A member's tier and, while they qualify below it, since when (for the grace period).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierState {
    pub tier: Tier,
    pub below_since: Option<NaiveDate>,
}

/// What the aggregation knows of one member as of D. Money in cents.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct MemberFacts {
    pub member_id: i64,
    pub joined_on: NaiveDate,
    /// The member was referred by another member.
    pub referred: bool,
    /// Distinct purchase days up to and including D.
    pub purchase_days: u32,
    /// Orders (net of fully returned ones) up to D.
    pub orders_total: u32,
    pub spend_total_cents: i64,
    pub first_purchase: Option<NaiveDate>,
    pub last_purchase: Option<NaiveDate>,
    /// Net spend on the first purchase day: spend on repeat days is `spend_total - this`.
    pub first_day_spend_cents: i64,
    /// Distinct purchase days in (D−365, D].
    pub frequency_365: u32,
    /// Net spend in (D−365, D].
    pub monetary_365_cents: i64,
    /// Gross profit in (D−365, D], counting spend where profit is unknown.
    pub profit_365_cents: i64,
    /// Distinct purchase days in (D−90, D].
    pub days_last_90: u32,
    /// Distinct purchase days in (D−455, D−90]: the 365 days before the last 90.
    pub days_prior_365: u32,
    /// Distinct purchase days in (D−730, D−365]: the previous window, for churn.
    pub frequency_prev_365: u32,
    /// The tier state before this run (`None` before the first run).
    pub previous: Option<TierState>,
}
