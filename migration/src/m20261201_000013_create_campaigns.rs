//! Campaigns: what each audience gets and when, each start of one (an occurrence) with its
//! audience snapshot (held-out members included), and the outbox rows they queue.
//!
//! The built-in birthday, holiday and win-back emails become campaigns too, seeded here, so a
//! marketer can narrow their audience, change their template or turn them off.
use sea_orm_migration::prelude::*;

use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, drop_index, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Segments {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Id,
    Name,
    /// `custom`, `birthday`, `holiday`, `winback` or `new_arrivals`.
    Kind,
    /// `draft`, `scheduled`, `sending`, `paused`, `finished` or `cancelled`.
    Status,
    /// The audience; null: every consenting member.
    SegmentId,
    /// When (JSON of `jobs::campaigns::Schedule`); null for the built-in kinds.
    Schedule,
    /// Send at most once per member ever, instead of once per occurrence.
    OncePerMember,
    /// The share held out as a control group, in basis points (1,000 = 10%).
    HoldoutBasisPoints,
    /// Which campaign waits when the daily cap allows only one: the higher goes first.
    Priority,
    AttributionDays,
    /// New arrivals: the category announced, and how far back a purchase in it counts.
    Category,
    CategoryWindowDays,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum CampaignOccurrences {
    Table,
    Id,
    CampaignId,
    /// Which occurrence: a date, a cron tick, a segment refresh.
    Key,
    /// `sending`, `finished` or `cancelled`.
    Status,
    StartedAt,
    Audience,
    HeldOut,
    Queued,
    JobRunId,
}

#[derive(DeriveIden)]
enum CampaignRecipients {
    Table,
    OccurrenceId,
    MemberId,
    HeldOut,
    /// When the email is (or, held out, would have been) due: attribution starts there.
    DueAt,
    /// The end of the attribution window (`due_at` + the campaign's attribution days).
    WindowEndsAt,
    /// The member's expected value over 365 days at the snapshot, the CUPED covariate.
    ExpectedValueCents,
}

#[derive(DeriveIden)]
enum Outbox {
    Table,
    CampaignId,
    Priority,
}

const BUILT_IN: &[(&str, &str)] = &[
    ("birthday", "Birthday"),
    ("holiday", "Holidays"),
    ("winback", "Win-back"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Campaigns::Table)
                    .col(id_column(Campaigns::Id))
                    .col(ColumnDef::new(Campaigns::Name).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(Campaigns::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Campaigns::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Campaigns::SegmentId).big_integer())
                    .col(ColumnDef::new(Campaigns::Schedule).text())
                    .col(
                        ColumnDef::new(Campaigns::OncePerMember)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(
                        ColumnDef::new(Campaigns::HoldoutBasisPoints)
                            .integer()
                            .not_null()
                            .default(0),
                    )
                    .col(ColumnDef::new(Campaigns::Priority).integer().not_null().default(0))
                    .col(
                        ColumnDef::new(Campaigns::AttributionDays)
                            .integer()
                            .not_null()
                            .default(30),
                    )
                    .col(ColumnDef::new(Campaigns::Category).string_len(100))
                    .col(ColumnDef::new(Campaigns::CategoryWindowDays).integer())
                    .col(ColumnDef::new(Campaigns::CreatedBy).string_len(100).not_null())
                    .col(ColumnDef::new(Campaigns::UpdatedBy).string_len(100).not_null())
                    .col(created_at_column(Campaigns::CreatedAt))
                    .col(created_at_column(Campaigns::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Campaigns::Table, Campaigns::SegmentId)
                            .to(Segments::Table, Segments::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignOccurrences::Table)
                    .col(id_column(CampaignOccurrences::Id))
                    .col(ColumnDef::new(CampaignOccurrences::CampaignId).big_integer().not_null())
                    .col(ColumnDef::new(CampaignOccurrences::Key).string_len(64).not_null())
                    .col(ColumnDef::new(CampaignOccurrences::Status).string_len(16).not_null())
                    .col(created_at_column(CampaignOccurrences::StartedAt))
                    .col(ColumnDef::new(CampaignOccurrences::Audience).big_integer().not_null())
                    .col(ColumnDef::new(CampaignOccurrences::HeldOut).big_integer().not_null())
                    .col(ColumnDef::new(CampaignOccurrences::Queued).big_integer().not_null())
                    .col(ColumnDef::new(CampaignOccurrences::JobRunId).big_integer())
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignOccurrences::Table, CampaignOccurrences::CampaignId)
                            .to(Campaigns::Table, Campaigns::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // An occurrence starts once, whichever replica gets there first.
        manager
            .create_index(
                index(
                    CampaignOccurrences::Table,
                    "ux_campaign_occurrences_key",
                    &["campaign_id", "key"],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CampaignRecipients::Table)
                    .col(
                        ColumnDef::new(CampaignRecipients::OccurrenceId)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CampaignRecipients::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(CampaignRecipients::HeldOut).boolean().not_null())
                    .col(
                        ColumnDef::new(CampaignRecipients::DueAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(CampaignRecipients::WindowEndsAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(CampaignRecipients::ExpectedValueCents).big_integer())
                    .primary_key(
                        Index::create()
                            .col(CampaignRecipients::OccurrenceId)
                            .col(CampaignRecipients::MemberId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignRecipients::Table, CampaignRecipients::OccurrenceId)
                            .to(CampaignOccurrences::Table, CampaignOccurrences::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CampaignRecipients::Table, CampaignRecipients::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                CampaignRecipients::Table,
                "idx_campaign_recipients_member",
                &["member_id"],
            ))
            .await?;
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Outbox::CampaignId).big_integer().to_owned(),
            ColumnDef::new(Outbox::Priority)
                .integer()
                .not_null()
                .default(0)
                .to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(Outbox::Table).add_column(column).to_owned())
                .await?;
        }
        manager
            .create_index(index(
                Outbox::Table,
                "idx_outbox_campaign_id",
                &["campaign_id", "status"],
            ))
            .await?;
        for (kind, name) in BUILT_IN {
            let insert = Query::insert()
                .into_table(Campaigns::Table)
                .columns([
                    Campaigns::Name,
                    Campaigns::Kind,
                    Campaigns::Status,
                    Campaigns::CreatedBy,
                    Campaigns::UpdatedBy,
                ])
                .values([
                    (*name).into(),
                    (*kind).into(),
                    "scheduled".into(),
                    "patron".into(),
                    "patron".into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, Outbox::Table, "idx_outbox_campaign_id").await?;
        for column in [Outbox::Priority, Outbox::CampaignId] {
            manager
                .alter_table(Table::alter().table(Outbox::Table).drop_column(column).to_owned())
                .await?;
        }
        for table in [
            CampaignRecipients::Table.into_iden(),
            CampaignOccurrences::Table.into_iden(),
            Campaigns::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
