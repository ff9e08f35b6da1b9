//! Double opt-in for email: when a member asked for marketing email and is yet to confirm it from
//! their mailbox.
use sea_orm_migration::prelude::*;

use crate::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Members {
    Table,
    EmailConfirmationRequestedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Members::EmailConfirmationRequestedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned();
        add_column(manager, Members::Table, column).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_column(manager, Members::Table, Members::EmailConfirmationRequestedAt).await
    }
}
