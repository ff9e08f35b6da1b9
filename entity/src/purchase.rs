//! A purchase or a return. A return carries a negative amount and the order id it returns.
use sea_orm::entity::prelude::*;

use crate::vocabulary::PurchaseKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "purchases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub store_id: Option<i64>,
    pub occurred_at: DateTimeUtc,
    /// The date of `occurred_at` in the brand's time zone: the day analytics counts it on.
    pub occurred_on: Date,
    /// Net amount in cents; negative for returns.
    pub amount_cents: i64,
    /// Gross profit in cents, when the brand records it.
    pub profit_cents: Option<i64>,
    /// Unique together with `kind`: the idempotency key of imports and mutations.
    pub order_id: String,
    pub kind: PurchaseKind,
    pub category: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
