//! Segments ask "bought in category C in a window" of every candidate member: an index by
//! member, category and day answers it without reading the purchase rows (at a million members,
//! the scenario segment's count on SQLite several times faster; see docs/benchmarks.md).
use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Purchases {
    Table,
}

const NAME: &str = "idx_purchases_member_category";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(
                Purchases::Table,
                NAME,
                &["member_id", "category", "occurred_on", "kind"],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_index(manager, Purchases::Table, NAME).await
    }
}
