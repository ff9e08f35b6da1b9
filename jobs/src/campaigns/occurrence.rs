//! Starting an occurrence, the one queueing path of every campaign, built-in or not: the
//! audience as it is at that moment (a snapshot), the control group held out and recorded,
//! everyone else queued in the outbox (see [`start`] for what a crash leaves).
use chrono::{Duration, Utc};
use chrono_tz::Tz;
use entity::vocabulary::{CampaignStatus, Channel, CouponSource, OutboxStatus};
use entity::{campaign, campaign_occurrence as occurrence, member, member_metrics as metrics};
use sea_orm::sea_query::{Alias, CaseStatement, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde::Serialize;

use super::holdout;
use super::schedule::{DueAt, Schedule};
use crate::coupons;
use crate::outreach::outbox::{DISPATCH_READS, OUTBOX};
use crate::outreach::reach;
use crate::segments::{self, AsOf, Filter, SegmentError};
use crate::sql::{first_column, id_list, statement};
use crate::JobContext;

/// Members of the control group marked per statement (their ids are written into it).
const HELD_PER_STATEMENT: usize = 10_000;

/// What an occurrence's start did.
#[derive(Debug, Serialize)]
pub struct Started {
    pub campaign_id: i64,
    pub key: String,
    /// Members who qualified at this start and were not recorded before (a built-in's re-run
    /// counts only whom it added).
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
    /// With the campaign's offer: who of those sent to get a code (none: all of them), over
    /// `members` and their metrics.
    pub offer_only: Vec<SimpleExpr>,
    /// A member's message is `<dedupe_prefix>:<member id>` in the outbox, which refuses a second.
    pub dedupe_prefix: String,
    /// Started again (a built-in's re-run), it adds the members who qualify and were not yet
    /// recorded; otherwise an occurrence starts once.
    pub tops_up: bool,
    pub run_id: Option<i64>,
}

/// Starts `plan`: records the occurrence and every member of its audience (sent to or held
/// out), and queues the messages of those not held out. `None` when it had started already (and
/// does not top up) or its audience no longer compiles.
///
/// A marketer's occurrence is one transaction: a crash leaves all of it or none, and a second
/// replica's start is refused by the occurrence's key. A built-in's may be topped up by any
/// later run: its record stands on its own, and each run adds whom it did not have in one
/// transaction of its own.
pub async fn start(ctx: &JobContext, plan: &Plan<'_>) -> Result<Option<Started>, DbErr> {
    let started = if plan.tops_up {
        fill(&ctx.db, ctx, plan).await?
    } else {
        let txn = ctx.db.begin().await?;
        let started = fill(&txn, ctx, plan).await?;
        if started.is_some() {
            txn.commit().await?;
        }
        started
    };
    if let Some(started) = &started {
        // The dispatcher claims what was just queued, and reads its members' recent sends.
        let postgres = [sea_orm::DbBackend::Postgres];
        crate::sql::analyze_after(&ctx.db, OUTBOX.name, DISPATCH_READS, started.queued, &postgres).await?;
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
    /// Records every member of the audience not yet recorded, holds out the control group among
    /// them and queues the messages of the rest: three set-based statements in one transaction
    /// (a savepoint inside a marketer's occurrence), so a crash leaves all of it or none and the
    /// rows never travel through here. A member already recorded (a re-run) keeps their record
    /// and message.
    async fn take<C>(&self, conn: &C, audience: Condition) -> Result<Started, DbErr>
    where
        C: ConnectionTrait + TransactionTrait,
    {
        let campaign = self.plan.campaign;
        let txn = conn.begin().await?;
        let added = self.record(&txn, audience).await?;
        let (held, sent): (Vec<i64>, Vec<i64>) = added
            .iter()
            .partition(|member| holdout::held_out(campaign.id, **member, campaign.holdout_basis_points));
        self.hold_out(&txn, &held).await?;
        if let Some(offer) = campaign.coupon_definition_id {
            let reference = coupon_reference(campaign.id, &self.plan.key);
            let offered = self.offered(&txn, &sent).await?;
            let issue = coupons::Issue {
                definition_id: offer,
                members: &offered,
                today: self.plan.as_of.date,
                source: CouponSource::Campaign,
                reference: Some(&reference),
            };
            if let Some(last_day) = coupons::issue(&txn, issue).await?.ended {
                tracing::warn!(campaign = campaign.id, offer, %last_day, "the offer has ended: no codes issued");
            }
        }
        let queued = if added.is_empty() { 0 } else { self.queue(&txn).await? };
        txn.commit().await?;
        Ok(Started {
            campaign_id: campaign.id,
            key: self.plan.key.clone(),
            audience: added.len() as u64,
            held_out: held.len() as u64,
            queued,
        })
    }

    /// Those of `sent` the plan's offer is for.
    async fn offered(&self, txn: &DatabaseTransaction, sent: &[i64]) -> Result<Vec<i64>, DbErr> {
        if self.plan.offer_only.is_empty() || sent.is_empty() {
            return Ok(sent.to_vec());
        }
        let mut offered = Vec::with_capacity(sent.len());
        for chunk in sent.chunks(10_000) {
            let mut condition =
                Condition::all().add(Expr::col((member::Entity, member::Column::Id)).is_in(chunk.iter().copied()));
            for only in &self.plan.offer_only {
                condition = condition.add(only.clone());
            }
            let select = segments::matching(condition)
                .column((member::Entity, member::Column::Id))
                .to_owned();
            offered.extend(first_column::<i64>(txn, txn.get_database_backend().build(&select)).await?);
        }
        Ok(offered)
    }

    /// Records the audience's members not yet recorded, each due at the plan's time in their
    /// zone; the ids of those it added.
    async fn record(&self, txn: &DatabaseTransaction, audience: Condition) -> Result<Vec<i64>, DbErr> {
        use entity::campaign_recipient::Column as R;
        let (due, window_ends) = self.due_by_zone(txn).await?;
        let select = segments::matching(audience)
            .expr(Expr::val(self.occurrence_id))
            .column((member::Entity, member::Column::Id))
            .expr(Expr::val(false))
            .expr(due)
            .expr(window_ends)
            .column((metrics::Entity, metrics::Column::ExpectedValue365Cents))
            .to_owned();
        let insert = Query::insert()
            .into_table(entity::campaign_recipient::Entity)
            .columns([
                R::OccurrenceId,
                R::MemberId,
                R::HeldOut,
                R::DueAt,
                R::WindowEndsAt,
                R::ExpectedValueCents,
            ])
            .select_from(select)
            .map_err(|err| DbErr::Custom(format!("recording recipients: {err}")))?
            .on_conflict(
                OnConflict::columns([R::OccurrenceId, R::MemberId])
                    .do_nothing()
                    .to_owned(),
            )
            .returning_col(R::MemberId)
            .to_owned();
        first_column(txn, txn.get_database_backend().build(&insert)).await
    }

    /// When a member's message is due, and their attribution window ends, as SQL over their time
    /// zone: the plan's time in each zone members have (a zone that does not parse is the
    /// brand's).
    async fn due_by_zone(&self, txn: &DatabaseTransaction) -> Result<(SimpleExpr, SimpleExpr), DbErr> {
        let window = Duration::days(i64::from(self.plan.campaign.attribution_days));
        let zones = txn
            .query_all(statement(txn, "SELECT DISTINCT time_zone FROM members", Vec::new()))
            .await?;
        let brand_due = self.plan.due.for_zone(self.ctx.time_zone);
        let (mut due, mut ends) = (CaseStatement::new(), CaseStatement::new());
        let mut elsewhere = false;
        for row in zones {
            let name: String = row.try_get_by_index(0)?;
            let at = self.plan.due.for_zone(name.parse::<Tz>().unwrap_or(self.ctx.time_zone));
            if at != brand_due {
                let in_zone = Expr::col((member::Entity, member::Column::TimeZone)).eq(name);
                due = due.case(in_zone.clone(), Expr::val(at));
                ends = ends.case(in_zone, Expr::val(at + window));
                elsewhere = true;
            }
        }
        if !elsewhere {
            return Ok((Expr::val(brand_due).into(), Expr::val(brand_due + window).into()));
        }
        Ok((
            due.finally(Expr::val(brand_due)).into(),
            ends.finally(Expr::val(brand_due + window)).into(),
        ))
    }

    /// Marks the control group among the members just recorded.
    async fn hold_out(&self, txn: &DatabaseTransaction, held: &[i64]) -> Result<(), DbErr> {
        for chunk in held.chunks(HELD_PER_STATEMENT) {
            let sql = format!(
                "UPDATE campaign_recipients SET held_out = TRUE WHERE occurrence_id = $1 AND member_id IN ({})",
                id_list(chunk.iter().copied())
            );
            txn.execute(statement(txn, &sql, vec![self.occurrence_id.into()]))
                .await?;
        }
        Ok(())
    }

    /// Queues a message for every recipient not held out; the outbox's dedupe key refuses the
    /// ones a re-run had queued before. How many are new.
    async fn queue(&self, txn: &DatabaseTransaction) -> Result<u64, DbErr> {
        let (plan, campaign) = (self.plan, self.plan.campaign);
        let sql = format!(
            "INSERT INTO outbox ({columns}) \
             SELECT $1 || CAST(r.member_id AS TEXT), $2, $3, r.member_id, $4, r.due_at, $5, '{queued}', 0, $6, $7, $8, $9, $10 \
             FROM campaign_recipients r WHERE r.occurrence_id = $11 AND NOT r.held_out \
             ON CONFLICT (dedupe_key) DO NOTHING",
            columns = OUTBOX.columns.join(", "),
            queued = OutboxStatus::Queued,
        );
        let values = vec![
            format!("{}:", plan.dedupe_prefix).into(),
            campaign.kind.as_str().into(),
            plan.key.clone().into(),
            plan.holiday_key.clone().into(),
            plan.hold_quiet_hours.into(),
            plan.run_id.into(),
            Utc::now().into(),
            campaign.id.into(),
            campaign.priority.into(),
            campaign.channels.clone().into(),
            self.occurrence_id.into(),
        ];
        Ok(txn.execute(statement(txn, &sql, values)).await?.rows_affected())
    }
}

/// The reference of the codes an occurrence gives: its messages find theirs by it.
pub fn coupon_reference(campaign_id: i64, key: &str) -> String {
    format!("campaign:{campaign_id}:{key}")
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
