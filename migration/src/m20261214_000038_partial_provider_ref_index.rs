//! The outbox's provider references indexed only where a message has one.
//!
//! A delivery receipt finds its message by the provider's reference, which only SMS and WeChat
//! messages carry once sent. Indexed whole, every queued message, and every email ever, added an
//! entry for its empty reference: queueing a holiday email to 100,000 members wrote 100,000
//! entries nobody looks up (about 7% of the queueing statement on PostgreSQL). A receipt's
//! lookup (`provider_ref IN (…)`) implies the reference is present, so both databases still use
//! the index for it.
//!
//! The new index has a name of its own: on SQLite, a pooled connection that has not yet seen an
//! index dropped refuses to create one of the same name.
use sea_orm_migration::prelude::*;

use crate::{drop_index, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Outbox {
    Table,
    ProviderRef,
}

const WHOLE: &str = "ix_outbox_provider_ref";
const PRESENT: &str = "ix_outbox_provider_ref_present";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let present = index(Outbox::Table, PRESENT, &["provider_ref"])
            .and_where(Expr::col(Outbox::ProviderRef).is_not_null())
            .to_owned();
        manager.create_index(present).await?;
        drop_index(manager, Outbox::Table, WHOLE).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(Outbox::Table, WHOLE, &["provider_ref"]))
            .await?;
        drop_index(manager, Outbox::Table, PRESENT).await
    }
}
