//! The schedule: tokio-cron-scheduler calls the same [`run_job`] the CLI does.
use std::future::Future;

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use croner::parser::{CronParser, Seconds};
use tokio_cron_scheduler::{Job as CronJob, JobScheduler, JobSchedulerError};
use tokio_util::task::TaskTracker;

use crate::{run_scheduled, Job, JobContext};

/// Cron expressions (with seconds) in the brand's time zone.
#[derive(Clone, Debug)]
pub struct Schedules {
    /// The nightly analytics run, over yesterday, then the refresh of every segment's membership
    /// and the expiry of points whose time is up.
    pub analytics: String,
    /// The birthday, holiday, win-back, points-expiry and coupon-expiry notice, tasks and
    /// satisfaction-survey jobs, over today; each member's message is due at the send hour in
    /// their own time zone, and re-runs queue nothing twice, so hourly is safe.
    pub outreach: String,
    /// Starting the campaign occurrences that are due.
    pub campaigns: String,
    /// The outbox dispatcher.
    pub outbox: String,
}

/// The running schedule; keep it alive, and stop it before the process ends.
pub struct Scheduler {
    cron: JobScheduler,
    /// The job runs it started, so a stop can wait for them.
    running: TaskTracker,
}

impl Scheduler {
    /// Starts no more runs and waits up to `grace` for those in progress, which wind down once
    /// the context's `shutdown` is cancelled.
    pub async fn stop(mut self, grace: std::time::Duration) {
        let _ = self.cron.shutdown().await;
        self.running.close();
        if tokio::time::timeout(grace, self.running.wait()).await.is_err() {
            tracing::warn!(?grace, "scheduled jobs still running at exit");
        }
    }
}

/// Starts the scheduler with every job on its schedule.
///
/// tokio-cron-scheduler fixes the zone's UTC offset when a job is added, so in zones with
/// daylight saving a schedule drifts by an hour until the next restart.
pub async fn start(ctx: JobContext, schedules: &Schedules) -> Result<Scheduler, JobSchedulerError> {
    let scheduler = JobScheduler::new().await?;
    let running = TaskTracker::new();
    let jobs: [(&str, &'static [Job]); 3] = [
        (
            &schedules.analytics,
            &[Job::Analytics, Job::Segments, Job::PointsExpiry],
        ),
        (
            &schedules.outreach,
            &[
                Job::Birthday,
                Job::Holiday,
                Job::Winback,
                Job::PointsExpiryNotice,
                Job::CouponExpiryNotice,
                Job::Tasks,
                Job::SatisfactionSurvey,
            ],
        ),
        (&schedules.campaigns, &[Job::Campaigns, Job::Journeys]),
    ];
    for (cron, names) in jobs {
        let (ctx, running, ticks) = (ctx.clone(), running.clone(), Ticks::parse(cron)?);
        let job = CronJob::new_async_tz(cron, ctx.time_zone, move |_, _| {
            let ctx = ctx.clone();
            let tick = ticks.current(ctx.time_zone);
            tracked(&running, async move {
                for job in names {
                    scheduled(&ctx, *job, tick).await;
                }
            })
        })?;
        scheduler.add(job).await?;
    }
    let (dispatcher, tracker) = (ctx.clone(), running.clone());
    let job = CronJob::new_async_tz(schedules.outbox.as_str(), ctx.time_zone, move |_, _| {
        let ctx = dispatcher.clone();
        tracked(&tracker, async move { dispatch(&ctx).await })
    })?;
    scheduler.add(job).await?;
    scheduler.start().await?;
    Ok(Scheduler {
        cron: scheduler,
        running,
    })
}

/// A job run the scheduler can wait for at a stop.
fn tracked(
    running: &TaskTracker,
    run: impl Future<Output = ()> + Send + 'static,
) -> std::pin::Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(running.track_future(run))
}

/// A cron expression with seconds, as the scheduler and campaigns read them.
pub fn parse_cron(expression: &str) -> Result<croner::Cron, croner::errors::CronError> {
    CronParser::builder()
        .seconds(Seconds::Required)
        .dom_and_dow(true)
        .build()
        .parse(expression)
}

/// A cron expression's ticks, so that every replica names the tick a run belongs to alike.
#[derive(Clone)]
struct Ticks(croner::Cron);

impl Ticks {
    fn parse(cron: &str) -> Result<Self, JobSchedulerError> {
        parse_cron(cron).map(Self).map_err(|_| JobSchedulerError::ParseSchedule)
    }

    /// The tick that fired just now: the scheduler fires at a tick or after it, never before,
    /// so it is the last tick up to now. (A run held up past the next tick takes that one, and
    /// the tick it missed is skipped, as cron skips what an overloaded host could not start.)
    fn current(&self, zone: Tz) -> DateTime<Utc> {
        self.at(Utc::now(), zone)
    }

    fn at(&self, now: DateTime<Utc>, zone: Tz) -> DateTime<Utc> {
        // Ticks fall on whole seconds; croner keeps the fraction of the time it starts from.
        let second = now.with_nanosecond(0).unwrap_or(now);
        self.0
            .find_previous_occurrence(&second.with_timezone(&zone), true)
            .map(|tick| tick.with_timezone(&Utc))
            .unwrap_or(now)
    }
}

/// A scheduled run: analytics covers yesterday, the last complete day in the brand's time zone;
/// segments and the outreach jobs cover today. A tick that another replica took is skipped.
async fn scheduled(ctx: &JobContext, job: Job, tick: DateTime<Utc>) {
    let as_of = match job {
        Job::Analytics => ctx.today() - Duration::days(1),
        _ => ctx.today(),
    };
    // A run logs how it ended, in a span with the job's name and run id.
    if let Ok(None) = run_scheduled(ctx, job, as_of, tick).await {
        tracing::debug!(job = job.as_str(), %tick, "another replica ran this tick");
    }
}

/// The dispatcher runs often; it is only logged (not recorded in `job_runs`) when it did something.
#[tracing::instrument(name = "job", skip_all, fields(job = "outbox", trigger = "schedule"))]
async fn dispatch(ctx: &JobContext) {
    match crate::send_outbox(ctx).await {
        Ok(done) if done.sent + done.retrying + done.failed + done.suppressed + done.postponed > 0 => {
            tracing::info!(?done, "outbox dispatched");
        }
        Ok(_) => {}
        Err(error) => tracing::error!(%error, "outbox dispatch failed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_is_the_last_occurrence_up_to_now() {
        let ticks = Ticks::parse("*/3 * * * * *").unwrap();
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        for now in [
            "2026-11-30T02:48:09Z",
            "2026-11-30T02:48:09.500Z",
            "2026-11-30T02:48:11.999Z",
        ] {
            assert_eq!(ticks.at(at(now), zone), at("2026-11-30T02:48:09Z"), "{now}");
        }
    }
}
