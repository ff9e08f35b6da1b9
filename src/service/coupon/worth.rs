//! What an offer has cost and brought: codes issued, redeemed and lapsed, the discounts given,
//! what the redeeming orders came to, and what the codes still valid could cost.
use chrono::NaiveDate;
use entity::coupon_definition;
use entity::vocabulary::{CouponKind, CouponStatus};
use sea_orm::ConnectionTrait;

use crate::error::{AppError, AppResult};
use jobs::sql::statement;

/// One offer's figures as of a day (money in cents).
pub struct Worth {
    pub issued: i64,
    pub redeemed: i64,
    /// Unredeemed past their last day.
    pub expired: i64,
    /// Unredeemed and still to lapse.
    pub outstanding: i64,
    pub discount_cents: i64,
    /// Net of returns.
    pub revenue_cents: i64,
}

impl Worth {
    /// Redeemed of issued; none before the first code.
    pub fn redemption_rate(&self) -> Option<f64> {
        (self.issued > 0).then(|| self.redeemed as f64 / self.issued as f64)
    }

    /// The most the outstanding codes can still take off: known for an amount off and for a
    /// capped percentage (at its cap); a gift or an uncapped percentage has no sum.
    pub fn liability_cents(&self, definition: &coupon_definition::Model) -> Option<i64> {
        let each = match definition.kind {
            CouponKind::AmountOff => definition.amount_off_cents,
            CouponKind::PercentOff => definition.max_discount_cents,
            CouponKind::Gift => None,
        };
        each.map(|each| each * self.outstanding)
    }
}

/// The figures of one offer as of `today`: one statement. (PostgreSQL sums a BIGINT as a
/// NUMERIC: the casts bring the sums of cents back.)
pub async fn of(conn: &impl ConnectionTrait, definition_id: i64, today: NaiveDate) -> AppResult<Worth> {
    let sql = format!(
        "SELECT COUNT(*) AS issued, \
           COALESCE(SUM(CASE WHEN status = '{redeemed}' THEN 1 ELSE 0 END), 0) AS redeemed, \
           COALESCE(SUM(CASE WHEN status = '{issued}' AND valid_until < $2 THEN 1 ELSE 0 END), 0) AS expired, \
           COALESCE(SUM(CASE WHEN status = '{issued}' AND valid_until >= $2 THEN 1 ELSE 0 END), 0) AS outstanding, \
           CAST(COALESCE(SUM(discount_cents), 0) AS BIGINT) AS discount_cents, \
           (SELECT CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) FROM purchases p \
              WHERE p.order_id IN (SELECT order_id FROM coupons WHERE definition_id = $1 AND order_id IS NOT NULL)) \
             AS revenue_cents \
         FROM coupons WHERE definition_id = $1",
        redeemed = CouponStatus::Redeemed,
        issued = CouponStatus::Issued,
    );
    let row = conn
        .query_one(statement(conn, &sql, vec![definition_id.into(), today.into()]))
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("an aggregate returned no row")))?;
    let figure = |name: &str| -> AppResult<i64> { Ok(row.try_get::<i64>("", name)?) };
    Ok(Worth {
        issued: figure("issued")?,
        redeemed: figure("redeemed")?,
        expired: figure("expired")?,
        outstanding: figure("outstanding")?,
        discount_cents: figure("discount_cents")?,
        revenue_cents: figure("revenue_cents")?,
    })
}
