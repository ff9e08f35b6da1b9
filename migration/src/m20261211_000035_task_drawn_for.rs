//! Whom a task was drawn for (`tasks.drawn_for_id`): the member's associate when the task was
//! generated, kept when it is claimed or reassigned, so an associate's calls are measured against
//! the held-back tasks of their own members. Tasks from before take their current assignee.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Tasks {
    Table,
    DrawnForId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = ColumnDef::new(Tasks::DrawnForId).big_integer().null().to_owned();
        add_column(manager, Tasks::Table, column).await?;
        manager
            .get_connection()
            .execute_unprepared("UPDATE tasks SET drawn_for_id = assignee_id")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_column(manager, Tasks::Table, Tasks::DrawnForId).await
    }
}
