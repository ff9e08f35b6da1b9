//! The built-in birthday, holiday and win-back campaigns' own timing, which a marketer sets like
//! any campaign's: the local time of day their emails are due, and how many days early the
//! birthday and holiday emails go. Empty: the configured defaults (`outreach.send_hour`,
//! `birthday_days_early`, `holiday_days_before`).
use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    SendTime,
    DaysBefore,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            ColumnDef::new(Campaigns::SendTime).time().to_owned(),
            ColumnDef::new(Campaigns::DaysBefore).integer().to_owned(),
        ] {
            manager
                .alter_table(Table::alter().table(Campaigns::Table).add_column(column).to_owned())
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Campaigns::SendTime, Campaigns::DaysBefore] {
            manager
                .alter_table(Table::alter().table(Campaigns::Table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}
