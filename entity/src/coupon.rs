//! A code a member holds, redeemed at most once, with one order.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{CouponSource, CouponStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub definition_id: i64,
    pub member_id: i64,
    /// Without separators, upper case (see `service::coupon::code`).
    #[sea_orm(unique)]
    pub code: String,
    pub status: CouponStatus,
    pub source: CouponSource,
    /// The issuer's key: issuing again with it returns this coupon.
    pub reference: Option<String>,
    pub valid_from: Date,
    pub valid_until: Date,
    pub issued_at: DateTimeUtc,
    #[sea_orm(unique)]
    pub order_id: Option<String>,
    pub discount_cents: Option<i64>,
    pub redeemed_at: Option<DateTimeUtc>,
    pub redeemed_by: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
