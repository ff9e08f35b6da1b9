//! Reading what the analytics run wrote: metrics, tier history, runs, job runs; and starting a
//! run on request.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::{analytics_run, job_run, member_metrics, tier_change};
use jobs::{JobContext, JobError, Trigger};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::error::{AppError, AppResult};

pub use entity::vocabulary::{Layer, LoyaltyQuadrant, Strategy, Tier, ValueQuadrant};

pub async fn metrics(
    conn: &impl ConnectionTrait,
    member_ids: &[i64],
) -> AppResult<HashMap<i64, member_metrics::Model>> {
    let rows = member_metrics::Entity::find()
        .filter(member_metrics::Column::MemberId.is_in(member_ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|m| (m.member_id, m)).collect())
}

/// The latest run's tier per member (members without a run are absent).
pub async fn tiers(conn: &impl ConnectionTrait, member_ids: &[i64]) -> AppResult<HashMap<i64, Tier>> {
    let rows: Vec<(i64, Tier)> = member_metrics::Entity::find()
        .select_only()
        .columns([member_metrics::Column::MemberId, member_metrics::Column::Tier])
        .filter(member_metrics::Column::MemberId.is_in(member_ids.iter().copied()))
        .into_tuple()
        .all(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Tier changes per member, newest first.
pub async fn tier_history(
    conn: &impl ConnectionTrait,
    member_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<tier_change::Model>>> {
    let rows = tier_change::Entity::find()
        .filter(tier_change::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_desc(tier_change::Column::Id)
        .all(conn)
        .await?;
    let mut by_member: HashMap<i64, Vec<tier_change::Model>> = HashMap::new();
    for row in rows {
        by_member.entry(row.member_id).or_default().push(row);
    }
    Ok(by_member)
}

/// The run as of a date, or the latest.
pub async fn run(conn: &impl ConnectionTrait, as_of: Option<NaiveDate>) -> AppResult<Option<analytics_run::Model>> {
    let query = match as_of {
        Some(date) => analytics_run::Entity::find().filter(analytics_run::Column::AsOf.eq(date)),
        None => analytics_run::Entity::find().order_by_desc(analytics_run::Column::AsOf),
    };
    Ok(query.one(conn).await?)
}

/// The newest analytics runs, newest first: the dashboard's trend of KPIs.
pub async fn runs(conn: &impl ConnectionTrait, limit: u64) -> AppResult<Vec<analytics_run::Model>> {
    Ok(analytics_run::Entity::find()
        .order_by_desc(analytics_run::Column::AsOf)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The newest job runs, optionally of one job.
pub async fn job_runs(conn: &impl ConnectionTrait, job: Option<&str>, limit: u64) -> AppResult<Vec<job_run::Model>> {
    let mut query = job_run::Entity::find().order_by_desc(job_run::Column::Id).limit(limit);
    if let Some(name) = job {
        let job = jobs::Job::parse(name).ok_or_else(|| {
            AppError::field(
                "job",
                format!("no job is called {name:?}; jobs: {}", jobs::Job::NAMES.join(", ")),
            )
        })?;
        query = query.filter(job_run::Column::Job.eq(job));
    }
    Ok(query.all(conn).await?)
}

/// Runs a job now for an admin; the run is recorded like any other.
pub async fn run_job(ctx: &JobContext, name: &str, as_of: Option<NaiveDate>) -> AppResult<job_run::Model> {
    let as_of = as_of.unwrap_or_else(|| ctx.today());
    let finished = jobs::run_job(ctx, name, as_of, Trigger::Api)
        .await
        .map_err(|error| match error {
            JobError::Invalid(message) | JobError::Busy(message) => AppError::input(message),
            other => AppError::Internal(anyhow::anyhow!("{name} failed: {other}")),
        })?;
    let run = job_run::Entity::find_by_id(finished.run_id).one(&ctx.db).await?;
    run.ok_or_else(|| AppError::Internal(anyhow::anyhow!("the {name} run left no record")))
}
