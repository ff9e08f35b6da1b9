//! Coupons: definitions (what an offer gives, when, where, how many), codes issued to members,
//! redeemed once with an order, and given back when that order is returned in full.
//!
//! Once means once across replicas: redeeming is one conditional `UPDATE … WHERE status =
//! 'issued'`, and an order can carry one coupon (a unique key), so of any number of concurrent
//! redemptions exactly one writes. Stock and the per-member limit are checked after the
//! definition's row is updated, which makes every issue of one definition wait its turn.
use async_graphql::InputObject;
use chrono::{NaiveDate, Utc};
use entity::vocabulary::{CouponKind, CouponSource, CouponStatus, PurchaseKind};
use entity::{coupon, coupon_definition, member, purchase};
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members, purchase as purchases, store};
use crate::{money, validate};
use jobs::coupons::{self, code};

pub mod discount;
pub mod reward;
pub mod worth;

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
    coupons::days(definition, today).map_err(|until| {
        AppError::field(
            "definitionId",
            format!("the offer {:?} ended on {until}", definition.name),
        )
    })
}

/// Issues a code of an offer to a member the viewer may see. With a `reference`, issuing again
/// returns the code that reference issued.
pub async fn issue(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    definition_id: i64,
    member_no: &str,
    reference: Option<String>,
) -> AppResult<coupon::Model> {
    let member = members::find_visible(conn, viewer, member_no).await?;
    members::ensure_active(&member)?;
    let definition = definition(conn, definition_id).await?;
    let reference = validate::optional_text(reference)
        .map(|r| validate::bounded("reference", &r, 128))
        .transpose()?;
    if let Some(issued) = by_reference(conn, definition.id, member.id, reference.as_deref()).await? {
        return Ok(issued);
    }
    let validity = validity(&definition, brand.today())?;
    let txn = conn.begin().await?;
    let issued = issue_within(
        &txn,
        viewer,
        &member,
        &definition,
        validity,
        CouponSource::Api,
        reference.clone(),
    )
    .await;
    let issued = match issued {
        Err(Issuing::Db(err))
            if reference.is_some() && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            // A concurrent request with the same reference issued it first.
            drop(txn);
            return by_reference(conn, definition.id, member.id, reference.as_deref())
                .await?
                .ok_or_else(|| AppError::Internal(err.into()));
        }
        Err(other) => return Err(other.into()),
        Ok(issued) => issued,
    };
    txn.commit().await?;
    Ok(issued)
}

/// Why `issue_within` issued nothing: an error to answer with as it is (a rule refused), or a
/// database error, which the caller may tell apart (a duplicate reference).
pub(crate) enum Issuing {
    Answer(AppError),
    Db(DbErr),
}

impl From<DbErr> for Issuing {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl From<Issuing> for AppError {
    fn from(issuing: Issuing) -> Self {
        match issuing {
            Issuing::Answer(err) => err,
            Issuing::Db(err) => err.into(),
        }
    }
}

/// Issues a code inside the caller's transaction, within the offer's stock and per-member
/// limit, and audits it. Taking from the stock first makes every issue of the offer wait its
/// turn, so the limit is counted with every earlier issue committed.
pub(crate) async fn issue_within(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    member: &member::Model,
    definition: &coupon_definition::Model,
    (valid_from, valid_until): (NaiveDate, NaiveDate),
    source: CouponSource,
    reference: Option<String>,
) -> Result<coupon::Model, Issuing> {
    let taken = coupon_definition::Entity::update_many()
        .col_expr(
            coupon_definition::Column::Issued,
            Expr::col(coupon_definition::Column::Issued).add(1),
        )
        .filter(coupon_definition::Column::Id.eq(definition.id))
        .filter(
            coupon_definition::Column::Stock
                .is_null()
                .or(Expr::col(coupon_definition::Column::Issued).lt(Expr::col(coupon_definition::Column::Stock))),
        )
        .exec(txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(Issuing::Answer(AppError::field(
            "definitionId",
            format!(
                "the offer {:?} is out of stock: all {} codes are issued",
                definition.name,
                definition.stock.unwrap_or(0)
            ),
        )));
    }
    if let Some(limit) = definition.per_member_limit {
        let held = coupon::Entity::find()
            .filter(coupon::Column::DefinitionId.eq(definition.id))
            .filter(coupon::Column::MemberId.eq(member.id))
            .count(txn)
            .await?;
        if held >= u64::try_from(limit).unwrap_or(0) {
            return Err(Issuing::Answer(AppError::field(
                "memberNo",
                format!(
                    "member {} already holds {held} of the offer {:?}, the most one member may",
                    member.member_no, definition.name
                ),
            )));
        }
    }
    let issued = coupon::ActiveModel {
        definition_id: Set(definition.id),
        member_id: Set(member.id),
        code: Set(unused_code(txn).await?),
        status: Set(CouponStatus::Issued),
        source: Set(source),
        reference: Set(reference),
        valid_from: Set(valid_from),
        valid_until: Set(valid_until),
        issued_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let detail = serde_json::json!({ "couponId": issued.id, "definitionId": definition.id, "source": source });
    audit::record(txn, viewer, "coupon.issue", Some(&member.member_no), detail)
        .await
        .map_err(Issuing::Answer)?;
    Ok(issued)
}

/// A new code no coupon has: one in about 10⁹ is taken at a million codes, and a key violation
/// would fail the whole issue.
async fn unused_code(txn: &DatabaseTransaction) -> Result<String, DbErr> {
    loop {
        let code = code::generate();
        let taken = coupon::Entity::find()
            .filter(coupon::Column::Code.eq(&code))
            .count(txn)
            .await?;
        if taken == 0 {
            return Ok(code);
        }
    }
}

async fn by_reference(
    conn: &impl ConnectionTrait,
    definition_id: i64,
    member_id: i64,
    reference: Option<&str>,
) -> AppResult<Option<coupon::Model>> {
    let Some(reference) = reference else {
        return Ok(None);
    };
    Ok(coupon::Entity::find()
        .filter(coupon::Column::DefinitionId.eq(definition_id))
        .filter(coupon::Column::MemberId.eq(member_id))
        .filter(coupon::Column::Reference.eq(reference))
        .one(conn)
        .await?)
}

/// A member's coupons, newest first.
pub async fn of_member(conn: &impl ConnectionTrait, member_id: i64) -> AppResult<Vec<coupon::Model>> {
    Ok(coupon::Entity::find()
        .filter(coupon::Column::MemberId.eq(member_id))
        .order_by_desc(coupon::Column::Id)
        .all(conn)
        .await?)
}

/// The coupon with a code as typed, held by a member the viewer may see.
pub async fn by_code(conn: &impl ConnectionTrait, viewer: &Viewer, typed: &str) -> AppResult<coupon::Model> {
    let not_found = || AppError::NotFound(format!("no coupon has the code {typed:?}"));
    let code = code::normalize(typed).ok_or_else(|| {
        AppError::field(
            "code",
            format!("{typed:?} is not a coupon code: check it for a mistyped character"),
        )
    })?;
    let coupon = coupon::Entity::find()
        .filter(coupon::Column::Code.eq(code))
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    let holder = member::Entity::find_by_id(coupon.member_id)
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    viewer.check_member_access(holder.id, holder.store_id, not_found)?;
    Ok(coupon)
}

/// Redeems a coupon with a recorded purchase of its holder: once, and again with the same order
/// changes nothing.
pub async fn redeem(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    typed_code: &str,
    order_id: &str,
) -> AppResult<coupon::Model> {
    let coupon = by_code(conn, viewer, typed_code).await?;
    let order_id = order_id.trim();
    if coupon.order_id.as_deref() == Some(order_id) {
        return Ok(coupon);
    }
    let key = (order_id.to_owned(), PurchaseKind::Purchase);
    let order = purchases::existing(conn, [key.clone()])
        .await?
        .remove(&key)
        .ok_or_else(|| {
            AppError::field(
                "orderId",
                format!("no purchase has the order id {order_id:?}: record it first"),
            )
        })?;
    let redemption = check(conn, coupon, &Order::recorded(&order)).await?;
    write(conn, viewer, redemption).await
}

/// A purchase a coupon is redeemed with, recorded or about to be.
pub struct Order<'a> {
    pub order_id: &'a str,
    pub member_id: i64,
    pub store_id: Option<i64>,
    /// In the brand's time zone.
    pub day: NaiveDate,
    pub paid_cents: i64,
    pub category: Option<&'a str>,
}

impl<'a> Order<'a> {
    pub fn recorded(purchase: &'a purchase::Model) -> Self {
        Self {
            order_id: &purchase.order_id,
            member_id: purchase.member_id,
            store_id: purchase.store_id,
            day: purchase.occurred_on,
            paid_cents: purchase.amount_cents,
            category: purchase.category.as_deref(),
        }
    }
}

/// A coupon found fit for an order, with what it takes off.
pub struct Redemption {
    coupon: coupon::Model,
    order_id: String,
    discount_cents: i64,
}

/// Whether `coupon` may be redeemed with `order`: still issued, the holder's order, one that
/// carries no other coupon, in the coupon's days and stores, reaching the minimum spend.
pub async fn check(conn: &impl ConnectionTrait, coupon: coupon::Model, order: &Order<'_>) -> AppResult<Redemption> {
    let shown = code::display(&coupon.code);
    let order_id = order.order_id;
    if coupon.status == CouponStatus::Redeemed {
        return Err(already_redeemed(&shown, &coupon));
    }
    if order.member_id != coupon.member_id {
        return Err(AppError::field(
            "orderId",
            format!("order {order_id:?} is another member's than the coupon's holder"),
        ));
    }
    let taken = coupon::Entity::find()
        .filter(coupon::Column::OrderId.eq(order_id))
        .count(conn)
        .await?;
    if taken > 0 {
        return Err(order_taken(order_id));
    }
    let definition = definition(conn, coupon.definition_id).await?;
    applies_to(conn, &definition, &coupon, order, &shown).await?;
    let discount_cents = discount::of(&definition, order.paid_cents);
    if order.paid_cents + discount_cents < definition.min_spend_cents {
        return Err(AppError::field(
            "orderId",
            format!(
                "coupon {shown} needs a spend of {}; order {order_id:?} came to {} before the discount",
                money::from_cents(definition.min_spend_cents),
                money::from_cents(order.paid_cents + discount_cents)
            ),
        ));
    }
    Ok(Redemption {
        coupon,
        order_id: order_id.to_owned(),
        discount_cents,
    })
}

/// Writes a checked redemption: one conditional update, so of concurrent redemptions of a code
/// exactly one writes; the others are answered as if they came after it.
pub async fn write(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    redemption: Redemption,
) -> AppResult<coupon::Model> {
    let Redemption {
        coupon,
        order_id,
        discount_cents,
    } = redemption;
    let txn = conn.begin().await?;
    let redeemed = coupon::Entity::update_many()
        .col_expr(coupon::Column::Status, Expr::value(CouponStatus::Redeemed.as_str()))
        .col_expr(coupon::Column::OrderId, Expr::value(order_id.as_str()))
        .col_expr(coupon::Column::DiscountCents, Expr::value(discount_cents))
        .col_expr(coupon::Column::RedeemedAt, Expr::value(Utc::now()))
        .col_expr(coupon::Column::RedeemedBy, Expr::value(viewer.actor.clone()))
        .filter(coupon::Column::Id.eq(coupon.id))
        .filter(coupon::Column::Status.eq(CouponStatus::Issued))
        .exec(&txn)
        .await;
    let won = match redeemed {
        Ok(result) => result.rows_affected == 1,
        Err(err) if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
            return Err(order_taken(&order_id));
        }
        Err(err) => return Err(err.into()),
    };
    if !won {
        // Another redemption got there first.
        drop(txn);
        let now = coupon::Entity::find_by_id(coupon.id).one(conn).await?.unwrap_or(coupon);
        return match now.order_id.as_deref() {
            Some(taken) if taken == order_id => Ok(now),
            _ => Err(already_redeemed(&code::display(&now.code), &now)),
        };
    }
    let detail = serde_json::json!({ "couponId": coupon.id, "orderId": order_id, "discountCents": discount_cents });
    let holder = member::Entity::find_by_id(coupon.member_id).one(&txn).await?;
    let target = holder.as_ref().map(|m| m.member_no.as_str());
    audit::record(&txn, viewer, "coupon.redeem", target, detail).await?;
    let redeemed = coupon::Entity::find_by_id(coupon.id).one(&txn).await?;
    txn.commit().await?;
    redeemed.ok_or_else(|| AppError::Internal(anyhow::anyhow!("coupon {} vanished while redeemed", coupon.id)))
}

fn already_redeemed(shown: &str, coupon: &coupon::Model) -> AppError {
    AppError::field(
        "code",
        format!(
            "coupon {shown} was already redeemed, with order {:?}",
            coupon.order_id.as_deref().unwrap_or_default()
        ),
    )
}

fn order_taken(order_id: &str) -> AppError {
    AppError::field(
        "orderId",
        format!("order {order_id:?} already redeemed a coupon; an order takes one"),
    )
}

/// Whether the order falls in the coupon's days, stores and categories.
async fn applies_to(
    conn: &impl ConnectionTrait,
    definition: &coupon_definition::Model,
    coupon: &coupon::Model,
    order: &Order<'_>,
    shown: &str,
) -> AppResult<()> {
    let day = order.day;
    if day < coupon.valid_from || day > coupon.valid_until {
        return Err(AppError::field(
            "code",
            format!(
                "coupon {shown} is valid from {} to {}; order {:?} was on {day}",
                coupon.valid_from, coupon.valid_until, order.order_id
            ),
        ));
    }
    let categories = definition.categories();
    if !categories.is_empty() && !order.category.is_some_and(|c| categories.contains(&c)) {
        return Err(AppError::field(
            "code",
            format!(
                "coupon {shown} is for {} only; order {:?} is {}",
                categories.join(", "),
                order.order_id,
                order.category.unwrap_or("in no category")
            ),
        ));
    }
    let stores = definition.stores();
    if stores.is_empty() {
        return Ok(());
    }
    let at = match order.store_id {
        Some(id) => store::by_ids(conn, &[id]).await?.remove(&id).map(|s| s.code),
        None => None,
    };
    if !at.as_deref().is_some_and(|code| stores.contains(&code)) {
        return Err(AppError::field(
            "code",
            format!(
                "coupon {shown} is for stores {} only; order {:?} was at {}",
                stores.join(", "),
                order.order_id,
                at.as_deref().unwrap_or("no store")
            ),
        ));
    }
    Ok(())
}

/// Gives back the coupon an order redeemed once the order is returned in full, if it is still
/// valid. Idempotent, so recording the same return again completes a restore a crash cut short.
pub async fn restore_for_return(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    brand: &Brand,
    order: &purchase::Model,
    returned: &purchase::Model,
) -> AppResult<()> {
    if -returned.amount_cents < order.amount_cents {
        return Ok(());
    }
    let restored = coupon::Entity::update_many()
        .col_expr(coupon::Column::Status, Expr::value(CouponStatus::Issued.as_str()))
        .col_expr(coupon::Column::OrderId, Expr::value(Option::<String>::None))
        .col_expr(coupon::Column::DiscountCents, Expr::value(Option::<i64>::None))
        .col_expr(
            coupon::Column::RedeemedAt,
            Expr::value(Option::<chrono::DateTime<Utc>>::None),
        )
        .col_expr(coupon::Column::RedeemedBy, Expr::value(Option::<String>::None))
        .filter(coupon::Column::OrderId.eq(order.order_id.as_str()))
        .filter(coupon::Column::Status.eq(CouponStatus::Redeemed))
        .filter(coupon::Column::ValidUntil.gte(brand.today()))
        .exec(conn)
        .await?;
    if restored.rows_affected > 0 {
        let detail = serde_json::json!({ "orderId": order.order_id, "coupons": restored.rows_affected });
        audit::record(conn, viewer, "coupon.restore", None, detail).await?;
    }
    Ok(())
}
