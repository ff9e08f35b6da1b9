//! The member list's `totalCount`, kept for a few seconds. A person paging through a list asks
//! for the same total with every page (the console does), and a count reads every member the
//! filter matches: a city of 24,000 members out of 100,000 cost 33 ms of CPU each time, so
//! sixteen at once queued for two cores (see docs/benchmarks.md).
//!
//! A count is known by the statement that counts: its SQL and bound values, which carry the
//! viewer's scope (an associate's store, their own assignments), so one viewer's count never
//! answers for another scope. Identical counts asked at once share one query.
//!
//! Every GraphQL mutation this process runs starts a new generation of counts once it is done,
//! so the next request counts afresh what it wrote. Writes made elsewhere — other replicas, the
//! scheduled jobs, `patron import` and the other commands, the pages a member opens from a
//! message, the providers' callbacks — are counted when the kept count expires, within
//! `KEPT_FOR`.
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use moka::future::Cache;
use sea_orm::{Statement, Value};

use crate::error::{AppError, AppResult};

/// How long a count is kept: about the time a person takes to turn a few pages, so paging costs
/// one count, and short enough that a write this process does not see (another replica's, a
/// job's) shows in the total soon after. `totalCount`'s GraphQL description and docs/api.md
/// name it.
pub const KEPT_FOR: Duration = Duration::from_secs(10);

/// Distinct counts kept at most (filters × viewer scopes asked within `KEPT_FOR`).
const KEPT: u64 = 1_000;

/// Counts kept, by statement and generation.
#[derive(Clone)]
pub struct ListCounts {
    kept: Cache<Key, u64>,
    generation: Arc<AtomicU64>,
}

/// What a count is known by. The generation is part of the key rather than a reason to empty
/// the cache: a count that started before a write and ends after it is stored under the old
/// generation, where no later request looks (`invalidate_all` would still serve it).
#[derive(Hash, PartialEq, Eq)]
struct Key {
    generation: u64,
    sql: String,
    values: Vec<Value>,
}

impl Default for ListCounts {
    fn default() -> Self {
        Self {
            kept: Cache::builder().time_to_live(KEPT_FOR).max_capacity(KEPT).build(),
            generation: Arc::new(AtomicU64::new(0)),
        }
    }
}

impl ListCounts {
    /// The count of `statement`'s rows: kept, or `count`ed once for every request asking at
    /// the same time. A failed count is not kept; each of its waiters gets the error.
    pub async fn get(
        &self,
        statement: Statement,
        count: impl Future<Output = AppResult<u64>>,
    ) -> Result<u64, Arc<AppError>> {
        let key = Key {
            generation: self.generation.load(Ordering::Acquire),
            sql: statement.sql,
            values: statement.values.map(|values| values.0).unwrap_or_default(),
        };
        self.kept.try_get_with(key, count).await
    }

    /// Forgets every kept count: called once a mutation is done, so the next request counts
    /// what it wrote.
    pub fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
    }
}
