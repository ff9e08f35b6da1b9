use sea_orm_migration::prelude::*;

use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TierHistory {
    Table,
    Id,
    MemberId,
    OldTier,
    NewTier,
    Reason,
    RunId,
    ChangedAt,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    Actor,
    Role,
    Action,
    Target,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailSuppressions {
    Table,
    Id,
    EmailHash,
    Reason,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TierHistory::Table)
                    .col(id_column(TierHistory::Id))
                    .col(ColumnDef::new(TierHistory::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(TierHistory::OldTier).string_len(1))
                    .col(ColumnDef::new(TierHistory::NewTier).string_len(1).not_null())
                    .col(ColumnDef::new(TierHistory::Reason).string_len(200).not_null())
                    .col(ColumnDef::new(TierHistory::RunId).big_integer())
                    .col(created_at_column(TierHistory::ChangedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(TierHistory::Table, TierHistory::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                TierHistory::Table,
                "idx_tier_history_member",
                &["member_id", "changed_at"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .col(id_column(AuditLog::Id))
                    .col(ColumnDef::new(AuditLog::Actor).string_len(100).not_null())
                    .col(ColumnDef::new(AuditLog::Role).string_len(16).not_null())
                    .col(ColumnDef::new(AuditLog::Action).string_len(64).not_null())
                    .col(ColumnDef::new(AuditLog::Target).string_len(64))
                    .col(ColumnDef::new(AuditLog::Detail).text())
                    .col(created_at_column(AuditLog::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(AuditLog::Table, "idx_audit_target", &["target", "created_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailSuppressions::Table)
                    .col(id_column(EmailSuppressions::Id))
                    .col(
                        ColumnDef::new(EmailSuppressions::EmailHash)
                            .string_len(64)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(EmailSuppressions::Reason).string_len(32).not_null())
                    .col(created_at_column(EmailSuppressions::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmailSuppressions::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditLog::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(TierHistory::Table).to_owned())
            .await
    }
}
