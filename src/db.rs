//! Connecting to the database and bringing its schema up to date.
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgConnection};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::sqlx::{self, ConnectOptions as _, Connection};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// How long the first PostgreSQL connection may take before we stop and say why.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// What a pool serves, which decides how PostgreSQL plans its statements.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// API requests: short statements run thousands of times, whose cached generic plans save
    /// planning each time (with them and its SQL built once, the member lookup served far more
    /// requests per second; see docs/benchmarks.md).
    Requests,
    /// Imports and jobs: see `connect`.
    Batch,
}

/// Opens a pool. SQLite runs in WAL mode with a busy timeout so readers never block the writer
/// and concurrent writers wait their turn instead of failing. Its page cache is 16 MiB per
/// connection: with 64 MiB the analytics run over a million members was slower and used more
/// memory (see docs/benchmarks.md).
pub async fn connect(url: &str, workload: Workload) -> anyhow::Result<DatabaseConnection> {
    let pool_size = if url.starts_with("sqlite") { 8 } else { 16 };
    connect_with(url, workload, pool_size).await
}

/// The database brought up to date, then `connect`ed. The migrations run over a connection of
/// their own, closed before the pool opens: a SQLite connection that saw a table before a
/// migration altered it on another connection prepares its next statement against the old
/// columns (a `RETURNING *` then lacks the new one).
pub async fn open(url: &str, workload: Workload) -> anyhow::Result<DatabaseConnection> {
    let migrating = connect_with(url, workload, 1).await?;
    migrate(&migrating).await?;
    jobs::journeys::shipped::install(&migrating).await?;
    migrating.close().await?;
    connect(url, workload).await
}

async fn connect_with(url: &str, workload: Workload, pool_size: u32) -> anyhow::Result<DatabaseConnection> {
    if url.starts_with("postgres") {
        check_postgres(url).await?;
    }
    if url.starts_with("sqlite") {
        create_private_sqlite_file(url)?;
    }
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(pool_size)
        .acquire_timeout(Duration::from_secs(30))
        .map_sqlx_sqlite_opts(|opts| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(30))
                .foreign_keys(true)
                .pragma("cache_size", "-16384")
                .pragma("temp_store", "memory")
                // Rows cross from SQLite's worker thread in batches rather than one by one:
                // large reads (the analytics run) are several times faster.
                .row_buffer_size(4096)
        })
        // sqlx prepares every statement, and PostgreSQL switches a prepared statement to a
        // generic plan after five runs. Planned while a table was small (an import's first
        // batches), a generic plan scans the table for `IN (...)` lookups long after it has
        // grown: importing 100,000 members took many times longer. Batch work plans with the
        // real values.
        .map_sqlx_postgres_opts(move |opts| match workload {
            Workload::Batch => opts.options([("plan_cache_mode", "force_custom_plan")]),
            Workload::Requests => opts,
        });
    Database::connect(options)
        .await
        .with_context(|| format!("cannot open the database {}", crate::settings::redact_url(url)))
}

/// Creates a new SQLite database file owner-only (0600) before SQLite would create it with the
/// umask's mode (usually world-readable): it holds the member file, and SQLite gives its -wal and
/// -shm files the database file's mode. An existing file keeps its mode.
fn create_private_sqlite_file(url: &str) -> anyhow::Result<()> {
    let options = SqliteConnectOptions::from_str(url).context("DATABASE_URL is not a valid SQLite URL")?;
    // The URL as sqlx reads it: `mode=rwc` only for a file it may create (not in memory).
    let creates = options
        .to_url_lossy()
        .query_pairs()
        .any(|(key, value)| key == "mode" && value == "rwc");
    if !creates {
        return Ok(());
    }
    let path = options.get_filename();
    let mut file = std::fs::OpenOptions::new();
    file.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut file, 0o600);
    match file.open(path) {
        // An empty file is an empty database to SQLite.
        Ok(_) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(err) => Err(err).with_context(|| format!("cannot create the database file {}", path.display())),
    }
}

/// One direct connection before the pool, which would retry a refused connection until its
/// acquire timeout and then say only "pool timed out". Fails within `CONNECT_TIMEOUT` with
/// the server's address, the cause and what to do; never with the password.
async fn check_postgres(url: &str) -> anyhow::Result<()> {
    let options = PgConnectOptions::from_str(url).context("DATABASE_URL is not a valid PostgreSQL URL")?;
    let server = match options.get_socket() {
        Some(socket) => socket.display().to_string(),
        None => format!("{}:{}", options.get_host(), options.get_port()),
    };
    let attempt = async {
        if options.get_socket().is_none() {
            let host = (options.get_host(), options.get_port());
            if let Err(err) = tokio::net::lookup_host(host).await {
                anyhow::bail!("unknown host {:?} ({err}); check the host in DATABASE_URL", host.0);
            }
        }
        let connection = PgConnection::connect_with(&options)
            .await
            .map_err(|err| anyhow::anyhow!(explain(&err, &options)))?;
        // Closing politely only spares the server a log line.
        let _ = connection.close().await;
        anyhow::Ok(())
    };
    let outcome = tokio::time::timeout(CONNECT_TIMEOUT, attempt)
        .await
        .unwrap_or_else(|_| {
            Err(anyhow::anyhow!(
                "no answer within {} s; is the host reachable and the port right?",
                CONNECT_TIMEOUT.as_secs()
            ))
        });
    outcome.map_err(|cause| anyhow::anyhow!("cannot connect to PostgreSQL at {server}: {cause}"))
}

/// The cause of a failed connection, with a hint at the fix.
fn explain(err: &sqlx::Error, options: &PgConnectOptions) -> String {
    let (host, port, user) = (options.get_host(), options.get_port(), options.get_username());
    let database = options.get_database().unwrap_or(user);
    match err {
        sqlx::Error::Io(io) if io.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused; is PostgreSQL running? Start it with `sudo systemctl start postgresql` \
             (or `pg_ctlcluster <version> main start`), or fix the port in DATABASE_URL"
                .to_owned()
        }
        sqlx::Error::Database(db) => match db.code().as_deref() {
            // SQLSTATE 3D000: invalid_catalog_name.
            Some("3D000") => format!(
                "database {database:?} does not exist; create it with `createdb -h {host} -p {port} -U {user} {database}`"
            ),
            // 28P01: invalid_password; 28000: invalid_authorization_specification (pg_hba.conf).
            Some("28P01" | "28000") => format!(
                "authentication failed for user {user:?} ({}); check the user/password in DATABASE_URL",
                db.message()
            ),
            _ => db.message().to_owned(),
        },
        other => other.to_string(),
    }
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
