//! Redeeming the codes that came with a batch of orders (a purchases import): each table read
//! once for the whole batch, the redemptions written by one statement, by the same rules as one
//! redemption at the counter.
use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, Utc};
use entity::vocabulary::CouponStatus;
use entity::{coupon, coupon_definition};
use jobs::sql::statement;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, Value};

use super::redeem::{fits, Order};
use crate::auth::Viewer;
use crate::error::AppResult;
use crate::service::{audit, store};

/// A code as typed on an order's line, and the order.
pub struct Presented {
    pub line: u64,
    pub typed: String,
    pub order_id: String,
    pub member_id: i64,
    pub store_id: Option<i64>,
    /// In the brand's time zone.
    pub day: NaiveDate,
    pub paid_cents: i64,
    pub category: Option<String>,
}

impl Presented {
    fn order(&self) -> Order<'_> {
        Order {
            order_id: &self.order_id,
            member_id: self.member_id,
            store_id: self.store_id,
            day: self.day,
            paid_cents: self.paid_cents,
            category: self.category.as_deref(),
        }
    }
}

/// A code found fit for its line's order.
pub struct Fit {
    pub line: u64,
    coupon_id: i64,
    order_id: String,
    discount_cents: i64,
}

/// The presented codes that fit their orders, and the lines of those that do not, with why. A
/// code already redeemed with its own line's order is neither.
pub async fn check(conn: &impl ConnectionTrait, presented: &[Presented]) -> AppResult<(Vec<Fit>, Vec<(u64, String)>)> {
    let codes: Vec<String> = presented
        .iter()
        .flat_map(|p| jobs::coupons::stored_forms(&p.typed))
        .collect();
    let coupons: HashMap<String, coupon::Model> = coupon::Entity::find()
        .filter(coupon::Column::Code.is_in(codes))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    let definition_ids: Vec<i64> = coupons.values().map(|c| c.definition_id).collect();
    let definitions: HashMap<i64, coupon_definition::Model> = coupon_definition::Entity::find()
        .filter(coupon_definition::Column::Id.is_in(definition_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|d| (d.id, d))
        .collect();
    let store_ids: Vec<i64> = presented.iter().filter_map(|p| p.store_id).collect();
    let stores = store::by_ids(conn, &store_ids).await?;
    let order_ids: Vec<&str> = presented.iter().map(|p| p.order_id.as_str()).collect();
    let taken: HashMap<String, i64> = coupon::Entity::find()
        .filter(coupon::Column::OrderId.is_in(order_ids))
        .all(conn)
        .await?
        .into_iter()
        .filter_map(|c| Some((c.order_id?, c.id)))
        .collect();
    let (mut fit, mut unfit) = (Vec::new(), Vec::new());
    let mut used: HashMap<i64, (u64, &String)> = HashMap::new();
    for p in presented {
        let found = jobs::coupons::stored_forms(&p.typed)
            .into_iter()
            .find_map(|c| coupons.get(&c));
        let Some(coupon) = found else {
            unfit.push((p.line, format!("coupon: no coupon has the code {:?}", p.typed)));
            continue;
        };
        if taken.get(&p.order_id) == Some(&coupon.id) {
            continue; // redeemed with this order before
        }
        match used.get(&coupon.id) {
            Some((_, order_id)) if **order_id == p.order_id => continue, // the same order again
            Some((line, _)) => {
                unfit.push((
                    p.line,
                    format!("coupon: {:?} is already redeemed on line {line}", p.typed),
                ));
                continue;
            }
            None => {}
        }
        let Some(definition) = definitions.get(&coupon.definition_id) else {
            continue;
        };
        let store_code = p.store_id.and_then(|id| stores.get(&id)).map(|s| s.code.as_str());
        match fits(
            coupon,
            definition,
            &p.order(),
            store_code,
            taken.contains_key(&p.order_id),
        ) {
            Ok(discount_cents) => {
                used.insert(coupon.id, (p.line, &p.order_id));
                fit.push(Fit {
                    line: p.line,
                    coupon_id: coupon.id,
                    order_id: p.order_id.clone(),
                    discount_cents,
                })
            }
            Err(err) => unfit.push((p.line, format!("coupon: {}", err.message()))),
        }
    }
    Ok((fit, unfit))
}

/// Redeems the fitting codes in the caller's transaction, one statement: the lines whose
/// coupon a concurrent redemption took first are returned, their orders not to be recorded.
pub async fn write(txn: &DatabaseTransaction, viewer: &Viewer, fit: &[Fit]) -> AppResult<Vec<u64>> {
    if fit.is_empty() {
        return Ok(Vec::new());
    }
    let mut values: Vec<Value> = vec![Utc::now().into(), viewer.actor.clone().into()];
    let mut order_cases = String::new();
    let mut discount_cases = String::new();
    for f in fit {
        let n = values.len();
        order_cases.push_str(&format!(" WHEN {} THEN ${}", f.coupon_id, n + 1));
        discount_cases.push_str(&format!(" WHEN {} THEN ${}", f.coupon_id, n + 2));
        values.extend([f.order_id.clone().into(), f.discount_cents.into()]);
    }
    let ids = jobs::sql::id_list(fit.iter().map(|f| f.coupon_id));
    let sql = format!(
        "UPDATE coupons SET status = '{redeemed}', order_id = CASE id{order_cases} END, \
           discount_cents = CASE id{discount_cases} END, redeemed_at = $1, redeemed_by = $2 \
         WHERE id IN ({ids}) AND status = '{issued}' RETURNING id",
        redeemed = CouponStatus::Redeemed,
        issued = CouponStatus::Issued,
    );
    let rows = txn.query_all(statement(txn, &sql, values)).await?;
    let won: HashSet<i64> = rows.iter().map(|r| r.try_get("", "id")).collect::<Result<_, _>>()?;
    let detail = serde_json::json!({ "coupons": won.len() });
    audit::record(txn, viewer, "coupon.redeem", None, detail).await?;
    Ok(fit
        .iter()
        .filter(|f| !won.contains(&f.coupon_id))
        .map(|f| f.line)
        .collect())
}
