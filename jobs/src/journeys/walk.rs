//! Moving one version's members along in one tick: the exit criteria for those about to take a
//! step, then each step for the members due on it, a statement or a few per step, again
//! until nobody moves.
use chrono::{Duration, Utc};
use entity::journey_position::{Column as P, Entity as Positions};
use entity::vocabulary::{CouponSource, JourneyPositionStatus as Status, TaskKind, TaskStatus};
use entity::{campaign, member};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, EntityTrait, QueryFilter,
    TransactionTrait,
};

use super::definition::{self, Action};
use super::{arrival, col, Counts, Tick, Version, Zones, IDS_PER_STATEMENT};
use crate::campaigns::holdout;
use crate::campaigns::{start_occurrence, DueAt, Plan};
use crate::coupons;
use crate::segments::{self, AsOf, SegmentError};
use crate::sql::{custom_expr as custom, first_column};

/// Moving one version's members along in one tick.
pub(super) struct Walk<'a> {
    pub tick: &'a Tick<'a>,
    pub version: &'a Version,
    pub zones: &'a Zones,
}

impl Walk<'_> {
    pub async fn run(&self, counts: &mut Counts) -> Result<(), DbErr> {
        let exit = self.exit_criteria().await?;
        // Each pass moves members at least one step, and no flow is longer than its steps. A
        // step nobody is due on costs one index lookup per statement, however many wait on it.
        for _ in 0..=self.version.flow.nodes.len() {
            let mut moved = 0;
            for (node, step) in self.version.flow.nodes.iter().enumerate() {
                if let Some(exit) = &exit {
                    counts.exited += self.exit(node, exit.clone()).await?;
                }
                let left = self.step(node, counts).await?;
                *counts.moved.entry(step.action.kind()).or_default() += left;
                moved += left;
            }
            if moved == 0 {
                break;
            }
        }
        Ok(())
    }

    /// Members of the version on `node`: all of them, or (`due`) those whose step is due.
    fn on(&self, node: usize, due: bool) -> Condition {
        let mut on = Condition::all()
            .add(col(P::VersionId).eq(self.version.id))
            .add(col(P::Status).eq(Status::Active.as_str()))
            .add(col(P::Node).eq(node as i32));
        if due {
            on = on.add(col(P::DueAt).lte(self.tick.now));
        }
        on
    }

    fn backend(&self) -> DbBackend {
        self.tick.ctx.db.get_database_backend()
    }

    /// What takes a member out: a purchase since entering, the exit filter; none without either.
    async fn exit_criteria(&self) -> Result<Option<Condition>, DbErr> {
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
        Ok((!any.is_empty()).then_some(any))
    }

    /// Takes out the members about to take `node` whom the exit criteria say are done. Members
    /// who wait are not looked at.
    async fn exit(&self, node: usize, criteria: Condition) -> Result<u64, DbErr> {
        let update = Query::update()
            .table(Positions)
            .value(P::Status, Status::Exited.as_str())
            .value(P::FinishedAt, self.tick.now)
            .cond_where(self.on(node, true).add(criteria))
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
                self.pass(node, next).await
            }
            Action::Wait { .. } | Action::WaitUntil { .. } => self.pass(node, next).await,
            Action::Exit => self.pass(node, None).await,
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

    /// Moves the members due on `node` to `to`, the step done.
    async fn pass(&self, node: usize, to: definition::Target) -> Result<u64, DbErr> {
        let txn = self.tick.ctx.db.begin().await?;
        let moved = self.advance(&txn, node, None, true, to).await?;
        txn.commit().await?;
        Ok(moved)
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
        let due = self.due(node, None);
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
        first_column(conn, conn.get_database_backend().build(&select)).await
    }

    /// `SELECT member_id` of the members due on `node` (on their `visit`, when given).
    fn due(&self, node: usize, visit: Option<i32>) -> sea_orm::sea_query::SelectStatement {
        let mut on = self.on(node, true);
        if let Some(visit) = visit {
            on = on.add(col(P::Visit).eq(visit));
        }
        Query::select()
            .column((Positions, P::MemberId))
            .from(Positions)
            .cond_where(on)
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
                only: vec![Expr::col((member::Entity, member::Column::Id)).in_subquery(self.due(node, Some(visit)))],
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
        first_column(db, db.get_database_backend().build(&self.due(node, Some(visit)))).await
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
        use entity::task::{Column as T, Entity as Tasks};
        let mut created = 0;
        let expires_on = self.tick.as_of + Duration::days(i64::from(open_days.max(1)) - 1);
        let assignee = || Expr::cust(crate::tasks::assignee_sql("members"));
        for &visit in visits {
            let rows = self
                .due(node, Some(visit))
                .expr(Expr::val(TaskKind::JourneyCall.as_str()))
                .expr(Expr::val(self.key(node, visit)))
                .column((member::Entity, member::Column::StoreId))
                .expr(assignee())
                .expr(assignee())
                .expr(Expr::val(TaskStatus::Open.as_str()))
                .expr(Expr::val(false))
                .expr(Expr::val(reason))
                .expr(Expr::val(self.tick.as_of))
                .expr(Expr::val(expires_on))
                .expr(Expr::val(Utc::now()))
                .expr(Expr::val(self.tick.run_id))
                .inner_join(
                    member::Entity,
                    Expr::col((member::Entity, member::Column::Id)).equals((Positions, P::MemberId)),
                )
                .to_owned();
            let insert = Query::insert()
                .into_table(Tasks)
                .columns([
                    T::MemberId,
                    T::Kind,
                    T::Occasion,
                    T::StoreId,
                    T::AssigneeId,
                    T::DrawnForId,
                    T::Status,
                    T::HeldOut,
                    T::Reason,
                    T::DueOn,
                    T::ExpiresOn,
                    T::CreatedAt,
                    T::JobRunId,
                ])
                .select_from(rows)
                .map_err(|e| DbErr::Custom(format!("a journey's tasks: {e}")))?
                .on_conflict(
                    OnConflict::columns([T::MemberId, T::Kind, T::Occasion])
                        .do_nothing()
                        .to_owned(),
                )
                .to_owned();
            created += txn
                .execute(txn.get_database_backend().build(&insert))
                .await?
                .rows_affected();
        }
        Ok(created)
    }

    /// Sends each member due on a split down one arm, by a stable hash of the member: the same
    /// member takes the same arm however often they pass.
    async fn split(&self, node: usize, arms: &[(String, u32, definition::Target)]) -> Result<u64, DbErr> {
        let db = &self.tick.ctx.db;
        let rows = db
            .query_all(db.get_database_backend().build(&self.due(node, None)))
            .await?;
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
