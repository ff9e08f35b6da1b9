use sea_orm_migration::prelude::*;

use crate::m20261124_000001_create_stores_and_staff::StaffUsers;
use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The brand's own holidays and its changes to the built-in ones (same key: re-dated or disabled).
#[derive(DeriveIden)]
enum Holidays {
    Table,
    Key,
    NameZh,
    NameEn,
    Calendar,
    Month,
    Day,
    Enabled,
    DaysBefore,
    UpdatedAt,
}

/// Marketing's edits of the built-in email templates, one row per kind and locale.
#[derive(DeriveIden)]
enum EmailTemplates {
    Table,
    Kind,
    Locale,
    Subject,
    TextBody,
    HtmlBody,
    UpdatedBy,
    UpdatedAt,
}

/// One email to one member for one occurrence of a campaign, sent at most once.
#[derive(DeriveIden)]
enum Outbox {
    Table,
    Id,
    DedupeKey,
    Kind,
    Occurrence,
    MemberId,
    HolidayKey,
    DueAt,
    HoldQuietHours,
    Status,
    Attempts,
    ClaimedBy,
    ClaimedUntil,
    LastError,
    SentAt,
    JobRunId,
    CreatedAt,
}

/// What came of an associate's win-back call.
#[derive(DeriveIden)]
enum CallOutcomes {
    Table,
    Id,
    MemberId,
    StaffId,
    Outcome,
    Note,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let text = |c: Holidays, len: u32| ColumnDef::new(c).string_len(len).not_null().to_owned();
        manager
            .create_table(
                Table::create()
                    .table(Holidays::Table)
                    .col(ColumnDef::new(Holidays::Key).string_len(64).not_null().primary_key())
                    .col(text(Holidays::NameZh, 100))
                    .col(text(Holidays::NameEn, 100))
                    .col(text(Holidays::Calendar, 8))
                    .col(ColumnDef::new(Holidays::Month).small_integer().not_null())
                    .col(ColumnDef::new(Holidays::Day).small_integer().not_null())
                    .col(ColumnDef::new(Holidays::Enabled).boolean().not_null())
                    .col(ColumnDef::new(Holidays::DaysBefore).small_integer())
                    .col(created_at_column(Holidays::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EmailTemplates::Table)
                    .col(ColumnDef::new(EmailTemplates::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(EmailTemplates::Locale).string_len(16).not_null())
                    .col(ColumnDef::new(EmailTemplates::Subject).text().not_null())
                    .col(ColumnDef::new(EmailTemplates::TextBody).text().not_null())
                    .col(ColumnDef::new(EmailTemplates::HtmlBody).text().not_null())
                    .col(ColumnDef::new(EmailTemplates::UpdatedBy).string_len(100).not_null())
                    .col(created_at_column(EmailTemplates::UpdatedAt))
                    .primary_key(Index::create().col(EmailTemplates::Kind).col(EmailTemplates::Locale))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .col(id_column(Outbox::Id))
                    .col(
                        ColumnDef::new(Outbox::DedupeKey)
                            .string_len(200)
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Outbox::Kind).string_len(32).not_null())
                    .col(ColumnDef::new(Outbox::Occurrence).string_len(100).not_null())
                    .col(ColumnDef::new(Outbox::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(Outbox::HolidayKey).string_len(64))
                    .col(ColumnDef::new(Outbox::DueAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Outbox::HoldQuietHours).boolean().not_null())
                    .col(ColumnDef::new(Outbox::Status).string_len(16).not_null())
                    .col(ColumnDef::new(Outbox::Attempts).integer().not_null().default(0))
                    .col(ColumnDef::new(Outbox::ClaimedBy).string_len(64))
                    .col(ColumnDef::new(Outbox::ClaimedUntil).timestamp_with_time_zone())
                    .col(ColumnDef::new(Outbox::LastError).text())
                    .col(ColumnDef::new(Outbox::SentAt).timestamp_with_time_zone())
                    .col(ColumnDef::new(Outbox::JobRunId).big_integer())
                    .col(created_at_column(Outbox::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Outbox::Table, Outbox::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // The frequency cap's look-back and the campaign summaries.
        for (name, columns) in [
            ("idx_outbox_member_sent", &["member_id", "sent_at"][..]),
            ("idx_outbox_campaign", &["kind", "occurrence"][..]),
        ] {
            manager.create_index(index(Outbox::Table, name, columns)).await?;
        }
        let db = manager.get_connection();
        // The dispatcher's claim reads only queued rows; a sent row leaves this index.
        db.execute_unprepared("CREATE INDEX idx_outbox_due ON outbox (due_at) WHERE status = 'queued'")
            .await?;
        if manager.get_database_backend() == sea_orm::DbBackend::Postgres {
            // Room on each page so a claim (which changes no indexed column) updates in place.
            db.execute_unprepared("ALTER TABLE outbox SET (fillfactor = 70)")
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(CallOutcomes::Table)
                    .col(id_column(CallOutcomes::Id))
                    .col(ColumnDef::new(CallOutcomes::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(CallOutcomes::StaffId).big_integer().not_null())
                    .col(ColumnDef::new(CallOutcomes::Outcome).string_len(32).not_null())
                    .col(ColumnDef::new(CallOutcomes::Note).text())
                    .col(
                        ColumnDef::new(CallOutcomes::CreatedAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallOutcomes::Table, CallOutcomes::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CallOutcomes::Table, CallOutcomes::StaffId)
                            .to(StaffUsers::Table, StaffUsers::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index(
                CallOutcomes::Table,
                "idx_call_outcomes_member",
                &["member_id", "created_at"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CallOutcomes::Table.into_iden(),
            Outbox::Table.into_iden(),
            EmailTemplates::Table.into_iden(),
            Holidays::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
