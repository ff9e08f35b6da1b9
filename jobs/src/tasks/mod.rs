//! The associates' tasks (专人负责): each day the brand's switched-on rules turn what Patron
//! knows into calls for a person — a greeting before an A or B member's birthday, a win-back
//! call to a lapsed repeat buyer, a welcome when a member first reaches A or B, a 回访 a few days
//! after a large purchase or a resolved complaint, a switched-on playbook's regular call — and the
//! tasks whose moment passed expire.
//!
//! A task goes to the member's associate while they are an active staff user, else to the
//! store's pool. A stable share of each kind is held back (recorded, never shown), as a
//! campaign's control group is, so the worth of a call is measured. One task per member, kind
//! and occasion (a unique key), and none while the member has an open one of the kind: a re-run,
//! or a second replica, adds nothing twice.
use chrono::{Duration, NaiveDate, Utc};
use entity::vocabulary::{MemberStatus, Strategy, TaskKind, TaskStatus};
use entity::{member, member_metrics, playbook, task_rule};
use sea_orm::sea_query::{Alias, Expr, Query, SelectStatement, SimpleExpr};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Value};
use serde::Serialize;

use crate::campaigns::builtin::lapsed_repeat_buyers;
use crate::campaigns::holdout;
use crate::segments::{self, AsOf, Filter, Op};
use crate::sql::statement;
use crate::JobContext;

pub mod report;

/// Tasks written per statement (thirteen values each, within both databases' limits).
const PER_STATEMENT: usize = 1000;

/// `[tasks]` in `patron.toml`, or `PATRON_TASKS__…`.
#[derive(Clone, Debug, PartialEq, Serialize, serde::Deserialize)]
#[serde(default)]
pub struct TasksConfig {
    /// A complaint still open this many hours after it was recorded is escalated.
    pub complaint_sla_hours: u32,
}

impl Default for TasksConfig {
    fn default() -> Self {
        Self {
            complaint_sla_hours: 24,
        }
    }
}

/// What one day's run did.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    /// New tasks by kind, held back ones included.
    pub created: std::collections::BTreeMap<TaskKind, u64>,
    pub held_out: u64,
    pub expired: u64,
    /// Complaints that passed their service level still open.
    pub escalated: u64,
}

/// A task about to be written.
struct Candidate {
    member_id: i64,
    store_id: Option<i64>,
    assignee_id: Option<i64>,
    occasion: String,
    reason: String,
    expires_on: NaiveDate,
}

/// Expires what lost its moment, then generates the day's tasks of every switched-on rule.
pub async fn run(ctx: &JobContext, as_of: NaiveDate, run_id: Option<i64>) -> Result<Counts, DbErr> {
    let mut counts = Counts {
        expired: expire(&ctx.db, as_of).await?,
        escalated: escalate(&ctx.db, &ctx.tasks).await?,
        ..Counts::default()
    };
    let rules = task_rule::Entity::find()
        .filter(task_rule::Column::Enabled.eq(true))
        .all(&ctx.db)
        .await?;
    for rule in rules {
        let candidates = candidates(ctx, &rule, as_of).await?;
        let (created, held_out) = write(&ctx.db, &rule, as_of, run_id, candidates).await?;
        counts.created.insert(rule.kind, created);
        counts.held_out += held_out;
    }
    Ok(counts)
}

/// Open tasks past their last day: expired.
async fn expire(conn: &impl ConnectionTrait, as_of: NaiveDate) -> Result<u64, DbErr> {
    let sql = format!(
        "UPDATE tasks SET status = '{}' WHERE status = '{}' AND expires_on < $1",
        TaskStatus::Expired,
        TaskStatus::Open
    );
    Ok(conn
        .execute(statement(conn, &sql, vec![as_of.into()]))
        .await?
        .rows_affected())
}

/// Open complaints past their service level: escalated, once.
async fn escalate(conn: &impl ConnectionTrait, config: &TasksConfig) -> Result<u64, DbErr> {
    let now = Utc::now();
    let cutoff = now - Duration::hours(i64::from(config.complaint_sla_hours));
    let sql = "UPDATE feedback SET escalated_at = $1 \
               WHERE kind = 'complaint' AND status = 'open' AND escalated_at IS NULL AND created_at < $2";
    Ok(conn
        .execute(statement(conn, sql, vec![now.into(), cutoff.into()]))
        .await?
        .rows_affected())
}

/// Who the rule calls for on `as_of`, with the occasion, the reason and the last day.
async fn candidates(ctx: &JobContext, rule: &task_rule::Model, as_of: NaiveDate) -> Result<Vec<Candidate>, DbErr> {
    let open_until = as_of + Duration::days(i64::from(rule.open_days.max(1)) - 1);
    match rule.kind {
        TaskKind::BirthdayCall => {
            let early = rule.days.unwrap_or(3).max(0);
            let birthday = as_of + Duration::days(i64::from(early));
            let on_the_day = match early {
                0 => Filter::BirthdayWithin(0),
                _ => Filter::And(vec![
                    Filter::BirthdayWithin(early),
                    Filter::Not(Box::new(Filter::BirthdayWithin(early - 1))),
                ]),
            };
            let select = members(ctx, rule, as_of, Some(&on_the_day), Vec::new())?;
            let reason = format!("birthday on {birthday}");
            each_member(ctx, select, birthday.to_string(), reason, birthday).await
        }
        TaskKind::HolidayCall => holiday(ctx, rule, as_of).await,
        TaskKind::WinbackCall => {
            let config = &ctx.outreach.config;
            let cooldown_start = as_of - Duration::days(i64::from(config.winback_cooldown_days));
            let recently = Expr::exists(called_since(TaskKind::WinbackCall, cooldown_start)).not();
            let audience = lapsed_repeat_buyers(config.winback_min_orders);
            let select = members(ctx, rule, as_of, Some(&audience), vec![recently])?;
            let reason = "lapsed after repeat purchases".to_owned();
            each_member(ctx, select, as_of.to_string(), reason, open_until).await
        }
        TaskKind::WelcomeCall => {
            let select = members(ctx, rule, as_of, None, vec![first_reached(rule)])?;
            // Once ever: the occasion is the member's first reaching the rule's tiers.
            let reason = "first reached the tier".to_owned();
            each_member(ctx, select, "first".to_owned(), reason, open_until).await
        }
        TaskKind::AfterPurchaseCall => {
            let bought_on = as_of - Duration::days(i64::from(rule.days.unwrap_or(3).max(0)));
            after_purchase(ctx, rule, bought_on, open_until).await
        }
        TaskKind::ComplaintFollowUp => {
            let resolved_on = as_of - Duration::days(i64::from(rule.days.unwrap_or(2).max(0)));
            after_complaint(ctx, rule, resolved_on, open_until).await
        }
        TaskKind::CareCall => care(ctx, rule, as_of, open_until).await,
        // A journey's call step writes its own tasks.
        TaskKind::JourneyCall => Ok(Vec::new()),
    }
}

/// The switched-on calling playbooks' calls: each member of a playbook's strategy (by either
/// quadrant) not called by one within its days; a member of two strategies gets the first.
async fn care(
    ctx: &JobContext,
    rule: &task_rule::Model,
    as_of: NaiveDate,
    expires_on: NaiveDate,
) -> Result<Vec<Candidate>, DbErr> {
    let playbooks = playbook::Entity::find()
        .filter(playbook::Column::Enabled.eq(true))
        .order_by_asc(playbook::Column::Id)
        .all(&ctx.db)
        .await?;
    let mut firsts = FirstPerMember::default();
    for (strategy, every) in playbooks
        .iter()
        .filter_map(|p| p.call_every_days.map(|every| (p.strategy, every)))
    {
        let called = Expr::exists(called_since(
            TaskKind::CareCall,
            as_of - Duration::days(i64::from(every.max(1))),
        ))
        .not();
        let select = members(ctx, rule, as_of, Some(&of_strategy(strategy)), vec![called])?;
        // The day, as for win-back calls, so `called_since` reads it.
        let reason = format!("playbook {strategy}: a call every {every} days");
        firsts.add(each_member(ctx, select, as_of.to_string(), reason, expires_on).await?);
    }
    Ok(firsts.candidates)
}

/// Candidates of several occasions, a member's first only (one open task of a kind at a time).
#[derive(Default)]
struct FirstPerMember {
    candidates: Vec<Candidate>,
    seen: std::collections::HashSet<i64>,
}

impl FirstPerMember {
    fn add(&mut self, more: Vec<Candidate>) {
        let seen = &mut self.seen;
        self.candidates
            .extend(more.into_iter().filter(|c| seen.insert(c.member_id)));
    }
}

/// Members whose loyalty or value quadrant calls for `strategy`.
pub fn of_strategy(strategy: Strategy) -> Filter {
    Filter::Or(vec![
        Filter::field("loyaltyStrategy", Op::Eq, strategy.as_str().into()),
        Filter::field("valueStrategy", Op::Eq, strategy.as_str().into()),
    ])
}

/// A greeting before each enabled holiday `days` after `as_of`, open until the holiday; a member
/// with two such holidays gets the first.
async fn holiday(ctx: &JobContext, rule: &task_rule::Model, as_of: NaiveDate) -> Result<Vec<Candidate>, DbErr> {
    let date = as_of + Duration::days(i64::from(rule.days.unwrap_or(3).max(0)));
    let calendar = crate::campaigns::holidays::load(&ctx.db, 0).await?;
    let mut firsts = FirstPerMember::default();
    for brand_holiday in calendar.iter().filter(|h| h.enabled && h.holiday.date.falls_on(date)) {
        let select = members(ctx, rule, as_of, None, Vec::new())?;
        let occasion = format!("{}:{date}", brand_holiday.holiday.key);
        let reason = format!("holiday {} on {date}", brand_holiday.holiday.key);
        firsts.add(each_member(ctx, select, occasion, reason, date).await?);
    }
    Ok(firsts.candidates)
}

/// Active members matching `filter` and `only`, in the rule's tiers, without an open task of the
/// kind: their id, store and the associate the task goes to.
fn members(
    ctx: &JobContext,
    rule: &task_rule::Model,
    as_of: NaiveDate,
    filter: Option<&Filter>,
    only: Vec<SimpleExpr>,
) -> Result<SelectStatement, DbErr> {
    let path = format!("taskRule[{}]", rule.kind);
    let mut condition = match filter {
        Some(filter) => segments::compile_fields(filter, &path, AsOf::new(as_of, ctx.today()))
            .map_err(|refused| DbErr::Custom(format!("the {} rule does not compile: {refused}", rule.kind)))?,
        None => Condition::all(),
    };
    condition = condition
        .add(segments::everyone())
        .add(Expr::exists(open_task(rule.kind)).not());
    let tiers: Vec<&str> = rule.tiers().iter().map(|tier| tier.as_str()).collect();
    if !tiers.is_empty() {
        condition = condition.add(Expr::col((member_metrics::Entity, member_metrics::Column::Tier)).is_in(tiers));
    }
    for expr in only {
        condition = condition.add(expr);
    }
    Ok(segments::matching(condition)
        .column((member::Entity, member::Column::Id))
        .column((member::Entity, member::Column::StoreId))
        .expr_as(assignee("members"), Alias::new("assignee_id"))
        .to_owned())
}

/// The member's associate while an active staff user; else none (the store's pool).
fn assignee(members: &str) -> SimpleExpr {
    Expr::cust(assignee_sql(members))
}

/// An open task of `kind` for the member of the outer query.
fn open_task(kind: TaskKind) -> SelectStatement {
    task_of(
        kind,
        Expr::col((Alias::new("t"), entity::task::Column::Status)).eq(TaskStatus::Open.as_str()),
    )
}

/// A task of `kind` for the member of the outer query whose occasion (a day) is after `day`.
fn called_since(kind: TaskKind, day: NaiveDate) -> SelectStatement {
    task_of(
        kind,
        Expr::col((Alias::new("t"), entity::task::Column::Occasion)).gt(day.to_string()),
    )
}

/// A task (`t`) of `kind` for the member of the outer query, meeting `condition`.
fn task_of(kind: TaskKind, condition: SimpleExpr) -> SelectStatement {
    let t = Alias::new("t");
    Query::select()
        .expr(Expr::val(1))
        .from_as(entity::task::Entity, t.clone())
        .and_where(Expr::col((t.clone(), entity::task::Column::MemberId)).equals((member::Entity, member::Column::Id)))
        .and_where(Expr::col((t, entity::task::Column::Kind)).eq(kind.as_str()))
        .and_where(condition)
        .to_owned()
}

/// The latest run moved the member into one of the rule's tiers, and no earlier change had.
/// The run's few changes are read by `tier_history`'s run index, as the segments' `tierChange`
/// reads them (each run replaces the metrics table whole, so every metrics row carries the
/// latest run's id), rather than probing every member's history.
fn first_reached(rule: &task_rule::Model) -> SimpleExpr {
    let tiers = tier_list(rule).unwrap_or_else(|| "'A','B'".to_owned());
    Expr::cust(format!(
        "members.id IN (SELECT th.member_id FROM tier_history th \
           WHERE th.run_id IN (SELECT run_id FROM member_metrics LIMIT 1) AND th.new_tier IN ({tiers}) \
           AND NOT EXISTS (SELECT 1 FROM tier_history e WHERE e.member_id = th.member_id \
             AND e.id < th.id AND e.new_tier IN ({tiers})))"
    ))
}

/// One candidate per member the select finds, all for the same occasion.
async fn each_member(
    ctx: &JobContext,
    select: SelectStatement,
    occasion: String,
    reason: String,
    expires_on: NaiveDate,
) -> Result<Vec<Candidate>, DbErr> {
    let rows = ctx.db.query_all(ctx.db.get_database_backend().build(&select)).await?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                member_id: row.try_get_by_index(0)?,
                store_id: row.try_get_by_index(1)?,
                assignee_id: row.try_get_by_index(2)?,
                occasion: occasion.clone(),
                reason: reason.clone(),
                expires_on,
            })
        })
        .collect()
}

/// 回访: the orders of `bought_on` that came to the rule's amount or more and are not returned
/// in full, one task per order.
async fn after_purchase(
    ctx: &JobContext,
    rule: &task_rule::Model,
    bought_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<Vec<Candidate>, DbErr> {
    let sql = format!(
        "SELECT p.member_id, m.store_id, {assignee} AS assignee_id, p.order_id, p.amount_cents \
         FROM purchases p JOIN members m ON m.id = p.member_id \
         WHERE p.kind = 'purchase' AND p.occurred_on = $1 AND p.amount_cents >= $2 \
           AND (SELECT SUM(r.amount_cents) FROM purchases r WHERE r.order_id = p.order_id) > 0 AND {eligible} \
         ORDER BY p.member_id, p.id",
        assignee = assignee_sql("m"),
        eligible = eligible_sql(rule),
    );
    let values = vec![bought_on.into(), rule.min_amount_cents.unwrap_or(0).into()];
    let rows = ctx.db.query_all(statement(&ctx.db, &sql, values)).await?;
    // One open task per member and kind: their first large order of the day.
    first_per_member(rows, expires_on, |row| {
        let amount: i64 = row.try_get("", "amount_cents")?;
        let order: String = row.try_get("", "order_id")?;
        let reason = format!(
            "order {order} of {} on {bought_on}",
            rust_decimal::Decimal::new(amount, 2)
        );
        Ok((order, reason))
    })
}

/// A candidate from each row (`member_id`, `store_id`, `assignee_id`, ordered by member) whose
/// member had none before it, with the occasion and reason `describe` reads off the row.
fn first_per_member(
    rows: Vec<sea_orm::QueryResult>,
    expires_on: NaiveDate,
    describe: impl Fn(&sea_orm::QueryResult) -> Result<(String, String), DbErr>,
) -> Result<Vec<Candidate>, DbErr> {
    let mut candidates: Vec<Candidate> = Vec::new();
    for row in rows {
        let member_id: i64 = row.try_get("", "member_id")?;
        if candidates.last().is_some_and(|c| c.member_id == member_id) {
            continue;
        }
        let (occasion, reason) = describe(&row)?;
        candidates.push(Candidate {
            member_id,
            store_id: row.try_get("", "store_id")?,
            assignee_id: row.try_get("", "assignee_id")?,
            occasion,
            reason,
            expires_on,
        });
    }
    Ok(candidates)
}

/// 回访 after a complaint: those resolved on `resolved_on` (in the brand's zone), one task per
/// complaint and at most one open per member.
async fn after_complaint(
    ctx: &JobContext,
    rule: &task_rule::Model,
    resolved_on: NaiveDate,
    expires_on: NaiveDate,
) -> Result<Vec<Candidate>, DbErr> {
    let (start, end) = (
        crate::points::expiry::start_of(resolved_on, ctx.time_zone),
        crate::points::expiry::start_of(resolved_on + Duration::days(1), ctx.time_zone),
    );
    let sql = format!(
        "SELECT f.member_id, m.store_id, {assignee} AS assignee_id, f.id AS feedback_id \
         FROM feedback f JOIN members m ON m.id = f.member_id \
         WHERE f.kind = 'complaint' AND f.status = 'resolved' AND f.resolved_at >= $1 AND f.resolved_at < $2 \
           AND {eligible} \
         ORDER BY f.member_id, f.id",
        assignee = assignee_sql("m"),
        eligible = eligible_sql(rule),
    );
    let rows = ctx
        .db
        .query_all(statement(&ctx.db, &sql, vec![start.into(), end.into()]))
        .await?;
    first_per_member(rows, expires_on, |row| {
        let feedback_id: i64 = row.try_get("", "feedback_id")?;
        Ok((
            format!("complaint:{feedback_id}"),
            format!("complaint {feedback_id} resolved on {resolved_on}"),
        ))
    })
}

/// What `members` asks of every member of a rule, as SQL over the members table called `m`, for
/// the rules that start from rows of their own (orders, complaints): active, no open task of
/// the kind, in the rule's tiers.
fn eligible_sql(rule: &task_rule::Model) -> String {
    let mut sql = format!(
        "m.status = '{active}' AND NOT EXISTS (SELECT 1 FROM tasks t WHERE t.member_id = m.id \
           AND t.kind = '{kind}' AND t.status = '{open}')",
        active = MemberStatus::Active,
        kind = rule.kind,
        open = TaskStatus::Open,
    );
    if let Some(tiers) = tier_list(rule) {
        sql.push_str(&format!(
            " AND EXISTS (SELECT 1 FROM member_metrics mm WHERE mm.member_id = m.id AND mm.tier IN ({tiers}))"
        ));
    }
    sql
}

/// The rule's tiers as SQL literals (`'A','B'`); none when it is for every tier.
fn tier_list(rule: &task_rule::Model) -> Option<String> {
    let tiers: Vec<String> = rule.tiers().iter().map(|t| format!("'{}'", t.as_str())).collect();
    (!tiers.is_empty()).then(|| tiers.join(","))
}

/// `assignee` as SQL over the members table called `members`.
pub(crate) fn assignee_sql(members: &str) -> String {
    format!("(SELECT s.id FROM staff_users s WHERE s.id = {members}.assigned_associate_id AND s.disabled_at IS NULL)")
}

/// Members nobody looks after: no associate, or a disabled one.
pub fn unattended() -> Condition {
    Condition::any()
        .add(Expr::col((member::Entity, member::Column::AssignedAssociateId)).is_null())
        .add(Expr::cust(format!("NOT EXISTS {}", assignee_sql("members"))))
}

/// Writes the candidates, the held-back share marked; (written, of them held back).
async fn write(
    conn: &impl ConnectionTrait,
    rule: &task_rule::Model,
    as_of: NaiveDate,
    run_id: Option<i64>,
    candidates: Vec<Candidate>,
) -> Result<(u64, u64), DbErr> {
    let (mut written, mut held) = (0, 0);
    let now = Utc::now();
    for chunk in candidates.chunks(PER_STATEMENT) {
        let mut rows = Vec::with_capacity(chunk.len());
        let mut values: Vec<Value> = Vec::with_capacity(chunk.len() * 13);
        for c in chunk {
            let held_out = held_back(rule, c.member_id);
            let n = values.len();
            let marks: Vec<String> = (1..=13).map(|i| format!("${}", n + i)).collect();
            rows.push(format!("({})", marks.join(", ")));
            values.extend([
                c.member_id.into(),
                rule.kind.as_str().into(),
                c.occasion.clone().into(),
                c.store_id.into(),
                c.assignee_id.into(),
                c.assignee_id.into(),
                TaskStatus::Open.as_str().into(),
                held_out.into(),
                c.reason.clone().into(),
                as_of.into(),
                c.expires_on.into(),
                now.into(),
                run_id.into(),
            ]);
        }
        let sql = format!(
            "INSERT INTO tasks (member_id, kind, occasion, store_id, assignee_id, drawn_for_id, status, held_out, reason, \
               due_on, expires_on, created_at, job_run_id) VALUES {} ON CONFLICT DO NOTHING RETURNING held_out",
            rows.join(", ")
        );
        let inserted = conn.query_all(statement(conn, &sql, values)).await?;
        written += inserted.len() as u64;
        for row in inserted {
            held += u64::from(row.try_get::<bool>("", "held_out")?);
        }
    }
    Ok((written, held))
}

/// Whether the member's tasks of the rule's kind are held back: a stable hash, so a member stays
/// on one side however often the rule calls for them.
pub fn held_back(rule: &task_rule::Model, member_id: i64) -> bool {
    holdout::held_out_of(&format!("task:{}", rule.kind), member_id, rule.holdout_basis_points)
}
