//! Satisfaction surveys: `surveys` holds each one asked (a member, what it asks about, where and
//! by whom they were served, the scale, the day it is sent) and its answer, given once through
//! a signed link; `feedback.scale` says which scale a score is on. The built-in "Satisfaction
//! survey" campaign sends them, so a marketer can pause it, narrow it, and pick its hour
//! (`campaigns.kind` widens to 32 characters on PostgreSQL for its name).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::{
    add_column, created_at_column, delete_builtin_campaign, drop_column, id_column, index, insert_builtin_campaign,
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Surveys {
    Table,
    Id,
    MemberId,
    Occasion,
    SubjectId,
    StoreId,
    AssociateId,
    Scale,
    AskedOn,
    Score,
    Comment,
    AnsweredAt,
    FeedbackId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Feedback {
    Table,
    Scale,
}

const KIND: &str = "satisfaction_survey";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Surveys as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(id_column(S::Id))
                    .col(ColumnDef::new(S::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(S::Occasion).string_len(20).not_null())
                    .col(ColumnDef::new(S::SubjectId).big_integer().not_null())
                    .col(ColumnDef::new(S::StoreId).big_integer().null())
                    .col(ColumnDef::new(S::AssociateId).big_integer().null())
                    .col(ColumnDef::new(S::Scale).string_len(10).not_null())
                    .col(ColumnDef::new(S::AskedOn).date().not_null())
                    .col(ColumnDef::new(S::Score).small_integer().null())
                    .col(ColumnDef::new(S::Comment).text().null())
                    .col(ColumnDef::new(S::AnsweredAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(S::FeedbackId).big_integer().null())
                    .col(created_at_column(S::CreatedAt))
                    .to_owned(),
            )
            .await?;
        for statement in [
            // One survey a member a day (its link names the member and the day), one per subject.
            index(S::Table, "ux_surveys_member_asked_on", &["member_id", "asked_on"])
                .unique()
                .to_owned(),
            index(S::Table, "ux_surveys_occasion_subject", &["occasion", "subject_id"])
                .unique()
                .to_owned(),
            // The report reads a period.
            index(S::Table, "ix_surveys_asked_on", &["asked_on"]),
        ] {
            manager.create_index(statement).await?;
        }
        add_column(
            manager,
            Feedback::Table,
            ColumnDef::new(Feedback::Scale).string_len(10).null().to_owned(),
        )
        .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            // "satisfaction_survey" is longer than the 16 characters kinds had so far.
            let widen = "ALTER TABLE campaigns ALTER COLUMN kind TYPE varchar(32)";
            manager.get_connection().execute_unprepared(widen).await?;
        }
        insert_builtin_campaign(manager, "Satisfaction survey", KIND).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        delete_builtin_campaign(manager, KIND).await?;
        drop_column(manager, Feedback::Table, Feedback::Scale).await?;
        manager.drop_table(Table::drop().table(Surveys::Table).to_owned()).await
    }
}
