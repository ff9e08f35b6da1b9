//! The built-in points-expiry notice, a campaign like the birthday, holiday and win-back ones:
//! a marketer can pause it, narrow it to a segment, hold out a control group and set its send
//! time and how many days ahead it goes.
use sea_orm_migration::prelude::*;

use crate::{delete_builtin_campaign, insert_builtin_campaign};

#[derive(DeriveMigrationName)]
pub struct Migration;

const KIND: &str = "points_expiry";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        insert_builtin_campaign(manager, "Points expiry", KIND).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        delete_builtin_campaign(manager, KIND).await
    }
}
