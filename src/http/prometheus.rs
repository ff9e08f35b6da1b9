//! GET /metrics in the Prometheus text format.
//!
//! Code anywhere (this crate and the jobs crate) records with the `metrics` macros into one
//! recorder per process; a scrape renders it. Figures that live in the database (the outbox
//! backlog) or in the pool are read at scrape time, so they cost nothing between scrapes.
use std::sync::OnceLock;
use std::time::Duration;

use actix_web::{web, HttpResponse};
use metrics::Unit;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use sea_orm::{sqlx, DatabaseConnection};

/// Bucket bounds in seconds for request latency (5 ms to 10 s); also the default for any other
/// histogram, such as SMTP latency.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];
/// Job runs take from a moment (an empty outbox) to an hour (analytics over millions of members).
const JOB_BUCKETS: &[f64] = &[0.1, 0.5, 1.0, 5.0, 15.0, 30.0, 60.0, 300.0, 900.0, 1800.0, 3600.0];
/// Histogram samples wait in per-metric buffers until drained; drain them even when no one scrapes.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// What a scrape reads: the recorder's handle and the database.
#[derive(Clone)]
pub struct Metrics {
    handle: PrometheusHandle,
    db: DatabaseConnection,
}

impl Metrics {
    pub fn new(db: DatabaseConnection) -> anyhow::Result<Self> {
        Ok(Self { handle: install()?, db })
    }

    /// The scrape: database figures taken now, then everything recorded.
    pub async fn render(&self) -> String {
        self.record_pool();
        self.record_outbox().await;
        self.handle.render()
    }

    fn record_pool(&self) {
        let Some(pool) = pool_use(&self.db) else { return };
        metrics::gauge!("patron_db_pool_connections").set(pool.open);
        metrics::gauge!("patron_db_pool_idle_connections").set(pool.idle);
        metrics::gauge!("patron_db_pool_max_connections").set(pool.max);
    }

    async fn record_outbox(&self) {
        match jobs::outreach::backlog::backlog(&self.db).await {
            Ok(backlog) => {
                for (state, rows) in [
                    ("due", backlog.due),
                    ("claimed", backlog.claimed),
                    ("deferred", backlog.deferred),
                    ("scheduled", backlog.scheduled),
                ] {
                    metrics::gauge!("patron_outbox_queued", "state" => state).set(rows as f64);
                }
            }
            // The gauges keep their last values; /readyz tells whether the database is there.
            Err(err) => tracing::warn!(error.cause_chain = ?err, "could not count the outbox for /metrics"),
        }
    }
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/metrics", web::get().to(scrape));
}

async fn scrape(metrics: web::Data<Metrics>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(metrics.render().await)
}

/// Installs the recorder on first use and returns its handle. A process has one global
/// recorder, and tests start several applications in one process: later calls share the first.
fn install() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    HANDLE
        .get_or_init(|| build().map_err(|err| format!("cannot install the metrics recorder: {err}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn build() -> Result<PrometheusHandle, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets(LATENCY_BUCKETS)?
        .set_buckets_for_metric(Matcher::Prefix("patron_job_".to_owned()), JOB_BUCKETS)?
        .install_recorder()?;
    describe();
    jobs::runs::describe_metrics();
    let upkeep = handle.clone();
    let spawned = std::thread::Builder::new()
        .name("metrics-upkeep".to_owned())
        .spawn(move || loop {
            std::thread::sleep(UPKEEP_EVERY);
            upkeep.run_upkeep();
        });
    if let Err(err) = spawned {
        // Scrapes still drain the buffers; only an unscraped server would grow them.
        tracing::warn!(%err, "could not start the metrics upkeep thread");
    }
    Ok(handle)
}

/// The help lines of the server's figures (the jobs crate describes its own).
fn describe() {
    metrics::describe_counter!(
        "patron_http_requests_total",
        "HTTP requests by method, route pattern and status."
    );
    metrics::describe_histogram!(
        "patron_http_request_duration_seconds",
        Unit::Seconds,
        "HTTP request latency by method and route pattern, until the response head."
    );
    metrics::describe_counter!(
        "patron_graphql_operations_total",
        "GraphQL operations executed, by operation name (anonymous, invalid, other)."
    );
    metrics::describe_histogram!(
        "patron_graphql_operation_duration_seconds",
        Unit::Seconds,
        "GraphQL execution time by operation name."
    );
    metrics::describe_counter!(
        "patron_graphql_errors_total",
        "GraphQL errors by operation name and extensions.code."
    );
    metrics::describe_gauge!(
        "patron_outbox_queued",
        "Queued outbox rows by state: due, claimed, deferred (retry) and scheduled (not yet due)."
    );
    metrics::describe_gauge!(
        "patron_db_pool_connections",
        "Open database connections, idle or in use."
    );
    metrics::describe_gauge!(
        "patron_db_pool_idle_connections",
        "Open database connections not in use."
    );
    metrics::describe_gauge!("patron_db_pool_max_connections", "The pool's connection limit.");
}

struct PoolUse {
    open: f64,
    idle: f64,
    max: f64,
}

fn pool_use(db: &DatabaseConnection) -> Option<PoolUse> {
    fn of<DB: sqlx::Database>(pool: &sqlx::Pool<DB>) -> PoolUse {
        PoolUse {
            open: f64::from(pool.size()),
            idle: pool.num_idle() as f64,
            max: f64::from(pool.options().get_max_connections()),
        }
    }
    // The pool getters panic on the other backend: match first.
    match db {
        DatabaseConnection::SqlxSqlitePoolConnection(_) => Some(of(db.get_sqlite_connection_pool())),
        DatabaseConnection::SqlxPostgresPoolConnection(_) => Some(of(db.get_postgres_connection_pool())),
        _ => None,
    }
}
