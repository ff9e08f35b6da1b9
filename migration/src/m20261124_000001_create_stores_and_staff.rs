use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Stores {
    Table,
    Id,
    Code,
    Name,
    City,
    CreatedAt,
}

#[derive(DeriveIden)]
pub(crate) enum StaffUsers {
    Table,
    Id,
    Username,
    DisplayName,
    Email,
    Role,
    StoreId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Stores::Table)
                    .col(id_column(Stores::Id))
                    .col(ColumnDef::new(Stores::Code).string_len(32).not_null().unique_key())
                    .col(ColumnDef::new(Stores::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Stores::City).string_len(100))
                    .col(created_at_column(Stores::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(StaffUsers::Table)
                    .col(id_column(StaffUsers::Id))
                    .col(
                        ColumnDef::new(StaffUsers::Username)
                            .string_len(100)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(StaffUsers::DisplayName).string_len(200).not_null())
                    .col(ColumnDef::new(StaffUsers::Email).string_len(254))
                    .col(ColumnDef::new(StaffUsers::Role).string_len(16).not_null())
                    .col(ColumnDef::new(StaffUsers::StoreId).big_integer())
                    .col(created_at_column(StaffUsers::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffUsers::Table, StaffUsers::StoreId)
                            .to(Stores::Table, Stores::Id),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StaffUsers::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(Stores::Table).to_owned()).await
    }
}
