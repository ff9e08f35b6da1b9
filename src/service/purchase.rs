//! Purchases and returns, idempotent by order id.
use std::collections::HashMap;

use async_graphql::InputObject;
use chrono::{DateTime, SubsecRound, Utc};
use entity::vocabulary::PurchaseKind;
use entity::{member, purchase};
use rust_decimal::Decimal;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, TransactionTrait};

use crate::auth::{Role, Viewer};
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::{audit, coupon, member as members, points, store};
use crate::{money, validate};

#[derive(InputObject, Clone, Debug)]
pub struct PurchaseInput {
    pub member_no: String,
    /// The order id: recording the same order twice changes nothing.
    pub order_id: String,
    pub occurred_at: DateTime<Utc>,
    /// Net amount paid, not negative.
    pub amount: Decimal,
    /// Gross profit, when known.
    pub profit: Option<Decimal>,
    pub store_code: Option<String>,
    pub category: Option<String>,
    /// A coupon of the member's redeemed with the order: checked before the order is recorded,
    /// so a coupon that does not apply records nothing.
    pub coupon_code: Option<String>,
}

#[derive(InputObject, Clone, Debug)]
pub struct ReturnInput {
    /// The order being returned.
    pub order_id: String,
    /// The member the return is recorded for, when the client knows it: an order of another
    /// member's is refused rather than returned.
    pub member_no: Option<String>,
    pub occurred_at: DateTime<Utc>,
    /// Amount refunded, positive; at most what the order paid.
    pub amount: Decimal,
    /// Gross profit given back, positive, when known.
    pub profit: Option<Decimal>,
}

/// The parts of a purchase row every source validates the same way.
pub struct LineItem<'a> {
    pub order_id: &'a str,
    pub kind: PurchaseKind,
    pub occurred_at: DateTime<Utc>,
    pub amount: Decimal,
    pub profit: Option<Decimal>,
    pub category: Option<&'a str>,
}

/// Validates a line into a row (member and store still to be set). Purchases may not be
/// negative; returns are stored negative whichever sign they came with.
pub fn validate_line(line: &LineItem<'_>, brand: &Brand) -> AppResult<purchase::ActiveModel> {
    let order_id = validate::required_text("orderId", line.order_id, 128)?;
    let (amount, profit) = match line.kind {
        PurchaseKind::Purchase if line.amount < Decimal::ZERO => {
            let message = format!("amount must not be negative: {}", line.amount);
            return Err(AppError::keyed("amount", "purchase.negative", message).with("got", line.amount.to_string()));
        }
        PurchaseKind::Purchase => (line.amount, line.profit),
        PurchaseKind::Return => (-line.amount.abs(), line.profit.map(|p| -p.abs())),
    };
    // PostgreSQL keeps microseconds: a time given in nanoseconds would otherwise differ from
    // its stored self, and recording the same order again would be refused as a conflict.
    let occurred_at = line.occurred_at.trunc_subsecs(6);
    Ok(purchase::ActiveModel {
        occurred_at: Set(occurred_at),
        occurred_on: Set(brand.date_of(line.occurred_at)),
        amount_cents: Set(money::to_cents("amount", amount)?),
        profit_cents: Set(profit.map(|p| money::to_cents("profit", p)).transpose()?),
        order_id: Set(order_id),
        kind: Set(line.kind),
        category: Set(line
            .category
            .map(|c| validate::bounded("category", c.trim(), 100))
            .transpose()?),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
}

/// Whether a stored row says the same as a new one, i.e. re-recording it changes nothing.
pub fn same_line(stored: &purchase::Model, new: &purchase::ActiveModel) -> bool {
    same_content(&purchase::ActiveModel::from(stored.clone()), new)
}

/// Whether two rows for one order agree on everything but bookkeeping (id, creation time).
pub fn same_content(a: &purchase::ActiveModel, b: &purchase::ActiveModel) -> bool {
    [
        purchase::Column::MemberId,
        purchase::Column::StoreId,
        purchase::Column::OccurredAt,
        purchase::Column::AmountCents,
        purchase::Column::ProfitCents,
        purchase::Column::Category,
    ]
    .into_iter()
    .all(|column| a.get(column).into_value() == b.get(column).into_value())
}

/// Stored rows with these (order id, kind) keys: per kind, `order_id IN (...)` in chunks, so a
/// batch of any size stays within both databases' limits.
pub async fn existing(
    conn: &impl ConnectionTrait,
    keys: impl IntoIterator<Item = (String, PurchaseKind)>,
) -> AppResult<HashMap<(String, PurchaseKind), purchase::Model>> {
    let mut by_kind: HashMap<PurchaseKind, Vec<String>> = HashMap::new();
    for (order_id, kind) in keys {
        by_kind.entry(kind).or_default().push(order_id);
    }
    let mut found = HashMap::new();
    for (kind, order_ids) in by_kind {
        let of_kind = purchase::Entity::find().filter(purchase::Column::Kind.eq(kind));
        let rows = jobs::sql::find_in(conn, of_kind, purchase::Column::OrderId, &order_ids).await?;
        found.extend(rows.into_iter().map(|p| ((p.order_id.clone(), p.kind), p)));
    }
    Ok(found)
}

/// Inserts a row unless its order is already recorded: the same content is a no-op that returns
/// the stored row; different content is a conflict the caller must resolve. A new row earns or
/// takes back points by the brand's rules.
async fn insert_once(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    member_no: &str,
    key: (String, PurchaseKind),
    row: purchase::ActiveModel,
) -> AppResult<purchase::Model> {
    if let Some(stored) = existing(conn, [key.clone()]).await?.remove(&key) {
        if same_line(&stored, &row) {
            return Ok(stored);
        }
        let message = format!("order {:?} already has a {} with different details", key.0, key.1);
        return Err(AppError::keyed("orderId", "purchase.orderTaken", message)
            .with("orderId", key.0.as_str())
            .with("kind", key.1.as_str()));
    }
    let txn = conn.begin().await?;
    let stored = row.insert(&txn).await?;
    let detail = serde_json::json!({ "orderId": key.0, "amountCents": stored.amount_cents });
    audit::record(&txn, viewer, &format!("{}.record", key.1), Some(member_no), detail).await?;
    // In the same transaction: an order recorded is an order settled.
    points::settle_orders(&txn, viewer, brand, &[key.0]).await?;
    txn.commit().await?;
    Ok(stored)
}

/// Records a purchase for a member the viewer may see; an associate, at their own store; with a
/// coupon, redeems it with the order.
pub async fn record_purchase(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    input: PurchaseInput,
) -> AppResult<purchase::Model> {
    let member = members::find_visible(conn, viewer, &input.member_no).await?;
    members::ensure_active(&member)?;
    let mut row = validate_line(
        &LineItem {
            order_id: &input.order_id,
            kind: PurchaseKind::Purchase,
            occurred_at: input.occurred_at,
            amount: input.amount,
            profit: input.profit,
            category: input.category.as_deref(),
        },
        brand,
    )?;
    let store_id = match input.store_code.as_deref() {
        Some(code) => Some(store::id_for_code(conn, "storeCode", code).await?),
        None => member.store_id,
    };
    if viewer.role == Role::Associate && store_id != viewer.store_id {
        return Err(AppError::Forbidden(
            "storeCode: associates record purchases at their own store only".into(),
        ));
    }
    row.member_id = Set(member.id);
    row.store_id = Set(store_id);
    let key = (input.order_id.trim().to_owned(), PurchaseKind::Purchase);
    let redemption = match input.coupon_code.as_deref() {
        Some(typed) => {
            let coupon = coupon::by_code(conn, viewer, typed).await?;
            let order = coupon::Order {
                order_id: &key.0,
                member_id: member.id,
                store_id,
                day: brand.date_of(input.occurred_at),
                paid_cents: money::to_cents("amount", input.amount)?,
                category: input.category.as_deref().map(str::trim),
            };
            if coupon.order_id.as_deref() == Some(key.0.as_str()) {
                None // recorded with this order before: nothing more to do
            } else {
                Some(coupon::check(conn, coupon, &order).await?)
            }
        }
        None => None,
    };
    let recorded = insert_once(conn, viewer, brand, &member.member_no, key, row).await?;
    if let Some(redemption) = redemption {
        coupon::write(conn, viewer, redemption).await?;
    }
    Ok(recorded)
}

/// Records the return of (part of) an order, as a negative amount linked to that order; a full
/// return gives back the coupon the order redeemed.
pub async fn record_return(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    input: ReturnInput,
) -> AppResult<purchase::Model> {
    let order_key = (input.order_id.trim().to_owned(), PurchaseKind::Purchase);
    let unseen = || {
        let message = format!("no purchase has the order id {:?}", order_key.0);
        AppError::keyed("orderId", "purchase.noSuchOrder", message).with("orderId", order_key.0.as_str())
    };
    let original = existing(conn, [order_key.clone()])
        .await?
        .remove(&order_key)
        .ok_or_else(unseen)?;
    let member = member::Entity::find_by_id(original.member_id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound("the order's member no longer exists".into()))?;
    viewer.check_member_access(member.id, member.store_id, unseen)?;
    if let Some(given) = input.member_no.as_deref().map(str::trim) {
        if given != member.member_no {
            let message = format!("order {:?} is not member {given:?}'s", order_key.0);
            return Err(AppError::keyed("memberNo", "purchase.otherMembersOrder", message)
                .with("orderId", order_key.0.as_str())
                .with("memberNo", given));
        }
    }
    if input.amount <= Decimal::ZERO {
        return Err(AppError::keyed(
            "amount",
            "purchase.returnPositive",
            "a return's amount is the positive sum refunded",
        ));
    }
    if money::to_cents("amount", input.amount)? > original.amount_cents {
        let paid = money::from_cents(original.amount_cents);
        let message = format!(
            "the refund {} exceeds what order {:?} paid ({paid})",
            input.amount, order_key.0
        );
        return Err(AppError::keyed("amount", "purchase.refundTooLarge", message)
            .with("orderId", order_key.0.as_str())
            .with("paid", paid.to_string()));
    }
    let mut row = validate_line(
        &LineItem {
            order_id: &order_key.0,
            kind: PurchaseKind::Return,
            occurred_at: input.occurred_at,
            amount: input.amount,
            profit: input.profit,
            category: original.category.as_deref(),
        },
        brand,
    )?;
    row.member_id = Set(original.member_id);
    row.store_id = Set(original.store_id);
    let returned = insert_once(
        conn,
        viewer,
        brand,
        &member.member_no,
        (order_key.0, PurchaseKind::Return),
        row,
    )
    .await?;
    // Also when the return was recorded before: a crash may have come between the two.
    coupon::restore_for_returns(conn, viewer, brand.today(), &[original.order_id.as_str()]).await?;
    Ok(returned)
}
