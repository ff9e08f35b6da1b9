//! What a member wants to hear of and how often: topics they muted, "fewer" messages, a pause.
use sea_orm_migration::prelude::*;

use crate::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    MutedTopics,
    Frequency,
    PausedUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Members::MutedTopics).string_len(200).null().to_owned(),
            ColumnDef::new(Members::Frequency)
                .string_len(16)
                .not_null()
                .default("normal")
                .to_owned(),
            ColumnDef::new(Members::PausedUntil)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ] {
            add_column(manager, Members::Table, column).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Members::MutedTopics, Members::Frequency, Members::PausedUntil] {
            drop_column(manager, Members::Table, column).await?;
        }
        Ok(())
    }
}
