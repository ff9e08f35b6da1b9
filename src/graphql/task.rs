//! The associates' tasks: the day's list, claiming from the store's pool, outcomes; the rules
//! that generate them.
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::vocabulary::{CallOutcome, LapseReason, TaskKind, TaskStatus, Tier};
use entity::{task, task_rule};
use rust_decimal::Decimal;

use crate::auth::viewer;
use crate::error::AppError;
use crate::graphql::activity::FeedbackEntry;
use crate::graphql::campaign::{GroupEarnings, UpliftEstimate};
use crate::graphql::loaders::Loaders;
use crate::graphql::member::Member;
use crate::graphql::store::{Staff, Store};
use crate::graphql::{brand, db, page};
use crate::money;
use crate::service::store;
use crate::service::task::{self as tasks, TaskOutcomeInput, TaskRuleInput};

pub struct Task(pub task::Model);

#[Object]
impl Task {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> TaskKind {
        self.0.kind
    }
    /// The member to call; their contact details show once the task is the viewer's.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Member::by_id(ctx, self.0.member_id).await
    }
    /// Why it exists: the birthday, the order, the lapse.
    async fn reason(&self) -> &str {
        &self.0.reason
    }
    async fn status(&self) -> TaskStatus {
        self.0.status
    }
    async fn due_on(&self) -> NaiveDate {
        self.0.due_on
    }
    /// The last day it may be done; after it, it expires.
    async fn expires_on(&self) -> NaiveDate {
        self.0.expires_on
    }
    /// The store whose task it is.
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = self.0.store_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
    /// The staff user it is for; none in the store's pool.
    async fn assignee(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        let Some(id) = self.0.assignee_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.staff().load_one(id).await?.map(Staff))
    }
    /// What it is for: a birthday's date, an order id, `complaint:<id>`, the day a win-back
    /// list was drawn, `first` for a welcome.
    async fn occasion(&self) -> &str {
        &self.0.occasion
    }
    /// In the store's pool, for any of its associates to claim.
    async fn in_pool(&self) -> bool {
        self.0.assignee_id.is_none()
    }
    /// The viewer's own.
    async fn mine(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(self.0.assignee_id.is_some() && self.0.assignee_id == viewer(ctx)?.staff_id)
    }
    async fn outcome(&self) -> Option<CallOutcome> {
        self.0.outcome
    }
    async fn lapse_reason(&self) -> Option<LapseReason> {
        self.0.lapse_reason
    }
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    async fn done_at(&self) -> Option<DateTime<Utc>> {
        self.0.done_at
    }
}

pub struct TaskRule(pub task_rule::Model);

#[Object]
impl TaskRule {
    async fn kind(&self) -> TaskKind {
        self.0.kind
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Birthday: days before it; after a purchase: days after it.
    async fn days(&self) -> Option<i32> {
        self.0.days
    }
    /// After a purchase: the least amount that earns a call.
    async fn min_amount(&self) -> Option<Decimal> {
        self.0.min_amount_cents.map(money::from_cents)
    }
    /// The tiers it is for; empty: every tier.
    async fn tiers(&self) -> Vec<Tier> {
        self.0.tiers()
    }
    async fn open_days(&self) -> i32 {
        self.0.open_days
    }
    async fn holdout_share(&self) -> Decimal {
        Decimal::new(i64::from(self.0.holdout_basis_points), 4)
    }
}

/// What a kind's calls were worth: the tasks given out against those held back, by purchases
/// from each task's due day through the window.
pub struct TaskReport(jobs::tasks::report::Worth);

#[Object]
impl TaskReport {
    /// Tasks given out (done or not), and their members' purchases in the window.
    async fn tasked(&self) -> GroupEarnings {
        GroupEarnings::from(&self.0.tasked)
    }
    /// Tasks held back (never shown), and their members' purchases in the window.
    async fn held_back(&self) -> GroupEarnings {
        GroupEarnings::from(&self.0.held_back)
    }
    /// Of the tasks given out, those done, with any outcome.
    async fn done(&self) -> i64 {
        self.0.done
    }
    /// Of those, the member was reached.
    async fn reached(&self) -> i64 {
        self.0.reached
    }
    /// Revenue per member, given out against held back, with its interval (`null` while a
    /// group has fewer than two).
    async fn uplift(&self) -> Option<UpliftEstimate> {
        self.0.uplift.map(|u| UpliftEstimate::from(&u.raw))
    }
    /// The share who bought again, given out against held back.
    async fn retention(&self) -> Option<ShareDifference> {
        self.0.retention.map(ShareDifference::from)
    }
}

/// An associate's work over a period.
pub struct AssociateScore(jobs::tasks::report::Score);

#[Object]
impl AssociateScore {
    async fn associate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        Ok(ctx
            .data::<Loaders>()?
            .staff()
            .load_one(self.0.staff_id)
            .await?
            .map(Staff))
    }
    /// Active members they look after now.
    async fn members(&self) -> i64 {
        self.0.members
    }
    /// Their tasks due in the period (held-back ones aside).
    async fn tasks(&self) -> i64 {
        self.0.tasks
    }
    async fn done(&self) -> i64 {
        self.0.done
    }
    /// Done by their last day.
    async fn done_on_time(&self) -> i64 {
        self.0.on_time
    }
    /// Done with the member reached.
    async fn reached(&self) -> i64 {
        self.0.reached
    }
    /// Complaints they resolved in the period.
    async fn complaints_resolved(&self) -> i64 {
        self.0.complaints_resolved
    }
    /// Of those, resolved within the service level.
    async fn complaints_within_sla(&self) -> i64 {
        self.0.within_sla
    }
    /// Their members who bought in the period.
    async fn buyers(&self) -> i64 {
        self.0.buyers
    }
    /// What their members' purchases came to in the period, net of returns.
    async fn revenue(&self) -> Decimal {
        money::from_cents(self.0.revenue_cents)
    }
}

/// Two shares and their difference with its 95% interval.
#[derive(SimpleObject)]
pub struct ShareDifference {
    tasked: f64,
    held_back: f64,
    difference: f64,
    low: f64,
    high: f64,
}

impl From<jobs::campaigns::uplift::ShareDifference> for ShareDifference {
    fn from(r: jobs::campaigns::uplift::ShareDifference) -> Self {
        Self {
            tasked: r.treated,
            held_back: r.held_out,
            difference: r.difference,
            low: r.low,
            high: r.high,
        }
    }
}

/// A period's last day is not before its first.
pub fn period(from: NaiveDate, to: NaiveDate) -> Result<(), AppError> {
    if to < from {
        let message = format!("{to} is before from, {from}");
        return Err(AppError::keyed("to", "input.periodReversed", message)
            .with("from", from.to_string())
            .with("to", to.to_string()));
    }
    Ok(())
}

fn task_id(id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>()
        .map_err(|_| AppError::field("id", format!("{:?} is not a task id", id.as_str())))
}

#[derive(Default)]
pub struct TaskQuery;

#[Object]
impl TaskQuery {
    /// Open tasks, soonest to lapse first: an associate's own and their store's pool; for an
    /// admin every store's, or `storeCode`'s.
    #[graphql(complexity = "page::cost(first, 50, child_complexity)")]
    async fn open_tasks(
        &self,
        ctx: &Context<'_>,
        store_code: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<Task>> {
        let db = db(ctx)?;
        let store_id = store::id_for_optional_code(db, "storeCode", store_code.as_deref()).await?;
        let limit = page::page_size(first, 50)?;
        let found = tasks::open_tasks(db, viewer(ctx)?, store_id, limit).await?;
        Ok(found.into_iter().map(Task).collect())
    }

    /// What a kind's calls were worth, for the tasks due from `from` to `to`: purchases from
    /// each task's due day through `windowDays` (30 by default). With `associate`, the tasks
    /// drawn for that associate's members, given out against held back: what their calls were
    /// worth. Planners and admins.
    async fn task_report(
        &self,
        ctx: &Context<'_>,
        kind: TaskKind,
        from: NaiveDate,
        to: NaiveDate,
        window_days: Option<u32>,
        associate: Option<String>,
    ) -> async_graphql::Result<TaskReport> {
        period(from, to)?;
        let window = window_days.unwrap_or(30);
        if !(1..=365).contains(&window) {
            let refused = AppError::keyed("windowDays", "input.range", "from 1 to 365 days");
            return Err(refused.with("min", 1).with("max", 365).into());
        }
        let drawn_for = match associate {
            Some(username) => {
                let found = crate::service::staff::by_username(db(ctx)?, &username).await?;
                Some(
                    found
                        .ok_or_else(|| crate::service::staff::unknown("associate", &username))?
                        .id,
                )
            }
            None => None,
        };
        let worth = jobs::tasks::report::worth(db(ctx)?, kind, (from, to), window, drawn_for)
            .await
            .map_err(AppError::from)?;
        Ok(TaskReport(worth))
    }

    /// Open complaints, oldest first, with when each one's service level lapses: an associate's
    /// store's; for an admin every store's, or `storeCode`'s.
    #[graphql(complexity = "page::cost(first, 50, child_complexity)")]
    async fn open_complaints(
        &self,
        ctx: &Context<'_>,
        store_code: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<FeedbackEntry>> {
        let db = db(ctx)?;
        let store_id = store::id_for_optional_code(db, "storeCode", store_code.as_deref()).await?;
        let limit = page::page_size(first, 50)?;
        let found = crate::service::feedback::open_complaints(db, viewer(ctx)?, store_id, limit).await?;
        Ok(found.into_iter().map(FeedbackEntry).collect())
    }

    /// Each associate of a store by the period's work: members looked after, tasks done and on
    /// time, members reached, complaints resolved within the service level, and what their
    /// members bought. Planners and admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn associate_scores(
        &self,
        ctx: &Context<'_>,
        store_code: String,
        from: NaiveDate,
        to: NaiveDate,
    ) -> async_graphql::Result<Vec<AssociateScore>> {
        period(from, to)?;
        let db = db(ctx)?;
        let store_id = store::id_for_code(db, "storeCode", &store_code).await?;
        let zone = brand(ctx)?.time_zone;
        let instants = (
            jobs::points::expiry::start_of(from, zone),
            jobs::points::expiry::start_of(to + chrono::Duration::days(1), zone),
        );
        let sla = crate::graphql::outreach::jobs(ctx)?.tasks.complaint_sla_hours;
        let scores = jobs::tasks::report::scores(db, store_id, (from, to), instants, sla)
            .await
            .map_err(AppError::from)?;
        Ok(scores.into_iter().map(AssociateScore).collect())
    }

    /// The rules that generate tasks, one per kind.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn task_rules(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TaskRule>> {
        Ok(tasks::rules(db(ctx)?).await?.into_iter().map(TaskRule).collect())
    }
}

#[derive(Default)]
pub struct TaskMutation;

#[Object]
impl TaskMutation {
    /// Takes a task from the store's pool; the member becomes the associate's if no active
    /// associate looks after them.
    async fn claim_task(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Task> {
        Ok(Task(tasks::claim(db(ctx)?, viewer(ctx)?, task_id(&id)?).await?))
    }

    /// Gives an open task to an associate of its store, or without `username` back to the
    /// store's pool: the store's manager, or an admin.
    async fn assign_task(&self, ctx: &Context<'_>, id: ID, username: Option<String>) -> async_graphql::Result<Task> {
        let assigned = tasks::assign(db(ctx)?, viewer(ctx)?, task_id(&id)?, username.as_deref()).await?;
        Ok(Task(assigned))
    }

    /// Closes a task: done with an outcome (and, for a win-back call, the reason the member
    /// gave), or skipped without one.
    async fn close_task(&self, ctx: &Context<'_>, id: ID, input: TaskOutcomeInput) -> async_graphql::Result<Task> {
        let today = brand(ctx)?.today();
        Ok(Task(
            tasks::close(db(ctx)?, viewer(ctx)?, today, task_id(&id)?, input).await?,
        ))
    }

    /// Switches a kind's rule on or off and tunes it.
    async fn update_task_rule(
        &self,
        ctx: &Context<'_>,
        kind: TaskKind,
        input: TaskRuleInput,
    ) -> async_graphql::Result<TaskRule> {
        Ok(TaskRule(tasks::update_rule(db(ctx)?, viewer(ctx)?, kind, input).await?))
    }
}
