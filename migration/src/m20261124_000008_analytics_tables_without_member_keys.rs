//! The analytics run's own tables stop checking their member key on PostgreSQL.
//!
//! `member_metrics` and `tier_history` are derived data: only the analytics run writes them, in
//! bulk, with member ids it has just read, and members are never deleted (erasure keeps the row).
//! On PostgreSQL each foreign-key check also takes a `FOR KEY SHARE` lock on the member row,
//! which rewrites a million member tuples per run: without the checks a first run over a million
//! members took far less time (see docs/benchmarks.md). SQLite's checks take no locks, and SQLite
//! cannot drop a constraint without rebuilding the table, so it keeps them.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const KEYS: [(&str, &str); 2] = [
    ("member_metrics", "member_metrics_member_id_fkey"),
    ("tier_history", "tier_history_member_id_fkey"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        for (table, key) in KEYS {
            let sql = format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {key}");
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != sea_orm::DbBackend::Postgres {
            return Ok(());
        }
        for (table, key) in KEYS {
            let sql =
                format!("ALTER TABLE {table} ADD CONSTRAINT {key} FOREIGN KEY (member_id) REFERENCES members (id)");
            manager.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
