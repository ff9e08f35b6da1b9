//! What the calls are worth, which no loyalty product measures: per kind of task, the members
//! whose tasks went to associates against those held back, by what they bought from the task's
//! due day through the window after it. The groups are compared as drawn (every task given out,
//! done or not, against every one held back), so the associates' choice of whom to call does not
//! flatter the figures; how many were done and reached is reported beside them.
use chrono::NaiveDate;
use entity::vocabulary::{CallOutcome, TaskKind, TaskStatus};
use sea_orm::{ConnectionTrait, DbBackend, DbErr};
use serde::Serialize;

use crate::campaigns::report::{member_outcome, Group};
use crate::campaigns::uplift::{self, ShareDifference, Uplift};
use crate::sql::statement;

#[derive(Debug, Serialize)]
pub struct Worth {
    /// Tasks given out (one row per task: a member twice in the period counts twice), and their
    /// members' purchases in the window.
    pub tasked: Group,
    pub held_back: Group,
    /// Of the tasks given out: done (any outcome), and the member reached.
    pub done: i64,
    pub reached: i64,
    /// Revenue per member, given out against held back (`None` while a group has fewer than two).
    pub uplift: Option<Uplift>,
    /// Buyers among members, given out against held back.
    pub retention: Option<ShareDifference>,
}

/// The tasks of `kind` due from `from` to `to`, each member's purchases from its due day for
/// `window_days` days.
pub async fn worth(
    conn: &impl ConnectionTrait,
    kind: TaskKind,
    (from, to): (NaiveDate, NaiveDate),
    window_days: u32,
) -> Result<Worth, DbErr> {
    let window_end = match conn.get_database_backend() {
        DbBackend::Postgres => "t.due_on + CAST($4 AS INTEGER)",
        _ => "date(t.due_on, '+' || $4 || ' days')",
    };
    let sql = format!(
        "SELECT t.held_out, CAST(0 AS BIGINT) AS expected, t.status, t.outcome, \
           CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS spend, \
           SUM(CASE WHEN p.kind = 'purchase' THEN 1 ELSE 0 END) AS orders \
         FROM tasks t LEFT JOIN purchases p ON p.member_id = t.member_id \
           AND p.occurred_on >= t.due_on AND p.occurred_on < {window_end} \
         WHERE t.kind = $1 AND t.due_on >= $2 AND t.due_on <= $3 \
         GROUP BY t.id, t.held_out, t.status, t.outcome"
    );
    let values = vec![
        kind.as_str().into(),
        from.into(),
        to.into(),
        i64::from(window_days).into(),
    ];
    let rows = conn.query_all(statement(conn, &sql, values)).await?;
    let (mut tasked, mut held_back) = (Group::default(), Group::default());
    let (mut done, mut reached) = (0, 0);
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in &rows {
        let held_out: bool = row.try_get("", "held_out")?;
        outcomes.push(member_outcome(
            row,
            if held_out { &mut held_back } else { &mut tasked },
        )?);
        let status: String = row.try_get("", "status")?;
        let outcome: Option<String> = row.try_get("", "outcome")?;
        done += i64::from(status == TaskStatus::Done.as_str());
        reached += i64::from(outcome.as_deref() == Some(CallOutcome::Reached.as_str()));
    }
    Ok(Worth {
        uplift: uplift::uplift(&outcomes),
        retention: uplift::share_difference((tasked.buyers, tasked.members), (held_back.buyers, held_back.members)),
        tasked,
        held_back,
        done,
        reached,
    })
}
