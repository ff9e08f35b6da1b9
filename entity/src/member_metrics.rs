//! One member's scores from the latest analytics run. Money in cents.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{Layer, LoyaltyQuadrant, Tier, ValueQuadrant};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "member_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
    pub as_of: Date,
    pub run_id: i64,
    pub recency_days: Option<i32>,
    pub frequency_365: i32,
    pub monetary_365_cents: i64,
    pub profit_365_cents: i64,
    pub orders_total: i32,
    pub spend_total_cents: i64,
    pub first_purchase: Option<Date>,
    pub last_purchase: Option<Date>,
    pub avg_order_value_cents: Option<i64>,
    pub r_score: Option<i16>,
    pub f_score: Option<i16>,
    pub m_score: Option<i16>,
    pub tier: Tier,
    pub qualified_tier: Tier,
    /// Since when the member has qualified below `tier` (grace period bookkeeping).
    pub below_since: Option<Date>,
    /// The tier state before the run of `as_of`, so re-running that date starts from it again.
    pub prev_tier: Option<Tier>,
    pub prev_below_since: Option<Date>,
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

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::member::Entity",
        from = "Column::MemberId",
        to = "super::member::Column::Id"
    )]
    Member,
}

impl Related<super::member::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Member.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
