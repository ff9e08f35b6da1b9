//! The membership as a member's own app shows it: what each tier gives (benefits, from
//! configuration), how far the member is from keeping or reaching a tier, and which of their
//! points lapse when.
use std::collections::{BTreeMap, HashMap};

use chrono::{Duration, NaiveDate};
use entity::vocabulary::{MemberStatus, OutboxStatus, PurchaseKind, Tier};
use entity::{outbox, points_entry, purchase};
use jobs::analytics::progress::{self, Day, Progress};
use rust_decimal::Decimal;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::{Deserialize, Serialize};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};

/// `[tier_benefits]` in `patron.toml`: what each tier gives, as apps show it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TierBenefitsConfig {
    pub a: Benefits,
    pub b: Benefits,
    pub c: Benefits,
    pub d: Benefits,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Benefits {
    /// Percent off regular prices.
    pub discount_percent: Decimal,
    pub free_shipping: bool,
    pub birthday_gift: bool,
    pub priority_service: bool,
    /// The benefits in words, by locale (`zh-CN`, `en`).
    pub description: BTreeMap<String, String>,
}

impl Default for TierBenefitsConfig {
    fn default() -> Self {
        let benefits = |discount: i64, shipping, gift, priority, zh: &str, en: &str| Benefits {
            discount_percent: Decimal::from(discount),
            free_shipping: shipping,
            birthday_gift: gift,
            priority_service: priority,
            description: [("zh-CN", zh), ("en", en)]
                .into_iter()
                .map(|(locale, text)| (locale.to_owned(), text.to_owned()))
                .collect(),
        };
        Self {
            a: benefits(
                10,
                true,
                true,
                true,
                "全场九折、免运费、生日礼、专属顾问优先服务",
                "10% off, free shipping, a birthday gift and priority service from your own associate",
            ),
            b: benefits(
                5,
                true,
                true,
                false,
                "全场九五折、免运费、生日礼",
                "5% off, free shipping and a birthday gift",
            ),
            c: benefits(0, false, true, false, "生日礼", "A birthday gift"),
            d: benefits(
                0,
                false,
                false,
                false,
                "消费即可累积积分、升级会员等级",
                "Earn points and a higher tier with every purchase",
            ),
        }
    }
}

impl TierBenefitsConfig {
    /// Each tier with its benefits, best first.
    pub fn by_tier(&self) -> impl Iterator<Item = (Tier, &Benefits)> {
        Tier::ALL.iter().map(|tier| (*tier, self.of(*tier)))
    }

    /// What `tier` gives.
    pub fn of(&self, tier: Tier) -> &Benefits {
        match tier {
            Tier::A => &self.a,
            Tier::B => &self.b,
            Tier::C => &self.c,
            Tier::D => &self.d,
        }
    }
}

/// The member a member token speaks for.
pub async fn own(conn: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<entity::member::Model> {
    let id = viewer
        .member_id
        .ok_or_else(|| AppError::unauthenticated("this member token names no member".into()))?;
    let found = entity::member::Entity::find_by_id(id)
        .one(conn)
        .await?
        .filter(|m| m.status != MemberStatus::Erased)
        .ok_or_else(|| AppError::NotFound("the member of this token no longer exists".into()))?;
    Ok(found)
}

/// The member's progress by the tier rules as of today (`None` in percentile mode).
pub async fn tier_progress(
    conn: &impl ConnectionTrait,
    brand: &Brand,
    policy: &jobs::analytics::config::TierPolicy,
    member_id: i64,
) -> AppResult<Option<Progress>> {
    let today = brand.today();
    // The window's orders and their returns (a day's margin for time zones; the window itself
    // is cut by date below).
    let since = brand.noon_of(today - Duration::days(367));
    let rows = purchase::Entity::find()
        .filter(purchase::Column::MemberId.eq(member_id))
        .filter(purchase::Column::OccurredAt.gte(since))
        .all(conn)
        .await?;
    // Each order's net amount on the day it was bought.
    let mut orders: HashMap<&str, (Option<NaiveDate>, i64)> = HashMap::new();
    for row in &rows {
        let order = orders.entry(row.order_id.as_str()).or_default();
        order.1 += row.amount_cents;
        if row.kind == PurchaseKind::Purchase {
            order.0 = Some(brand.date_of(row.occurred_at));
        }
    }
    let mut by_day: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (date, net) in orders.into_values() {
        if let Some(date) = date {
            *by_day.entry(date).or_default() += net;
        }
    }
    let days: Vec<Day> = by_day
        .into_iter()
        .map(|(date, net_cents)| Day { date, net_cents })
        .collect();
    Ok(progress::progress(policy, &days, today))
}

/// The emails the member was sent, newest first.
pub async fn emails_received(conn: &impl ConnectionTrait, member_id: i64, limit: u64) -> AppResult<Vec<outbox::Model>> {
    Ok(outbox::Entity::find()
        .filter(outbox::Column::MemberId.eq(member_id))
        .filter(outbox::Column::Status.eq(OutboxStatus::Sent))
        .order_by_desc(outbox::Column::SentAt)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The member's points that lapse from today on, soonest first.
pub async fn lapsing_points(
    conn: &impl ConnectionTrait,
    brand: &Brand,
    member_id: i64,
) -> AppResult<Vec<(NaiveDate, i64)>> {
    let entries: Vec<(chrono::DateTime<chrono::Utc>, i64)> = points_entry::Entity::find()
        .filter(points_entry::Column::MemberId.eq(member_id))
        .order_by_asc(points_entry::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|e| (e.created_at, e.points))
        .collect();
    Ok(jobs::points::expiry::upcoming(
        &entries,
        brand.points.expiry_months,
        brand.time_zone,
        brand.today(),
    ))
}
