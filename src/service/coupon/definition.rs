//! Offers: what a coupon gives, when, where and how many.
use async_graphql::InputObject;
use chrono::{NaiveDate, Utc};
use entity::coupon_definition;
use entity::vocabulary::CouponKind;
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set, SqlErr};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, store};
use crate::{money, validate};
use jobs::coupons;

/// A new offer.
#[derive(InputObject, Clone, Debug)]
pub struct CouponDefinitionInput {
    /// Unique, as marketers and associates pick it from a list.
    pub name: String,
    pub kind: CouponKind,
    /// For AMOUNT_OFF: the sum taken off.
    pub amount_off: Option<Decimal>,
    /// For PERCENT_OFF: 1–99.
    pub percent_off: Option<i32>,
    /// For PERCENT_OFF: the most it takes off.
    pub max_discount: Option<Decimal>,
    /// For GIFT: what is handed over.
    pub gift: Option<String>,
    /// The order's amount before the discount must reach it.
    pub min_spend: Option<Decimal>,
    /// Stores where it may be redeemed; none: every store.
    pub store_codes: Option<Vec<String>>,
    /// Purchase categories an order must be in; none: any order.
    pub categories: Option<Vec<String>>,
    /// A fixed window, in the brand's time zone (either end may be open) …
    pub valid_from: Option<NaiveDate>,
    pub valid_until: Option<NaiveDate>,
    /// … or this many days from the day of issue, that day included (with `validUntil` too:
    /// whichever ends first). One of the two is required: an offer that never lapses is a
    /// liability nobody can count.
    pub valid_days: Option<i32>,
    /// Codes one member may hold in all.
    pub per_member_limit: Option<i32>,
    /// Codes that may be issued in all.
    pub stock: Option<i32>,
    /// Puts the offer in the rewards catalogue at this many points a code.
    pub points_price: Option<i32>,
    /// Its codes come from a list imported from the brand's POS (`importCouponCodes`), each
    /// issued once, rather than being made by Patron.
    pub imported_codes: Option<bool>,
}

/// Saves a new offer.
pub async fn define(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    input: CouponDefinitionInput,
) -> AppResult<coupon_definition::Model> {
    let name = validate::required_text("name", &input.name, 100)?;
    let positive_cents = |field: &str, amount: Option<Decimal>| -> AppResult<Option<i64>> {
        let cents = amount.map(|a| money::to_cents(field, a)).transpose()?;
        match cents {
            Some(cents) if cents <= 0 => Err(AppError::field(field, format!("{field} must be more than zero"))),
            cents => Ok(cents),
        }
    };
    let amount_off_cents = positive_cents("amountOff", input.amount_off)?;
    let max_discount_cents = positive_cents("maxDiscount", input.max_discount)?;
    let min_spend_cents = positive_cents("minSpend", input.min_spend)?.unwrap_or(0);
    let gift = validate::optional_text(input.gift)
        .map(|g| validate::bounded("gift", &g, 200))
        .transpose()?;
    let needs = |field: &str, what: &str| AppError::field(field, format!("a {} coupon needs {what}", input.kind));
    match input.kind {
        CouponKind::AmountOff if amount_off_cents.is_none() => return Err(needs("amountOff", "the amount off")),
        CouponKind::PercentOff if !(1..=99).contains(&input.percent_off.unwrap_or(0)) => {
            return Err(needs("percentOff", "a percentage from 1 to 99"))
        }
        CouponKind::Gift if gift.is_none() => return Err(needs("gift", "the gift it gives")),
        _ => {}
    }
    if let (Some(from), Some(until)) = (input.valid_from, input.valid_until) {
        if until < from {
            return Err(AppError::field(
                "validUntil",
                format!("{until} is before validFrom, {from}"),
            ));
        }
    }
    if input.valid_until.is_none() && input.valid_days.is_none() {
        return Err(AppError::field(
            "validDays",
            "give the offer an end: validUntil (a day) or validDays (days from issue)",
        ));
    }
    let at_least_one = |field: &str, value: Option<i32>, most: i32| -> AppResult<Option<i32>> {
        match value {
            Some(v) if !(1..=most).contains(&v) => {
                Err(AppError::field(field, format!("{field} must be from 1 to {most}")))
            }
            v => Ok(v),
        }
    };
    let valid_days = at_least_one("validDays", input.valid_days, 3660)?;
    let per_member_limit = at_least_one("perMemberLimit", input.per_member_limit, 1000)?;
    let stock = at_least_one("stock", input.stock, i32::MAX)?;
    let points_price = at_least_one("pointsPrice", input.points_price, i32::MAX)?;
    let mut store_codes = Vec::new();
    for code in input.store_codes.unwrap_or_default() {
        store::id_for_code(conn, "storeCodes", &code).await?;
        store_codes.push(code.trim().to_owned());
    }
    let mut categories = Vec::new();
    for category in input.categories.unwrap_or_default() {
        let category = validate::required_text("categories", &category, 100)?;
        if category.contains(',') {
            return Err(AppError::field(
                "categories",
                format!("a category has no comma: {category:?}"),
            ));
        }
        categories.push(category);
    }
    let definition = coupon_definition::ActiveModel {
        name: Set(name.clone()),
        kind: Set(input.kind),
        amount_off_cents: Set(amount_off_cents.filter(|_| input.kind == CouponKind::AmountOff)),
        percent_off: Set(input.percent_off.filter(|_| input.kind == CouponKind::PercentOff)),
        max_discount_cents: Set(max_discount_cents.filter(|_| input.kind == CouponKind::PercentOff)),
        gift: Set(gift.filter(|_| input.kind == CouponKind::Gift)),
        min_spend_cents: Set(min_spend_cents),
        store_codes: Set((!store_codes.is_empty()).then(|| store_codes.join(","))),
        categories: Set((!categories.is_empty()).then(|| categories.join(","))),
        valid_from: Set(input.valid_from),
        valid_until: Set(input.valid_until),
        valid_days: Set(valid_days),
        per_member_limit: Set(per_member_limit),
        stock: Set(stock),
        issued: Set(0),
        points_price: Set(points_price),
        imported_codes: Set(input.imported_codes.unwrap_or(false)),
        created_by: Set(viewer.actor.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await
    .map_err(|err| match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => {
            AppError::field("name", format!("an offer is already named {name:?}"))
        }
        _ => err.into(),
    })?;
    let detail = serde_json::json!({ "definitionId": definition.id, "name": definition.name });
    audit::record(conn, viewer, "coupon.define", None, detail).await?;
    Ok(definition)
}

/// Every offer, newest first.
pub async fn definitions(conn: &impl ConnectionTrait) -> AppResult<Vec<coupon_definition::Model>> {
    Ok(coupon_definition::Entity::find()
        .order_by_desc(coupon_definition::Column::Id)
        .all(conn)
        .await?)
}

pub(crate) async fn definition(conn: &impl ConnectionTrait, id: i64) -> AppResult<coupon_definition::Model> {
    coupon_definition::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::field("definitionId", format!("no offer has the id {id}")))
}

/// The days a code issued `today` is valid, or why none is left.
pub(crate) fn validity(definition: &coupon_definition::Model, today: NaiveDate) -> AppResult<(NaiveDate, NaiveDate)> {
    coupons::days(definition, today).map_err(|until| ended(definition, until))
}

pub(crate) fn ended(definition: &coupon_definition::Model, last_day: NaiveDate) -> AppError {
    AppError::field(
        "definitionId",
        format!("the offer {:?} ended on {last_day}", definition.name),
    )
}
