//! An offer a brand gives: what it takes off (or gives), when, where, and how many.
use sea_orm::entity::prelude::*;

use crate::vocabulary::CouponKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupon_definitions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: CouponKind,
    pub amount_off_cents: Option<i64>,
    /// 1–99.
    pub percent_off: Option<i32>,
    /// The most a percentage takes off; none: no cap.
    pub max_discount_cents: Option<i64>,
    pub gift: Option<String>,
    /// The order's amount before the discount must reach it.
    pub min_spend_cents: i64,
    /// Comma-separated store codes where it may be redeemed; none: every store.
    pub store_codes: Option<String>,
    /// Comma-separated purchase categories an order must be in; none: any order.
    pub categories: Option<String>,
    /// A fixed window (either end open), …
    pub valid_from: Option<Date>,
    pub valid_until: Option<Date>,
    /// … or N days from the day of issue (both: whichever ends first).
    pub valid_days: Option<i32>,
    pub per_member_limit: Option<i32>,
    /// How many codes may be issued in all; none: no limit.
    pub stock: Option<i32>,
    pub issued: i32,
    /// What a member pays in points for a code; none: not in the rewards catalogue.
    pub points_price: Option<i32>,
    /// Its codes come from a list the brand imported (its POS's), each issued once, rather than
    /// being made by Patron.
    pub imported_codes: bool,
    pub created_by: String,
    pub created_at: DateTimeUtc,
}

impl Model {
    /// The store codes it is limited to (empty: every store).
    pub fn stores(&self) -> Vec<&str> {
        list(self.store_codes.as_deref())
    }

    /// The purchase categories it is limited to (empty: every category).
    pub fn categories(&self) -> Vec<&str> {
        list(self.categories.as_deref())
    }
}

fn list(stored: Option<&str>) -> Vec<&str> {
    stored
        .map(|items| items.split(',').filter(|item| !item.is_empty()).collect())
        .unwrap_or_default()
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
