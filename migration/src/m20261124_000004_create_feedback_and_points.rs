use sea_orm_migration::prelude::*;

use crate::m20261124_000001_create_stores_and_staff::StaffUsers;
use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Feedback {
    Table,
    Id,
    MemberId,
    Kind,
    Score,
    Body,
    Status,
    Resolution,
    ResolvedAt,
    ResolvedById,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PointsLedger {
    Table,
    Id,
    MemberId,
    Kind,
    Points,
    Reason,
    Reference,
    StaffId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Feedback::Table)
                    .col(id_column(Feedback::Id))
                    .col(ColumnDef::new(Feedback::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(Feedback::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Feedback::Score).small_integer())
                    .col(ColumnDef::new(Feedback::Body).text())
                    .col(
                        ColumnDef::new(Feedback::Status)
                            .string_len(16)
                            .not_null()
                            .default("open"),
                    )
                    .col(ColumnDef::new(Feedback::Resolution).text())
                    .col(ColumnDef::new(Feedback::ResolvedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Feedback::ResolvedById).big_integer())
                    .col(created_at_column(Feedback::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Feedback::Table, Feedback::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Feedback::Table, Feedback::ResolvedById)
                            .to(StaffUsers::Table, StaffUsers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                Feedback::Table,
                "idx_feedback_member",
                &["member_id", "created_at"],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PointsLedger::Table)
                    .col(id_column(PointsLedger::Id))
                    .col(ColumnDef::new(PointsLedger::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(PointsLedger::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(PointsLedger::Points).big_integer().not_null())
                    .col(ColumnDef::new(PointsLedger::Reason).string_len(500))
                    .col(ColumnDef::new(PointsLedger::Reference).string_len(128))
                    .col(ColumnDef::new(PointsLedger::StaffId).big_integer())
                    .col(created_at_column(PointsLedger::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PointsLedger::Table, PointsLedger::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(PointsLedger::Table, "idx_points_member", &["member_id", "id"]))
            .await?;
        // A reference (e.g. the order that earned points) is applied once per member and kind.
        manager
            .create_index(
                index(
                    PointsLedger::Table,
                    "ux_points_reference",
                    &["member_id", "kind", "reference"],
                )
                .unique()
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PointsLedger::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Feedback::Table).to_owned())
            .await
    }
}
