//! The built-in points-expiry notice, a campaign like the birthday, holiday and win-back ones:
//! a marketer can pause it, narrow it to a segment, hold out a control group and set its send
//! time and how many days ahead it goes.
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    Name,
    Kind,
    Status,
    CreatedBy,
    UpdatedBy,
}

const KIND: &str = "points_expiry";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let insert = Query::insert()
            .into_table(Campaigns::Table)
            .columns([
                Campaigns::Name,
                Campaigns::Kind,
                Campaigns::Status,
                Campaigns::CreatedBy,
                Campaigns::UpdatedBy,
            ])
            .values([
                "Points expiry".into(),
                KIND.into(),
                "scheduled".into(),
                "patron".into(),
                "patron".into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            // A marketer's own campaign may have the name already: the notice then runs without
            // a campaign row, as the others would.
            .on_conflict(OnConflict::column(Campaigns::Name).do_nothing().to_owned())
            .to_owned();
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let delete = Query::delete()
            .from_table(Campaigns::Table)
            .and_where(Expr::col(Campaigns::Kind).eq(KIND))
            .to_owned();
        manager.exec_stmt(delete).await
    }
}
