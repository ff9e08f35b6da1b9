//! The job that queues the notices before points expire is called `points-expiry-notice`, so it
//! reads apart from `points-expiry`, which expires them; its past runs and its lease follow.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

async fn rename(manager: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    let runs = Query::update()
        .table(Alias::new("job_runs"))
        .value(Alias::new("job"), to)
        .and_where(Expr::col(Alias::new("job")).eq(from))
        .to_owned();
    manager.exec_stmt(runs).await?;
    let lease = Query::update()
        .table(Alias::new("job_leases"))
        .value(Alias::new("name"), format!("job:{to}"))
        .and_where(Expr::col(Alias::new("name")).eq(format!("job:{from}")))
        .to_owned();
    manager.exec_stmt(lease).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, "points-notice", "points-expiry-notice").await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        rename(manager, "points-expiry-notice", "points-notice").await
    }
}
