//! The four strategy playbooks (深度关爱, 深度获取, 深度挖掘, 长期培育), each off until a brand
//! switches it on: a saved segment of the strategy's members, a campaign for them, and for the
//! two that call, a regular associate call (the `care_call` task rule, shared, on while a
//! calling playbook is).
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Playbooks {
    Table,
    Id,
    Strategy,
    Enabled,
    CallEveryDays,
    SegmentId,
    CampaignId,
    UpdatedBy,
    UpdatedAt,
}

/// (strategy, days between calls; none: it does not call).
const PLAYBOOKS: [(&str, Option<i32>); 4] = [
    // Know the customer fully, personal care: a call a quarter.
    ("deep_care", Some(90)),
    // More contact and trial to raise frequency: a call every two months.
    ("deep_acquisition", Some(60)),
    // Cross-sell and up-sell: campaigns, no calls.
    ("deep_mining", None),
    // Low-cost, long-term nurture: email only.
    ("long_term_cultivation", None),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Playbooks as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(id_column(P::Id))
                    .col(ColumnDef::new(P::Strategy).string_len(40).not_null().unique_key())
                    .col(ColumnDef::new(P::Enabled).boolean().not_null().default(false))
                    .col(ColumnDef::new(P::CallEveryDays).integer().null())
                    // Made the first time the playbook is switched on.
                    .col(ColumnDef::new(P::SegmentId).big_integer().null())
                    .col(ColumnDef::new(P::CampaignId).big_integer().null())
                    .col(ColumnDef::new(P::UpdatedBy).string_len(200).not_null())
                    .col(created_at_column(P::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (strategy, every) in PLAYBOOKS {
            let insert = Query::insert()
                .into_table(P::Table)
                .columns([P::Strategy, P::CallEveryDays, P::UpdatedBy])
                .values([strategy.into(), every.into(), "patron".into()])
                .map_err(|e| DbErr::Custom(e.to_string()))?
                .to_owned();
            manager.exec_stmt(insert).await?;
        }
        // The calls of every calling playbook: two weeks to make each, 10% held back.
        let rule = Query::insert()
            .into_table(Alias::new("task_rules"))
            .columns(["kind", "open_days", "updated_by"].map(Alias::new))
            .values(["care_call".into(), 14.into(), "patron".into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        manager.exec_stmt(rule).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let rule = Query::delete()
            .from_table(Alias::new("task_rules"))
            .and_where(Expr::col(Alias::new("kind")).eq("care_call"))
            .to_owned();
        manager.exec_stmt(rule).await?;
        manager
            .drop_table(Table::drop().table(Playbooks::Table).to_owned())
            .await
    }
}
