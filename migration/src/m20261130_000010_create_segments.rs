//! Saved segments: a named filter tree (JSON) over members. `last_refreshed_at` and
//! `last_count` are filled by the membership refresh that follows each nightly run.
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Segments {
    Table,
    Id,
    Name,
    Description,
    Filter,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
    LastRefreshedAt,
    LastCount,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Segments::Table)
                    .col(id_column(Segments::Id))
                    .col(ColumnDef::new(Segments::Name).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(Segments::Description).text())
                    .col(ColumnDef::new(Segments::Filter).text().not_null())
                    .col(ColumnDef::new(Segments::CreatedBy).string_len(100).not_null())
                    .col(ColumnDef::new(Segments::UpdatedBy).string_len(100).not_null())
                    .col(created_at_column(Segments::CreatedAt))
                    .col(created_at_column(Segments::UpdatedAt))
                    .col(ColumnDef::new(Segments::LastRefreshedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Segments::LastCount).big_integer())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Segments::Table).to_owned())
            .await
    }
}
