//! Redeeming a code with an order, once, and giving it back when the order is returned in full.
use chrono::{NaiveDate, Utc};
use entity::vocabulary::{CouponStatus, PurchaseKind};
use entity::{coupon, coupon_definition, member, purchase};
use jobs::sql::statement;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, SqlErr, TransactionTrait, Value,
};

use super::{definition, discount};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::money;
use crate::service::{audit, purchase as purchases, store};
use jobs::coupons::{code, imported};

/// The coupon with a code as typed (one of Patron's, or one imported from the POS), held by a
/// member the viewer may see.
pub async fn by_code(conn: &impl ConnectionTrait, viewer: &Viewer, typed: &str) -> AppResult<coupon::Model> {
    let not_found = || AppError::NotFound(format!("no coupon has the code {typed:?}"));
    let candidates = jobs::coupons::stored_forms(typed);
    let found = if candidates.is_empty() {
        None
    } else {
        let matching = coupon::Entity::find().filter(coupon::Column::Code.is_in(candidates));
        matching.one(conn).await?
    };
    let Some(coupon) = found else {
        // Not a code at all: shaped like one of Patron's but failing its check (a mistyped
        // symbol), or like no imported one either.
        let valid = code::normalize(typed).is_some();
        if !valid && (code::looks_generated(typed) || imported::normalize(typed).is_none()) {
            return Err(AppError::field(
                "code",
                format!("{typed:?} is not a coupon code: check it for a mistyped character"),
            ));
        }
        return Err(not_found());
    };
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
    if coupon.status == CouponStatus::Redeemed {
        return Err(already_redeemed(&code::display(&coupon.code), &coupon));
    }
    let taken = coupon::Entity::find()
        .filter(coupon::Column::OrderId.eq(order.order_id))
        .count(conn)
        .await?;
    let definition = definition(conn, coupon.definition_id).await?;
    let store_code = match order.store_id {
        Some(id) => store::by_ids(conn, &[id]).await?.remove(&id).map(|s| s.code),
        None => None,
    };
    let discount_cents = fits(&coupon, &definition, order, store_code.as_deref(), taken > 0)?;
    Ok(Redemption {
        coupon,
        order_id: order.order_id.to_owned(),
        discount_cents,
    })
}

/// What `coupon` takes off `order` (at the store `store_code`), or why it may not be redeemed
/// with it; `order_taken` when the order carries another coupon already.
pub(super) fn fits(
    coupon: &coupon::Model,
    definition: &coupon_definition::Model,
    order: &Order<'_>,
    store_code: Option<&str>,
    order_taken: bool,
) -> AppResult<i64> {
    let shown = code::display(&coupon.code);
    let order_id = order.order_id;
    if coupon.status == CouponStatus::Redeemed {
        return Err(already_redeemed(&shown, coupon));
    }
    if order.member_id != coupon.member_id {
        return Err(AppError::field(
            "orderId",
            format!("order {order_id:?} is another member's than the coupon's holder"),
        ));
    }
    if order_taken {
        return Err(order_taken_error(order_id));
    }
    applies_to(definition, coupon, order, store_code, &shown)?;
    let discount_cents = discount::of(definition, order.paid_cents);
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
    Ok(discount_cents)
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
            return Err(order_taken_error(&order_id));
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

fn order_taken_error(order_id: &str) -> AppError {
    AppError::field(
        "orderId",
        format!("order {order_id:?} already redeemed a coupon; an order takes one"),
    )
}

/// Whether the order falls in the coupon's days, stores and categories.
fn applies_to(
    definition: &coupon_definition::Model,
    coupon: &coupon::Model,
    order: &Order<'_>,
    store_code: Option<&str>,
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
    if !stores.is_empty() && !store_code.is_some_and(|code| stores.contains(&code)) {
        return Err(AppError::field(
            "code",
            format!(
                "coupon {shown} is for stores {} only; order {:?} was at {}",
                stores.join(", "),
                order.order_id,
                store_code.unwrap_or("no store")
            ),
        ));
    }
    Ok(())
}

/// Gives back the coupons these orders redeemed where the order is now returned in full (its
/// purchase and returns sum to nothing), while the coupon is still valid: one statement.
/// Idempotent, so recording a return again completes a restore a crash cut short.
pub async fn restore_for_returns(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    today: NaiveDate,
    order_ids: &[&str],
) -> AppResult<()> {
    if order_ids.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (0..order_ids.len()).map(|n| format!("${}", n + 2)).collect();
    let sql = format!(
        "UPDATE coupons SET status = '{issued}', order_id = NULL, discount_cents = NULL, redeemed_at = NULL, \
           redeemed_by = NULL \
         WHERE status = '{redeemed}' AND valid_until >= $1 AND order_id IN ({list}) \
           AND (SELECT SUM(p.amount_cents) FROM purchases p WHERE p.order_id = coupons.order_id) <= 0 \
         RETURNING id",
        issued = CouponStatus::Issued,
        redeemed = CouponStatus::Redeemed,
        list = placeholders.join(", ")
    );
    let mut values: Vec<Value> = vec![today.into()];
    values.extend(order_ids.iter().map(|id| Value::from(*id)));
    let restored = conn.query_all(statement(conn, &sql, values)).await?;
    if !restored.is_empty() {
        let detail = serde_json::json!({ "orderIds": order_ids, "coupons": restored.len() });
        audit::record(conn, viewer, "coupon.restore", None, detail).await?;
    }
    Ok(())
}
