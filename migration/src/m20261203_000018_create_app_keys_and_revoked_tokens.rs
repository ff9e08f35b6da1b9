//! Member sign-in without the command line: keys for the brand's apps (kept as SHA-256 hashes:
//! a key is 256 random bits, so a fast hash is as safe as a slow one and costs nothing per
//! exchange), and revoked tokens — one token by its id, or every token a subject was issued
//! before a time.
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AppKeys {
    Table,
    Id,
    Name,
    KeyHash,
    CreatedBy,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum RevokedTokens {
    Table,
    Id,
    TokenId,
    Subject,
    IssuedBefore,
    ForgetAfter,
    RevokedBy,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AppKeys::Table)
                    .col(id_column(AppKeys::Id))
                    .col(ColumnDef::new(AppKeys::Name).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(AppKeys::KeyHash).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(AppKeys::CreatedBy).string_len(100).not_null())
                    .col(created_at_column(AppKeys::CreatedAt))
                    .col(ColumnDef::new(AppKeys::LastUsedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(AppKeys::RevokedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(RevokedTokens::Table)
                    .col(id_column(RevokedTokens::Id))
                    // One token (its `jti`), or …
                    .col(ColumnDef::new(RevokedTokens::TokenId).string_len(64).null())
                    // … every token of a subject (`staff:<id>`, `member:<no>`) issued before a time.
                    .col(ColumnDef::new(RevokedTokens::Subject).string_len(200).null())
                    .col(
                        ColumnDef::new(RevokedTokens::IssuedBefore)
                            .timestamp_with_time_zone()
                            .null(),
                    )
                    // When every token the entry revokes has expired anyway.
                    .col(
                        ColumnDef::new(RevokedTokens::ForgetAfter)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RevokedTokens::RevokedBy).string_len(200).not_null())
                    .col(created_at_column(RevokedTokens::RevokedAt))
                    .to_owned(),
            )
            .await?;
        let live = index(
            RevokedTokens::Table,
            "ix_revoked_tokens_forget_after",
            &["forget_after"],
        );
        manager.create_index(live).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RevokedTokens::Table).to_owned())
            .await?;
        manager.drop_table(Table::drop().table(AppKeys::Table).to_owned()).await
    }
}
