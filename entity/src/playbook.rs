//! A strategy's playbook: what a brand does for its members once switched on.
use sea_orm::entity::prelude::*;

use crate::vocabulary::Strategy;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "playbooks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub strategy: Strategy,
    pub enabled: bool,
    /// An associate calls each member this often; none: the playbook does not call.
    pub call_every_days: Option<i32>,
    /// The saved segment of the strategy's members, made when first switched on.
    pub segment_id: Option<i64>,
    /// The campaign for them, made as a draft when first switched on.
    pub campaign_id: Option<i64>,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
