//! Turns for the API's heavy reads: member lists, segment previews and counts. Each costs
//! PostgreSQL milliseconds of its own CPU (planning and executing), where a lookup costs little
//! beyond a round trip. Sixteen previews at once on two cores queued behind each other for the
//! CPU, and fewer turns at a time brought their p99 down (see docs/benchmarks.md).
//! A smaller pool does the same for lists but starves the lookups, which need many connections
//! (a smaller pool cost them much of their throughput), so only these reads wait for a turn.
//! SQLite reads a list in parallel from its own connections at little cost each: fewer turns
//! only cost its lists throughput, so there they are as many as its pool.
use std::sync::Arc;

use async_graphql::Context;
use sea_orm::DbBackend;
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::error::{AppError, AppResult};

/// How many heavy reads may run at once (the setting `max_concurrent_list_reads`).
#[derive(Clone)]
pub struct ListReads(Arc<Semaphore>);

impl ListReads {
    /// `at_once` when set, else the default for `backend`.
    pub fn new(at_once: Option<usize>, backend: DbBackend) -> Self {
        let default = if backend == DbBackend::Postgres { 4 } else { 8 };
        Self(Arc::new(Semaphore::new(at_once.unwrap_or(default).max(1))))
    }
}

/// Waits for a turn; it lasts until the permit is dropped.
pub async fn turn<'a>(ctx: &Context<'a>) -> AppResult<SemaphorePermit<'a>> {
    let reads = ctx
        .data::<ListReads>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no list reads in the schema")))?;
    reads
        .0
        .acquire()
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("list reads closed: {err}")))
}
