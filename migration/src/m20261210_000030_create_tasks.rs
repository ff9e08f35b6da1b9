//! The associates' work: `tasks` (a member, a kind, a due day, an assignee or the store's pool,
//! a status and an outcome) and `task_rules`, one per kind, which the nightly `tasks` job
//! generates them by. A share of generated tasks is held back (recorded, never shown) so a
//! call's worth can be measured. One task per member, kind and occasion: a re-run or a second
//! replica adds nothing twice.
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TaskRules {
    Table,
    Id,
    Kind,
    Enabled,
    Days,
    MinAmountCents,
    Tiers,
    OpenDays,
    HoldoutBasisPoints,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Tasks {
    Table,
    Id,
    MemberId,
    Kind,
    Occasion,
    StoreId,
    AssigneeId,
    Status,
    HeldOut,
    Reason,
    DueOn,
    ExpiresOn,
    Outcome,
    LapseReason,
    Note,
    DoneBy,
    DoneAt,
    DoneOn,
    CreatedAt,
    JobRunId,
}

/// A kind's rule as shipped: (kind, days, minimum amount in cents, tiers, days open).
type Rule = (&'static str, Option<i32>, Option<i64>, Option<&'static str>, i32);

/// The kinds a brand switches on, with their defaults.
const RULES: [Rule; 4] = [
    // Three days before the birthday, for A and B members; open until the birthday.
    ("birthday_call", Some(3), None, Some("A,B"), 3),
    // Lapsed repeat buyers, the win-back campaign's audience; a week to call.
    ("winback_call", None, None, None, 7),
    // A member who first reaches A or B; a week to call.
    ("welcome_call", None, None, Some("A,B"), 7),
    // 回访 three days after a purchase of 1,000.00 or more; a week to call.
    ("after_purchase_call", Some(3), Some(100_000), None, 7),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use TaskRules as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(id_column(R::Id))
                    .col(ColumnDef::new(R::Kind).string_len(40).not_null().unique_key())
                    .col(ColumnDef::new(R::Enabled).boolean().not_null().default(false))
                    .col(ColumnDef::new(R::Days).integer().null())
                    .col(ColumnDef::new(R::MinAmountCents).big_integer().null())
                    // Comma-separated tiers; none: every tier.
                    .col(ColumnDef::new(R::Tiers).string_len(20).null())
                    .col(ColumnDef::new(R::OpenDays).integer().not_null())
                    .col(ColumnDef::new(R::HoldoutBasisPoints).integer().not_null().default(1000))
                    .col(ColumnDef::new(R::UpdatedBy).string_len(200).not_null())
                    .col(created_at_column(R::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (kind, days, min_amount, tiers, open_days) in RULES {
            let insert = Query::insert()
                .into_table(R::Table)
                .columns([R::Kind, R::Days, R::MinAmountCents, R::Tiers, R::OpenDays, R::UpdatedBy])
                .values([
                    kind.into(),
                    days.into(),
                    min_amount.into(),
                    tiers.into(),
                    open_days.into(),
                    "patron".into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        use Tasks as T;
        manager
            .create_table(
                Table::create()
                    .table(T::Table)
                    .col(id_column(T::Id))
                    .col(ColumnDef::new(T::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(T::Kind).string_len(40).not_null())
                    // What it is for: a birthday's date, an order, a day's win-back list.
                    .col(ColumnDef::new(T::Occasion).string_len(128).not_null())
                    .col(ColumnDef::new(T::StoreId).big_integer().null())
                    // None: the store's pool, for any of its associates to claim.
                    .col(ColumnDef::new(T::AssigneeId).big_integer().null())
                    .col(ColumnDef::new(T::Status).string_len(20).not_null())
                    .col(ColumnDef::new(T::HeldOut).boolean().not_null().default(false))
                    .col(ColumnDef::new(T::Reason).string_len(500).not_null())
                    .col(ColumnDef::new(T::DueOn).date().not_null())
                    .col(ColumnDef::new(T::ExpiresOn).date().not_null())
                    .col(ColumnDef::new(T::Outcome).string_len(20).null())
                    .col(ColumnDef::new(T::LapseReason).string_len(20).null())
                    .col(ColumnDef::new(T::Note).text().null())
                    .col(ColumnDef::new(T::DoneBy).string_len(200).null())
                    .col(ColumnDef::new(T::DoneAt).timestamp_with_time_zone().null())
                    // The brand's day it was closed on: on time when not after `expires_on`.
                    .col(ColumnDef::new(T::DoneOn).date().null())
                    .col(created_at_column(T::CreatedAt))
                    .col(ColumnDef::new(T::JobRunId).big_integer().null())
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(
                T::Table,
                "ux_tasks_member_kind_occasion",
                &["member_id", "kind", "occasion"],
            )
            .unique()
            .to_owned(),
            // An associate's day: their store's open tasks by due day.
            index(T::Table, "ix_tasks_store_status_due", &["store_id", "status", "due_on"]),
            index(T::Table, "ix_tasks_assignee_status", &["assignee_id", "status"]),
        ] {
            manager.create_index(statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [Tasks::Table.into_iden(), TaskRules::Table.into_iden()] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
