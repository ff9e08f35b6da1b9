//! One start of a campaign, with the size of the audience it snapshotted.
use sea_orm::entity::prelude::*;

use crate::vocabulary::CampaignStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_occurrences")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub campaign_id: i64,
    /// Which occurrence: a date, a cron tick, a segment refresh.
    pub key: String,
    /// Sending, finished or cancelled.
    pub status: CampaignStatus,
    pub started_at: DateTimeUtc,
    pub audience: i64,
    pub held_out: i64,
    pub queued: i64,
    pub job_run_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
