//! Segment membership and its history are written in bulk — a new segment's first refresh adds a
//! row per member to each — and PostgreSQL checks every foreign key row by row: the member and
//! segment keys made each insert several times as costly (see docs/benchmarks.md). Members are
//! never deleted (erasure keeps the row), the refresh writes only ids it has just read from
//! `members` and its own refresh, and deleting a segment deletes these rows itself
//! (`service::segment::delete`), so on PostgreSQL the keys go. SQLite keeps them: it cannot drop
//! a constraint without rebuilding the table, and its checks are cheap lookups in the same process.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

const DROP_KEYS: &str = "ALTER TABLE segment_members \
        DROP CONSTRAINT IF EXISTS segment_members_member_id_fkey, \
        DROP CONSTRAINT IF EXISTS segment_members_segment_id_fkey; \
    ALTER TABLE segment_changes \
        DROP CONSTRAINT IF EXISTS segment_changes_member_id_fkey, \
        DROP CONSTRAINT IF EXISTS segment_changes_segment_id_fkey, \
        DROP CONSTRAINT IF EXISTS segment_changes_refresh_id_fkey";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager.get_connection().execute_unprepared(DROP_KEYS).await?;
        }
        Ok(())
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
