//! The built-in birthday, holiday, win-back and points-expiry-notice campaigns: who each is for, as a
//! filter in the segment language, and when, started through the one occurrence path like any
//! campaign — narrowed by a segment as it is that morning, its control group held out and
//! recorded, so its report compares the members sent to with those held out.
//!
//! Each occurrence has one outbox key per member (`<kind>:<occurrence>:<member id>`), so running
//! a job twice, or on two replicas at once, queues nothing twice; a re-run the same day adds the
//! members who qualified since.
use chrono::{Duration, NaiveDate, NaiveTime};
use entity::vocabulary::{CampaignKind, CouponStatus};
use entity::{campaign, coupon, member_metrics, survey};
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;

use super::holidays::{self, BrandHoliday};
use super::occurrence::{self, Plan};
use super::schedule::DueAt;
use crate::outreach::config::OutreachConfig;
use crate::points::expiry;
use crate::segments::{AsOf, Filter, Op};
use crate::JobContext;

/// When queued messages become due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// At the campaign's send time on the day in each member's time zone, outside their quiet
    /// hours.
    Scheduled,
    /// At once: an operator's explicit catch-up is not held by quiet hours.
    Now,
}

/// What one occurrence of a built-in campaign queued.
#[derive(Debug, Serialize)]
pub struct Occurrence {
    pub kind: CampaignKind,
    pub occurrence: String,
    /// Members who qualified.
    pub candidates: u64,
    /// Of them, kept back as the campaign's control group.
    pub held_out: u64,
    /// Rows new in the outbox (the rest were queued by an earlier run).
    pub queued: u64,
}

impl Occurrence {
    /// The counts of an occurrence that queued nothing.
    fn none(kind: CampaignKind, occurrence: String) -> Self {
        Self {
            kind,
            occurrence,
            candidates: 0,
            held_out: 0,
            queued: 0,
        }
    }
}

/// A built-in campaign as the marketer set it up (on or off, audience, timing, control group,
/// priority); the configuration's defaults where they did not.
#[derive(Debug)]
pub struct Builtin {
    pub campaign: campaign::Model,
    /// When the messages are due in each member's zone.
    pub send_time: NaiveTime,
}

impl Builtin {
    pub async fn load(conn: &impl ConnectionTrait, kind: CampaignKind, config: &OutreachConfig) -> Result<Self, DbErr> {
        let campaign = campaign::Entity::find()
            .filter(campaign::Column::Kind.eq(kind))
            .one(conn)
            .await?
            .ok_or_else(|| DbErr::RecordNotFound(format!("the built-in {kind} campaign is missing")))?;
        let default_time = NaiveTime::from_hms_opt(config.send_hour.min(23), 0, 0).unwrap_or_default();
        Ok(Self {
            send_time: campaign.send_time.unwrap_or(default_time),
            campaign,
        })
    }

    /// Paused or cancelled, it queues nothing.
    pub fn is_on(&self) -> bool {
        self.campaign.status.is_live()
    }

    /// Birthday: days early; holiday: days before each holiday without a lead time of its own;
    /// `default` unless the marketer set it.
    pub fn days_before(&self, default: u32) -> u32 {
        self.campaign
            .days_before
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(default)
    }

    /// Starts (or tops up) the occurrence `key` of `day` for `audience`.
    async fn queue(&self, ctx: &JobContext, day: Day, key: String, audience: Audience) -> Result<Occurrence, DbErr> {
        let kind = self.campaign.kind;
        let mut counts = Occurrence::none(kind, key.clone());
        if !self.is_on() {
            return Ok(counts);
        }
        let plan = Plan {
            campaign: &self.campaign,
            dedupe_prefix: format!("{kind}:{key}"),
            key,
            audience: audience.filter,
            only: audience.only,
            // Everyone's day is the brand's, as the occurrence key says.
            as_of: AsOf {
                date: day.as_of,
                now: None,
            },
            due: match day.timing {
                Timing::Scheduled => DueAt::Local {
                    date: day.as_of,
                    time: self.send_time,
                },
                Timing::Now => DueAt::Instant(chrono::Utc::now()),
            },
            hold_quiet_hours: day.timing == Timing::Scheduled,
            holiday_key: audience.holiday_key,
            offer_only: audience.offer_only,
            tops_up: true,
            run_id: Some(day.run_id),
        };
        if let Some(started) = occurrence::start(ctx, &plan).await? {
            counts.candidates = started.audience;
            counts.held_out = started.held_out;
            counts.queued = started.queued;
        }
        Ok(counts)
    }
}

/// The day a built-in job runs for.
#[derive(Clone, Copy)]
pub struct Day {
    pub as_of: NaiveDate,
    pub timing: Timing,
    pub run_id: i64,
}

/// Who one occurrence is for.
#[derive(Default)]
struct Audience {
    filter: Option<Filter>,
    only: Vec<SimpleExpr>,
    holiday_key: Option<String>,
    /// Who of those sent to get a code of the campaign's offer (none: everyone).
    offer_only: Vec<SimpleExpr>,
}

/// Members whose birthday, solar or lunar, falls the campaign's days early (else the configured
/// `birthday_days_early`) after `as_of`. The occurrence is the birthday's date, so a lunar
/// birthday that comes twice in one Gregorian year is greeted twice, once per lunar year.
pub async fn birthday(ctx: &JobContext, day: Day) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::Birthday, &ctx.outreach.config).await?;
    let days_early = settings.days_before(ctx.outreach.config.birthday_days_early);
    let early = i32::try_from(days_early).unwrap_or(i32::MAX);
    // Exactly `early` days ahead: within that many days, and not within one fewer.
    let on_the_day = match early {
        0 => Filter::BirthdayWithin(0),
        _ => Filter::And(vec![
            Filter::BirthdayWithin(early),
            Filter::Not(Box::new(Filter::BirthdayWithin(early - 1))),
        ]),
    };
    // The gift is a tier benefit: the offer's codes go to the tiers that have it.
    let gift_tiers = ctx.birthday_gift_tiers.iter().map(|tier| tier.as_str());
    let audience = Audience {
        filter: Some(on_the_day),
        offer_only: vec![Expr::col((member_metrics::Entity, member_metrics::Column::Tier)).is_in(gift_tiers)],
        ..Audience::default()
    };
    let key = (day.as_of + Duration::days(i64::from(days_early))).to_string();
    settings.queue(ctx, day, key, audience).await
}

/// Every reachable member, for each enabled holiday that is its lead time away from `as_of`.
pub async fn holiday(ctx: &JobContext, day: Day) -> Result<Vec<Occurrence>, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::Holiday, &ctx.outreach.config).await?;
    let calendar = holidays::load(&ctx.db, settings.days_before(ctx.outreach.config.holiday_days_before)).await?;
    let mut occurrences = Vec::new();
    for brand_holiday in calendar.iter().filter(|h| h.enabled) {
        let date = day.as_of + Duration::days(i64::from(brand_holiday.days_before));
        if !brand_holiday.holiday.date.falls_on(date) {
            continue;
        }
        let key = &brand_holiday.holiday.key;
        let audience = Audience {
            holiday_key: Some(key.clone()),
            ..Audience::default()
        };
        occurrences.push(settings.queue(ctx, day, format!("{key}:{date}"), audience).await?);
    }
    Ok(occurrences)
}

/// Lapsed members who bought at least `winback_min_orders` times and had no win-back message in
/// the cooldown.
pub async fn winback(ctx: &JobContext, day: Day) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::Winback, &ctx.outreach.config).await?;
    let config = &ctx.outreach.config;
    let cooldown_start = day.as_of - Duration::days(i64::from(config.winback_cooldown_days));
    let audience = Audience {
        filter: Some(lapsed_repeat_buyers(config.winback_min_orders)),
        only: vec![Expr::exists(sent_since(CampaignKind::Winback, cooldown_start)).not()],
        ..Audience::default()
    };
    settings.queue(ctx, day, day.as_of.to_string(), audience).await
}

/// Points-expiry notices: on the day the campaign's days before (else `notice_days_before`) a
/// month's last day, every member with points that lapse at the end of it (by the expiry rule:
/// points earned before the first of the month N months back, less everything spent, oldest
/// first). Other days queue nothing: points lapse only at a month's end.
pub async fn points_expiry_notice(ctx: &JobContext, day: Day) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::PointsExpiry, &ctx.outreach.config).await?;
    let last_day = day.as_of + Duration::days(i64::from(settings.days_before(ctx.points.notice_days_before)));
    let earned_before = (ctx.points.expiry_months > 0 && last_day == expiry::last_day_of_month(last_day))
        .then(|| expiry::earned_before(last_day + Duration::days(1), ctx.points.expiry_months))
        .flatten();
    let Some(earned_before) = earned_before else {
        return Ok(Occurrence::none(CampaignKind::PointsExpiry, last_day.to_string()));
    };
    let lapsing = format!(
        "members.id IN (SELECT member_id FROM ({}) AS lapsing)",
        expiry::lapsing_members("$1")
    );
    let cutoff = expiry::start_of(earned_before, ctx.time_zone);
    let audience = Audience {
        only: vec![crate::sql::custom_expr(
            ctx.db.get_database_backend(),
            &lapsing,
            vec![cutoff.into()],
        )],
        ..Audience::default()
    };
    settings.queue(ctx, day, last_day.to_string(), audience).await
}

/// Coupon reminders: every member holding an unredeemed coupon whose last day is the campaign's
/// days before (else `coupon_notice_days_before`) ahead. The occurrence is that last day; the
/// message shows the coupon, and is not sent if it was redeemed meanwhile.
pub async fn coupon_expiry_notice(ctx: &JobContext, day: Day) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::CouponExpiry, &ctx.outreach.config).await?;
    let last_day = day.as_of
        + Duration::days(i64::from(
            settings.days_before(ctx.outreach.config.coupon_notice_days_before),
        ));
    let holders = Query::select()
        .column(coupon::Column::MemberId)
        .from(coupon::Entity)
        .and_where(Expr::col(coupon::Column::Status).eq(CouponStatus::Issued))
        .and_where(Expr::col(coupon::Column::ValidUntil).eq(last_day))
        .to_owned();
    let audience = Audience {
        only: vec![Expr::col((entity::member::Entity, entity::member::Column::Id)).in_subquery(holders)],
        ..Audience::default()
    };
    settings.queue(ctx, day, last_day.to_string(), audience).await
}

/// The satisfaction surveys of the day: writes them (see `surveys`), then queues one message to
/// each member asked. The occurrence is the day: a member's link names it.
pub async fn satisfaction_survey(ctx: &JobContext, day: Day) -> Result<Survey, DbErr> {
    let settings = Builtin::load(&ctx.db, CampaignKind::SatisfactionSurvey, &ctx.outreach.config).await?;
    let written = crate::surveys::write(ctx, day.as_of).await?;
    let asked = Query::select()
        .column(survey::Column::MemberId)
        .from(survey::Entity)
        .and_where(Expr::col(survey::Column::AskedOn).eq(day.as_of))
        .to_owned();
    let audience = Audience {
        only: vec![Expr::col((entity::member::Entity, entity::member::Column::Id)).in_subquery(asked)],
        ..Audience::default()
    };
    let occurrence = settings.queue(ctx, day, day.as_of.to_string(), audience).await?;
    Ok(Survey { written, occurrence })
}

/// What a day's survey run wrote and queued.
#[derive(Debug, Serialize)]
pub struct Survey {
    pub written: crate::surveys::Written,
    pub occurrence: Occurrence,
}

/// Members the latest run found lapsed who bought at least `min_orders` times: the win-back
/// campaign's audience, and the associates' call list.
pub fn lapsed_repeat_buyers(min_orders: u32) -> Filter {
    Filter::And(vec![
        Filter::field("lapsed", Op::Eq, true.into()),
        Filter::field("ordersTotal", Op::Ge, min_orders.into()),
    ])
}

/// The brand's holiday calendar with each holiday's lead time: its own, else the one set on the
/// built-in holiday campaign, else the configured default.
pub async fn holiday_calendar(
    conn: &impl ConnectionTrait,
    config: &OutreachConfig,
) -> Result<Vec<BrandHoliday>, DbErr> {
    let settings = Builtin::load(conn, CampaignKind::Holiday, config).await?;
    holidays::load(conn, settings.days_before(config.holiday_days_before)).await
}

/// The member had a message of `kind` in an occurrence after `day` (queued or sent).
fn sent_since(kind: CampaignKind, day: NaiveDate) -> sea_orm::sea_query::SelectStatement {
    let o = Alias::new("o");
    Query::select()
        .expr(Expr::val(1))
        .from_as(entity::outbox::Entity, o.clone())
        .and_where(
            Expr::col((o.clone(), entity::outbox::Column::MemberId))
                .equals((entity::member::Entity, entity::member::Column::Id)),
        )
        .and_where(Expr::col((o.clone(), entity::outbox::Column::Kind)).eq(kind))
        .and_where(Expr::col((o, entity::outbox::Column::Occurrence)).gt(day.to_string()))
        .to_owned()
}
