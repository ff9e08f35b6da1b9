//! Connecting to the database and bringing its schema up to date.
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, DbErr};

/// Opens a pool. SQLite runs in WAL mode with a busy timeout so readers never block the writer
/// and concurrent writers wait their turn instead of failing; a 64 MiB page cache per
/// connection keeps bulk writes from re-reading index pages from disk.
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
                .pragma("cache_size", "-65536")
        });
    Database::connect(options).await
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<(), DbErr> {
    Migrator::up(db, None).await
}

pub fn is_postgres(db: &impl ConnectionTrait) -> bool {
    db.get_database_backend() == DbBackend::Postgres
}

/// Writes many rows into one table quickly: COPY on PostgreSQL, multi-row INSERTs inside one
/// transaction on SQLite. Used by batch work, never per member.
pub struct BulkWriter {
    table: &'static str,
    columns: &'static [&'static str],
}

impl BulkWriter {
    pub const fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Self { table, columns }
    }

    /// Writes `rows`, each with one value per column, in order.
    pub async fn write(&self, db: &DatabaseConnection, rows: &[Vec<sea_orm::Value>]) -> Result<(), DbErr> {
        if rows.is_empty() {
            return Ok(());
        }
        if is_postgres(db) {
            self.copy(db, rows).await
        } else {
            self.insert(db, rows).await
        }
    }

    async fn copy(&self, db: &DatabaseConnection, rows: &[Vec<sea_orm::Value>]) -> Result<(), DbErr> {
        let sql = format!(
            "COPY {} ({}) FROM STDIN WITH (FORMAT csv)",
            self.table,
            self.columns.join(", ")
        );
        let mut text = String::with_capacity(rows.len() * 64);
        for row in rows {
            for (i, value) in row.iter().enumerate() {
                if i > 0 {
                    text.push(',');
                }
                push_csv(&mut text, value);
            }
            text.push('\n');
        }
        let to_db = |e: sea_orm::sqlx::Error| DbErr::Custom(format!("COPY into {}: {e}", self.table));
        use sea_orm::sqlx::postgres::PgPoolCopyExt;
        let mut copy = db
            .get_postgres_connection_pool()
            .copy_in_raw(&sql)
            .await
            .map_err(to_db)?;
        copy.send(text.as_bytes()).await.map_err(to_db)?;
        copy.finish().await.map_err(to_db)?;
        Ok(())
    }

    async fn insert(&self, db: &DatabaseConnection, rows: &[Vec<sea_orm::Value>]) -> Result<(), DbErr> {
        use sea_orm::TransactionTrait;
        // SQLite allows 32766 parameters per statement.
        let per_statement = (32_000 / self.columns.len()).max(1);
        let txn = db.begin().await?;
        for chunk in rows.chunks(per_statement) {
            let tuple = format!("({})", vec!["?"; self.columns.len()].join(","));
            let sql = format!(
                "INSERT INTO {} ({}) VALUES {}",
                self.table,
                self.columns.join(", "),
                vec![tuple.as_str(); chunk.len()].join(",")
            );
            let values: Vec<sea_orm::Value> = chunk.iter().flatten().cloned().collect();
            txn.execute(sea_orm::Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
                .await?;
        }
        txn.commit().await
    }
}

/// One value in PostgreSQL's CSV COPY format (an unquoted empty field is NULL).
fn push_csv(text: &mut String, value: &sea_orm::Value) {
    use sea_orm::Value;
    use std::fmt::Write;
    let _ = match value {
        Value::Bool(Some(b)) => write!(text, "{b}"),
        Value::TinyInt(Some(n)) => write!(text, "{n}"),
        Value::SmallInt(Some(n)) => write!(text, "{n}"),
        Value::Int(Some(n)) => write!(text, "{n}"),
        Value::BigInt(Some(n)) => write!(text, "{n}"),
        Value::Double(Some(n)) => write!(text, "{n}"),
        Value::ChronoDate(Some(d)) => write!(text, "{d}"),
        Value::ChronoDateTimeUtc(Some(t)) => write!(text, "{}", t.to_rfc3339()),
        Value::String(Some(s)) => write!(text, "\"{}\"", s.replace('"', "\"\"")),
        _ => Ok(()),
    };
}
