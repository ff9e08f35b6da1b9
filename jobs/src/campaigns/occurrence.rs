//! Starting an occurrence: the audience as it is at that moment (a snapshot), the control group
//! held out and recorded, everyone else queued in the outbox — in one transaction, so a crash
//! leaves either the whole occurrence or none of it, and a second replica's start of the same
//! occurrence is refused by its unique key.
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use entity::{campaign, campaign_occurrence as occurrence, member, member_metrics as metrics, segment_change};
use sea_orm::sea_query::{Alias, Expr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait, Value,
};
use serde::Serialize;

use super::schedule::{Due, DueAt, Schedule};
use super::{holdout, FINISHED, NEW_ARRIVALS, SENDING};
use crate::bulk::Table;
use crate::outreach::queue::{OUTBOX, QUEUED};
use crate::segments::{self, AsOf, Bought, FieldCondition, Filter, Op, SegmentError, Window};
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
    pub audience: u64,
    pub held_out: u64,
    pub queued: u64,
}

/// Starts `due` for `campaign` unless it has started already (`None`).
pub async fn start(
    ctx: &JobContext,
    campaign: &campaign::Model,
    due: &Due,
    run_id: Option<i64>,
) -> Result<Option<Started>, DbErr> {
    start_for(ctx, campaign, due, None, run_id).await
}

/// Triggered campaigns of the segments refreshed by `refresh_ids`: each starts an occurrence for
/// the members who entered at that refresh.
pub async fn start_on_entry(ctx: &JobContext, refreshes: &[(i64, i64)], run_id: i64) -> Result<Vec<Started>, DbErr> {
    let mut started = Vec::new();
    for (segment_id, refresh_id) in refreshes {
        let triggered = campaign::Entity::find()
            .filter(campaign::Column::SegmentId.eq(*segment_id))
            .filter(campaign::Column::Status.is_in([super::SCHEDULED, SENDING]))
            .all(&ctx.db)
            .await?;
        for campaign in triggered.iter().filter(|c| Schedule::of(c) == Some(Schedule::OnEntry)) {
            let due = Due {
                key: format!("refresh:{refresh_id}"),
                at: DueAt::Instant(Utc::now()),
            };
            if let Some(done) = start_for(ctx, campaign, &due, Some(*refresh_id), Some(run_id)).await? {
                started.push(done);
            }
        }
    }
    Ok(started)
}

async fn start_for(
    ctx: &JobContext,
    campaign: &campaign::Model,
    due: &Due,
    entered_at_refresh: Option<i64>,
    run_id: Option<i64>,
) -> Result<Option<Started>, DbErr> {
    let txn = ctx.db.begin().await?;
    if !insert(&txn, campaign.id, &due.key, run_id).await? {
        return Ok(None);
    }
    let occurrence = find(&txn, campaign.id, &due.key).await?;
    let mut audience = match audience(&txn, ctx, campaign).await {
        Ok(condition) => condition,
        Err(SegmentError::Db(e)) => return Err(e),
        Err(SegmentError::Invalid(error)) => {
            // Its segment's filter no longer compiles: it waits (and says so) until fixed, and
            // the other campaigns go on.
            tracing::warn!(campaign = campaign.id, %error, "campaign audience does not compile; not started");
            return Ok(None);
        }
    };
    if let Some(refresh_id) = entered_at_refresh {
        audience = audience.add(Expr::col((member::Entity, member::Column::Id)).in_subquery(entered(refresh_id)));
    }
    let snapshot = Snapshot {
        ctx,
        campaign,
        occurrence_id: occurrence.id,
        key: &due.key,
        due: due.at,
        run_id,
    };
    let counts = snapshot.take(&txn, audience).await?;
    occurrence::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(occurrence.id),
        audience: Set(counts.audience as i64),
        held_out: Set(counts.held_out as i64),
        queued: Set(counts.queued as i64),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    if campaign.status != SENDING {
        campaign::Entity::update_many()
            .col_expr(campaign::Column::Status, Expr::val(SENDING).into())
            .filter(campaign::Column::Id.eq(campaign.id))
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(Some(counts))
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
        status: Set(SENDING.to_owned()),
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

/// Who the campaign is for: its segment (the filter as it is now), narrowed for new arrivals to
/// members interested in the category or who bought in it lately; reachable members only, and
/// with "once per member" none it already reached.
async fn audience(
    txn: &DatabaseTransaction,
    ctx: &JobContext,
    campaign: &campaign::Model,
) -> Result<Condition, SegmentError> {
    let mut parts = Vec::new();
    if let Some(segment_id) = campaign.segment_id {
        parts.push(Filter::InSegment(segment_id));
    }
    if campaign.kind == NEW_ARRIVALS {
        let category = campaign.category.clone().unwrap_or_default();
        let interested = Filter::Field(FieldCondition {
            field: "interests".to_owned(),
            op: Op::Contains,
            value: Some(serde_json::Value::String(category.clone())),
            values: None,
        });
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
        parts.push(Filter::Or(vec![interested, bought]));
    }
    let mut condition = if parts.is_empty() {
        // No segment and no category: every member.
        Condition::all().add(Expr::col((member::Entity, member::Column::Status)).eq("active"))
    } else {
        let (today, path) = (ctx.today(), format!("campaign[{}]", campaign.id));
        segments::compile(txn, &Filter::And(parts), &path, AsOf::new(today, today), None).await?
    };
    condition = condition
        .add(Expr::col((member::Entity, member::Column::EmailConsent)).eq(true))
        .add(Expr::col((member::Entity, member::Column::Email)).is_not_null());
    if campaign.once_per_member {
        condition = condition.add(Expr::exists(reached_before(campaign.id)).not());
    }
    Ok(condition)
}

/// Members who entered at a refresh.
fn entered(refresh_id: i64) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(segment_change::Column::MemberId)
        .from(segment_change::Entity)
        .and_where(Expr::col(segment_change::Column::RefreshId).eq(refresh_id))
        .and_where(Expr::col(segment_change::Column::Entered).eq(true))
        .to_owned()
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
    campaign: &'a campaign::Model,
    occurrence_id: i64,
    key: &'a str,
    due: DueAt,
    run_id: Option<i64>,
}

impl Snapshot<'_> {
    /// Pages through the audience in member order, recording every member and queueing those
    /// not held out.
    async fn take(&self, txn: &DatabaseTransaction, audience: Condition) -> Result<Started, DbErr> {
        let mut counts = Started {
            campaign_id: self.campaign.id,
            key: self.key.to_owned(),
            audience: 0,
            held_out: 0,
            queued: 0,
        };
        let mut after_id = 0_i64;
        loop {
            let page = self.page(txn, audience.clone(), after_id).await?;
            let Some(last) = page.last() else { break };
            after_id = last.0;
            let (mut recipients, mut emails) = (Vec::new(), Vec::new());
            for (member_id, zone, expected) in &page {
                let held_out = holdout::held_out(self.campaign.id, *member_id, self.campaign.holdout_basis_points);
                let zone = zone.parse::<Tz>().unwrap_or(self.ctx.time_zone);
                let due_at = self.due.for_zone(zone);
                recipients.push(recipient_row(
                    self.occurrence_id,
                    *member_id,
                    held_out,
                    due_at,
                    self.campaign.attribution_days,
                    *expected,
                ));
                if !held_out {
                    emails.push(self.email(*member_id, due_at));
                }
            }
            counts.audience += page.len() as u64;
            counts.held_out += (recipients.len() - emails.len()) as u64;
            counts.queued += emails.len() as u64;
            RECIPIENTS.insert(txn, &recipients, "").await?;
            OUTBOX
                .insert(txn, &emails, " ON CONFLICT (dedupe_key) DO NOTHING")
                .await?;
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

    /// The outbox row of one member's email.
    fn email(&self, member_id: i64, due_at: DateTime<Utc>) -> Vec<Value> {
        let campaign = self.campaign;
        // Once per member: one key for every occurrence, so the outbox refuses a second.
        let dedupe_key = if campaign.once_per_member {
            format!("campaign:{}:{member_id}", campaign.id)
        } else {
            format!("campaign:{}:{}:{member_id}", campaign.id, self.key)
        };
        vec![
            dedupe_key.into(),
            campaign.kind.clone().into(),
            self.key.to_owned().into(),
            member_id.into(),
            Option::<String>::None.into(),
            due_at.into(),
            true.into(),
            QUEUED.into(),
            0_i32.into(),
            self.run_id.into(),
            Utc::now().into(),
            campaign.id.into(),
            campaign.priority.into(),
        ]
    }
}

/// One-off campaigns whose emails are all out (none queued or paused) are finished.
pub async fn finish_sent(db: &DatabaseConnection) -> Result<u64, DbErr> {
    let sending = campaign::Entity::find()
        .filter(campaign::Column::Status.eq(SENDING))
        .all(db)
        .await?;
    let mut finished = 0;
    for campaign in sending {
        if !Schedule::of(&campaign).is_some_and(|s| s.is_one_off()) {
            continue;
        }
        let waiting = entity::outbox::Entity::find()
            .filter(entity::outbox::Column::CampaignId.eq(campaign.id))
            .filter(entity::outbox::Column::Status.is_in([QUEUED, super::PAUSED]))
            .one(db)
            .await?;
        if waiting.is_none() {
            let mut done: campaign::ActiveModel = campaign.into();
            done.status = Set(FINISHED.to_owned());
            done.update(db).await?;
            finished += 1;
        }
    }
    Ok(finished)
}
