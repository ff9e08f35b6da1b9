//! Builds the HTTP application; tests bind port 0 and read the real port back.
use std::net::TcpListener;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpServer};
use jobs::outreach::Outreach;
use jobs::schedule::{Scheduler, Schedules};
use jobs::JobContext;
use sea_orm::DatabaseConnection;
use tokio_util::sync::CancellationToken;
use tracing_actix_web::TracingLogger;

use crate::auth::idp::IdentityProvider;
use crate::auth::{self, TokenKeys};
use crate::brand::Brand;
use crate::db;
use crate::graphql;
use crate::http::callbacks::CallbackState;
use crate::http::prometheus::Metrics;
use crate::http::transport::{self, GraphqlState};
use crate::http::unsubscribe::LinkPages;
use crate::http::{console, health, prometheus, requests};
use crate::service::audit::AuditTrail;
use crate::settings::Settings;

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
    audit: AuditTrail,
}

/// How long a stopping server waits for HTTP requests and jobs in progress; within the 30 s a
/// process manager usually allows between SIGTERM and SIGKILL.
const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(25);

impl Application {
    /// Connects, migrates and binds; the server runs once awaited.
    pub async fn build(settings: &Settings) -> anyhow::Result<Self> {
        let mut db = db::open(&settings.database_url, db::Workload::Requests).await?;
        let statements = StatementCounter::default();
        let counter = statements.0.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        let brand = Brand::from_settings(settings)?;
        // Jobs have a pool of their own, planned for batch work.
        let batch = db::connect(&settings.database_url, db::Workload::Batch).await?;
        let jobs = job_context(&batch, &brand, settings)?;
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
        keys.revoked.reload(&db).await?;
        keys.revoked.keep_loaded(db.clone(), jobs.shutdown.clone());
        let audit = AuditTrail::start(db.clone());
        let listener = TcpListener::bind(&settings.listen)?;
        let port = listener.local_addr()?.port();
        let state = web::Data::new(GraphqlState {
            schema: graphql::build_schema(
                db.clone(),
                brand.clone(),
                jobs.clone(),
                keys.clone(),
                audit.clone(),
                settings,
            ),
            db: db.clone(),
            keys,
            provider: IdentityProvider::start(&settings.member_idp).await?,
            max_body_bytes: settings.max_body_bytes,
            trusted_proxies: settings.trusted_proxies()?,
        });
        let link_pages = web::Data::new(LinkPages {
            db: db.clone(),
            brand,
            links: jobs.outreach.links.clone(),
            survey_answer_days: settings.surveys.answer_days,
        });
        let callbacks = web::Data::new(CallbackState {
            db: db.clone(),
            sms: settings.sms.clone(),
            public_url: settings.outreach.public_url.clone(),
        });
        let metrics = web::Data::new(Metrics::new(db.clone())?);
        let probe_db = web::Data::new(db.clone());
        let server = HttpServer::new(move || {
            App::new()
                // The last wrap runs first: TracingLogger opens the request span and id that
                // `requests` logs, counts and returns.
                .wrap(from_fn(requests::request))
                .wrap(TracingLogger::<requests::RequestSpan>::new())
                .app_data(state.clone())
                .app_data(link_pages.clone())
                .app_data(callbacks.clone())
                .app_data(metrics.clone())
                .app_data(probe_db.clone())
                // The API first: routes are tried in order, and a pattern with a parameter
                // (`/unsubscribe/{token}`) costs a regular expression to rule out.
                .configure(transport::routes)
                .configure(crate::http::unsubscribe::routes)
                .configure(crate::http::code_image::routes)
                .configure(crate::http::preferences::routes)
                .configure(crate::http::confirmation::routes)
                .configure(crate::http::survey::routes)
                .configure(crate::http::callbacks::routes)
                .configure(health::routes)
                .configure(prometheus::routes)
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
            audit,
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
    /// rest), waits for both within the grace period, and writes the reads' waiting audit
    /// entries.
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
        self.audit.close().await;
        served
    }
}

/// The jobs' view of the settings.
pub fn job_context(db: &DatabaseConnection, brand: &Brand, settings: &Settings) -> anyhow::Result<JobContext> {
    let secret = auth::server_secret(settings)?;
    let outreach = Outreach::new(
        settings.outreach.clone(),
        &settings.sms,
        &settings.wechat,
        db.clone(),
        secret.as_bytes(),
        settings.data_dir.join("outbox"),
    )
    .map_err(anyhow::Error::msg)?;
    Ok(JobContext {
        db: db.clone(),
        time_zone: brand.time_zone,
        analytics: settings.analytics.clone(),
        outreach: Arc::new(outreach),
        points: settings.points.clone(),
        tasks: settings.tasks.clone(),
        surveys: settings.surveys.clone(),
        birthday_gift_tiers: brand
            .benefits
            .by_tier()
            .filter(|(_, benefits)| benefits.birthday_gift)
            .map(|(tier, _)| tier)
            .collect(),
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
