//! The points ledger: append-only entries; a balance is their sum and never goes below zero.
use std::collections::HashMap;

use chrono::Utc;
use entity::points_entry;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait, Value};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::db;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member};
use crate::validate;
use jobs::points::earn::{self, Settled};
use jobs::sql::statement;

pub use entity::vocabulary::PointsKind;

/// One requested ledger change.
pub struct PointsChange<'a> {
    pub member_no: &'a str,
    pub kind: PointsKind,
    /// Signed: what the balance moves by.
    pub points: i64,
    pub reason: Option<String>,
    /// Idempotency key: the same reference for the same member and kind is applied once.
    pub reference: Option<String>,
}

/// Appends an entry. Who may: admins and the member's associates earn and redeem; a member may
/// redeem their own points; only admins adjust or expire.
pub async fn apply(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    change: PointsChange<'_>,
) -> AppResult<points_entry::Model> {
    let member = member::find_visible(conn, viewer, change.member_no).await?;
    member::ensure_active(&member)?;
    if change.points == 0 {
        return Err(AppError::field("points", "points must not be zero"));
    }
    let reason = validate::optional_text(change.reason)
        .map(|r| validate::bounded("reason", &r, 500))
        .transpose()?;
    let reference = validate::optional_text(change.reference)
        .map(|r| validate::bounded("reference", &r, 128))
        .transpose()?;
    if let Some(reference) = &reference {
        if let Some(entry) = by_reference(conn, member.id, change.kind, reference).await? {
            return Ok(entry);
        }
    }

    let txn = conn.begin().await?;
    if db::is_postgres(conn) {
        // Serialise ledger writes per member: the balance check below then sees every committed
        // entry (READ COMMITTED takes a new snapshot per statement). SQLite serialises writers
        // already, and the check-and-insert is one statement.
        txn.execute(statement(
            &txn,
            "SELECT id FROM members WHERE id = $1 FOR UPDATE",
            vec![member.id.into()],
        ))
        .await?;
    }
    let values: Vec<Value> = vec![
        member.id.into(),
        change.kind.as_str().into(),
        change.points.into(),
        reason.into(),
        reference.clone().into(),
        viewer.staff_id.into(),
        Utc::now().into(),
    ];
    let insert = "INSERT INTO points_ledger (member_id, kind, points, reason, reference, staff_id, created_at) \
                  SELECT $1, $2, $3, $4, $5, $6, $7 \
                  WHERE (SELECT COALESCE(SUM(points), 0) FROM points_ledger WHERE member_id = $1) + $3 >= 0 \
                  RETURNING id";
    let inserted = txn.query_one(statement(&txn, insert, values)).await;
    let id: i64 = match inserted {
        Ok(Some(row)) => row.try_get("", "id")?,
        Ok(None) => {
            let balance = balances(&txn, &[member.id])
                .await?
                .get(&member.id)
                .copied()
                .unwrap_or(0);
            return Err(AppError::field(
                "points",
                format!(
                    "member {} has {balance} points; a change of {} would take the balance below zero",
                    member.member_no, change.points
                ),
            ));
        }
        Err(err) => {
            // A concurrent request with the same reference won the race: return its entry.
            drop(txn);
            if let (Some(reference), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) = (&reference, err.sql_err())
            {
                if let Some(entry) = by_reference(conn, member.id, change.kind, reference).await? {
                    return Ok(entry);
                }
            }
            return Err(err.into());
        }
    };
    let detail = serde_json::json!({ "entryId": id, "kind": change.kind.as_str(), "points": change.points });
    audit::record(&txn, viewer, "points.apply", Some(&member.member_no), detail).await?;
    let entry = points_entry::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    entry.ok_or_else(|| AppError::Internal(anyhow::anyhow!("points entry {id} vanished after insert")))
}

async fn by_reference(
    conn: &impl ConnectionTrait,
    member_id: i64,
    kind: PointsKind,
    reference: &str,
) -> AppResult<Option<points_entry::Model>> {
    Ok(points_entry::Entity::find()
        .filter(points_entry::Column::MemberId.eq(member_id))
        .filter(points_entry::Column::Kind.eq(kind.as_str()))
        .filter(points_entry::Column::Reference.eq(reference))
        .one(conn)
        .await?)
}

pub use jobs::points::balance_sum;

/// Earns and takes back the points of newly recorded orders by the brand's rules (see
/// `jobs::points::earn`), audited when it wrote anything.
pub async fn settle_orders(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    order_ids: &[String],
) -> AppResult<Settled> {
    let settled = earn::settle(conn, &brand.points, brand.time_zone, order_ids).await?;
    if settled.earned != 0 || settled.taken_back != 0 {
        let detail = serde_json::json!({ "orders": order_ids.len(), "settled": settled });
        audit::record(conn, viewer, "points.earn_by_rules", None, detail).await?;
    }
    Ok(settled)
}

/// Current balances of these members (members without entries are absent: zero).
pub async fn balances(conn: &impl ConnectionTrait, member_ids: &[i64]) -> AppResult<HashMap<i64, i64>> {
    Ok(jobs::points::balances(conn, member_ids).await?)
}
