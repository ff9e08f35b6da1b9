//! What the outbox holds back: the queued rows by the state the dispatcher sees them in.
use chrono::Utc;
use entity::vocabulary::OutboxStatus;
use sea_orm::{ConnectionTrait, DbErr};

use super::claim::held_by_live_dispatcher;
use crate::sql::statement;

/// Queued rows, each in exactly one state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Backlog {
    /// Due and free to claim: what the next dispatch pass would send. A growing figure means
    /// the dispatcher falls behind.
    pub due: i64,
    /// Held by a live dispatcher: being sent now.
    pub claimed: i64,
    /// Waiting out a retry after a temporary failure.
    pub deferred: i64,
    /// Not yet due and never tried: a member's send hour still to come.
    pub scheduled: i64,
}

/// Counts the backlog in one pass over the queued rows (the partial index `idx_outbox_due`
/// covers exactly those), cheap enough to run at every scrape. A claim counts as the dispatcher
/// does: the claim of a dispatcher that died frees the row.
pub async fn backlog(conn: &impl ConnectionTrait) -> Result<Backlog, DbErr> {
    let queued = OutboxStatus::Queued;
    let sql = format!(
        "SELECT \
           COALESCE(SUM(CASE WHEN {held} THEN 1 ELSE 0 END), 0) AS claimed, \
           COALESCE(SUM(CASE WHEN NOT {held} AND o.due_at <= $1 THEN 1 ELSE 0 END), 0) AS due, \
           COALESCE(SUM(CASE WHEN NOT {held} AND o.due_at > $1 AND o.attempts > 0 THEN 1 ELSE 0 END), 0) AS deferred, \
           COALESCE(SUM(CASE WHEN NOT {held} AND o.due_at > $1 AND o.attempts = 0 THEN 1 ELSE 0 END), 0) AS scheduled \
         FROM outbox o WHERE o.status = '{queued}'",
        held = held_by_live_dispatcher("$1")
    );
    let row = conn
        .query_one(statement(conn, &sql, vec![Utc::now().into()]))
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the outbox count returned no row".to_owned()))?;
    Ok(Backlog {
        due: row.try_get("", "due")?,
        claimed: row.try_get("", "claimed")?,
        deferred: row.try_get("", "deferred")?,
        scheduled: row.try_get("", "scheduled")?,
    })
}
