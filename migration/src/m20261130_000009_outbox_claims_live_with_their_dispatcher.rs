//! Outbox claims live as long as their dispatcher's lease, not until a fixed time.
//!
//! A claim used to last `claimed_until` (five minutes), so a dispatcher that crashed or was
//! stopped held its rows that long. Now a row is held while the lease named in `claimed_by`
//! (`job_leases`) is alive; the dispatcher renews it, and gives its rows back when it stops.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE outbox DROP COLUMN claimed_until")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let timestamp = match manager.get_database_backend() {
            sea_orm::DbBackend::Postgres => "timestamp with time zone",
            _ => "timestamp_with_timezone_text",
        };
        let sql = format!("ALTER TABLE outbox ADD COLUMN claimed_until {timestamp}");
        manager.get_connection().execute_unprepared(&sql).await?;
        Ok(())
    }
}
