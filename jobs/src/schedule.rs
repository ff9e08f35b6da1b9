//! The nightly schedule: tokio-cron-scheduler calls the same [`run_job`] the CLI does.
use chrono::Duration;
use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use crate::{run_job, JobContext, Trigger};

/// Cron expressions (with seconds) in the brand's time zone, per job.
#[derive(Clone, Debug)]
pub struct Schedules {
    pub analytics: String,
}

/// Starts the scheduler with every job on its schedule; keep the returned handle alive.
///
/// tokio-cron-scheduler fixes the zone's UTC offset when a job is added, so in zones with
/// daylight saving a schedule drifts by an hour until the next restart.
pub async fn start(ctx: JobContext, schedules: &Schedules) -> Result<JobScheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let job = Job::new_async_tz(schedules.analytics.as_str(), ctx.time_zone, move |_, _| {
        let ctx = ctx.clone();
        Box::pin(async move { nightly(&ctx, "analytics").await })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(scheduler)
}

/// A scheduled run covers yesterday, the last complete day in the brand's time zone.
async fn nightly(ctx: &JobContext, job: &str) {
    let as_of = ctx.today() - Duration::days(1);
    match run_job(ctx, job, as_of, Trigger::Schedule).await {
        Ok(finished) => tracing::info!(job, %as_of, counts = %finished.counts, "scheduled job finished"),
        Err(error) => tracing::error!(job, %as_of, %error, "scheduled job failed"),
    }
}
