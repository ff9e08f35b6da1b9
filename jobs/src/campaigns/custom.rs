//! The campaigns a marketer creates: when their occurrences are due (a time, a local time, a
//! cron schedule, or a member entering their segment), and who a new-arrivals campaign is for.
use chrono::Utc;
use entity::vocabulary::{CampaignKind, CampaignStatus};
use entity::{campaign, member, segment_change};
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

use super::occurrence::{self, Plan, Started};
use super::schedule::{Due, DueAt, Schedule};
use crate::segments::{AsOf, Bought, Filter, Op, Window};
use crate::JobContext;

/// Starts `due` for `campaign` unless it has started already (`None`).
pub async fn start(
    ctx: &JobContext,
    campaign: &campaign::Model,
    due: &Due,
    run_id: Option<i64>,
) -> Result<Option<Started>, DbErr> {
    occurrence::start(ctx, &plan(ctx, campaign, due, None, run_id)).await
}

/// Triggered campaigns of the segments refreshed by `refreshes` (segment id, refresh id): each
/// starts an occurrence for the members who entered at that refresh.
pub async fn start_on_entry(ctx: &JobContext, refreshes: &[(i64, i64)], run_id: i64) -> Result<Vec<Started>, DbErr> {
    let mut started = Vec::new();
    for (segment_id, refresh_id) in refreshes {
        let triggered = campaign::Entity::find()
            .filter(campaign::Column::SegmentId.eq(*segment_id))
            .filter(campaign::Column::Status.is_in([CampaignStatus::Scheduled, CampaignStatus::Sending]))
            .all(&ctx.db)
            .await?;
        for campaign in triggered.iter().filter(|c| Schedule::of(c) == Some(Schedule::OnEntry)) {
            let due = Due {
                key: format!("refresh:{refresh_id}"),
                at: DueAt::Instant(Utc::now()),
            };
            let plan = plan(ctx, campaign, &due, Some(*refresh_id), Some(run_id));
            if let Some(done) = occurrence::start(ctx, &plan).await? {
                started.push(done);
            }
        }
    }
    Ok(started)
}

/// The occurrence `due` of a marketer's campaign: its segment as it is now (for new arrivals,
/// narrowed to members interested in the category or who bought in it lately), only those who
/// entered at `entered_at_refresh` when given.
fn plan<'a>(
    ctx: &JobContext,
    campaign: &'a campaign::Model,
    due: &Due,
    entered_at_refresh: Option<i64>,
    run_id: Option<i64>,
) -> Plan<'a> {
    // Once per member: one key for every occurrence, so the outbox refuses a second.
    let dedupe_prefix = if campaign.once_per_member {
        format!("campaign:{}", campaign.id)
    } else {
        format!("campaign:{}:{}", campaign.id, due.key)
    };
    let today = ctx.today();
    Plan {
        campaign,
        key: due.key.clone(),
        audience: (campaign.kind == CampaignKind::NewArrivals).then(|| new_arrivals(campaign)),
        only: entered_at_refresh
            .map(|refresh_id| Expr::col((member::Entity, member::Column::Id)).in_subquery(entered(refresh_id)))
            .into_iter()
            .collect(),
        as_of: AsOf::new(today, today),
        due: due.at,
        hold_quiet_hours: true,
        holiday_key: None,
        offer_only: Vec::new(),
        dedupe_prefix,
        tops_up: false,
        run_id,
    }
}

/// Members interested in the campaign's category, or who bought in it within its window.
fn new_arrivals(campaign: &campaign::Model) -> Filter {
    let category = campaign.category.clone().unwrap_or_default();
    let interested = Filter::field("interests", Op::Contains, category.clone().into());
    let bought = Filter::Bought(Bought {
        category: Some(category),
        store: None,
        window: Window {
            last_days: Some(campaign.category_window_days.unwrap_or(365)),
            from: None,
            to: None,
        },
        min_count: None,
        min_amount: None,
    });
    Filter::Or(vec![interested, bought])
}

/// Members who entered at a refresh.
fn entered(refresh_id: i64) -> SelectStatement {
    Query::select()
        .column(segment_change::Column::MemberId)
        .from(segment_change::Entity)
        .and_where(Expr::col(segment_change::Column::RefreshId).eq(refresh_id))
        .and_where(Expr::col(segment_change::Column::Entered).eq(true))
        .to_owned()
}
