//! One entry of the append-only points ledger; a member's balance is the sum of its entries.
use sea_orm::entity::prelude::*;

use crate::vocabulary::PointsKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "points_ledger")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub kind: PointsKind,
    /// Signed: redemptions and expiries are negative.
    pub points: i64,
    pub reason: Option<String>,
    /// Optional idempotency key, unique per member and kind (e.g. the order earning points).
    pub reference: Option<String>,
    pub staff_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
