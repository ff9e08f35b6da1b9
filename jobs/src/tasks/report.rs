//! What the calls are worth, which no loyalty product measures: per kind of task, the members
//! whose tasks went to associates against those held back, by what they bought from the task's
//! due day through the window after it. The groups are compared as drawn (every task given out,
//! done or not, against every one held back), so the associates' choice of whom to call does not
//! flatter the figures; how many were done and reached is reported beside them.
use std::collections::HashMap;

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

/// The tasks of `kind` due from `from` to `to` (of one associate's members when
/// `drawn_for` names them), each member's purchases from its due day for `window_days` days.
pub async fn worth(
    conn: &impl ConnectionTrait,
    kind: TaskKind,
    (from, to): (NaiveDate, NaiveDate),
    window_days: u32,
    drawn_for: Option<i64>,
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
         WHERE t.kind = $1 AND t.due_on >= $2 AND t.due_on <= $3 AND ($5 IS NULL OR t.drawn_for_id = $5) \
         GROUP BY t.id, t.held_out, t.status, t.outcome"
    );
    let values = vec![
        kind.as_str().into(),
        from.into(),
        to.into(),
        i64::from(window_days).into(),
        drawn_for.into(),
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

/// One associate's figures over a period.
#[derive(Debug, Default, Serialize)]
pub struct Score {
    pub staff_id: i64,
    /// Active members they look after now.
    pub members: i64,
    /// Their tasks due in the period (held-back ones aside), done, done by the last day, and
    /// with the member reached.
    pub tasks: i64,
    pub done: i64,
    pub on_time: i64,
    pub reached: i64,
    /// Complaints they resolved in the period, and of those within the service level.
    pub complaints_resolved: i64,
    pub within_sla: i64,
    /// Their members who bought in the period, and what those members' purchases came to net.
    pub buyers: i64,
    pub revenue_cents: i64,
}

/// Every associate of a store, by the work of the period from `from` to `to` (brand days;
/// `until` is the instant `to` ends) and a complaint's service level.
pub async fn scores(
    conn: &impl ConnectionTrait,
    store_id: i64,
    (from, to): (NaiveDate, NaiveDate),
    (since, until): (chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>),
    sla_hours: u32,
) -> Result<Vec<Score>, DbErr> {
    let sql = "SELECT id FROM staff_users WHERE role = 'associate' AND store_id = $1 ORDER BY id";
    let staff: Vec<i64> = conn
        .query_all(statement(conn, sql, vec![store_id.into()]))
        .await?
        .iter()
        .map(|row| row.try_get("", "id"))
        .collect::<Result<_, _>>()?;
    if staff.is_empty() {
        return Ok(Vec::new());
    }
    let ids = crate::sql::id_list(staff.iter().copied());
    let within = match conn.get_database_backend() {
        DbBackend::Postgres => "f.resolved_at <= f.created_at + make_interval(hours => CAST($3 AS INTEGER))",
        _ => "julianday(f.resolved_at) <= julianday(f.created_at) + $3 / 24.0",
    };
    let members = by_staff(
        conn,
        format!(
            "SELECT assigned_associate_id AS staff_id, COUNT(*) AS members \
             FROM members WHERE status = 'active' AND assigned_associate_id IN ({ids}) GROUP BY assigned_associate_id"
        ),
        vec![],
        &["members"],
    )
    .await?;
    let tasks = by_staff(
        conn,
        format!(
            "SELECT assignee_id AS staff_id, COUNT(*) AS tasks, \
               SUM(CASE WHEN status = 'done' THEN 1 ELSE 0 END) AS done, \
               SUM(CASE WHEN status = 'done' AND done_on <= expires_on THEN 1 ELSE 0 END) AS on_time, \
               SUM(CASE WHEN outcome = 'reached' THEN 1 ELSE 0 END) AS reached \
             FROM tasks WHERE NOT held_out AND assignee_id IN ({ids}) AND due_on >= $1 AND due_on <= $2 \
             GROUP BY assignee_id"
        ),
        vec![from.into(), to.into()],
        &["tasks", "done", "on_time", "reached"],
    )
    .await?;
    let complaints = by_staff(
        conn,
        format!(
            "SELECT f.resolved_by_id AS staff_id, COUNT(*) AS resolved, \
               SUM(CASE WHEN {within} THEN 1 ELSE 0 END) AS within_sla \
             FROM feedback f WHERE f.kind = 'complaint' AND f.resolved_by_id IN ({ids}) \
               AND f.resolved_at >= $1 AND f.resolved_at < $2 GROUP BY f.resolved_by_id"
        ),
        vec![since.into(), until.into(), i64::from(sla_hours).into()],
        &["resolved", "within_sla"],
    )
    .await?;
    let purchases = by_staff(
        conn,
        format!(
            "SELECT m.assigned_associate_id AS staff_id, \
               COUNT(DISTINCT CASE WHEN p.kind = 'purchase' THEN p.member_id END) AS buyers, \
               CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS revenue \
             FROM purchases p JOIN members m ON m.id = p.member_id \
             WHERE m.assigned_associate_id IN ({ids}) AND p.occurred_on >= $1 AND p.occurred_on <= $2 \
             GROUP BY m.assigned_associate_id"
        ),
        vec![from.into(), to.into()],
        &["buyers", "revenue"],
    )
    .await?;
    Ok(staff
        .into_iter()
        .map(|staff_id| {
            let [members] = figures(&members, staff_id);
            let [tasks, done, on_time, reached] = figures(&tasks, staff_id);
            let [complaints_resolved, within_sla] = figures(&complaints, staff_id);
            let [buyers, revenue_cents] = figures(&purchases, staff_id);
            Score {
                staff_id,
                members,
                tasks,
                done,
                on_time,
                reached,
                complaints_resolved,
                within_sla,
                buyers,
                revenue_cents,
            }
        })
        .collect())
}

/// A grouped query's `columns` (counts and sums) by its `staff_id`.
async fn by_staff(
    conn: &impl ConnectionTrait,
    sql: String,
    values: Vec<sea_orm::Value>,
    columns: &[&str],
) -> Result<HashMap<i64, Vec<i64>>, DbErr> {
    let mut found = HashMap::new();
    for row in conn.query_all(statement(conn, &sql, values)).await? {
        let figures = columns
            .iter()
            .map(|column| Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0)))
            .collect::<Result<Vec<i64>, DbErr>>()?;
        found.insert(row.try_get("", "staff_id")?, figures);
    }
    Ok(found)
}

/// A staff user's figures of a `by_staff` query; zeros when it found nothing of theirs.
fn figures<const N: usize>(by_staff: &HashMap<i64, Vec<i64>>, staff_id: i64) -> [i64; N] {
    let mut figures = [0; N];
    if let Some(found) = by_staff.get(&staff_id) {
        figures
            .iter_mut()
            .zip(found)
            .for_each(|(figure, found)| *figure = *found);
    }
    figures
}
