//! One message to one member for one campaign occurrence; the unique dedupe key makes it once.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{CampaignKind, Channel, OutboxStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `kind:occurrence:member_id`; also the seed of the stable Message-ID.
    #[sea_orm(unique)]
    pub dedupe_key: String,
    /// Its campaign's kind.
    pub kind: CampaignKind,
    /// Which occurrence of the campaign: a date, or `holiday_key:date`.
    pub occurrence: String,
    pub member_id: i64,
    pub holiday_key: Option<String>,
    pub due_at: DateTimeUtc,
    /// Scheduled sends wait out the member's quiet hours; an operator's catch-up does not.
    pub hold_quiet_hours: bool,
    pub status: OutboxStatus,
    pub attempts: i32,
    /// The dispatcher holding the row while it sends: the name of its lease in `job_leases`.
    pub claimed_by: Option<String>,
    pub last_error: Option<String>,
    /// When it was sent; on a queued row, when a live dispatcher reserved the member's daily
    /// cap for it (it is being sent).
    pub sent_at: Option<DateTimeUtc>,
    pub job_run_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// The campaign that queued it.
    pub campaign_id: Option<i64>,
    /// Its campaign's priority when queued: under the daily cap, the higher goes first.
    pub priority: i32,
    /// The channels still to try, in order of preference ("wechat,sms,email"): a channel that
    /// refuses the member leaves the list and the next is tried.
    pub channels: String,
    /// The channel it went out (or is going out) on.
    pub channel: Option<Channel>,
    /// The provider's id of the message, which its delivery receipts name.
    pub provider_ref: Option<String>,
    /// When the provider reported it delivered to the phone or the WeChat user.
    pub delivered_at: Option<DateTimeUtc>,
    /// SMS parts billed.
    pub parts: Option<i32>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
