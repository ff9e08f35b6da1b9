//! Campaigns over GraphQL: create, schedule, pause, resume, cancel, and each occurrence's report.
use async_graphql::{Context, InputObject, Json, Object, OneofObject, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use entity::vocabulary::Channel;
use entity::{campaign, campaign_occurrence};
use jobs::campaigns::{self as engine, report, uplift, Schedule};
use rust_decimal::prelude::FromPrimitive;
use rust_decimal::Decimal;

use crate::auth::viewer;
use crate::error::AppError;
use crate::graphql::coupon::CouponDefinition;
use crate::graphql::loaders::Loaders;
use crate::graphql::outreach::jobs;
use crate::graphql::segment::Segment;
use crate::graphql::{brand, db, page};
use crate::money::from_cents;
use crate::service::campaign::{self as service, CampaignFields};

pub use entity::vocabulary::CampaignKind;

/// When a campaign sends: exactly one of these.
#[derive(OneofObject, Clone, Debug)]
pub enum ScheduleInput {
    /// Once, at this time in the brand's time zone.
    At(NaiveDateTime),
    /// Once, at a time of day on a date in each member's own time zone.
    Local(LocalTimeInput),
    /// At every tick of a cron expression with seconds in the brand's zone, e.g. `0 0 10 * * TUE`.
    Cron(String),
    /// Whenever a member enters the campaign's segment (at each refresh); `true`.
    OnEntry(bool),
}

#[derive(InputObject, Clone, Debug)]
pub struct LocalTimeInput {
    pub date: NaiveDate,
    pub time: NaiveTime,
}

impl ScheduleInput {
    fn into_schedule(self) -> Result<Schedule, AppError> {
        Ok(match self {
            Self::At(at) => Schedule::At(at),
            Self::Local(local) => Schedule::Local {
                date: local.date,
                time: local.time,
            },
            Self::Cron(expression) => Schedule::Cron(expression.trim().to_owned()),
            Self::OnEntry(true) => Schedule::OnEntry,
            Self::OnEntry(false) => return Err(AppError::field("input.schedule.onEntry", "onEntry is true")),
        })
    }
}

#[derive(InputObject, Debug, Default)]
pub struct CampaignInput {
    pub name: Option<String>,
    /// CUSTOM (default), NEW_ARRIVALS, or JOURNEY (a journey's message: its templates and
    /// channels, sent by a journey's send steps); set when created.
    pub kind: Option<CampaignKind>,
    /// The audience; without one, every consenting member.
    pub segment_id: Option<ID>,
    /// Send to every consenting member (clears the segment).
    pub all_members: Option<bool>,
    pub schedule: Option<ScheduleInput>,
    /// Send at most once per member ever (default: once per occurrence).
    pub once_per_member: Option<bool>,
    /// The share held out as a control group, 0 to 0.5 (e.g. 0.1).
    pub holdout_share: Option<Decimal>,
    /// Under the daily cap, the higher goes first.
    pub priority: Option<i32>,
    /// The channels to reach members on, in order of preference: each member gets one message,
    /// on the first they consented to and can receive (default: email).
    pub channels: Option<Vec<Channel>>,
    /// Days after the send in which purchases count (default 30).
    pub attribution_days: Option<i32>,
    /// New arrivals: the category, and how many days back a purchase in it counts (default 365).
    pub category: Option<String>,
    pub category_window_days: Option<i32>,
    /// Built-in kinds: the time of day their emails are due in each member's own zone
    /// (default: the configured send hour, 09:00).
    pub send_time: Option<NaiveTime>,
    /// Birthday: days early (default 0); holiday: days before each holiday without a lead time
    /// of its own (default 3). 0 to 60.
    pub days_before: Option<i32>,
    /// Gives each recipient a code of this offer (`{{ coupon.code }}` in its templates); the
    /// held-out group gets none.
    pub coupon_definition_id: Option<ID>,
    /// Takes the offer off.
    pub no_coupon: Option<bool>,
}

impl CampaignInput {
    fn into_fields(self) -> Result<CampaignFields, AppError> {
        let segment_id = match (self.segment_id, self.all_members) {
            (Some(_), Some(true)) => {
                return Err(AppError::field(
                    "input.allMembers",
                    "give a segment or allMembers, not both",
                ))
            }
            (Some(id), _) => Some(Some(
                id.parse::<i64>()
                    .map_err(|_| AppError::field("input.segmentId", "not a segment id"))?,
            )),
            (None, Some(true)) => Some(None),
            (None, _) => None,
        };
        let coupon_definition_id = match (self.coupon_definition_id, self.no_coupon) {
            (Some(_), Some(true)) => {
                return Err(AppError::field("input.noCoupon", "give an offer or noCoupon, not both"))
            }
            (Some(id), _) => {
                Some(Some(id.parse::<i64>().map_err(|_| {
                    AppError::field("input.couponDefinitionId", "not an offer id")
                })?))
            }
            (None, Some(true)) => Some(None),
            (None, _) => None,
        };
        Ok(CampaignFields {
            coupon_definition_id,
            name: self.name,
            kind: self.kind,
            segment_id,
            schedule: self.schedule.map(ScheduleInput::into_schedule).transpose()?,
            once_per_member: self.once_per_member,
            holdout_share: self.holdout_share,
            priority: self.priority,
            channels: self.channels,
            attribution_days: self.attribution_days,
            category: self.category,
            category_window_days: self.category_window_days,
            send_time: self.send_time,
            days_before: self.days_before,
        })
    }
}

pub struct Campaign(pub campaign::Model);

#[Object]
impl Campaign {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> CampaignKind {
        self.0.kind
    }
    /// DRAFT, SCHEDULED, SENDING, PAUSED, FINISHED or CANCELLED (lower case).
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    /// The offer each recipient gets a code of.
    async fn coupon(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<CouponDefinition>> {
        let Some(id) = self.0.coupon_definition_id else {
            return Ok(None);
        };
        Ok(ctx
            .data::<Loaders>()?
            .offers()
            .load_one(id)
            .await?
            .map(CouponDefinition))
    }
    /// The audience (`null`: every consenting member).
    async fn segment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segment>> {
        let Some(id) = self.0.segment_id else { return Ok(None) };
        Ok(Some(Segment(crate::service::segment::find(db(ctx)?, id).await?)))
    }
    /// The schedule as stored (`{"local":{"date":…,"time":…}}`, `{"cron":…}`, …).
    async fn schedule(&self) -> async_graphql::Result<Option<Json<serde_json::Value>>> {
        Ok(self
            .0
            .schedule
            .as_deref()
            .map(serde_json::from_str)
            .transpose()?
            .map(Json))
    }
    /// When its next occurrence starts, while it is scheduled or sending (a member-local time:
    /// when that time first comes anywhere, UTC+14); `null` when none is to come or it is sent
    /// on entering its segment.
    async fn next_start_at(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        if !self.0.status.is_live() {
            return Ok(None);
        }
        let zone = brand(ctx)?.time_zone;
        Ok(Schedule::of(&self.0).and_then(|s| s.next_start(Utc::now(), zone)))
    }
    /// The kind of its email template (`saveEmailTemplate`, `previewEmail`, `sendTestEmail`).
    async fn template_kind(&self) -> String {
        engine::template_for(self.0.kind, Some(self.0.id))
    }
    async fn once_per_member(&self) -> bool {
        self.0.once_per_member
    }
    async fn holdout_share(&self) -> Decimal {
        Decimal::new(i64::from(self.0.holdout_basis_points), 4).normalize()
    }
    async fn priority(&self) -> i32 {
        self.0.priority
    }
    /// Its channel preference: each member once, on the first channel they can receive.
    async fn channels(&self) -> Vec<Channel> {
        Channel::parse_list(&self.0.channels)
    }
    async fn attribution_days(&self) -> i32 {
        self.0.attribution_days
    }
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    async fn category_window_days(&self) -> Option<i32> {
        self.0.category_window_days
    }
    /// The locales its template is saved in (a campaign is scheduled once it has zh-CN).
    async fn template_locales(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<String>> {
        let kind = engine::template_for(self.0.kind, Some(self.0.id));
        Ok(service::template_locales(db(ctx)?, &kind).await?)
    }
    /// Built-in kinds: when their emails are due in each member's zone, if set (else the
    /// configured send hour).
    async fn send_time(&self) -> Option<NaiveTime> {
        self.0.send_time
    }
    /// Built-in birthday and holiday: days early, if set (else the configured default).
    async fn days_before(&self) -> Option<i32> {
        self.0.days_before
    }
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    async fn updated_by(&self) -> &str {
        &self.0.updated_by
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Its occurrences, newest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn occurrences(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Occurrence>> {
        let rows = service::occurrences(db(ctx)?, self.0.id).await?;
        Ok(rows.into_iter().map(Occurrence).collect())
    }
}

/// One start of a campaign and its audience snapshot.
pub struct Occurrence(campaign_occurrence::Model);

#[Object]
impl Occurrence {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// `once`, a cron tick, or `refresh:<id>` for a triggered one.
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn started_at(&self) -> DateTime<Utc> {
        self.0.started_at
    }
    /// Members in the snapshot, those held out, and those queued.
    async fn audience(&self) -> i64 {
        self.0.audience
    }
    async fn held_out(&self) -> i64 {
        self.0.held_out
    }
    async fn queued(&self) -> i64 {
        self.0.queued
    }
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<Report> {
        let db = db(ctx)?;
        let delivery = service::delivery(db, &self.0).await?;
        let earnings = service::earnings(db, &self.0).await?;
        Ok(Report { delivery, earnings })
    }
}

/// One channel's share of an occurrence.
#[derive(SimpleObject)]
pub struct ChannelReport {
    pub channel: Channel,
    pub sent: i64,
    /// Reported delivered by the provider (SMS receipts).
    pub delivered: i64,
    pub failed: i64,
    /// Members who withdrew their consent to this channel after the message.
    pub opted_out: i64,
    /// SMS parts billed.
    pub sms_parts: i64,
    /// The parts at the configured price per part (`PATRON_SMS__PRICE_PER_PART`); null without one.
    pub sms_cost: Option<Decimal>,
}

pub struct Report {
    delivery: report::Delivery,
    earnings: report::Earnings,
}

#[Object]
impl Report {
    async fn sent(&self) -> i64 {
        self.delivery.sent
    }
    /// Still waiting: due later, quiet hours, the daily cap, or a retry.
    async fn deferred(&self) -> i64 {
        self.delivery.deferred
    }
    async fn failed(&self) -> i64 {
        self.delivery.failed
    }
    async fn suppressed(&self) -> i64 {
        self.delivery.suppressed
    }
    async fn paused(&self) -> i64 {
        self.delivery.paused
    }
    async fn cancelled(&self) -> i64 {
        self.delivery.cancelled
    }
    /// Members sent to who unsubscribed after it was due.
    async fn unsubscribed(&self) -> i64 {
        self.delivery.unsubscribed
    }
    /// When the rest should be out, at the pace of the last five minutes.
    async fn eta(&self) -> Option<DateTime<Utc>> {
        self.delivery.eta
    }
    /// Delivery per channel the messages went out on.
    #[graphql(complexity = "page::cost(None, 3, child_complexity)")]
    async fn channels(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ChannelReport>> {
        let price = jobs(ctx)?
            .outreach
            .sms
            .as_ref()
            .and_then(|sms| sms.sender.price_per_part());
        let shares = self.delivery.channels.iter();
        Ok(shares
            .map(|share| ChannelReport {
                channel: share.channel,
                sent: share.sent,
                delivered: share.delivered,
                failed: share.failed,
                opted_out: share.opted_out,
                sms_parts: share.parts,
                sms_cost: price
                    .filter(|_| share.channel == Channel::Sms)
                    .map(|price| price * Decimal::from(share.parts)),
            })
            .collect())
    }
    /// Purchases in the attribution window of those sent to, and of the control group.
    async fn sent_group(&self) -> GroupEarnings {
        GroupEarnings::from(&self.earnings.sent)
    }
    async fn held_out_group(&self) -> GroupEarnings {
        GroupEarnings::from(&self.earnings.held_out)
    }
    /// The difference the email made (`null` while a group has fewer than two members).
    async fn uplift(&self) -> Option<UpliftEstimate> {
        self.earnings.uplift.map(|u| UpliftEstimate::from(&u.raw))
    }
    /// The same, adjusted with each member's expected value at the send (CUPED).
    async fn uplift_cuped(&self) -> Option<UpliftEstimate> {
        self.earnings.uplift.map(|u| UpliftEstimate::from(&u.cuped))
    }
    /// What the codes the occurrence gave took off the orders that redeemed them.
    async fn discounts(&self) -> Decimal {
        from_cents(self.earnings.discounts_cents)
    }
    /// Whether the offer paid: the incremental revenue less the discounts, with its 95%
    /// interval (`null` while a group has fewer than two members).
    async fn net_incremental(&self) -> Option<NetIncremental> {
        let discounts = from_cents(self.earnings.discounts_cents);
        self.earnings.uplift.map(|u| {
            let estimate = UpliftEstimate::from(&u.raw);
            NetIncremental {
                revenue: estimate.incremental_revenue - discounts,
                low: estimate.incremental_low - discounts,
                high: estimate.incremental_high - discounts,
            }
        })
    }
}

/// Incremental revenue less the discounts given, with its 95% interval.
#[derive(SimpleObject)]
pub struct NetIncremental {
    revenue: Decimal,
    low: Decimal,
    high: Decimal,
}

#[derive(SimpleObject)]
pub struct GroupEarnings {
    members: i64,
    buyers: i64,
    orders: i64,
    /// Net spend (purchases less returns) in the window.
    revenue: Decimal,
    revenue_per_member: Decimal,
}

impl From<&report::Group> for GroupEarnings {
    fn from(g: &report::Group) -> Self {
        let revenue = from_cents(g.revenue_cents);
        let per_member = if g.members > 0 {
            (revenue / Decimal::from(g.members)).round_dp(2)
        } else {
            Decimal::ZERO
        };
        Self {
            members: g.members,
            buyers: g.buyers,
            orders: g.orders,
            revenue,
            revenue_per_member: per_member,
        }
    }
}

/// Estimates in money, rounded to cents: means per member, their difference, and the
/// incremental revenue (uplift × members sent to) with its 95% interval.
#[derive(SimpleObject)]
pub struct UpliftEstimate {
    sent_per_member: Decimal,
    held_out_per_member: Decimal,
    uplift_per_member: Decimal,
    standard_error: Decimal,
    incremental_revenue: Decimal,
    incremental_low: Decimal,
    incremental_high: Decimal,
}

impl From<&uplift::Estimate> for UpliftEstimate {
    fn from(e: &uplift::Estimate) -> Self {
        // Cents to money, rounded to the cent.
        let money = |cents: f64| {
            let mut amount = Decimal::from_f64(cents / 100.0).unwrap_or_default().round_dp(2);
            amount.rescale(2);
            amount
        };
        Self {
            sent_per_member: money(e.sent_mean),
            held_out_per_member: money(e.held_out_mean),
            uplift_per_member: money(e.uplift),
            standard_error: money(e.standard_error),
            incremental_revenue: money(e.incremental),
            incremental_low: money(e.incremental_low),
            incremental_high: money(e.incremental_high),
        }
    }
}

fn parse_id(id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>()
        .map_err(|_| AppError::field("id", "not a campaign id"))
}

#[derive(Default)]
pub struct CampaignQuery;

#[Object]
impl CampaignQuery {
    /// Every campaign, newest first (the built-in birthday, holiday and win-back ones, and the
    /// journeys' messages, too), or those of one `kind`. Marketers and admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn campaigns(&self, ctx: &Context<'_>, kind: Option<CampaignKind>) -> async_graphql::Result<Vec<Campaign>> {
        let rows = service::list(db(ctx)?, kind).await?;
        Ok(rows.into_iter().map(Campaign).collect())
    }

    async fn campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        Ok(Campaign(service::find(db(ctx)?, parse_id(&id)?).await?))
    }
}

#[derive(Default)]
pub struct CampaignMutation;

#[Object]
impl CampaignMutation {
    /// A draft campaign. Its template is then saved with `saveEmailTemplate` under its
    /// `templateKind`. Marketers and admins; audited.
    async fn create_campaign(&self, ctx: &Context<'_>, input: CampaignInput) -> async_graphql::Result<Campaign> {
        let fields = input.into_fields()?;
        Ok(Campaign(service::create(db(ctx)?, viewer(ctx)?, fields).await?))
    }

    /// Changes a campaign that is not sending. Audited.
    async fn update_campaign(
        &self,
        ctx: &Context<'_>,
        id: ID,
        input: CampaignInput,
    ) -> async_graphql::Result<Campaign> {
        let fields = input.into_fields()?;
        Ok(Campaign(
            service::update(db(ctx)?, viewer(ctx)?, parse_id(&id)?, fields).await?,
        ))
    }

    /// draft → scheduled: it starts at its time. Audited.
    async fn schedule_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        Ok(Campaign(
            service::schedule(db(ctx)?, viewer(ctx)?, parse_id(&id)?).await?,
        ))
    }

    /// Holds its queued emails (those in the dispatcher's current batch still go). Audited.
    async fn pause_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        Ok(Campaign(service::pause(db(ctx)?, viewer(ctx)?, parse_id(&id)?).await?))
    }

    async fn resume_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        Ok(Campaign(service::resume(db(ctx)?, viewer(ctx)?, parse_id(&id)?).await?))
    }

    /// Stops for good; its emails not yet sent are cancelled. Audited.
    async fn cancel_campaign(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Campaign> {
        Ok(Campaign(service::cancel(db(ctx)?, viewer(ctx)?, parse_id(&id)?).await?))
    }
}
