//! Scheduled jobs and the engines behind them. The server, the CLI, GraphQL "run now" mutations
//! and the tests all call [`run_job`]; this crate never imports the server.

pub mod analytics;
pub mod bulk;
pub mod calendar;
pub mod campaigns;
pub mod coupons;
pub mod journeys;
pub mod lease;
pub mod member_fields;
pub mod model;
pub mod outreach;
pub mod points;
pub mod replace;
pub mod runs;
pub mod schedule;
pub mod segments;
pub mod sql;
pub mod surveys;
pub mod tasks;

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use sea_orm::{DatabaseConnection, DbErr};
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

pub use runs::Trigger;

pub use entity::vocabulary::Job;

/// What a job does, as `patron jobs list` shows it.
pub fn describe(job: Job) -> &'static str {
    match job {
        Job::Analytics => "re-tier and score every member, fit the purchase models, record KPIs",
        Job::Segments => "refresh every saved segment's membership, recording who entered and who left",
        Job::Birthday => "queue birthday emails for members whose birthday is the day",
        Job::Holiday => "queue holiday emails the set number of days before each enabled holiday",
        Job::Winback => "queue win-back emails for lapsed repeat buyers outside the cooldown",
        Job::Campaigns => {
            "start every campaign occurrence that is due: snapshot its audience, hold out the control group, queue the rest"
        }
        Job::Outbox => "send every email that is due, then stop",
        Job::PointsExpiryNotice => {
            "queue the notices to members whose points expire at the end of the month the set number of days ahead"
        }
        Job::PointsExpiry => "expire the points whose Nth month after earning has ended, oldest first",
        Job::CouponExpiryNotice => "queue the reminders to members holding a coupon whose last day is the set number of days ahead",
        Job::Tasks => "generate the associates' tasks of every switched-on rule, and expire those whose moment passed",
        Job::Journeys => "move every live journey's members along: entries, exits and the steps that are due",
        Job::SatisfactionSurvey => {
            "ask the satisfaction survey of members who bought, or whose complaint was resolved, the set number of days before"
        }
    }
}

/// Jobs whose runs may overlap: the outbox's rows are claimed one by one, so replicas share it.
const CONCURRENT_JOBS: &[Job] = &[Job::Outbox];

/// Why a job did not complete.
#[derive(Debug, thiserror::Error)]
pub enum JobError {
    /// The request makes no sense (unknown job, date out of order).
    #[error("{0}")]
    Invalid(String),
    /// Another run holds the job's lease.
    #[error("{0}")]
    Busy(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("model error: {0}")]
    Model(#[from] model::ModelError),
}

/// What a job needs from its host.
#[derive(Clone)]
pub struct JobContext {
    pub db: DatabaseConnection,
    /// The brand's time zone: "today" and every day boundary.
    pub time_zone: Tz,
    pub analytics: analytics::AnalyticsConfig,
    pub outreach: Arc<outreach::Outreach>,
    /// The points programme's rules.
    pub points: points::PointsConfig,
    /// The associates' work.
    pub tasks: tasks::TasksConfig,
    /// When satisfaction surveys are asked, and on which scale.
    pub surveys: surveys::SurveysConfig,
    /// The tiers whose benefits include a birthday gift: the built-in birthday campaign's offer
    /// gives its code to their members only.
    pub birthday_gift_tiers: Vec<entity::vocabulary::Tier>,
    /// Cancelled when the process is asked to stop: long jobs (the dispatcher) wind down cleanly.
    pub shutdown: CancellationToken,
}

impl JobContext {
    /// Today in the brand's time zone.
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.time_zone).date_naive()
    }
}

/// A job run that completed.
#[derive(Debug)]
pub struct Finished {
    /// Its row in `job_runs`.
    pub run_id: i64,
    /// What it counted.
    pub counts: serde_json::Value,
}

/// Runs job `name` as of `as_of` under its lease, recording the run in `job_runs`.
pub async fn run_job(ctx: &JobContext, name: &str, as_of: NaiveDate, trigger: Trigger) -> Result<Finished, JobError> {
    let job = check(ctx, name, as_of)?;
    observed(job, as_of, trigger, async {
        if CONCURRENT_JOBS.contains(&job) {
            return recorded(ctx, job, as_of, trigger).await;
        }
        let lease = take_lease(ctx, job).await?;
        let finished = recorded(ctx, job, as_of, trigger).await;
        lease.release().await?;
        finished
    })
    .await
}

/// A scheduled run for the schedule's tick at `tick`. Every replica's scheduler fires at the
/// same ticks: the first to take the job's lease runs it, and the others skip that tick (`None`),
/// even those that fire after it finished.
pub async fn run_scheduled(
    ctx: &JobContext,
    job: Job,
    as_of: NaiveDate,
    tick: DateTime<Utc>,
) -> Result<Option<Finished>, JobError> {
    check_date(ctx, as_of)?;
    let lease = match take_lease(ctx, job).await {
        Err(JobError::Busy(_)) => return Ok(None),
        taken => taken?,
    };
    let finished = if runs::scheduled_since(&ctx.db, job, tick).await? {
        Ok(None)
    } else {
        let trigger = Trigger::Schedule;
        observed(job, as_of, trigger, recorded(ctx, job, as_of, trigger))
            .await
            .map(Some)
    };
    lease.release().await?;
    finished
}

/// The job called `name`, if it exists and the date is not in the future.
fn check(ctx: &JobContext, name: &str, as_of: NaiveDate) -> Result<Job, JobError> {
    let Some(job) = Job::parse(name) else {
        return Err(JobError::Invalid(format!(
            "no job is called {name:?}; jobs: {}",
            Job::NAMES.join(", ")
        )));
    };
    check_date(ctx, as_of)?;
    Ok(job)
}

fn check_date(ctx: &JobContext, as_of: NaiveDate) -> Result<(), JobError> {
    if as_of > ctx.today() {
        return Err(JobError::Invalid(format!("as-of date {as_of} is in the future")));
    }
    Ok(())
}

/// The job's lease: one run at a time across every process and replica.
async fn take_lease(ctx: &JobContext, name: Job) -> Result<lease::Lease, JobError> {
    lease::Lease::acquire(&ctx.db, &format!("job:{name}"))
        .await?
        .map_err(|held| {
            JobError::Busy(format!(
                "another {name} run is in progress ({} holds it until {})",
                held.owner, held.until
            ))
        })
}

/// Runs a job in a `job` span with its name and run id, so every log line of a scheduled run
/// can be traced, and a run started by a GraphQL mutation nests in that request's span and
/// carries its request id too. How the run ended is logged here and counted for /metrics.
async fn observed(
    job: Job,
    as_of: NaiveDate,
    trigger: Trigger,
    run: impl Future<Output = Result<Finished, JobError>>,
) -> Result<Finished, JobError> {
    let span = tracing::info_span!(
        "job",
        job = job.as_str(),
        run_id = tracing::field::Empty,
        trigger = trigger.as_str(),
        %as_of
    );
    let started = Instant::now();
    let result = run.instrument(span.clone()).await;
    runs::observe(job, &result, started.elapsed());
    span.in_scope(|| match &result {
        Ok(finished) => tracing::info!(counts = %finished.counts, elapsed = ?started.elapsed(), "job finished"),
        Err(JobError::Busy(reason)) => tracing::info!(%reason, "job busy"),
        Err(JobError::Invalid(reason)) => tracing::warn!(%reason, "job refused"),
        Err(error) => tracing::error!(%error, "job failed"),
    });
    result
}

/// Runs a job between its start and finish records in `job_runs`.
async fn recorded(ctx: &JobContext, name: Job, as_of: NaiveDate, trigger: Trigger) -> Result<Finished, JobError> {
    let run_id = runs::start(&ctx.db, name, Some(as_of), trigger).await?;
    tracing::Span::current().record("run_id", run_id);
    tracing::info!("job started");
    let outcome = execute(ctx, name, as_of, run_id, trigger).await;
    runs::finish(
        &ctx.db,
        run_id,
        &outcome.as_ref().map(Clone::clone).map_err(ToString::to_string),
    )
    .await?;
    Ok(Finished {
        run_id,
        counts: outcome?,
    })
}

async fn execute(
    ctx: &JobContext,
    job: Job,
    as_of: NaiveDate,
    run_id: i64,
    trigger: Trigger,
) -> Result<serde_json::Value, JobError> {
    use campaigns::builtin::{self, Day, Timing};
    // The schedule sends at each member's local send hour; a run by hand queues for now.
    let timing = match trigger {
        Trigger::Schedule => Timing::Scheduled,
        Trigger::Cli | Trigger::Api => Timing::Now,
    };
    let day = Day { as_of, timing, run_id };
    let counts = match job {
        Job::Analytics => json(analytics::run(&ctx.db, as_of, &ctx.analytics, Some(run_id)).await?),
        Job::Birthday => json(builtin::birthday(ctx, day).await?),
        Job::Holiday => json(builtin::holiday(ctx, day).await?),
        Job::Winback => json(builtin::winback(ctx, day).await?),
        Job::PointsExpiryNotice => json(builtin::points_expiry_notice(ctx, day).await?),
        Job::CouponExpiryNotice => json(builtin::coupon_expiry_notice(ctx, day).await?),
        Job::Tasks => json(tasks::run(ctx, as_of, Some(run_id)).await?),
        Job::SatisfactionSurvey => json(builtin::satisfaction_survey(ctx, day).await?),
        Job::Segments => {
            let requester = segments::Requester {
                job_run_id: Some(run_id),
                actor: "job:segments".to_owned(),
            };
            let as_of = segments::AsOf::new(as_of, ctx.today());
            let refreshed = segments::refresh_all(&ctx.db, as_of, &requester).await?;
            // Campaigns sent when a member enters a segment start with its refresh.
            let started = campaigns::start_on_entry(ctx, &refreshed.refreshes, run_id).await?;
            serde_json::json!({ "segments": refreshed, "campaigns": started })
        }
        Job::Campaigns => {
            let (now, catch_up) = moment(ctx, as_of);
            json(campaigns::run(ctx, now, catch_up, run_id).await?)
        }
        Job::Journeys => {
            let (now, catch_up) = moment(ctx, as_of);
            let tick = journeys::Tick {
                ctx,
                now,
                as_of,
                hold_quiet_hours: !catch_up && timing == Timing::Scheduled,
                run_id: Some(run_id),
            };
            json(journeys::run(&tick).await?)
        }
        Job::Outbox => json(send_outbox(ctx).await?),
        Job::PointsExpiry => json(points::expiry::run(&ctx.db, &ctx.points, ctx.time_zone, as_of).await?),
    };
    Ok(counts)
}

/// The moment a run as of `as_of` counts as: now, or for a past date the end of that day (a
/// catch-up, `true`).
fn moment(ctx: &JobContext, as_of: NaiveDate) -> (DateTime<Utc>, bool) {
    if as_of >= ctx.today() {
        return (Utc::now(), false);
    }
    let midnight = (as_of + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN);
    (
        calendar::local_time(midnight, ctx.time_zone) - chrono::Duration::seconds(1),
        true,
    )
}

/// Sends every queued message that is due: delivery, told by the campaign engine what each
/// message is.
pub async fn send_outbox(ctx: &JobContext) -> Result<outreach::dispatch::Dispatched, JobError> {
    let content = campaigns::Messages::load(&ctx.db, &ctx.outreach.config).await?;
    outreach::dispatch::dispatch(ctx, &content).await
}

fn json(counts: impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(counts).unwrap_or_default()
}
