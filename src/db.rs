//! Connecting to the database and bringing its schema up to date.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// Opens a pool. SQLite runs in WAL mode with a busy timeout so readers never block the writer
/// and concurrent writers wait their turn instead of failing. Its page cache is 16 MiB per
/// connection: with 64 MiB the analytics run over a million members was slower (29.6 s against
/// 24.7 s) and peaked at 942 MiB instead of 665–815 MiB.
pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .max_connections(if url.starts_with("sqlite") { 8 } else { 16 })
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
        // grown: importing 100,000 members took 41 s instead of 1. Plan with the real values.
        .map_sqlx_postgres_opts(|opts| opts.options([("plan_cache_mode", "force_custom_plan")]));
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}
