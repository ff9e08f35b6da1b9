//! The points programme's rules (the earning rate may depend on tier; see docs/concepts.md):
//! points earned on purchases by tier and taken back on returns (`earn`), and points expiring
//! at the end of the Nth month after they were earned (`expiry`, a nightly job).
pub mod earn;
pub mod expiry;

use entity::vocabulary::Tier;
use std::collections::HashMap;

use entity::points_entry;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect};
use serde::{Deserialize, Serialize};

/// The sum of ledger entries as a 64-bit integer (PostgreSQL sums `bigint` into `numeric`):
/// a balance, for a query grouped or narrowed to one member.
pub fn balance_sum() -> SimpleExpr {
    Expr::cust("CAST(COALESCE(SUM(points), 0) AS BIGINT)")
}

/// Current balances of these members (members without entries are absent: zero).
pub async fn balances(conn: &impl ConnectionTrait, member_ids: &[i64]) -> Result<HashMap<i64, i64>, DbErr> {
    let mut found = HashMap::new();
    for chunk in member_ids.chunks(crate::sql::rows_per_statement(1)) {
        let rows: Vec<(i64, i64)> = points_entry::Entity::find()
            .select_only()
            .column(points_entry::Column::MemberId)
            .column_as(balance_sum(), "balance")
            .filter(points_entry::Column::MemberId.is_in(chunk.iter().copied()))
            .group_by(points_entry::Column::MemberId)
            .into_tuple()
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// `[points]` in `patron.toml`, or `PATRON_POINTS__…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PointsConfig {
    /// Whether purchases earn points by these rules (a brand without a points programme, or
    /// one that awards points by hand, leaves it off).
    pub earn: bool,
    /// Points per unit of net spend (one yuan), by the member's tier in the latest run.
    pub per_unit: TierRates,
    /// For members the nightly run has not tiered yet.
    pub untiered_per_unit: Decimal,
    pub rounding: Rounding,
    /// Purchases in these categories earn nothing.
    pub excluded_categories: Vec<String>,
    /// Purchases in the member's birthday month earn this many times as much.
    pub birthday_multiplier: Decimal,
    /// Points expire at the end of the Nth month after the month they were earned in (0: never).
    pub expiry_months: u32,
    /// The built-in points-expiry notice goes this many days before points lapse (its campaign
    /// may set its own).
    pub notice_days_before: u32,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TierRates {
    pub a: Decimal,
    pub b: Decimal,
    pub c: Decimal,
    pub d: Decimal,
}

/// How a fraction of a point is rounded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rounding {
    Down,
    Nearest,
    Up,
}

impl Default for PointsConfig {
    fn default() -> Self {
        Self {
            earn: false,
            per_unit: TierRates {
                a: Decimal::new(2, 0),
                b: Decimal::new(15, 1),
                c: Decimal::ONE,
                d: Decimal::ONE,
            },
            untiered_per_unit: Decimal::ONE,
            rounding: Rounding::Down,
            excluded_categories: Vec::new(),
            birthday_multiplier: Decimal::new(2, 0),
            expiry_months: 12,
            notice_days_before: 14,
        }
    }
}

impl PointsConfig {
    /// Points per unit for a member of this tier (`None`: not tiered yet).
    pub fn rate(&self, tier: Option<Tier>) -> Decimal {
        match tier {
            Some(Tier::A) => self.per_unit.a,
            Some(Tier::B) => self.per_unit.b,
            Some(Tier::C) => self.per_unit.c,
            Some(Tier::D) => self.per_unit.d,
            None => self.untiered_per_unit,
        }
    }

    pub fn round(&self, points: Decimal) -> i64 {
        use rust_decimal::prelude::ToPrimitive;
        let rounded = match self.rounding {
            Rounding::Down => points.floor(),
            Rounding::Nearest => points.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero),
            Rounding::Up => points.ceil(),
        };
        rounded.to_i64().unwrap_or(0)
    }
}
