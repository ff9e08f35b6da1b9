//! Complaints have a service level: one still open past it is escalated (`feedback.escalated_at`,
//! set once by the `tasks` job). A resolved complaint is followed by a call, by the
//! `complaint_follow_up` rule.
use sea_orm_migration::prelude::*;

use crate::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Feedback {
    Table,
    EscalatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let escalated = ColumnDef::new(Feedback::EscalatedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned();
        add_column(manager, Feedback::Table, escalated).await?;
        // Two days after the resolution, a week to call.
        let rule = Query::insert()
            .into_table(Alias::new("task_rules"))
            .columns(["kind", "days", "open_days", "updated_by"].map(Alias::new))
            .values(["complaint_follow_up".into(), 2.into(), 7.into(), "patron".into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        manager.exec_stmt(rule).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rule = Query::delete()
            .from_table(Alias::new("task_rules"))
            .and_where(Expr::col(Alias::new("kind")).eq("complaint_follow_up"))
            .to_owned();
        manager.exec_stmt(rule).await?;
        drop_column(manager, Feedback::Table, Feedback::EscalatedAt).await
    }
}
