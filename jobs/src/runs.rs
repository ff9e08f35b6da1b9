//! The job-run log: every execution of a job, with its trigger, status and counts, in
//! `job_runs` and as Prometheus figures.
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use entity::job_run;
pub use entity::vocabulary::Trigger;
use entity::vocabulary::{Job, JobRunStatus};
use sea_orm::{ActiveModelTrait, ActiveValue, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, Set};

use crate::{Finished, JobError};

/// Records the start of a run.
pub async fn start(
    db: &DatabaseConnection,
    job: Job,
    as_of: Option<NaiveDate>,
    trigger: Trigger,
) -> Result<i64, DbErr> {
    let run = job_run::ActiveModel {
        job: Set(job),
        as_of: Set(as_of),
        trigger: Set(trigger),
        status: Set(JobRunStatus::Running),
        started_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(run.id)
}

/// Whether a scheduled run of `job` started at or after `tick` (another replica took that tick).
pub async fn scheduled_since(db: &DatabaseConnection, job: Job, tick: DateTime<Utc>) -> Result<bool, DbErr> {
    let found = job_run::Entity::find()
        .filter(job_run::Column::Job.eq(job))
        .filter(job_run::Column::Trigger.eq(Trigger::Schedule))
        .filter(job_run::Column::StartedAt.gte(tick))
        .one(db)
        .await?;
    Ok(found.is_some())
}

/// Records how a run ended.
pub async fn finish(
    db: &DatabaseConnection,
    id: i64,
    outcome: &Result<serde_json::Value, String>,
) -> Result<(), DbErr> {
    let (status, counts, error) = match outcome {
        Ok(counts) => (JobRunStatus::Succeeded, Some(counts.to_string()), None),
        Err(error) => (JobRunStatus::Failed, None, Some(error.clone())),
    };
    job_run::ActiveModel {
        id: ActiveValue::Unchanged(id),
        status: Set(status),
        finished_at: Set(Some(Utc::now())),
        counts: Set(counts),
        error: Set(error),
        ..Default::default()
    }
    .update(db)
    .await?;
    Ok(())
}

/// Names the job-run figures for /metrics; the host calls it once its recorder is installed.
pub fn describe_metrics() {
    metrics::describe_counter!(
        "patron_job_runs_total",
        "Job runs by job and outcome: succeeded, failed, or busy (another run held the lease)."
    );
    metrics::describe_histogram!(
        "patron_job_run_duration_seconds",
        metrics::Unit::Seconds,
        "How long job runs took, by job and outcome."
    );
}

/// Counts and times one run.
pub fn observe(job: Job, result: &Result<Finished, JobError>, elapsed: Duration) {
    let outcome = match result {
        Ok(_) => "succeeded",
        Err(JobError::Busy(_)) => "busy",
        Err(_) => "failed",
    };
    let job = job.as_str();
    metrics::counter!("patron_job_runs_total", "job" => job, "outcome" => outcome).increment(1);
    metrics::histogram!("patron_job_run_duration_seconds", "job" => job, "outcome" => outcome)
        .record(elapsed.as_secs_f64());
}
