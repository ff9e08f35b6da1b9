//! The outbox and the campaign recipients are written a whole audience at a time. On PostgreSQL
//! a foreign key is checked row by row, each check locking the member's row (`FOR KEY SHARE`):
//! measured at 100,000 members, the checks took three quarters of queueing an occurrence. Their
//! rows are only ever written from `members` and `campaign_occurrences` by one statement that
//! selects them there, and neither members nor occurrences are deleted (erasure keeps the row),
//! so the keys guard nothing a statement could break. SQLite checks a key with one index probe
//! and no lock, and cannot drop one without rebuilding the table: it keeps them.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (table, constraint, column, referenced table, on delete cascade)
const KEYS: [(&str, &str, &str, &str, bool); 3] = [
    ("outbox", "outbox_member_id_fkey", "member_id", "members", false),
    (
        "campaign_recipients",
        "campaign_recipients_member_id_fkey",
        "member_id",
        "members",
        false,
    ),
    (
        "campaign_recipients",
        "campaign_recipients_occurrence_id_fkey",
        "occurrence_id",
        "campaign_occurrences",
        true,
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, name, ..) in KEYS {
            manager
                .get_connection()
                .execute_unprepared(&format!("ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}"))
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        for (table, name, column, referenced, cascade) in KEYS {
            let on_delete = if cascade { " ON DELETE CASCADE" } else { "" };
            manager
                .get_connection()
                .execute_unprepared(&format!(
                    "ALTER TABLE {table} ADD CONSTRAINT {name} FOREIGN KEY ({column}) REFERENCES {referenced} (id){on_delete}"
                ))
                .await?;
        }
        Ok(())
    }
}
