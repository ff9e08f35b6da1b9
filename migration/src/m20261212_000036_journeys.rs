//! Journeys: `journeys` (a name, a status, the draft being edited and the version members
//! enter), `journey_versions` (each published definition, kept as it was: members in flight
//! finish on theirs), `journey_positions` (one row per member and visit: the step they are on,
//! when it is due, how the visit ended) and `journey_step_runs` (each step a visit went
//! through, once: the report's counts, and the key that keeps a step from running twice).
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Journeys {
    Table,
    Id,
    Key,
    Name,
    Status,
    Draft,
    VersionId,
    EntriesCheckedOn,
    CreatedBy,
    UpdatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum JourneyVersions {
    Table,
    Id,
    JourneyId,
    Number,
    Definition,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum JourneyPositions {
    Table,
    Id,
    JourneyId,
    VersionId,
    MemberId,
    Visit,
    Node,
    Status,
    Arm,
    EnteredAt,
    StepAt,
    DueAt,
    FinishedAt,
    WindowEndsAt,
    ExpectedValueCents,
}

#[derive(DeriveIden)]
enum JourneyStepRuns {
    Table,
    PositionId,
    Node,
    RanAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        journeys(manager).await?;
        versions(manager).await?;
        positions(manager).await?;
        step_runs(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JourneyStepRuns::Table.into_iden(),
            JourneyPositions::Table.into_iden(),
            JourneyVersions::Table.into_iden(),
            Journeys::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}

async fn journeys(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use Journeys as J;
    manager
        .create_table(
            Table::create()
                .table(J::Table)
                .col(id_column(J::Id))
                // A shipped journey's key ("winback"); none for a brand's own.
                .col(ColumnDef::new(J::Key).string_len(40).null().unique_key())
                .col(ColumnDef::new(J::Name).string_len(200).not_null().unique_key())
                .col(ColumnDef::new(J::Status).string_len(16).not_null())
                .col(ColumnDef::new(J::Draft).text().not_null())
                .col(ColumnDef::new(J::VersionId).big_integer().null())
                // The brand's day a filter or birthday entry was last checked: once a day.
                .col(ColumnDef::new(J::EntriesCheckedOn).date().null())
                .col(ColumnDef::new(J::CreatedBy).string_len(200).not_null())
                .col(ColumnDef::new(J::UpdatedBy).string_len(200).not_null())
                .col(created_at_column(J::CreatedAt))
                .col(created_at_column(J::UpdatedAt))
                .to_owned(),
        )
        .await
}

async fn versions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use JourneyVersions as V;
    manager
        .create_table(
            Table::create()
                .table(V::Table)
                .col(id_column(V::Id))
                .col(ColumnDef::new(V::JourneyId).big_integer().not_null())
                .col(ColumnDef::new(V::Number).integer().not_null())
                .col(ColumnDef::new(V::Definition).text().not_null())
                .col(ColumnDef::new(V::PublishedBy).string_len(200).not_null())
                .col(created_at_column(V::PublishedAt))
                .to_owned(),
        )
        .await?;
    let unique = index(
        V::Table,
        "ux_journey_versions_journey_number",
        &["journey_id", "number"],
    )
    .unique()
    .to_owned();
    manager.create_index(unique).await
}

async fn positions(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use JourneyPositions as P;
    let at = |column: P| ColumnDef::new(column).timestamp_with_time_zone().not_null().to_owned();
    manager
        .create_table(
            Table::create()
                .table(P::Table)
                .col(id_column(P::Id))
                .col(ColumnDef::new(P::JourneyId).big_integer().not_null())
                .col(ColumnDef::new(P::VersionId).big_integer().not_null())
                .col(ColumnDef::new(P::MemberId).big_integer().not_null())
                // 1 for a member's first time through, 2 for the next…
                .col(ColumnDef::new(P::Visit).integer().not_null())
                // The step, as numbered in the version's flattened flow.
                .col(ColumnDef::new(P::Node).integer().not_null())
                .col(ColumnDef::new(P::Status).string_len(16).not_null())
                // The A/B arm a split sent the member down.
                .col(ColumnDef::new(P::Arm).string_len(60).null())
                .col(at(P::EnteredAt))
                // When the member reached their step: a wait for an event counts from it.
                .col(at(P::StepAt))
                .col(at(P::DueAt))
                .col(ColumnDef::new(P::FinishedAt).timestamp_with_time_zone().null())
                // Purchases up to then count towards what the journey earned.
                .col(at(P::WindowEndsAt))
                // The member's expected value at entry (the uplift's covariate).
                .col(ColumnDef::new(P::ExpectedValueCents).big_integer().null())
                .to_owned(),
        )
        .await?;
    for statement in [
        // One row per member and visit: a second replica's entry is refused.
        index(
            P::Table,
            "ux_journey_positions_journey_member_visit",
            &["journey_id", "member_id", "visit"],
        )
        .unique()
        .to_owned(),
        // A tick reads the members due on each step of a version: nothing to read when nobody is.
        index(
            P::Table,
            "ix_journey_positions_version_status_node_due",
            &["version_id", "status", "node", "due_at"],
        ),
    ] {
        manager.create_index(statement).await?;
    }
    Ok(())
}

async fn step_runs(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    use JourneyStepRuns as R;
    manager
        .create_table(
            Table::create()
                .table(R::Table)
                .col(ColumnDef::new(R::PositionId).big_integer().not_null())
                .col(ColumnDef::new(R::Node).integer().not_null())
                .col(created_at_column(R::RanAt))
                .primary_key(Index::create().col(R::PositionId).col(R::Node))
                .to_owned(),
        )
        .await
}
