//! Staff users who left: disabled, not deleted, so the audit log still names them.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    DisabledAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let disabled_at = ColumnDef::new(StaffUsers::DisabledAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned();
        manager
            .alter_table(
                Table::alter()
                    .table(StaffUsers::Table)
                    .add_column(disabled_at)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(StaffUsers::Table)
                    .drop_column(StaffUsers::DisabledAt)
                    .to_owned(),
            )
            .await
    }
}
