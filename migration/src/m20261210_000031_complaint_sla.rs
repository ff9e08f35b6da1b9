//! Complaints have a service level: one still open past it is escalated (`feedback.escalated_at`,
//! set once by the `tasks` job). A resolved complaint is followed by a call, by the
//! `complaint_follow_up` rule; and A members get a greeting call before each holiday, by the
//! `holiday_call` rule. An associate may be their store's manager (`staff_users.manager`): they
//! see and assign all of the store's tasks.
use sea_orm_migration::prelude::*;

use crate::{add_column, drop_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Feedback {
    Table,
    EscalatedAt,
}

#[derive(DeriveIden)]
enum StaffUsers {
    Table,
    Manager,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let escalated = ColumnDef::new(Feedback::EscalatedAt)
            .timestamp_with_time_zone()
            .null()
            .to_owned();
        add_column(manager, Feedback::Table, escalated).await?;
        let manages = ColumnDef::new(StaffUsers::Manager)
            .boolean()
            .not_null()
            .default(false)
            .to_owned();
        add_column(manager, StaffUsers::Table, manages).await?;
        // Two days after the resolution, a week to call; three days before a holiday, A members,
        // until the holiday.
        let rules = Query::insert()
            .into_table(Alias::new("task_rules"))
            .columns(["kind", "days", "tiers", "open_days", "updated_by"].map(Alias::new))
            .values([
                "complaint_follow_up".into(),
                2.into(),
                Option::<&str>::None.into(),
                7.into(),
                "patron".into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .values(["holiday_call".into(), 3.into(), "A".into(), 3.into(), "patron".into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        manager.exec_stmt(rules).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rule = Query::delete()
            .from_table(Alias::new("task_rules"))
            .and_where(Expr::col(Alias::new("kind")).is_in(["complaint_follow_up", "holiday_call"]))
            .to_owned();
        manager.exec_stmt(rule).await?;
        drop_column(manager, StaffUsers::Table, StaffUsers::Manager).await?;
        drop_column(manager, Feedback::Table, Feedback::EscalatedAt).await
    }
}
