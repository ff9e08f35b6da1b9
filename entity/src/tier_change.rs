//! One change of a member's tier, written by the analytics run.
use sea_orm::entity::prelude::*;

use crate::vocabulary::Tier;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tier_history")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub old_tier: Option<Tier>,
    pub new_tier: Tier,
    pub reason: String,
    pub run_id: Option<i64>,
    pub changed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
