//! Campaigns, the one engine of who gets what and when: one template to one audience, once at a
//! time in the brand's zone, once at a local time in each member's zone, on a cron schedule,
//! whenever a member enters a segment, or (the built-in birthday, holiday, win-back and
//! points-expiry-notice campaigns) each day for whom the day concerns. Each start of a campaign
//! is an occurrence: it snapshots its audience, holds out the control group, and queues the rest
//! in the outbox, whose dispatcher sends them under the same rules as every message (consent,
//! suppression, quiet hours, the daily cap).
//!
//! A campaign's template is the email template of kind `campaign:<id>` (see `template_kind`),
//! edited, previewed and test-sent like the built-in ones.
pub mod builtin;
pub mod content;
mod custom;
pub mod holdout;
pub mod holidays;
mod occurrence;
pub mod report;
mod schedule;
pub mod uplift;

use chrono::{DateTime, Utc};
use entity::campaign;
use entity::vocabulary::{CampaignKind, CampaignStatus};
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;

pub use builtin::Builtin;
pub use content::Messages;
pub use custom::start_on_entry;
pub use occurrence::{coupon_reference, start as start_occurrence, Plan, Started};
pub use schedule::{DueAt, Schedule};

use crate::JobContext;

/// The email template kind of a campaign's own template.
pub fn template_kind(campaign_id: i64) -> String {
    format!("campaign:{campaign_id}")
}

/// The template an email of `kind` queued by `campaign_id` renders with: the built-in kinds
/// keep theirs, every other campaign has its own.
pub fn template_for(kind: CampaignKind, campaign_id: Option<i64>) -> String {
    match campaign_id {
        Some(id) if !kind.is_built_in() => template_kind(id),
        _ => kind.as_str().to_owned(),
    }
}

/// What one run of the `campaigns` job did.
#[derive(Debug, Default, Serialize)]
pub struct CampaignCounts {
    pub started: Vec<Started>,
    pub finished: u64,
}

/// The `campaigns` job: starts every occurrence that is due by `now` and marks one-off
/// campaigns whose emails are all out as finished. A recurring campaign's ticks count from when
/// it was scheduled; on an operator's `catch_up` (a run for a past date), from any time.
pub async fn run(ctx: &JobContext, now: DateTime<Utc>, catch_up: bool, run_id: i64) -> Result<CampaignCounts, DbErr> {
    let mut counts = CampaignCounts::default();
    for campaign in active(&ctx.db).await? {
        let Some(schedule) = Schedule::of(&campaign) else {
            continue;
        };
        if schedule.is_one_off() && campaign.status == CampaignStatus::Sending {
            continue;
        }
        let since = (!catch_up).then_some(campaign.updated_at);
        let Some(due) = schedule.due(now, since, ctx.time_zone) else {
            continue;
        };
        if let Some(started) = custom::start(ctx, &campaign, &due, Some(run_id)).await? {
            counts.started.push(started);
        }
    }
    counts.finished = occurrence::finish_sent(&ctx.db).await?;
    Ok(counts)
}

/// Campaigns that may start occurrences: scheduled, or one-off ones already sending.
async fn active(db: &DatabaseConnection) -> Result<Vec<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::Status.is_in([CampaignStatus::Scheduled, CampaignStatus::Sending]))
        .filter(campaign::Column::Kind.is_in([CampaignKind::Custom, CampaignKind::NewArrivals]))
        .order_by_desc(campaign::Column::Priority)
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await
}
