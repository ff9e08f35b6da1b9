//! Staff password sign-in: one argon2 hash per staff user (kept apart from `staff_users`, so no
//! listing of staff ever loads a hash), and every sign-in attempt, which the rate limit counts
//! and an administrator can read.
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum StaffPasswords {
    Table,
    StaffId,
    Hash,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LoginAttempts {
    Table,
    Id,
    Username,
    Client,
    Outcome,
    AttemptedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffPasswords::Table)
                    .col(
                        ColumnDef::new(StaffPasswords::StaffId)
                            .big_integer()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(StaffPasswords::Hash).string_len(200).not_null())
                    .col(created_at_column(StaffPasswords::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(StaffPasswords::Table, StaffPasswords::StaffId)
                            .to(StaffUsers::Table, StaffUsers::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LoginAttempts::Table)
                    .col(id_column(LoginAttempts::Id))
                    // As typed, trimmed: attempts on names that do not exist are limited too.
                    .col(ColumnDef::new(LoginAttempts::Username).string_len(100).not_null())
                    .col(ColumnDef::new(LoginAttempts::Client).string_len(64).not_null())
                    // `succeeded`, `failed` or `limited` (refused by the rate limit, unchecked).
                    .col(ColumnDef::new(LoginAttempts::Outcome).string_len(16).not_null())
                    .col(created_at_column(LoginAttempts::AttemptedAt))
                    .to_owned(),
            )
            .await?;
        let by_user = index(
            LoginAttempts::Table,
            "ix_login_attempts_username",
            &["username", "attempted_at"],
        );
        manager.create_index(by_user).await?;
        let by_client = index(
            LoginAttempts::Table,
            "ix_login_attempts_client",
            &["client", "attempted_at"],
        );
        manager.create_index(by_client).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(LoginAttempts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(StaffPasswords::Table).to_owned())
            .await
    }
}
