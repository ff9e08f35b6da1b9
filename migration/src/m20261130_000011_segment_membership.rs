//! Segment membership and its history: who is in each saved segment since its last refresh,
//! each refresh (when, after which job run, its size), and who entered or left at each one.
use sea_orm_migration::prelude::*;

use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Segments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum SegmentRefreshes {
    Table,
    Id,
    SegmentId,
    /// The job run (in `job_runs`) that refreshed it; null for a refresh a marketer asked for.
    JobRunId,
    RequestedBy,
    AsOf,
    RefreshedAt,
    Members,
    Entered,
    Left,
}

#[derive(DeriveIden)]
enum SegmentMembers {
    Table,
    SegmentId,
    MemberId,
    /// When the member entered (the refresh's time).
    Since,
}

#[derive(DeriveIden)]
enum SegmentChanges {
    Table,
    Id,
    SegmentId,
    MemberId,
    RefreshId,
    /// True: entered; false: left.
    Entered,
    At,
}

fn segment_key<T: IntoIden + 'static>(table: T, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Segments::Table, Segments::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

fn member_key<T: IntoIden + 'static>(table: T, column: impl IntoIden) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(table, column)
        .to(Members::Table, Members::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SegmentRefreshes::Table)
                    .col(id_column(SegmentRefreshes::Id))
                    .col(ColumnDef::new(SegmentRefreshes::SegmentId).big_integer().not_null())
                    .col(ColumnDef::new(SegmentRefreshes::JobRunId).big_integer())
                    .col(ColumnDef::new(SegmentRefreshes::RequestedBy).string_len(100).not_null())
                    .col(ColumnDef::new(SegmentRefreshes::AsOf).date().not_null())
                    .col(created_at_column(SegmentRefreshes::RefreshedAt))
                    .col(ColumnDef::new(SegmentRefreshes::Members).big_integer().not_null())
                    .col(ColumnDef::new(SegmentRefreshes::Entered).big_integer().not_null())
                    .col(ColumnDef::new(SegmentRefreshes::Left).big_integer().not_null())
                    .foreign_key(&mut segment_key(SegmentRefreshes::Table, SegmentRefreshes::SegmentId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                SegmentRefreshes::Table,
                "idx_segment_refreshes_segment",
                &["segment_id", "id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SegmentMembers::Table)
                    .col(ColumnDef::new(SegmentMembers::SegmentId).big_integer().not_null())
                    .col(ColumnDef::new(SegmentMembers::MemberId).big_integer().not_null())
                    .col(
                        ColumnDef::new(SegmentMembers::Since)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SegmentMembers::SegmentId)
                            .col(SegmentMembers::MemberId),
                    )
                    .foreign_key(&mut segment_key(SegmentMembers::Table, SegmentMembers::SegmentId))
                    .foreign_key(&mut member_key(SegmentMembers::Table, SegmentMembers::MemberId))
                    .to_owned(),
            )
            .await?;
        // `member { segments }`.
        manager
            .create_index(index(
                SegmentMembers::Table,
                "idx_segment_members_member",
                &["member_id", "segment_id"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SegmentChanges::Table)
                    .col(id_column(SegmentChanges::Id))
                    .col(ColumnDef::new(SegmentChanges::SegmentId).big_integer().not_null())
                    .col(ColumnDef::new(SegmentChanges::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(SegmentChanges::RefreshId).big_integer().not_null())
                    .col(ColumnDef::new(SegmentChanges::Entered).boolean().not_null())
                    .col(ColumnDef::new(SegmentChanges::At).timestamp_with_time_zone().not_null())
                    .foreign_key(&mut segment_key(SegmentChanges::Table, SegmentChanges::SegmentId))
                    .foreign_key(&mut member_key(SegmentChanges::Table, SegmentChanges::MemberId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SegmentChanges::Table, SegmentChanges::RefreshId)
                            .to(SegmentRefreshes::Table, SegmentRefreshes::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // `segment { entered(since:) left(since:) }`, newest first.
        manager
            .create_index(index(
                SegmentChanges::Table,
                "idx_segment_changes_segment",
                &["segment_id", "entered", "at", "id"],
            ))
            .await?;
        // What one refresh changed (applied to membership, and read by triggered campaigns).
        manager
            .create_index(index(
                SegmentChanges::Table,
                "idx_segment_changes_refresh",
                &["refresh_id", "entered"],
            ))
            .await?;
        manager
            .create_index(index(
                SegmentChanges::Table,
                "idx_segment_changes_member",
                &["member_id"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            SegmentChanges::Table.into_iden(),
            SegmentMembers::Table.into_iden(),
            SegmentRefreshes::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
