//! The schedule: tokio-cron-scheduler calls the same [`run_job`] the CLI does.
use chrono::Duration;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::{outreach, run_job, JobContext, Trigger};

/// Cron expressions (with seconds) in the brand's time zone.
#[derive(Clone, Debug)]
pub struct Schedules {
    /// The nightly analytics run, over yesterday.
    pub analytics: String,
    /// The birthday, holiday and win-back jobs, over today; each member's email is due at the
    /// send hour in their own time zone, and re-runs queue nothing twice, so hourly is safe.
    pub outreach: String,
    /// The outbox dispatcher.
    pub outbox: String,
}

/// Starts the scheduler with every job on its schedule; keep the returned handle alive.
///
/// tokio-cron-scheduler fixes the zone's UTC offset when a job is added, so in zones with
/// daylight saving a schedule drifts by an hour until the next restart.
pub async fn start(ctx: JobContext, schedules: &Schedules) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let jobs: [(&str, &'static [&'static str]); 2] = [
        (&schedules.analytics, &["analytics"]),
        (&schedules.outreach, &["birthday", "holiday", "winback"]),
    ];
    for (cron, names) in jobs {
        let ctx = ctx.clone();
        let job = Job::new_async_tz(cron, ctx.time_zone, move |_, _| {
            let ctx = ctx.clone();
            Box::pin(async move {
                for name in names {
                    scheduled(&ctx, name).await;
                }
            })
        })?;
        scheduler.add(job).await?;
    }
    let dispatcher = ctx.clone();
    let job = Job::new_async_tz(schedules.outbox.as_str(), ctx.time_zone, move |_, _| {
        let ctx = dispatcher.clone();
        Box::pin(async move { dispatch(&ctx).await })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// A scheduled run: analytics covers yesterday, the last complete day in the brand's time zone;
/// the outreach jobs cover today.
async fn scheduled(ctx: &JobContext, job: &str) {
    let as_of = match job {
        "analytics" => ctx.today() - Duration::days(1),
        _ => ctx.today(),
    };
    // run_job logs how the run ended, in a span with the job's name and run id.
    let _ = run_job(ctx, job, as_of, Trigger::Schedule).await;
}

/// The dispatcher runs often; it is only logged (not recorded in `job_runs`) when it did something.
#[tracing::instrument(name = "job", skip_all, fields(job = "outbox", trigger = "schedule"))]
async fn dispatch(ctx: &JobContext) {
    match outreach::dispatch::dispatch(ctx).await {
        Ok(done) if done.sent + done.retrying + done.failed + done.suppressed + done.postponed > 0 => {
            tracing::info!(?done, "outbox dispatched");
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "outbox dispatch failed"),
    }
}
