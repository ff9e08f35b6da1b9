//! The associates' win-back call list ("由专人负责沟通"): the win-back campaign's audience (the
//! same filter, compiled by the segment compiler) in the associate's store, minus those called
//! within the cooldown.
use chrono::{Duration, Utc};
use entity::{call_outcome, member, member_metrics};
use jobs::campaigns::builtin::lapsed_repeat_buyers;
use jobs::outreach::OutreachConfig;
use jobs::segments::{self, AsOf};
use sea_orm::sea_query::{Expr, Func, Query};
use sea_orm::{ActiveModelTrait, Condition, ConnectionTrait, QueryOrder, QuerySelect, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};

pub use entity::vocabulary::CallOutcome;

/// The calling associate's list, most valuable first: members of their store assigned to them or
/// to no one. An export of contact details, so audited.
pub async fn my_call_list(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    config: &OutreachConfig,
    limit: u64,
) -> AppResult<Vec<member::Model>> {
    let staff_id = viewer
        .staff_id
        .ok_or_else(|| AppError::Forbidden("the call list belongs to an associate's staff login".into()))?;
    let since = Utc::now() - Duration::days(i64::from(config.winback_cooldown_days));
    let audience = lapsed_repeat_buyers(config.winback_min_orders);
    let today = Utc::now().date_naive();
    let mut condition = segments::compile_fields(&audience, "callList", AsOf::new(today, today))
        .map_err(|refused| AppError::Internal(anyhow::anyhow!("the win-back audience does not compile: {refused}")))?;
    let assigned = Expr::col((member::Entity, member::Column::AssignedAssociateId));
    let called = Query::select()
        .expr(Expr::val(1))
        .from(call_outcome::Entity)
        .and_where(
            Expr::col((call_outcome::Entity, call_outcome::Column::MemberId))
                .equals((member::Entity, member::Column::Id)),
        )
        .and_where(Expr::col((call_outcome::Entity, call_outcome::Column::CreatedAt)).gt(since))
        .to_owned();
    condition = condition
        .add(segments::everyone())
        .add(Expr::col((member::Entity, member::Column::StoreId)).eq(viewer.store_id.unwrap_or(-1)))
        .add(
            Condition::any()
                .add(assigned.clone().eq(staff_id))
                .add(assigned.is_null()),
        )
        .add(Expr::exists(called).not());
    let clv = Expr::col((member_metrics::Entity, member_metrics::Column::ClvCents));
    let members = segments::members(condition)
        .order_by_desc(Expr::expr(Func::coalesce([clv.into(), Expr::val(0).into()])))
        .order_by_asc(member::Column::Id)
        .limit(limit)
        .all(conn)
        .await?;
    // Written at once rather than through the grouped `AuditTrail`, which only resolvers hold:
    // an associate opens the list a few times a day.
    let detail = serde_json::json!({ "returned": members.len() });
    audit::record(conn, viewer, "call_list.export", None, detail).await?;
    Ok(members)
}

/// Records how a call went; the member leaves the list for the cooldown.
pub async fn record_outcome(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
    outcome: CallOutcome,
    note: Option<String>,
) -> AppResult<call_outcome::Model> {
    let staff_id = viewer
        .staff_id
        .ok_or_else(|| AppError::Forbidden("call outcomes are recorded by a staff login".into()))?;
    let member = members::find_visible(conn, viewer, member_no).await?;
    let note = note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty());
    if note.as_ref().is_some_and(|n| n.chars().count() > 2000) {
        return Err(AppError::field("note", "keep the note under 2000 characters"));
    }
    let txn = conn.begin().await?;
    let saved = call_outcome::ActiveModel {
        member_id: Set(member.id),
        staff_id: Set(staff_id),
        outcome: Set(outcome),
        note: Set(note),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = serde_json::json!({ "outcome": outcome });
    audit::record(&txn, viewer, "member.call_outcome", Some(&member.member_no), detail).await?;
    txn.commit().await?;
    Ok(saved)
}
