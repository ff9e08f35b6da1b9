//! The nightly analytics run (see docs/concepts.md): per-member facts aggregated in the
//! database, scored here in Rust, written back in bulk.
//!
//! * [`facts`]: what the aggregation yields per member, and the tier state carried between runs;
//! * [`config`]: every default of the run, configurable;
//! * [`score`]: facts → per-member scores and the run summary (pure, no database).

pub mod config;
pub mod facts;
pub mod progress;
pub mod score;
pub mod store;

pub use config::{AnalyticsConfig, TierPolicy, ValueBasis};
pub use facts::{MemberFacts, Tier, TierState};
pub use score::{score, Layer, LoyaltyQuadrant, MemberScores, RunSummary, ValueQuadrant};

use std::time::Instant;

use chrono::NaiveDate;
use sea_orm::DatabaseConnection;
use serde::Serialize;

use crate::JobError;

/// What one run did.
#[derive(Debug, Serialize)]
pub struct Outcome {
    pub run_id: i64,
    pub as_of: NaiveDate,
    pub members: u64,
    pub tier_changes: u64,
    pub timings: Timings,
}

/// Where the time went, in milliseconds.
#[derive(Debug, Default, Serialize)]
pub struct Timings {
    pub aggregate_ms: u128,
    pub score_ms: u128,
    pub write_ms: u128,
    pub total_ms: u128,
}

/// Recomputes every member as of `as_of`: aggregate in the database, score in Rust, write
/// back in one transaction. Idempotent for a given date; dates only move forward.
pub async fn run(
    db: &DatabaseConnection,
    as_of: NaiveDate,
    config: &AnalyticsConfig,
    job_run_id: Option<i64>,
) -> Result<Outcome, JobError> {
    if let Some(latest) = store::latest_as_of(db).await? {
        if as_of < latest {
            return Err(JobError::Invalid(format!(
                "results as of {latest} exist; runs only move forward, so {as_of} cannot be recomputed now"
            )));
        }
    }
    let started = Instant::now();
    let facts = store::load_facts(db, as_of).await?;
    let aggregated = Instant::now();
    // Scoring is a second of CPU work per million members: keep it off the async workers.
    let scoring_config = config.clone();
    // The blocking thread does not inherit the run's span: pass it on so its warnings name the run.
    let span = tracing::Span::current();
    let (facts, scored) = tokio::task::spawn_blocking(move || {
        let scored = span.in_scope(|| score(&facts, as_of, &scoring_config));
        (facts, scored)
    })
    .await
    .map_err(|e| JobError::Invalid(format!("scoring stopped: {e}")))?;
    let (scores, summary) = scored?;
    let scored = Instant::now();
    let mut timings = Timings {
        aggregate_ms: (aggregated - started).as_millis(),
        score_ms: (scored - aggregated).as_millis(),
        ..Timings::default()
    };
    let record = store::RunRecord {
        as_of,
        job_run_id,
        members: facts.len() as i64,
        summary: serde_json::to_string(&summary).map_err(|e| JobError::Invalid(e.to_string()))?,
        config: serde_json::to_string(config).map_err(|e| JobError::Invalid(e.to_string()))?,
        timings: serde_json::to_string(&timings).map_err(|e| JobError::Invalid(e.to_string()))?,
    };
    let run_id = store::save(db, &record, &facts, &scores).await?;
    timings.write_ms = scored.elapsed().as_millis();
    timings.total_ms = started.elapsed().as_millis();
    let tier_changes = scores.iter().filter(|s| s.change.is_some()).count() as u64;
    tracing::info!(%as_of, members = facts.len(), tier_changes, ?timings, "analytics run finished");
    Ok(Outcome {
        run_id,
        as_of,
        members: facts.len() as u64,
        tier_changes,
        timings,
    })
}
