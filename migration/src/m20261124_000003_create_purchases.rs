use sea_orm_migration::prelude::*;

use crate::m20261124_000001_create_stores_and_staff::Stores;
use crate::m20261124_000002_create_members::Members;
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Purchases {
    Table,
    Id,
    MemberId,
    StoreId,
    OccurredAt,
    OccurredOn,
    AmountCents,
    ProfitCents,
    OrderId,
    Kind,
    Category,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Purchases::Table)
                    .col(id_column(Purchases::Id))
                    .col(ColumnDef::new(Purchases::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(Purchases::StoreId).big_integer())
                    .col(
                        ColumnDef::new(Purchases::OccurredAt)
                            .timestamp_with_time_zone()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Purchases::OccurredOn).date().not_null())
                    .col(ColumnDef::new(Purchases::AmountCents).big_integer().not_null())
                    .col(ColumnDef::new(Purchases::ProfitCents).big_integer())
                    .col(ColumnDef::new(Purchases::OrderId).string_len(128).not_null())
                    .col(ColumnDef::new(Purchases::Kind).string_len(16).not_null())
                    .col(ColumnDef::new(Purchases::Category).string_len(100))
                    .col(created_at_column(Purchases::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Purchases::Table, Purchases::MemberId)
                            .to(Members::Table, Members::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Purchases::Table, Purchases::StoreId)
                            .to(Stores::Table, Stores::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // One purchase and at most one return per order: the idempotency key of imports.
        manager
            .create_index(
                index(Purchases::Table, "ux_purchases_order", &["order_id", "kind"])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // A member's purchases by day, covering what the analytics run sums: it reads them in
        // index order without touching the table.
        manager
            .create_index(index(
                Purchases::Table,
                "idx_purchases_member_day",
                &["member_id", "occurred_on", "kind", "amount_cents", "profit_cents"],
            ))
            .await?;
        // Returns are few: a partial index lets the run join them to their orders cheaply.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX idx_purchases_returns ON purchases (order_id, occurred_on, amount_cents, profit_cents) \
                 WHERE kind = 'return'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Purchases::Table).to_owned())
            .await
    }
}
