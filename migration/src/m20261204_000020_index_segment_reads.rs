//! A segment counted over every member reads whole sets at once rather than member by member:
//! - "bought in category C in a window" as the window's buyers of C, read off an index by
//!   category and day (a hash semi-join), instead of probing each candidate's purchases (at a
//!   million members, much of the benchmark scenario's count);
//! - "bought nothing in a window" as the window's buyers, by day (a hash anti-join: "no purchase
//!   in 180 days and at least 3 orders" counted in far less time);
//! - every segment filters active members: a city with the status (and the id, for the joins)
//!   is read off the index alone, not off the wide member rows (the scenario's Shanghai members
//!   several times faster). It serves lookups by city as the old one did.
//!
//! The figures are in docs/benchmarks.md.
//!
//! The member-first index of migration 14 stays: a first page walks members in id order and
//! probes each one's purchases.
use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Purchases {
    Table,
}

#[derive(DeriveIden)]
enum Members {
    Table,
}

const CATEGORY_DAY: &str = "idx_purchases_category_day";
const DAY: &str = "idx_purchases_day";
const CITY_STATUS: &str = "idx_members_city_status";
const OLD_CITY: &str = "idx_members_city";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let purchases = [
            (CATEGORY_DAY, &["category", "occurred_on", "kind", "member_id"][..]),
            (DAY, &["occurred_on", "kind", "member_id"][..]),
        ];
        for (name, columns) in purchases {
            manager.create_index(index(Purchases::Table, name, columns)).await?;
        }
        manager
            .create_index(index(Members::Table, CITY_STATUS, &["city", "status", "id"]))
            .await?;
        drop_index(manager, Members::Table, OLD_CITY).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(index(Members::Table, OLD_CITY, &["city"])).await?;
        drop_index(manager, Members::Table, CITY_STATUS).await?;
        for name in [CATEGORY_DAY, DAY] {
            drop_index(manager, Purchases::Table, name).await?;
        }
        Ok(())
    }
}
