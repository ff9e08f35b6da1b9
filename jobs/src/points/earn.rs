//! Points by the rules for recorded orders: a purchase earns its net amount times the member's
//! tier rate (times the birthday multiplier in the member's birthday month), rounded as
//! configured; a return takes back the same share of what its order earned, never taking the
//! balance below zero (what could not be taken back is written in the entry's reason). Each is
//! one ledger entry referenced by its order (`order:<id>`, `return:<id>`), so recording or
//! importing an order again changes nothing. A whole import batch is settled with a few reads
//! and one bulk insert.
use entity::vocabulary::{MemberStatus, PointsKind, PurchaseKind, Tier};
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use entity::{member, member_metrics, points_entry, purchase};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, OnConflict, Order, Query};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, FromQueryResult, QueryFilter, Set, TransactionTrait,
};

use super::PointsConfig;
use crate::sql;

/// What settling some orders wrote.
#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Settled {
    /// Points earned by purchases.
    pub earned: i64,
    /// Points taken back by returns (positive).
    pub taken_back: i64,
    /// Points returns should have taken back but the balance no longer held.
    pub shortfall: i64,
}

fn order_reference(order_id: &str) -> String {
    format!("order:{order_id}")
}

fn return_reference(order_id: &str) -> String {
    format!("return:{order_id}")
}

/// Earns and takes back the points of these orders once each (see the module).
pub async fn settle(
    conn: &(impl ConnectionTrait + TransactionTrait),
    config: &PointsConfig,
    zone: Tz,
    order_ids: &[String],
) -> Result<Settled, DbErr> {
    if !config.earn || order_ids.is_empty() {
        return Ok(Settled::default());
    }
    let txn = conn.begin().await?;
    let rows = lines(&txn, order_ids).await?;
    lock_members(&txn, &rows).await?;
    let references: Vec<String> = rows
        .iter()
        .flat_map(|p| [order_reference(&p.order_id), return_reference(&p.order_id)])
        .collect();
    let earn_entries = points_entry::Entity::find().filter(points_entry::Column::Kind.eq(PointsKind::Earn));
    let mut written: HashMap<String, i64> =
        sql::find_in(&txn, earn_entries, points_entry::Column::Reference, &references)
            .await?
            .into_iter()
            .filter_map(|e| Some((e.reference?, e.points)))
            .collect();
    let member_ids: Vec<i64> = rows.iter().map(|line| line.member_id).collect();
    let mut balances = super::balances(&txn, &member_ids).await?;

    let mut settled = Settled::default();
    let mut entries = Vec::new();
    // Purchases first, so a return in the same batch finds what its order earned.
    let (purchases, returns): (Vec<_>, Vec<_>) = rows.iter().partition(|p| p.kind == PurchaseKind::Purchase);
    for row in &purchases {
        let reference = order_reference(&row.order_id);
        if row.status == MemberStatus::Erased || written.contains_key(&reference) {
            continue;
        }
        let points = purchase_points(config, zone, row);
        if points <= 0 {
            continue;
        }
        written.insert(reference.clone(), points);
        *balances.entry(row.member_id).or_default() += points;
        settled.earned += points;
        entries.push(entry(
            row.member_id,
            points,
            format!("order {}", row.order_id),
            reference,
        ));
    }
    let paid: HashMap<&str, i64> = purchases
        .iter()
        .map(|p| (p.order_id.as_str(), p.amount_cents))
        .collect();
    for row in &returns {
        let reference = return_reference(&row.order_id);
        let earned = written.get(&order_reference(&row.order_id)).copied().unwrap_or(0);
        let paid = paid.get(row.order_id.as_str()).copied().unwrap_or(0);
        if written.contains_key(&reference) || earned <= 0 || paid <= 0 {
            continue;
        }
        // Multiplied before divided: a third of 246 is 82, not 81.99….
        let returned = Decimal::from(row.amount_cents.abs().min(paid));
        let owed = config
            .round(Decimal::from(earned) * returned / Decimal::from(paid))
            .min(earned);
        let balance = balances.entry(row.member_id).or_default();
        let taken = owed.min((*balance).max(0));
        let short = owed - taken;
        *balance -= taken;
        settled.taken_back += taken;
        settled.shortfall += short;
        let reason = if short > 0 {
            format!(
                "return of order {}: {taken} of {owed} points taken back ({short} already spent)",
                row.order_id
            )
        } else {
            format!("return of order {}: {taken} points taken back", row.order_id)
        };
        written.insert(reference.clone(), -taken);
        entries.push(entry(row.member_id, -taken, reason, reference));
    }
    let once = OnConflict::columns([
        points_entry::Column::MemberId,
        points_entry::Column::Kind,
        points_entry::Column::Reference,
    ])
    .do_nothing()
    .to_owned();
    sql::insert_chunked(&txn, entries, once).await?;
    txn.commit().await?;
    Ok(settled)
}

/// An order's purchase or return with what its points depend on.
#[derive(FromQueryResult)]
struct Line {
    order_id: String,
    kind: PurchaseKind,
    member_id: i64,
    amount_cents: i64,
    category: Option<String>,
    occurred_at: DateTime<Utc>,
    birth_month: Option<i16>,
    status: MemberStatus,
    /// The latest run's, when the member has had one.
    tier: Option<Tier>,
}

/// The purchases and returns of these orders, with their members' birth month, status and tier,
/// one statement per chunk of orders.
async fn lines(conn: &impl ConnectionTrait, order_ids: &[String]) -> Result<Vec<Line>, DbErr> {
    use member::{Column as M, Entity as Members};
    use member_metrics::{Column as R, Entity as Metrics};
    use purchase::{Column as P, Entity as Purchases};
    let backend = conn.get_database_backend();
    let mut found = Vec::new();
    for chunk in order_ids.chunks(sql::rows_per_statement(1)) {
        let query = Query::select()
            .columns(
                [
                    P::OrderId,
                    P::Kind,
                    P::MemberId,
                    P::AmountCents,
                    P::Category,
                    P::OccurredAt,
                ]
                .map(|c| (Purchases, c)),
            )
            .columns([M::BirthMonth, M::Status].map(|c| (Members, c)))
            .column((Metrics, R::Tier))
            .from(Purchases)
            .inner_join(Members, Expr::col((Members, M::Id)).equals((Purchases, P::MemberId)))
            .left_join(
                Metrics,
                Expr::col((Metrics, R::MemberId)).equals((Purchases, P::MemberId)),
            )
            .and_where(Expr::col((Purchases, P::OrderId)).is_in(chunk.iter().cloned()))
            .to_owned();
        found.extend(Line::find_by_statement(backend.build(&query)).all(conn).await?);
    }
    Ok(found)
}

/// What a purchase earns by the rules.
fn purchase_points(config: &PointsConfig, zone: Tz, row: &Line) -> i64 {
    let excluded = row
        .category
        .as_deref()
        .is_some_and(|category| config.excluded_categories.iter().any(|c| c == category));
    if excluded || row.amount_cents <= 0 {
        return 0;
    }
    let month = row.occurred_at.with_timezone(&zone).month();
    let birthday_month = row.birth_month.is_some_and(|m| u32::try_from(m).ok() == Some(month));
    let multiplier = if birthday_month {
        config.birthday_multiplier
    } else {
        Decimal::ONE
    };
    let units = Decimal::new(row.amount_cents, 2);
    config.round(units * config.rate(row.tier) * multiplier)
}

fn entry(member_id: i64, points: i64, reason: String, reference: String) -> points_entry::ActiveModel {
    points_entry::ActiveModel {
        member_id: Set(member_id),
        kind: Set(PointsKind::Earn),
        points: Set(points),
        reason: Set(Some(reason)),
        reference: Set(Some(reference)),
        staff_id: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// On PostgreSQL, holds the ledger of members with returns until the batch commits, as every
/// ledger write does, so no redemption meanwhile spends what a take-back counts on. (SQLite
/// serialises writers already.)
async fn lock_members(txn: &impl ConnectionTrait, rows: &[Line]) -> Result<(), DbErr> {
    let backend = txn.get_database_backend();
    if backend != DbBackend::Postgres {
        return Ok(());
    }
    let mut ids: Vec<i64> = rows
        .iter()
        .filter(|p| p.kind != PurchaseKind::Purchase)
        .map(|p| p.member_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    for chunk in ids.chunks(500) {
        let lock = Query::select()
            .column(member::Column::Id)
            .from(member::Entity)
            .and_where(Expr::col(member::Column::Id).is_in(chunk.iter().copied()))
            .order_by(member::Column::Id, Order::Asc)
            .lock_exclusive()
            .to_owned();
        txn.execute(backend.build(&lock)).await?;
    }
    Ok(())
}
