//! Builds the HTTP application; tests bind port 0 and read the real port back.
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header::AUTHORIZATION;
use actix_web::http::StatusCode;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use jobs::outreach::Outreach;
use jobs::schedule::{Scheduler, Schedules};
use jobs::JobContext;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::auth::{self, TokenKeys};
use crate::brand::Brand;
use crate::error::AppError;
use crate::graphql::session::ClientAddr;
use crate::graphql::{self, AppSchema};
use crate::prometheus::Metrics;
use crate::settings::Settings;
use crate::unsubscribe::UnsubscribeState;
use crate::{console, db, health, observe, prometheus};

/// Counts SQL statements sent to the database: how tests prove a page costs a constant number.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

pub struct Application {
    port: u16,
    server: Server,
    db: DatabaseConnection,
    statements: StatementCounter,
    jobs: JobContext,
    scheduler: Option<Scheduler>,
}

/// How long a stopping server waits for HTTP requests and jobs in progress; within the 30 s a
/// process manager usually allows between SIGTERM and SIGKILL.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(25);

struct AppState {
    schema: AppSchema,
    db: DatabaseConnection,
    keys: TokenKeys,
    max_body_bytes: usize,
}

impl Application {
    /// Connects, migrates and binds; the server runs once awaited.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let mut db = db::connect(&settings.database_url).await?;
        let statements = StatementCounter::default();
        let counter = statements.0.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        db::migrate(&db).await?;
        let brand = Brand::new(&settings.brand_time_zone)?;
        let jobs = job_context(&db, &brand, settings)?;
        let scheduler = if settings.scheduler {
            let schedules = Schedules {
                analytics: settings.analytics_schedule.clone(),
                outreach: settings.outreach_schedule.clone(),
                outbox: settings.outbox_schedule.clone(),
                campaigns: settings.campaigns_schedule.clone(),
            };
            Some(jobs::schedule::start(jobs.clone(), &schedules).await?)
        } else {
            None
        };
        let keys = TokenKeys::from_settings(settings)?;
        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(AppState {
            schema: graphql::build_schema(db.clone(), brand, jobs.clone(), keys.clone(), settings),
            db: db.clone(),
            keys,
            max_body_bytes: settings.max_body_bytes,
        });
        let unsubscribe = web::Data::new(UnsubscribeState {
            db: db.clone(),
            links: jobs.outreach.links.clone(),
        });
        let metrics = web::Data::new(Metrics::new(db.clone())?);
        let probe_db = web::Data::new(db.clone());
        let server = HttpServer::new(move || {
            App::new()
                // The last wrap runs first: TracingLogger opens the request span and id that
                // `observe` logs, counts and returns.
                .wrap(from_fn(observe::request))
                .wrap(TracingLogger::default())
                .app_data(state.clone())
                .app_data(unsubscribe.clone())
                .app_data(metrics.clone())
                .app_data(probe_db.clone())
                .configure(crate::unsubscribe::routes)
                .configure(health::routes)
                .configure(prometheus::routes)
                .route("/graphql", web::post().to(graphql_endpoint))
                .configure(console::routes)
        })
        .listen(listener)?
        // Signals are ours (see `run_until_stopped`): jobs must hear of the stop too.
        .disable_signals()
        .shutdown_timeout(STOP_GRACE.as_secs())
        .run();
        Ok(Self {
            port,
            server,
            db,
            statements,
            jobs,
            scheduler,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn statements(&self) -> StatementCounter {
        self.statements.clone()
    }

    /// What jobs run with: tests call `jobs::run_job` with it directly instead of waiting.
    pub fn jobs(&self) -> &JobContext {
        &self.jobs
    }

    /// Serves until Ctrl-C or SIGTERM. Then it stops accepting requests, tells running jobs to
    /// wind down (the dispatcher finishes and records the emails on the wire and gives back the
    /// rest), and waits for both within the grace period.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let server = self.server.handle();
        let shutdown = self.jobs.shutdown.clone();
        tokio::spawn(async move {
            stop_requested().await;
            tracing::info!("stopping: finishing requests and jobs in progress");
            shutdown.cancel();
            server.stop(true).await;
        });
        let served = self.server.await;
        if let Some(scheduler) = self.scheduler {
            scheduler.stop(STOP_GRACE).await;
        }
        served
    }
}

/// The jobs' view of the settings.
pub fn job_context(db: &DatabaseConnection, brand: &Brand, settings: &Settings) -> anyhow::Result<JobContext> {
    let secret = auth::server_secret(settings)?;
    let outreach = Outreach::new(
        settings.outreach.clone(),
        secret.as_bytes(),
        settings.data_dir.join("outbox"),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(JobContext {
        db: db.clone(),
        time_zone: brand.time_zone,
        analytics: settings.analytics.clone(),
        outreach: Arc::new(outreach),
        shutdown: CancellationToken::new(),
    })
}

/// Resolves when the process is asked to stop: Ctrl-C (SIGINT) or SIGTERM.
pub async fn stop_requested() {
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::warn!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

/// POST /graphql: body limit, then authentication, then execution. Every rejection is a
/// GraphQL response with a code, never a dropped connection.
async fn graphql_endpoint(state: web::Data<AppState>, request: HttpRequest, payload: web::Payload) -> HttpResponse {
    let body = match read_body(payload, state.max_body_bytes).await {
        Ok(body) => body,
        Err(error) => return reply(StatusCode::PAYLOAD_TOO_LARGE, graphql::error_response(&error)),
    };
    let gql_request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            let error = AppError::input(format!("the body is not a GraphQL request in JSON: {err}"));
            return reply(StatusCode::BAD_REQUEST, graphql::error_response(&error));
        }
    };
    let header = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    // Signing in is the one thing to do without a token.
    let viewer = match state.keys.verify_header(header) {
        Ok(viewer) => Some(viewer),
        Err(_) if header.is_none() && graphql::only_signs_in(&gql_request) => None,
        Err(error) => return reply(StatusCode::UNAUTHORIZED, graphql::error_response(&error)),
    };
    // The peer itself, not a forwarded-for header a client could write.
    let client = request
        .peer_addr()
        .map_or_else(|| "unknown".to_owned(), |a| a.ip().to_string());
    let gql_request = gql_request.data(ClientAddr(client));
    let response = graphql::execute(&state.schema, &state.db, gql_request, viewer).await;
    reply(StatusCode::OK, response)
}

/// Reads the body up to `limit` bytes. Past the limit the rest is drained (up to a hard cap)
/// so the client can still read our error instead of seeing a reset connection.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    const DRAIN_CAP: usize = 64 * 1024 * 1024;
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| AppError::input(format!("could not read the request body: {err}")))?;
        seen += chunk.len();
        if seen <= limit {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_CAP {
            break;
        }
    }
    if seen > limit {
        return Err(AppError::input(format!(
            "the request body exceeds the limit of {limit} bytes"
        )));
    }
    Ok(body)
}

fn reply(status: StatusCode, response: async_graphql::Response) -> HttpResponse {
    HttpResponse::build(status).json(response)
}
