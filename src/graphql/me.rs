//! `me`: the caller, as their token says; for a member token also what the member's own app
//! shows — profile, tier, progress by the tier rules, points and when they lapse, benefits —
//! and `updateMe` for their own contact details, language and consent. `tierBenefits` for
//! every caller.
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::NaiveDate;
use entity::vocabulary::{Channel, Frequency, Topic};
use jobs::JobContext;
use rust_decimal::Decimal;

use crate::auth::{viewer, Role};
use crate::graphql::loaders::Loaders;
use crate::graphql::member::Member;
use crate::graphql::outreach::OutboxEntry;
use crate::graphql::store::{Staff, Store};
use crate::graphql::{brand, db, page};
use crate::service::analytics::Tier;
use crate::service::member::{self as members, Consent, MemberFields};
use crate::service::membership::{self, Benefits};
use crate::service::preferences::{self, Choice};

/// What a tier gives.
pub struct TierBenefits {
    tier: Tier,
    benefits: Benefits,
}

#[Object]
impl TierBenefits {
    async fn tier(&self) -> Option<Tier> {
        Some(self.tier)
    }
    /// Percent off regular prices.
    async fn discount_percent(&self) -> Decimal {
        self.benefits.discount_percent
    }
    async fn free_shipping(&self) -> bool {
        self.benefits.free_shipping
    }
    async fn birthday_gift(&self) -> bool {
        self.benefits.birthday_gift
    }
    async fn priority_service(&self) -> bool {
        self.benefits.priority_service
    }
    /// The benefits in words, in `locale` (zh-CN or en), or in Chinese when there is none in it.
    async fn description(&self, #[graphql(default = "zh-CN")] locale: String) -> Option<&str> {
        let texts = &self.benefits.description;
        texts.get(&locale).or_else(|| texts.get("zh-CN")).map(String::as_str)
    }
}

impl TierBenefits {
    fn of((tier, benefits): (Tier, &Benefits)) -> Self {
        Self {
            tier,
            benefits: benefits.clone(),
        }
    }
}

/// How far the member is from keeping or reaching a tier, by the rules and the 365-day window.
#[derive(SimpleObject)]
pub struct TierProgress {
    /// Net spend in the last 365 days.
    spend_365: Decimal,
    /// Purchase days in the last 365 days.
    visits_365: u32,
    /// The tier those qualify for today (the nightly run applies a downgrade after its grace
    /// period, so the member's tier may still be higher).
    qualifies_for: Option<Tier>,
    /// Without another purchase, the last day they still qualify for it (none for D).
    qualifies_until: Option<NaiveDate>,
    /// What the next tier up takes (none at A).
    next: Option<TierGoal>,
}

#[derive(SimpleObject)]
pub struct TierGoal {
    tier: Option<Tier>,
    /// More net spend needed within the window.
    spend_needed: Decimal,
    /// More purchase days needed within the window.
    visits_needed: u32,
    /// Until this day the figures hold; after it the window loses a purchase day.
    by: Option<NaiveDate>,
}

/// Points that lapse at the end of a day unless spent first (the oldest are spent first).
#[derive(SimpleObject)]
pub struct PointsLapse {
    points: i64,
    /// The last day they are valid.
    last_day: NaiveDate,
}

/// The caller, as their token says; for a member token, also what the member's own app shows.
pub struct Me;

#[Object]
impl Me {
    async fn role(&self, ctx: &Context<'_>) -> async_graphql::Result<Role> {
        Ok(viewer(ctx)?.role)
    }
    /// `staff:<id>`, `member:<member_no>`.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<String> {
        Ok(viewer(ctx)?.actor.clone())
    }
    async fn staff(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        let Some(id) = viewer(ctx)?.staff_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.staff().load_one(id).await?.map(Staff))
    }
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = viewer(ctx)?.store_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
    /// For a member token: that member — profile, tier, balance, purchases, ledger, feedback.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(id) = viewer(ctx)?.member_id else {
            return Ok(None);
        };
        Member::by_id(ctx, id).await
    }

    /// For a member token: progress by the tier rules (none when tiers go by percentile).
    async fn tier_progress(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TierProgress>> {
        let Some(id) = viewer(ctx)?.member_id else {
            return Ok(None);
        };
        let policy = &ctx.data::<JobContext>()?.analytics.tier_policy;
        let progress = membership::tier_progress(db(ctx)?, brand(ctx)?, policy, id).await?;
        Ok(progress.map(|p| TierProgress {
            spend_365: Decimal::new(p.spend_cents, 2),
            visits_365: p.visits,
            qualifies_for: Some(p.qualifies_for),
            qualifies_until: p.qualifies_until,
            next: p.next.map(|goal| TierGoal {
                tier: Some(goal.tier),
                spend_needed: Decimal::new(goal.spend_cents, 2),
                visits_needed: goal.visits,
                by: goal.by,
            }),
        }))
    }

    /// For a member token: the points that lapse from today on, soonest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn lapsing_points(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<PointsLapse>> {
        let Some(id) = viewer(ctx)?.member_id else {
            return Ok(Vec::new());
        };
        let lapses = membership::lapsing_points(db(ctx)?, brand(ctx)?, id).await?;
        Ok(lapses
            .into_iter()
            .map(|(last_day, points)| PointsLapse { points, last_day })
            .collect())
    }

    /// For a member token: the emails the member was sent, newest first.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn emails_received(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<OutboxEntry>> {
        let Some(id) = viewer(ctx)?.member_id else {
            return Ok(Vec::new());
        };
        let limit = page::page_size(first, 20)?;
        let sent = membership::emails_received(db(ctx)?, id, limit).await?;
        Ok(sent.into_iter().map(OutboxEntry).collect())
    }

    /// For a member token: what the member's tier (from the latest run) gives; D's before the
    /// first run.
    async fn benefits(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<TierBenefits>> {
        let Some(id) = viewer(ctx)?.member_id else {
            return Ok(None);
        };
        let tier = ctx.data::<Loaders>()?.tiers().load_one(id).await?;
        let tier = tier.unwrap_or(Tier::D);
        Ok(Some(TierBenefits::of((tier, brand(ctx)?.benefits.of(tier)))))
    }
}

#[derive(Default)]
pub struct MeQuery;

#[Object]
impl MeQuery {
    /// The caller.
    async fn me(&self) -> Me {
        Me
    }

    /// What each tier gives, best first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn tier_benefits(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TierBenefits>> {
        viewer(ctx)?;
        Ok(brand(ctx)?.benefits.by_tier().map(TierBenefits::of).collect())
    }
}

#[derive(Default)]
pub struct MeMutation;

#[Object]
impl MeMutation {
    /// Updates the signed-in member's own contact details, language, time zone or email
    /// consent (`emailConsent: false` unsubscribes). Audited. Member tokens only.
    async fn update_me(&self, ctx: &Context<'_>, input: MemberFields) -> async_graphql::Result<Member> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let own = membership::own(db, viewer).await?;
        Ok(Member(
            members::update(db, viewer, brand(ctx)?, &own.member_no, input).await?,
        ))
    }

    /// The signed-in member's preferences: the topics they want (the others are muted), how
    /// often (`pause: true` pauses marketing messages for 30 days) and, when given, the channels
    /// they consent to, with the wording the app showed. Audited. Member tokens only.
    async fn update_my_preferences(&self, ctx: &Context<'_>, input: PreferencesInput) -> async_graphql::Result<Member> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let own = membership::own(db, viewer).await?;
        let choice = Choice {
            topics: input.topics,
            frequency: input.frequency,
            pause: input.pause,
            channels: input.channels,
        };
        let consent = Consent {
            source: Some("app"),
            wording: input.consent_wording.as_deref(),
        };
        Ok(Member(
            preferences::save(db, brand(ctx)?, viewer, &own, &choice, consent).await?,
        ))
    }
}

#[derive(InputObject, Debug)]
pub struct PreferencesInput {
    /// The topics the member wants; the others are muted.
    pub topics: Vec<Topic>,
    #[graphql(default_with = "Frequency::Normal")]
    pub frequency: Frequency,
    /// Pause marketing messages for 30 days (false ends a pause).
    #[graphql(default)]
    pub pause: bool,
    /// The channels the member consents to (left out: consent stays as it is).
    pub channels: Option<Vec<Channel>>,
    /// The wording the app showed when asking.
    pub consent_wording: Option<String>,
}
