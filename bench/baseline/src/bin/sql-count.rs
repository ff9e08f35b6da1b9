//! Times one `SELECT COUNT(*) ...` through the same database client Patron links (sqlx, and
//! on SQLite the same SQLite build), so bench/segments.sh compares Patron's count with a
//! hand-written statement on one engine (and SQLite with Patron's page cache). Runs it once to warm up, then `runs` times on one
//! connection, and prints the median in milliseconds and the count.
//! Usage: `sql-count DATABASE_URL SQL [RUNS]`.
use std::str::FromStr;
use std::time::Instant;

use sea_orm::sqlx::sqlite::SqliteConnectOptions;
use sea_orm::sqlx::{self, ConnectOptions, Connection, PgConnection, SqliteConnection};

enum Client {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Client {
    async fn count(&mut self, sql: &str) -> Result<i64, sqlx::Error> {
        match self {
            Self::Sqlite(connection) => sqlx::query_scalar(sql).fetch_one(connection).await,
            Self::Postgres(connection) => sqlx::query_scalar(sql).fetch_one(connection).await,
        }
    }
}

#[tokio::main]
async fn main() -> Result<(), sqlx::Error> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(sql)) = (args.next(), args.next()) else {
        eprintln!("usage: sql-count DATABASE_URL SQL [RUNS]");
        std::process::exit(2);
    };
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(7).max(1);
    let mut client = if url.starts_with("postgres") {
        Client::Postgres(PgConnection::connect(&url).await?)
    } else {
        // Patron's page cache (src/db.rs).
        let options = SqliteConnectOptions::from_str(&url)?
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory");
        Client::Sqlite(options.connect().await?)
    };
    let mut counted = client.count(&sql).await?;
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let started = Instant::now();
        counted = client.count(&sql).await?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    println!("{:.1} {counted}", times[times.len() / 2]);
    Ok(())
}
