//! Satisfaction surveys: each day, one question to the members who bought a few days before or
//! whose complaint was resolved then, sent through the built-in "Satisfaction survey" campaign
//! and answered once on a small page behind a signed link (`/survey/<member>.<day>.<signature>`).
//!
//! A survey is written before it is sent, set-based, with where the member was served (the
//! order's store, else their home store) and their associate then, so the answers can be read
//! per store and per associate. One survey a member a day (a resolved complaint before a
//! purchase), one per order or complaint, and none within `cooldown_days` of the member's last:
//! a re-run, or a second replica, asks nothing twice.
use chrono::{Duration, NaiveDate, Utc};
use entity::vocabulary::{FeedbackKind, FeedbackStatus, MemberStatus, PurchaseKind, SurveyOccasion, SurveyScale};
use rust_decimal::Decimal;
use sea_orm::{ConnectionTrait, DbErr};
use serde::{Deserialize, Serialize};

use crate::points::expiry::start_of;
use crate::sql::statement;
use crate::tasks::assignee_sql;
use crate::JobContext;

/// `[surveys]` in `patron.toml`, or `PATRON_SURVEYS__…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SurveysConfig {
    /// CSAT (1–5) or NPS (0–10).
    pub scale: SurveyScale,
    /// Asked this many days after the purchase or the resolution.
    pub days_after: u32,
    /// Ask after a purchase of at least this much (0: any purchase); `after_purchase = false`
    /// asks after none.
    pub min_amount: Decimal,
    pub after_purchase: bool,
    pub after_complaint: bool,
    /// No new survey for a member asked within this many days.
    pub cooldown_days: u32,
    /// A survey's link takes an answer for this many days after it was sent.
    pub answer_days: u32,
}

impl Default for SurveysConfig {
    fn default() -> Self {
        Self {
            scale: SurveyScale::Csat,
            days_after: 1,
            min_amount: Decimal::ZERO,
            after_purchase: true,
            after_complaint: true,
            cooldown_days: 30,
            answer_days: 14,
        }
    }
}

/// The surveys a day's run wrote, by what they ask about.
#[derive(Debug, Default, Serialize)]
pub struct Written {
    pub after_complaint: u64,
    pub after_purchase: u64,
}

/// Writes the surveys to send on `as_of`: after complaints resolved, then after purchases made,
/// `days_after` days before.
pub async fn write(ctx: &JobContext, as_of: NaiveDate) -> Result<Written, DbErr> {
    let config = &ctx.surveys;
    let served_on = as_of - Duration::days(i64::from(config.days_after));
    let mut written = Written::default();
    if config.after_complaint {
        written.after_complaint = after_complaints(ctx, as_of, served_on).await?;
    }
    if config.after_purchase {
        written.after_purchase = after_purchases(ctx, as_of, served_on).await?;
    }
    Ok(written)
}

/// Complaints resolved on `resolved_on` in the brand's zone.
async fn after_complaints(ctx: &JobContext, as_of: NaiveDate, resolved_on: NaiveDate) -> Result<u64, DbErr> {
    let (start, end) = (
        start_of(resolved_on, ctx.time_zone),
        start_of(resolved_on + Duration::days(1), ctx.time_zone),
    );
    let source = format!(
        "SELECT f.member_id, '{occasion}', f.id, m.store_id, {associate}, '{scale}', $1, $2 \
         FROM feedback f JOIN members m ON m.id = f.member_id \
         WHERE f.kind = '{complaint}' AND f.status = '{resolved}' AND f.resolved_at >= $4 AND f.resolved_at < $5 \
           AND {askable}",
        occasion = SurveyOccasion::Complaint,
        associate = assignee_sql("m"),
        scale = ctx.surveys.scale,
        complaint = FeedbackKind::Complaint,
        resolved = FeedbackStatus::Resolved,
        askable = askable(),
    );
    insert(ctx, &source, as_of, vec![start.into(), end.into()]).await
}

/// Each member's first order of `bought_on` of at least the minimum amount, not returned in full.
async fn after_purchases(ctx: &JobContext, as_of: NaiveDate, bought_on: NaiveDate) -> Result<u64, DbErr> {
    let min_cents = (ctx.surveys.min_amount * Decimal::ONE_HUNDRED)
        .trunc()
        .try_into()
        .unwrap_or(i64::MAX);
    let qualifies = |p: &str| {
        format!(
            "{p}.kind = '{}' AND {p}.occurred_on = $4 AND {p}.amount_cents >= $5",
            PurchaseKind::Purchase
        )
    };
    let source = format!(
        "SELECT p.member_id, '{occasion}', p.id, COALESCE(p.store_id, m.store_id), {associate}, '{scale}', $1, $2 \
         FROM purchases p JOIN members m ON m.id = p.member_id \
         WHERE {first} AND p.id = (SELECT MIN(q.id) FROM purchases q WHERE q.member_id = p.member_id AND {second}) \
           AND (SELECT SUM(r.amount_cents) FROM purchases r WHERE r.order_id = p.order_id) > 0 \
           AND {askable}",
        occasion = SurveyOccasion::Purchase,
        associate = assignee_sql("m"),
        scale = ctx.surveys.scale,
        first = qualifies("p"),
        second = qualifies("q"),
        askable = askable(),
    );
    insert(ctx, &source, as_of, vec![bought_on.into(), min_cents.into()]).await
}

/// An active member not asked within the cooldown (`$3` is its first day), over `m`.
fn askable() -> String {
    format!(
        "m.status = '{}' AND NOT EXISTS (SELECT 1 FROM surveys s WHERE s.member_id = m.id AND s.asked_on >= $3)",
        MemberStatus::Active
    )
}

/// Inserts the surveys `source` selects (binding the day asked, now, the cooldown's first day,
/// then `values`), skipping any a member or subject already has.
async fn insert(ctx: &JobContext, source: &str, as_of: NaiveDate, values: Vec<sea_orm::Value>) -> Result<u64, DbErr> {
    let cooldown_from = as_of - Duration::days(i64::from(ctx.surveys.cooldown_days.max(1)) - 1);
    let sql = format!(
        "INSERT INTO surveys (member_id, occasion, subject_id, store_id, associate_id, scale, asked_on, created_at) \
         {source} ON CONFLICT DO NOTHING"
    );
    let mut bound = vec![as_of.into(), Utc::now().into(), cooldown_from.into()];
    bound.extend(values);
    Ok(ctx.db.execute(statement(&ctx.db, &sql, bound)).await?.rows_affected())
}
