//! Journeys: a member followed over days, across channels, offers and people — a win-back email,
//! a week's wait, an SMS with an offer if they have not come back, two more weeks, then a call
//! from their associate.
//!
//! Each member's place is a row of `journey_positions` (a visit: the step they are on and when
//! it is due), and the `journeys` job moves them along set-based, a step of a version at a
//! time, so a million members waiting cost nothing until their step is due. A tick first lets
//! members in (see [`entry`]), then takes out those who meet the exit criteria, then runs every
//! step that is due, again until nobody moves (a send followed by a coupon runs both at once).
//!
//! A step runs at most once per member and visit, whatever crashes and replicas do: the job
//! runs under its lease; a send is a campaign occurrence per step and visit, whose recipients
//! and outbox keys refuse a second message; a coupon is issued under a reference per step and
//! visit, which gives a member one code; a task has an occasion per step and visit, which the
//! tasks table refuses twice; and a step's run and the members' move to the next step are
//! written in one transaction.
pub mod definition;
mod entry;
mod references;
pub mod report;
pub mod shipped;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::journey_position::{Column as P, Entity as Positions};
use entity::vocabulary::{CouponSource, JourneyPositionStatus as Status, JourneyStatus, TaskKind, TaskStatus};
use entity::{campaign, journey, journey_version, member};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};
use serde::Serialize;

pub use definition::{Action, Definition, Flow, Step};
pub use references::check_references;

use crate::calendar::local_time;
use crate::campaigns::holdout;
use crate::campaigns::{start_occurrence, DueAt, Plan};
use crate::coupons;
use crate::points::expiry::start_of;
use crate::segments::{self, AsOf, SegmentError};
use crate::sql::{id_list, statement};
use crate::JobContext;

/// Positions updated per statement when a split names them.
const IDS_PER_STATEMENT: usize = 10_000;

/// What one tick did.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub entered: u64,
    /// Of those who entered, kept back as the control group.
    pub held_out: u64,
    /// Taken out by the exit criteria.
    pub exited: u64,
    /// Members who left each kind of step.
    pub moved: BTreeMap<&'static str, u64>,
    /// Messages new in the outbox.
    pub queued: u64,
    pub coupons: u64,
    pub tasks: u64,
}

/// One run of the job: the moment it counts as, and the day.
pub struct Tick<'a> {
    pub ctx: &'a JobContext,
    /// Everything due by now is done; for an operator's run of a past day, the end of that day.
    pub now: DateTime<Utc>,
    pub as_of: NaiveDate,
    /// Messages wait for the member's quiet hours to end (an operator's catch-up does not).
    pub hold_quiet_hours: bool,
    pub run_id: Option<i64>,
}

/// A published version, read.
struct Version {
    journey_id: i64,
    id: i64,
    definition: Definition,
    flow: Flow,
}

/// The `journeys` job: entries into every live journey, then every member on the way moved on.
pub async fn run(tick: &Tick<'_>) -> Result<Counts, DbErr> {
    let mut counts = Counts::default();
    let live = journey::Entity::find()
        .filter(journey::Column::Status.eq(JourneyStatus::Live))
        .all(&tick.ctx.db)
        .await?;
    let zones = Zones::new(tick.ctx.time_zone);
    for journey in &live {
        let_in(tick, journey, &zones, &mut counts).await?;
    }
    let live: Vec<i64> = live.iter().map(|j| j.id).collect();
    for version_id in on_the_way(&tick.ctx.db, &live).await? {
        if let Some(version) = load(&tick.ctx.db, version_id).await? {
            Walk {
                tick,
                version: &version,
                zones: &zones,
            }
            .run(&mut counts)
            .await?;
        }
    }
    Ok(counts)
}

/// Lets members into the journey's current version: at every tick for the day's events, once a
/// brand day for a filter or birthdays.
async fn let_in(tick: &Tick<'_>, journey: &journey::Model, zones: &Zones, counts: &mut Counts) -> Result<(), DbErr> {
    let Some(version) = journey.version_id else {
        return Ok(());
    };
    let Some(version) = load(&tick.ctx.db, version).await? else {
        return Ok(());
    };
    let daily = version.definition.entry.is_daily();
    if daily && journey.entries_checked_on.is_some_and(|day| day >= tick.as_of) {
        return Ok(());
    }
    match entry::enter(tick, &version, zones).await {
        Ok((entered, held_out)) => {
            counts.entered += entered;
            counts.held_out += held_out;
        }
        Err(SegmentError::Db(e)) => return Err(e),
        Err(SegmentError::Invalid(error)) => {
            tracing::warn!(journey = journey.id, %error, "journey entry does not compile; nobody enters")
        }
    }
    if daily {
        journey::Entity::update_many()
            .col_expr(journey::Column::EntriesCheckedOn, Expr::value(tick.as_of))
            .filter(journey::Column::Id.eq(journey.id))
            .exec(&tick.ctx.db)
            .await?;
    }
    Ok(())
}

/// A version and its flow; `None` when missing or unreadable (logged).
async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Version>, DbErr> {
    let Some(row) = journey_version::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    match serde_json::from_str::<Definition>(&row.definition) {
        Ok(definition) => Ok(Some(Version {
            journey_id: row.journey_id,
            id,
            flow: Flow::of(&definition),
            definition,
        })),
        Err(error) => {
            tracing::error!(version = id, %error, "journey version does not read; its members wait");
            Ok(None)
        }
    }
}

/// The versions of live journeys with members on a step.
async fn on_the_way(conn: &impl ConnectionTrait, journeys: &[i64]) -> Result<Vec<i64>, DbErr> {
    if journeys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT version_id FROM journey_positions WHERE status = '{}' AND journey_id IN ({}) ORDER BY version_id",
        Status::Active,
        id_list(journeys.iter().copied())
    );
    let rows = conn.query_all(statement(conn, &sql, Vec::new())).await?;
    rows.iter().map(|row| row.try_get_by_index(0)).collect()
}

/// The time zones members have (one that does not parse is the brand's): read at most once a
/// tick, and only when a step waits until a time of day, since it reads every member.
struct Zones {
    brand: Tz,
    read: tokio::sync::OnceCell<Vec<(String, Tz)>>,
}

impl Zones {
    fn new(brand: Tz) -> Self {
        Self {
            brand,
            read: tokio::sync::OnceCell::new(),
        }
    }

    async fn get(&self, conn: &impl ConnectionTrait) -> Result<&[(String, Tz)], DbErr> {
        let read = self.read.get_or_try_init(|| async {
            let sql = "SELECT DISTINCT time_zone FROM members";
            let rows = conn.query_all(statement(conn, sql, Vec::new())).await?;
            rows.iter()
                .map(|row| {
                    let name: String = row.try_get_by_index(0)?;
                    let zone = name.parse().unwrap_or(self.brand);
                    Ok::<_, DbErr>((name, zone))
                })
                .collect()
        });
        Ok(read.await?.as_slice())
    }
}

/// Custom SQL written with `$1, $2…` in order, in the database's own placeholders.
fn custom(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> SimpleExpr {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => {
            let mut text = sql.to_owned();
            for n in (1..=values.len()).rev() {
                text = text.replace(&format!("${n}"), "?");
            }
            text
        }
    };
    Expr::cust_with_values(sql, values)
}

fn col(column: P) -> Expr {
    Expr::col((Positions, column))
}

/// When a member who reaches `target` is next due, given their zone (`zone`: SQL naming it).
async fn arrival(
    conn: &impl ConnectionTrait,
    flow: &Flow,
    target: definition::Target,
    now: DateTime<Utc>,
    zones: &Zones,
    zone: SimpleExpr,
) -> Result<SimpleExpr, DbErr> {
    let Some(node) = target else {
        return Ok(Expr::val(now).into());
    };
    let brand = zones.brand;
    Ok(match &flow.nodes[node].action {
        Action::Wait { days, hours, at } => {
            let after = now + Duration::days(i64::from(*days)) + Duration::hours(i64::from(*hours));
            let Some(time) = at else {
                return Ok(Expr::val(after).into());
            };
            let mut case = CaseStatement::new();
            for (name, tz) in zones.get(conn).await? {
                case = case.case(
                    zone.clone().eq(name.as_str()),
                    Expr::val(first_local(after, *time, *tz)),
                );
            }
            case.finally(Expr::val(first_local(after, *time, brand))).into()
        }
        Action::WaitUntil { date } => Expr::val(start_of(*date, brand).max(now)).into(),
        Action::WaitFor { timeout_days, .. } => Expr::val(now + Duration::days(i64::from(*timeout_days))).into(),
        _ => Expr::val(now).into(),
    })
}

/// The first `time` of day in `zone` at or after `after`.
fn first_local(after: DateTime<Utc>, time: chrono::NaiveTime, zone: Tz) -> DateTime<Utc> {
    let day = after.with_timezone(&zone).date_naive();
    let at = local_time(day.and_time(time), zone);
    if at < after {
        local_time((day + Duration::days(1)).and_time(time), zone)
    } else {
        at
    }
}

/// Moving one version's members along in one tick.
struct Walk<'a> {
    tick: &'a Tick<'a>,
    version: &'a Version,
    zones: &'a Zones,
}

impl Walk<'_> {
    async fn run(&self, counts: &mut Counts) -> Result<(), DbErr> {
        // Each pass moves members at least one step, and no flow is longer than its steps.
        for _ in 0..=self.version.flow.nodes.len() {
            counts.exited += self.exit().await?;
            let mut moved = 0;
            for node in self.occupied().await? {
                let left = self.step(node, counts).await?;
                *counts
                    .moved
                    .entry(self.version.flow.nodes[node].action.kind())
                    .or_default() += left;
                moved += left;
            }
            if moved == 0 {
                break;
            }
        }
        Ok(())
    }

    /// The steps members of the version are on.
    async fn occupied(&self) -> Result<Vec<usize>, DbErr> {
        let db = &self.tick.ctx.db;
        let sql = format!(
            "SELECT DISTINCT node FROM journey_positions WHERE version_id = $1 AND status = '{}' ORDER BY node",
            Status::Active
        );
        let rows = db.query_all(statement(db, &sql, vec![self.version.id.into()])).await?;
        rows.iter()
            .map(|row| Ok(usize::try_from(row.try_get_by_index::<i32>(0)?).unwrap_or(usize::MAX)))
            .filter(|node| !matches!(node, Ok(n) if *n >= self.version.flow.nodes.len()))
            .collect()
    }

    /// Members of the version on `node`: all of them, or (`due`) those whose step is due.
    fn on(&self, node: usize, due: bool) -> Condition {
        let mut on = Condition::all()
            .add(col(P::VersionId).eq(self.version.id))
            .add(col(P::Node).eq(node as i32))
            .add(col(P::Status).eq(Status::Active.as_str()));
        if due {
            on = on.add(col(P::DueAt).lte(self.tick.now));
        }
        on
    }

    fn backend(&self) -> DbBackend {
        self.tick.ctx.db.get_database_backend()
    }

    /// Takes out the members about to take a step whom the exit criteria say are done: a
    /// purchase since entering, the exit filter. Members who wait are not looked at.
    async fn exit(&self) -> Result<u64, DbErr> {
        let exit = &self.version.definition.exit;
        let mut any = Condition::any();
        if exit.on_purchase {
            any = any.add(self.purchased_since("entered_at"));
        }
        if let Some(filter) = &exit.filter {
            match self.filter_members(filter, "exit.filter").await {
                Ok(members) => any = any.add(members),
                Err(SegmentError::Db(e)) => return Err(e),
                Err(SegmentError::Invalid(error)) => {
                    tracing::warn!(version = self.version.id, %error, "journey exit filter does not compile")
                }
            }
        }
        if any.is_empty() {
            return Ok(0);
        }
        let on = Condition::all()
            .add(col(P::VersionId).eq(self.version.id))
            .add(col(P::Status).eq(Status::Active.as_str()))
            .add(col(P::DueAt).lte(self.tick.now))
            .add(any);
        let update = Query::update()
            .table(Positions)
            .value(P::Status, Status::Exited.as_str())
            .value(P::FinishedAt, self.tick.now)
            .cond_where(on)
            .to_owned();
        let db = &self.tick.ctx.db;
        Ok(db
            .execute(db.get_database_backend().build(&update))
            .await?
            .rows_affected())
    }

    /// A purchase after the position's `since` column (`entered_at`, `step_at`), up to now.
    fn purchased_since(&self, since: &str) -> SimpleExpr {
        custom(
            self.backend(),
            &format!(
                "EXISTS (SELECT 1 FROM purchases pu WHERE pu.member_id = journey_positions.member_id \
                 AND pu.kind = 'purchase' AND pu.occurred_at > journey_positions.{since} AND pu.occurred_at <= $1)"
            ),
            vec![self.tick.now.into()],
        )
    }

    /// Positions whose member matches `filter` as of the day.
    async fn filter_members(&self, filter: &segments::Filter, path: &str) -> Result<SimpleExpr, SegmentError> {
        let as_of = AsOf::new(self.tick.as_of, self.tick.ctx.today());
        let condition = segments::compile(&self.tick.ctx.db, filter, path, as_of, None).await?;
        Ok(col(P::MemberId).in_subquery(segments::member_ids(condition)))
    }

    /// Runs `node` for its members who are due; how many left it.
    async fn step(&self, node: usize, counts: &mut Counts) -> Result<u64, DbErr> {
        let next = self.version.flow.nodes[node].next;
        let db = &self.tick.ctx.db;
        match &self.version.flow.nodes[node].action {
            Action::Send { campaign_id, offer_id } => {
                counts.queued += self.send(node, *campaign_id, *offer_id).await?;
                let txn = db.begin().await?;
                let moved = self.advance(&txn, node, None, true, next).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::Wait { .. } | Action::WaitUntil { .. } => {
                let txn = db.begin().await?;
                let moved = self.advance(&txn, node, None, true, next).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::Exit => {
                let txn = db.begin().await?;
                let moved = self.advance(&txn, node, None, true, None).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::WaitFor {
                event, then, timeout, ..
            } => {
                let txn = db.begin().await?;
                let happened = self.happened(event);
                let mut moved = self.advance(&txn, node, Some(happened), false, *then).await?;
                moved += self.advance(&txn, node, None, true, *timeout).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::Branch {
                filter,
                then,
                otherwise,
            } => {
                let path = format!("{}.filter", self.version.flow.nodes[node].path);
                let matching = match self.filter_members(filter, &path).await {
                    Ok(matching) => matching,
                    Err(SegmentError::Db(e)) => return Err(e),
                    Err(SegmentError::Invalid(error)) => {
                        // Its filter no longer compiles (a segment it names was deleted): its
                        // members wait, and the others go on.
                        tracing::warn!(version = self.version.id, node, %error, "journey branch does not compile");
                        return Ok(0);
                    }
                };
                let txn = db.begin().await?;
                let mut moved = self.advance(&txn, node, Some(matching), true, *then).await?;
                moved += self.advance(&txn, node, None, true, *otherwise).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::Split { arms } => self.split(node, arms).await,
            // What these steps read comes first, so each transaction starts by writing: on
            // SQLite a transaction that reads, then writes after another connection wrote, is
            // refused rather than made to wait.
            Action::Coupon { offer_id } => {
                let mut due = Vec::new();
                for visit in self.visits(db, node).await? {
                    due.push((visit, self.due_members(node, visit).await?));
                }
                let txn = db.begin().await?;
                counts.coupons += self.coupon(&txn, node, *offer_id, &due).await?;
                let moved = self.advance(&txn, node, None, true, next).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::Task { reason, open_days } => {
                let visits = self.visits(db, node).await?;
                let txn = db.begin().await?;
                counts.tasks += self.task(&txn, node, reason, *open_days, &visits).await?;
                let moved = self.advance(&txn, node, None, true, next).await?;
                txn.commit().await?;
                Ok(moved)
            }
            Action::SetField { key, value } => {
                let field = entity::member_field::Entity::find()
                    .filter(entity::member_field::Column::Key.eq(key))
                    .one(db)
                    .await?;
                let txn = db.begin().await?;
                match field {
                    Some(field) => self.set_field(&txn, node, &field, value).await?,
                    None => tracing::warn!(
                        version = self.version.id,
                        node,
                        key,
                        "journey field is missing; set nothing"
                    ),
                }
                let moved = self.advance(&txn, node, None, true, next).await?;
                txn.commit().await?;
                Ok(moved)
            }
        }
    }

    /// Sets the field `key` of the members due on `node` to `value` (empty: clears it).
    async fn set_field(
        &self,
        txn: &DatabaseTransaction,
        node: usize,
        field: &entity::member_field::Model,
        value: &str,
    ) -> Result<(), DbErr> {
        use entity::member_field_value::{Column as V, Entity as Values};
        let due = Query::select()
            .column(P::MemberId)
            .from(Positions)
            .cond_where(self.on(node, true))
            .to_owned();
        let backend = txn.get_database_backend();
        if value.trim().is_empty() {
            let clear = Query::delete()
                .from_table(Values)
                .and_where(Expr::col(V::FieldId).eq(field.id))
                .and_where(Expr::col(V::MemberId).in_subquery(due))
                .to_owned();
            txn.execute(backend.build(&clear)).await?;
            return Ok(());
        }
        let stored = match crate::member_fields::read(field, value, &field.key) {
            Ok(stored) => stored,
            Err(refused) => {
                // The field changed kind since publishing: the members go on without it.
                tracing::warn!(version = self.version.id, node, %refused, "journey field value no longer fits");
                return Ok(());
            }
        };
        let rows = due
            .clone()
            .expr(Expr::val(field.id))
            .expr(Expr::val(stored.text))
            .expr(Expr::val(stored.number))
            .expr(Expr::val(stored.date))
            .expr(Expr::val(self.tick.now))
            .to_owned();
        let set = Query::insert()
            .into_table(Values)
            .columns([
                V::MemberId,
                V::FieldId,
                V::Value,
                V::NumberValue,
                V::DateValue,
                V::UpdatedAt,
            ])
            .select_from(rows)
            .map_err(|e| DbErr::Custom(format!("setting a journey field: {e}")))?
            .on_conflict(
                OnConflict::columns([V::MemberId, V::FieldId])
                    .update_columns([V::Value, V::NumberValue, V::DateValue, V::UpdatedAt])
                    .to_owned(),
            )
            .to_owned();
        txn.execute(backend.build(&set)).await?;
        Ok(())
    }

    /// Records that the members on `node` (narrowed by `only`; `due`: those due) ran it, and moves
    /// them to `to` (none: the journey is done for them). How many moved.
    async fn advance(
        &self,
        txn: &DatabaseTransaction,
        node: usize,
        only: Option<SimpleExpr>,
        due: bool,
        to: definition::Target,
    ) -> Result<u64, DbErr> {
        let mut on = self.on(node, due);
        if let Some(only) = only {
            on = on.add(only);
        }
        let ran = Query::insert()
            .into_table(Alias::new("journey_step_runs"))
            .columns(["position_id", "node", "ran_at"].map(Alias::new))
            .select_from(
                Query::select()
                    .column(P::Id)
                    .expr(Expr::val(node as i32))
                    .expr(Expr::val(self.tick.now))
                    .from(Positions)
                    .cond_where(on.clone())
                    .to_owned(),
            )
            .map_err(|e| DbErr::Custom(format!("recording a journey step: {e}")))?
            .on_conflict(
                OnConflict::columns(["position_id", "node"].map(Alias::new))
                    .do_nothing()
                    .to_owned(),
            )
            .to_owned();
        let backend = txn.get_database_backend();
        txn.execute(backend.build(&ran)).await?;
        let mut update = Query::update();
        update.table(Positions).cond_where(on);
        match to {
            Some(next) => {
                let zone = Expr::cust("(SELECT m.time_zone FROM members m WHERE m.id = journey_positions.member_id)");
                let due = arrival(txn, &self.version.flow, to, self.tick.now, self.zones, zone).await?;
                update
                    .value(P::Node, next as i32)
                    .value(P::StepAt, self.tick.now)
                    .value(P::DueAt, due);
            }
            None => {
                update
                    .value(P::Status, Status::Done.as_str())
                    .value(P::FinishedAt, self.tick.now);
            }
        }
        Ok(txn.execute(backend.build(&update)).await?.rows_affected())
    }

    /// What a wait for an event waits for, since the member reached the step.
    fn happened(&self, event: &definition::WaitEvent) -> SimpleExpr {
        use definition::WaitEvent as E;
        let (table, column, extra) = match event {
            E::Purchased => return self.purchased_since("step_at"),
            E::RedeemedCoupon => ("coupons", "redeemed_at", String::new()),
            E::CompletedTask => ("tasks", "done_at", String::new()),
            E::EnteredSegment { segment_id } => (
                "segment_changes",
                "at",
                format!(
                    " AND e.segment_id = {} AND e.entered = TRUE",
                    segment_id.unwrap_or_default()
                ),
            ),
            E::LeftSegment { segment_id } => (
                "segment_changes",
                "at",
                format!(
                    " AND e.segment_id = {} AND e.entered = FALSE",
                    segment_id.unwrap_or_default()
                ),
            ),
        };
        custom(
            self.backend(),
            &format!(
                "EXISTS (SELECT 1 FROM {table} e WHERE e.member_id = journey_positions.member_id \
                 AND e.{column} > journey_positions.step_at AND e.{column} <= $1{extra})"
            ),
            vec![self.tick.now.into()],
        )
    }

    /// The visits of the members due on `node`.
    async fn visits(&self, conn: &impl ConnectionTrait, node: usize) -> Result<Vec<i32>, DbErr> {
        let select = Query::select()
            .distinct()
            .column(P::Visit)
            .from(Positions)
            .cond_where(self.on(node, true))
            .to_owned();
        let rows = conn.query_all(conn.get_database_backend().build(&select)).await?;
        rows.iter().map(|row| row.try_get_by_index(0)).collect()
    }

    /// The members due on `node` on their `visit`.
    fn due_on_visit(&self, node: usize, visit: i32) -> sea_orm::sea_query::SelectStatement {
        Query::select()
            .column(P::MemberId)
            .from(Positions)
            .cond_where(self.on(node, true).add(col(P::Visit).eq(visit)))
            .to_owned()
    }

    /// The key of a step's occurrence, coupons and tasks on a visit: each happens once per
    /// member under it.
    fn key(&self, node: usize, visit: i32) -> String {
        format!("journey:{}:{node}:{visit}", self.version.id)
    }

    /// Sends the journey message to the members due on `node`: one occurrence of the message per
    /// step and visit, topped up as members arrive. How many messages were queued.
    async fn send(&self, node: usize, campaign_id: i64, offer_id: Option<i64>) -> Result<u64, DbErr> {
        let ctx = self.tick.ctx;
        let Some(mut message) = campaign::Entity::find_by_id(campaign_id).one(&ctx.db).await? else {
            tracing::warn!(
                version = self.version.id,
                node,
                campaign_id,
                "journey message is missing; sent nothing"
            );
            return Ok(0);
        };
        // The journey says who, when, and who is held out; the message says what and how.
        message.segment_id = None;
        message.holdout_basis_points = 0;
        message.once_per_member = false;
        message.coupon_definition_id = offer_id;
        let mut queued = 0;
        for visit in self.visits(&ctx.db, node).await? {
            let key = self.key(node, visit);
            let plan = Plan {
                campaign: &message,
                key: key.clone(),
                audience: None,
                only: vec![Expr::col((member::Entity, member::Column::Id)).in_subquery(self.due_on_visit(node, visit))],
                as_of: AsOf::new(self.tick.as_of, ctx.today()),
                due: DueAt::Instant(self.tick.now),
                hold_quiet_hours: self.tick.hold_quiet_hours,
                holiday_key: None,
                offer_only: Vec::new(),
                dedupe_prefix: key,
                tops_up: true,
                run_id: self.tick.run_id,
            };
            if let Some(started) = start_occurrence(ctx, &plan).await? {
                queued += started.queued;
            }
        }
        Ok(queued)
    }

    /// The members due on `node` on their `visit`, by id.
    async fn due_members(&self, node: usize, visit: i32) -> Result<Vec<i64>, DbErr> {
        let db = &self.tick.ctx.db;
        let rows = db
            .query_all(db.get_database_backend().build(&self.due_on_visit(node, visit)))
            .await?;
        rows.iter().map(|r| r.try_get_by_index(0)).collect()
    }

    /// A code of the offer for each member `due` on `node` (by visit), once per visit. How many
    /// were issued.
    async fn coupon(
        &self,
        txn: &DatabaseTransaction,
        node: usize,
        offer_id: i64,
        due: &[(i32, Vec<i64>)],
    ) -> Result<u64, DbErr> {
        let mut issued = 0;
        for (visit, members) in due {
            let reference = self.key(node, *visit);
            let issue = coupons::Issue {
                definition_id: offer_id,
                members,
                today: self.tick.as_of,
                source: CouponSource::Journey,
                reference: Some(&reference),
            };
            match coupons::issue(txn, issue).await {
                Ok(outcome) => issued += outcome.members.len() as u64,
                // The offer was deleted since publishing: the members go on without a code.
                Err(DbErr::RecordNotFound(reason)) => {
                    tracing::warn!(version = self.version.id, node, %reason, "journey offer is missing")
                }
                Err(e) => return Err(e),
            }
        }
        Ok(issued)
    }

    /// A call for each member due on `node` on one of `visits`: to their associate while
    /// active, else the store's pool, once per visit. How many were created.
    async fn task(
        &self,
        txn: &DatabaseTransaction,
        node: usize,
        reason: &str,
        open_days: u32,
        visits: &[i32],
    ) -> Result<u64, DbErr> {
        let mut created = 0;
        let expires_on = self.tick.as_of + Duration::days(i64::from(open_days.max(1)) - 1);
        for &visit in visits {
            let sql = format!(
                "INSERT INTO tasks (member_id, kind, occasion, store_id, assignee_id, drawn_for_id, status, held_out, reason, \
                   due_on, expires_on, created_at, job_run_id) \
                 SELECT p.member_id, '{kind}', $1, m.store_id, {assignee}, {assignee}, '{open}', FALSE, $2, $3, $4, $5, $6 \
                 FROM journey_positions p JOIN members m ON m.id = p.member_id \
                 WHERE p.version_id = $7 AND p.node = $8 AND p.status = '{active}' AND p.due_at <= $9 AND p.visit = $10 \
                 ON CONFLICT DO NOTHING",
                kind = TaskKind::JourneyCall,
                assignee = crate::tasks::assignee_sql("m"),
                open = TaskStatus::Open,
                active = Status::Active,
            );
            let values = vec![
                self.key(node, visit).into(),
                reason.into(),
                self.tick.as_of.into(),
                expires_on.into(),
                Utc::now().into(),
                self.tick.run_id.into(),
                self.version.id.into(),
                (node as i32).into(),
                self.tick.now.into(),
                visit.into(),
            ];
            created += txn.execute(statement(txn, &sql, values)).await?.rows_affected();
        }
        Ok(created)
    }

    /// Sends each member due on a split down one arm, by a stable hash of the member: the same
    /// member takes the same arm however often they pass.
    async fn split(&self, node: usize, arms: &[(String, u32, definition::Target)]) -> Result<u64, DbErr> {
        let db = &self.tick.ctx.db;
        let select = Query::select()
            .column(P::MemberId)
            .from(Positions)
            .cond_where(self.on(node, true))
            .to_owned();
        let rows = db.query_all(db.get_database_backend().build(&select)).await?;
        let scope = format!("journey:{}:split:{node}", self.version.id);
        let mut by_arm: Vec<Vec<i64>> = vec![Vec::new(); arms.len()];
        for row in rows {
            let member: i64 = row.try_get_by_index(0)?;
            by_arm[arm_of(&scope, member, arms)].push(member);
        }
        let txn = db.begin().await?;
        let mut moved = 0;
        for ((name, _, target), members) in arms.iter().zip(by_arm) {
            for chunk in members.chunks(IDS_PER_STATEMENT) {
                let only = col(P::MemberId).is_in(chunk.iter().copied());
                let named = Query::update()
                    .table(Positions)
                    .value(P::Arm, name.as_str())
                    .cond_where(self.on(node, true).add(only.clone()))
                    .to_owned();
                txn.execute(txn.get_database_backend().build(&named)).await?;
                moved += self.advance(&txn, node, Some(only), true, *target).await?;
            }
        }
        txn.commit().await?;
        Ok(moved)
    }
}

/// Which arm a member takes: the stable hash's bucket (0–9,999) against the arms' running shares.
fn arm_of(scope: &str, member: i64, arms: &[(String, u32, definition::Target)]) -> usize {
    let bucket = holdout::bucket(scope, member);
    let mut upto = 0;
    for (i, (_, percent, _)) in arms.iter().enumerate() {
        upto += u64::from(*percent) * 100;
        if bucket < upto {
            return i;
        }
    }
    arms.len() - 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_until_a_time_of_day_ends_at_its_next_coming_in_the_members_zone() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        let ten = chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        // 09:00 in Shanghai: 10:00 the same day; 11:00: 10:00 the next.
        assert_eq!(
            first_local(at("2026-12-05T01:00:00Z"), ten, shanghai),
            at("2026-12-05T02:00:00Z")
        );
        assert_eq!(
            first_local(at("2026-12-05T03:00:00Z"), ten, shanghai),
            at("2026-12-06T02:00:00Z")
        );
        // New York, on the day daylight saving ends: 10:00 EST.
        let new_york: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            first_local(at("2026-11-01T12:00:00Z"), ten, new_york),
            at("2026-11-01T15:00:00Z")
        );
    }
}
