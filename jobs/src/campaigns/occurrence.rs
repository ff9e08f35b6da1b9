//! Starting an occurrence, the one queueing path of every campaign, built-in or not: the
//! audience as it is at that moment (a snapshot), the control group held out and recorded,
//! everyone else queued in the outbox (see [`start`] for what a crash leaves).
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::vocabulary::{CampaignStatus, Channel, OutboxStatus};
use entity::{campaign, campaign_occurrence as occurrence, member, member_metrics as metrics};
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait, Value,
};
use serde::Serialize;

use super::holdout;
use super::schedule::{DueAt, Schedule};
use crate::bulk::Table;
use crate::outreach::outbox::OUTBOX;
use crate::outreach::reach;
use crate::segments::{self, AsOf, Filter, SegmentError};
use crate::sql::statement;
use crate::JobContext;

/// Members read per page of the snapshot.
const PAGE: u64 = 5_000;

pub(super) const RECIPIENTS: Table = Table::new(
    "campaign_recipients",
    &[
        "occurrence_id",
        "member_id",
        "held_out",
        "due_at",
        "window_ends_at",
        "expected_value_cents",
    ],
);

/// One member's row of `RECIPIENTS`: the attribution window runs `attribution_days` from the
/// member's due time.
pub(super) fn recipient_row(
    occurrence_id: i64,
    member_id: i64,
    held_out: bool,
    due_at: DateTime<Utc>,
    attribution_days: i32,
    expected_value_cents: Option<i64>,
) -> Vec<Value> {
    vec![
        occurrence_id.into(),
        member_id.into(),
        held_out.into(),
        due_at.into(),
        (due_at + Duration::days(i64::from(attribution_days))).into(),
        expected_value_cents.into(),
    ]
}

/// What an occurrence's start did.
#[derive(Debug, Serialize)]
pub struct Started {
    pub campaign_id: i64,
    pub key: String,
    /// Members who qualified at this start.
    pub audience: u64,
    /// Of them, kept back as the control group.
    pub held_out: u64,
    /// Messages new in the outbox (a built-in's re-run adds only whom it did not have).
    pub queued: u64,
}

/// One occurrence to start, whatever its campaign: who it is for, when their messages are
/// due, and how the outbox tells its messages apart.
pub struct Plan<'a> {
    pub campaign: &'a campaign::Model,
    pub key: String,
    /// Who it is for in the segment language (`None`: every member), narrowed by the
    /// campaign's own segment as it is when the occurrence starts.
    pub audience: Option<Filter>,
    /// What the segment language does not say (who entered at a refresh, a cooldown, points
    /// that lapse), over `members`.
    pub only: Vec<SimpleExpr>,
    /// The day the audience is evaluated on.
    pub as_of: AsOf,
    pub due: DueAt,
    /// Held back by the member's quiet hours (an operator's catch-up is not).
    pub hold_quiet_hours: bool,
    pub holiday_key: Option<String>,
    /// A member's message is `<dedupe_prefix>:<member id>` in the outbox, which refuses a second.
    pub dedupe_prefix: String,
    /// Started again (a built-in's re-run), it adds the members who qualify and were not yet
    /// recorded; otherwise an occurrence starts once.
    pub tops_up: bool,
    pub run_id: Option<i64>,
}

/// Starts `plan`: records the occurrence, pages through its audience in member order, records
/// every member (sent to or held out) and queues the messages of those not held out. `None`
/// when it had started already (and does not top up) or its audience no longer compiles.
///
/// A marketer's occurrence is one transaction: a crash leaves all of it or none, and a second
/// replica's start is refused by the occurrence's key. A built-in's may be topped up by any
/// later run, so each page commits on its own: the database's one writer (SQLite's) is never
/// held for a whole audience, and what a crash leaves the next run completes.
pub async fn start(ctx: &JobContext, plan: &Plan<'_>) -> Result<Option<Started>, DbErr> {
    if plan.tops_up {
        return fill(&ctx.db, ctx, plan).await;
    }
    let txn = ctx.db.begin().await?;
    let started = fill(&txn, ctx, plan).await?;
    if started.is_some() {
        txn.commit().await?;
    }
    Ok(started)
}

/// [`start`] through `conn`, a transaction or the pool.
async fn fill<C>(conn: &C, ctx: &JobContext, plan: &Plan<'_>) -> Result<Option<Started>, DbErr>
where
    C: ConnectionTrait + TransactionTrait,
{
    let campaign = plan.campaign;
    let audience = match audience(conn, plan).await {
        Ok(condition) => condition,
        Err(SegmentError::Db(e)) => return Err(e),
        Err(SegmentError::Invalid(error)) => {
            // Its segment's filter no longer compiles: it waits (and says so) until fixed, and
            // the other campaigns go on.
            tracing::warn!(campaign = campaign.id, %error, "campaign audience does not compile; not started");
            return Ok(None);
        }
    };
    if !insert(conn, campaign.id, &plan.key, plan.run_id).await? && !plan.tops_up {
        return Ok(None);
    }
    let occurrence = find(conn, campaign.id, &plan.key).await?;
    let snapshot = Snapshot {
        ctx,
        plan,
        occurrence_id: occurrence.id,
    };
    let counts = snapshot.take(conn, audience).await?;
    tally(conn, occurrence.id).await?;
    if Schedule::of(campaign).is_some() && campaign.status != CampaignStatus::Sending {
        // A scheduled campaign is sending from its first occurrence on.
        campaign::Entity::update_many()
            .col_expr(
                campaign::Column::Status,
                Expr::val(CampaignStatus::Sending.as_str()).into(),
            )
            .filter(campaign::Column::Id.eq(campaign.id))
            .exec(conn)
            .await?;
    }
    Ok(Some(counts))
}

/// Who the occurrence is for, reachable members only; with "once per member", none an earlier
/// occurrence had.
async fn audience(conn: &impl ConnectionTrait, plan: &Plan<'_>) -> Result<Condition, SegmentError> {
    let campaign = plan.campaign;
    let mut parts: Vec<Filter> = plan.audience.iter().cloned().collect();
    parts.extend(campaign.segment_id.map(Filter::InSegment));
    let mut condition = if parts.is_empty() {
        segments::everyone()
    } else {
        let path = format!("campaign[{}]", campaign.id);
        segments::compile(conn, &Filter::And(parts), &path, plan.as_of, None).await?
    };
    condition = condition.add(reach::condition(&Channel::parse_list(&campaign.channels)));
    for only in &plan.only {
        condition = condition.add(only.clone());
    }
    if campaign.once_per_member {
        condition = condition.add(Expr::exists(reached_before(campaign.id)).not());
    }
    Ok(condition)
}

/// Sets an occurrence's counts from its recipients, so a re-run counts each member once.
async fn tally(conn: &impl ConnectionTrait, occurrence_id: i64) -> Result<(), DbErr> {
    let sql = "UPDATE campaign_occurrences SET \
                 audience = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1), \
                 held_out = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1 AND held_out), \
                 queued = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1 AND NOT held_out) \
               WHERE id = $1";
    conn.execute(statement(conn, sql, vec![occurrence_id.into()]))
        .await
        .map(drop)
}

/// Records that occurrence `key` of a campaign started; `false` if it had already.
pub(super) async fn insert(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
    key: &str,
    run_id: Option<i64>,
) -> Result<bool, DbErr> {
    let inserted = occurrence::Entity::insert(occurrence::ActiveModel {
        campaign_id: Set(campaign_id),
        key: Set(key.to_owned()),
        status: Set(CampaignStatus::Sending),
        started_at: Set(Utc::now()),
        audience: Set(0),
        held_out: Set(0),
        queued: Set(0),
        job_run_id: Set(run_id),
        ..Default::default()
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([occurrence::Column::CampaignId, occurrence::Column::Key])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(inserted > 0)
}

pub(super) async fn find(conn: &impl ConnectionTrait, campaign_id: i64, key: &str) -> Result<occurrence::Model, DbErr> {
    occurrence::Entity::find()
        .filter(occurrence::Column::CampaignId.eq(campaign_id))
        .filter(occurrence::Column::Key.eq(key))
        .one(conn)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("occurrence {key} of campaign {campaign_id} is missing")))
}

/// Any earlier occurrence of the campaign had the member in its audience.
fn reached_before(campaign_id: i64) -> sea_orm::sea_query::SelectStatement {
    let (r, o) = (Alias::new("r"), Alias::new("o"));
    Query::select()
        .expr(Expr::val(1))
        .from_as(entity::campaign_recipient::Entity, r.clone())
        .join_as(
            sea_orm::sea_query::JoinType::InnerJoin,
            occurrence::Entity,
            o.clone(),
            Expr::col((o.clone(), occurrence::Column::Id)).equals((r.clone(), Alias::new("occurrence_id"))),
        )
        .and_where(Expr::col((o, occurrence::Column::CampaignId)).eq(campaign_id))
        .and_where(Expr::col((r, Alias::new("member_id"))).equals((member::Entity, member::Column::Id)))
        .to_owned()
}

/// One occurrence's snapshot being taken.
struct Snapshot<'a> {
    ctx: &'a JobContext,
    plan: &'a Plan<'a>,
    occurrence_id: i64,
}

impl Snapshot<'_> {
    /// Pages through the audience in member order, recording every member and queueing those
    /// not held out, each page in a transaction of its own (a savepoint inside the
    /// occurrence's); a member already recorded (a re-run) keeps their record and message.
    async fn take(&self, conn: &impl TransactionTrait, audience: Condition) -> Result<Started, DbErr> {
        let campaign = self.plan.campaign;
        let mut counts = Started {
            campaign_id: campaign.id,
            key: self.plan.key.clone(),
            audience: 0,
            held_out: 0,
            queued: 0,
        };
        let mut after_id = 0_i64;
        loop {
            let txn = conn.begin().await?;
            let page = self.page(&txn, audience.clone(), after_id).await?;
            let Some(last) = page.last() else { break };
            after_id = last.0;
            let (mut recipients, mut messages) = (Vec::new(), Vec::new());
            for (member_id, zone, expected) in &page {
                let held_out = holdout::held_out(campaign.id, *member_id, campaign.holdout_basis_points);
                let zone = zone.parse::<Tz>().unwrap_or(self.ctx.time_zone);
                let due_at = self.plan.due.for_zone(zone);
                recipients.push(recipient_row(
                    self.occurrence_id,
                    *member_id,
                    held_out,
                    due_at,
                    campaign.attribution_days,
                    *expected,
                ));
                if held_out {
                    counts.held_out += 1;
                } else {
                    messages.push(self.message(*member_id, due_at));
                }
            }
            counts.audience += page.len() as u64;
            RECIPIENTS
                .insert(&txn, &recipients, " ON CONFLICT (occurrence_id, member_id) DO NOTHING")
                .await?;
            counts.queued += OUTBOX
                .insert(&txn, &messages, " ON CONFLICT (dedupe_key) DO NOTHING")
                .await?;
            txn.commit().await?;
        }
        Ok(counts)
    }

    /// (member id, time zone, expected value in cents) after `after_id`.
    async fn page(
        &self,
        txn: &DatabaseTransaction,
        audience: Condition,
        after_id: i64,
    ) -> Result<Vec<(i64, String, Option<i64>)>, DbErr> {
        let id = (member::Entity, member::Column::Id);
        let select = segments::matching(audience)
            .column(id)
            .column((member::Entity, member::Column::TimeZone))
            .column((metrics::Entity, metrics::Column::ExpectedValue365Cents))
            .and_where(Expr::col(id).gt(after_id))
            .order_by(id, sea_orm::sea_query::Order::Asc)
            .limit(PAGE)
            .to_owned();
        let rows = txn.query_all(txn.get_database_backend().build(&select)).await?;
        rows.iter()
            .map(|row| {
                Ok((
                    row.try_get_by_index(0)?,
                    row.try_get_by_index(1)?,
                    row.try_get_by_index(2)?,
                ))
            })
            .collect()
    }

    /// The outbox row of one member's message.
    fn message(&self, member_id: i64, due_at: DateTime<Utc>) -> Vec<Value> {
        let (plan, campaign) = (self.plan, self.plan.campaign);
        vec![
            format!("{}:{member_id}", plan.dedupe_prefix).into(),
            campaign.kind.as_str().into(),
            plan.key.clone().into(),
            member_id.into(),
            plan.holiday_key.clone().into(),
            due_at.into(),
            plan.hold_quiet_hours.into(),
            OutboxStatus::Queued.as_str().into(),
            0_i32.into(),
            plan.run_id.into(),
            Utc::now().into(),
            campaign.id.into(),
            campaign.priority.into(),
            campaign.channels.clone().into(),
        ]
    }
}

/// One-off campaigns whose emails are all out (none queued or paused) are finished.
pub async fn finish_sent(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let sending = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(CampaignStatus::Sending))
        .all(db)
        .await?;
    let mut finished = 0;
    for campaign in sending {
        if !Schedule::of(&campaign).is_some_and(|s| s.is_one_off()) {
            continue;
        }
        let waiting = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::CampaignId.eq(campaign.id))
            .filter(entity::outbox::Column::Status.is_in([OutboxStatus::Queued, OutboxStatus::Paused]))
            .one(db)
            .await?;
        if waiting.is_none() {
            let mut done: campaign::ActiveModel = campaign.into();
            done.status = Set(CampaignStatus::Finished);
            done.update(db).await?;
            finished += 1;
        }
    }
    Ok(finished)
}
