use sea_orm_migration::prelude::*;

use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MemberMetrics {
    Table,
    MemberId,
    AsOf,
    RunId,
    RecencyDays,
    #[sea_orm(iden = "frequency_365")]
    Frequency365,
    #[sea_orm(iden = "monetary_365_cents")]
    Monetary365Cents,
    #[sea_orm(iden = "profit_365_cents")]
    Profit365Cents,
    OrdersTotal,
    SpendTotalCents,
    FirstPurchase,
    LastPurchase,
    AvgOrderValueCents,
    RScore,
    FScore,
    MScore,
    Tier,
    QualifiedTier,
    BelowSince,
    PrevTier,
    PrevBelowSince,
    PAlive,
    #[sea_orm(iden = "expected_purchases_365")]
    ExpectedPurchases365,
    #[sea_orm(iden = "expected_value_365_cents")]
    ExpectedValue365Cents,
    ClvCents,
    SimpleClvCents,
    LoyaltyQuadrant,
    ValueQuadrant,
    Layer,
    Declining,
    Lapsed,
}

#[derive(DeriveIden)]
enum AnalyticsRuns {
    Table,
    Id,
    AsOf,
    JobRunId,
    Members,
    Summary,
    Config,
    Timings,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JobRuns {
    Table,
    Id,
    Job,
    AsOf,
    Trigger,
    Status,
    StartedAt,
    FinishedAt,
    Counts,
    Error,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Owner,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MemberMetrics as M;
        let big = |c: M| ColumnDef::new(c).big_integer().to_owned();
        let int = |c: M| ColumnDef::new(c).integer().to_owned();
        let small = |c: M| ColumnDef::new(c).small_integer().to_owned();
        let text = |c: M, n: u32| ColumnDef::new(c).string_len(n).to_owned();
        let date = |c: M| ColumnDef::new(c).date().to_owned();
        let float = |c: M| ColumnDef::new(c).double().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(M::Table)
                    .col(ColumnDef::new(M::MemberId).big_integer().not_null().primary_key())
                    .col(date(M::AsOf).not_null())
                    .col(big(M::RunId).not_null())
                    .col(int(M::RecencyDays))
                    .col(int(M::Frequency365).not_null())
                    .col(big(M::Monetary365Cents).not_null())
                    .col(big(M::Profit365Cents).not_null())
                    .col(int(M::OrdersTotal).not_null())
                    .col(big(M::SpendTotalCents).not_null())
                    .col(date(M::FirstPurchase))
                    .col(date(M::LastPurchase))
                    .col(big(M::AvgOrderValueCents))
                    .col(small(M::RScore))
                    .col(small(M::FScore))
                    .col(small(M::MScore))
                    .col(text(M::Tier, 1).not_null())
                    .col(text(M::QualifiedTier, 1).not_null())
                    .col(date(M::BelowSince))
                    .col(text(M::PrevTier, 1))
                    .col(date(M::PrevBelowSince))
                    .col(float(M::PAlive))
                    .col(float(M::ExpectedPurchases365))
                    .col(big(M::ExpectedValue365Cents))
                    .col(big(M::ClvCents))
                    .col(big(M::SimpleClvCents).not_null())
                    .col(text(M::LoyaltyQuadrant, 16).not_null())
                    .col(text(M::ValueQuadrant, 16).not_null())
                    .col(text(M::Layer, 16).not_null())
                    .col(ColumnDef::new(M::Declining).boolean().not_null())
                    .col(ColumnDef::new(M::Lapsed).boolean().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(M::Table, M::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(M::Table, "idx_metrics_tier", &["tier"]))
            .await?;
        manager
            .create_index(index(M::Table, "idx_metrics_lapsed", &["lapsed"]))
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AnalyticsRuns::Table)
                    .col(id_column(AnalyticsRuns::Id))
                    .col(ColumnDef::new(AnalyticsRuns::AsOf).date().not_null().unique_key())
                    .col(ColumnDef::new(AnalyticsRuns::JobRunId).big_integer())
                    .col(ColumnDef::new(AnalyticsRuns::Members).big_integer().not_null())
                    .col(ColumnDef::new(AnalyticsRuns::Summary).text().not_null())
                    .col(ColumnDef::new(AnalyticsRuns::Config).text().not_null())
                    .col(ColumnDef::new(AnalyticsRuns::Timings).text().not_null())
                    .col(created_at_column(AnalyticsRuns::CreatedAt))
                    .col(created_at_column(AnalyticsRuns::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobRuns::Table)
                    .col(id_column(JobRuns::Id))
                    .col(ColumnDef::new(JobRuns::Job).string_len(32).not_null())
                    .col(ColumnDef::new(JobRuns::AsOf).date())
                    .col(ColumnDef::new(JobRuns::Trigger).string_len(16).not_null())
                    .col(ColumnDef::new(JobRuns::Status).string_len(16).not_null())
                    .col(created_at_column(JobRuns::StartedAt))
                    .col(ColumnDef::new(JobRuns::FinishedAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(JobRuns::Counts).text())
                    .col(ColumnDef::new(JobRuns::Error).text())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(JobRuns::Table, "idx_job_runs_job", &["job", "started_at"]))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .col(ColumnDef::new(JobLeases::Name).string_len(64).not_null().primary_key())
                    .col(ColumnDef::new(JobLeases::Owner).string_len(64).not_null())
                    .col(
                        ColumnDef::new(JobLeases::ExpiresAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobLeases::Table.into_iden(),
            JobRuns::Table.into_iden(),
            AnalyticsRuns::Table.into_iden(),
            MemberMetrics::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
