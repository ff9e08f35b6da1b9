//! A campaign: one template to one audience, on a schedule (see `jobs::campaigns`).
use sea_orm::entity::prelude::*;

use crate::vocabulary::{CampaignKind, CampaignStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaigns")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub kind: CampaignKind,
    pub status: CampaignStatus,
    /// The audience; `None`: every consenting member.
    pub segment_id: Option<i64>,
    /// When, as JSON of `jobs::campaigns::Schedule`; `None` for the built-in kinds.
    pub schedule: Option<String>,
    pub once_per_member: bool,
    /// The control group's share in basis points (1,000 = 10%).
    pub holdout_basis_points: i32,
    pub priority: i32,
    /// Its channel preference ("wechat,sms,email"): each member gets one message, on the first
    /// channel they can receive.
    pub channels: String,
    pub attribution_days: i32,
    /// New arrivals: the category, and how many days back a purchase in it counts.
    pub category: Option<String>,
    pub category_window_days: Option<i32>,
    /// Built-in kinds: the local time of day their emails are due in each member's zone, and how
    /// many days early birthday and holiday emails go; `None`: the configured defaults.
    pub send_time: Option<Time>,
    pub days_before: Option<i32>,
    /// The offer each recipient gets a code of (the held-out group none).
    pub coupon_definition_id: Option<i64>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
