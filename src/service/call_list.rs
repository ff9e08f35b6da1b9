//! The associates' win-back call list ("由专人负责沟通"): the same lapsed repeat buyers the
//! win-back email goes to, minus those called within the cooldown.
use async_graphql::Enum;
use chrono::{Duration, Utc};
use entity::{call_outcome, member};
use jobs::outreach::OutreachConfig;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallOutcome {
    Reached,
    NoAnswer,
    WillVisit,
    Declined,
    WrongNumber,
}

impl CallOutcome {
    fn as_str(self) -> &'static str {
        match self {
            Self::Reached => "reached",
            Self::NoAnswer => "no_answer",
            Self::WillVisit => "will_visit",
            Self::Declined => "declined",
            Self::WrongNumber => "wrong_number",
        }
    }
}

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
    let sql = format!(
        "SELECT m.* FROM members m JOIN member_metrics mm ON mm.member_id = m.id \
         WHERE m.status = 'active' AND mm.lapsed AND mm.orders_total >= $1 \
           AND m.store_id = $3 AND (m.assigned_associate_id = $2 OR m.assigned_associate_id IS NULL) \
           AND NOT EXISTS (SELECT 1 FROM call_outcomes c WHERE c.member_id = m.id AND c.created_at > $4) \
         ORDER BY COALESCE(mm.clv_cents, 0) DESC, m.id LIMIT {limit}"
    );
    let values = vec![
        i32::try_from(config.winback_min_orders).unwrap_or(i32::MAX).into(),
        staff_id.into(),
        viewer.store_id.into(),
        since.into(),
    ];
    let stmt = jobs::sql::statement(conn, &sql, values);
    let members = member::Entity::find().from_raw_sql(stmt).all(conn).await?;
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
        outcome: Set(outcome.as_str().to_owned()),
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
