//! Recipients: what the dispatcher (and a template preview) knows of a member at send time.
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use entity::vocabulary::{CampaignKind, Channel, Frequency, MemberStatus, OutboxStatus, Topic};
use sea_orm::{ConnectionTrait, DbErr};

use super::claim::held_by_live_dispatcher;
use super::reach::{self, Addresses};
use super::suppression::Suppressions;
use super::template::MemberContext;
use crate::sql::{id_list, statement};

/// What is known of a member when a message to them is sent (or previewed).
pub struct Recipient {
    /// What templates show of them.
    pub member: MemberContext,
    pub status: MemberStatus,
    pub addresses: Addresses,
    pub locale: String,
    pub time_zone: String,
    /// Why their email address, or their number, must not be used (it is on a suppression list).
    suppressed: HashMap<Channel, String>,
    /// What they want to hear of, and how often.
    pub preferences: Preferences,
    /// Marketing messages sent to them on any channel, or being sent: in the last day, or the last
    /// week for a member who asked for fewer.
    pub recent_sends: Vec<DateTime<Utc>>,
    /// When they asked for marketing email and are yet to confirm it (double opt-in).
    pub email_confirmation_requested_at: Option<DateTime<Utc>>,
}

/// A member's choice of topics and frequency.
#[derive(Clone, Debug, Default)]
pub struct Preferences {
    pub muted: Vec<Topic>,
    pub frequency: Frequency,
    pub paused_until: Option<DateTime<Utc>>,
}

impl Preferences {
    /// Why a message of `kind` may not go to them at `now`, if it may not.
    pub fn refuse(&self, kind: CampaignKind, now: DateTime<Utc>) -> Option<String> {
        if let Some(until) = self.paused_until.filter(|until| *until > now) {
            return Some(format!(
                "the member paused marketing messages until {}",
                until.date_naive()
            ));
        }
        let topic = Topic::of(kind).filter(|topic| self.muted.contains(topic))?;
        Some(format!("the member does not want {topic} messages"))
    }

    /// How many messages they take in which rolling window.
    pub fn allowance(&self, daily_cap: usize) -> (usize, Duration) {
        match self.frequency {
            Frequency::Normal => (daily_cap, Duration::hours(24)),
            Frequency::Fewer => (daily_cap.min(1), Duration::days(7)),
        }
    }
}

impl Recipient {
    /// Why they may not be reached on `channel` now, if they may not.
    pub fn barred(&self, channel: Channel) -> Option<String> {
        reach::barred(self.status, &self.addresses, channel)
            .map(str::to_owned)
            .or_else(|| self.suppressed.get(&channel).cloned())
    }

    /// The address the confirmation of the email consent asked for at `asked_at` goes to;
    /// consent is what it asks for, so only the request and the address are checked.
    pub fn confirmation_address(&self, asked_at: DateTime<Utc>) -> Result<String, String> {
        if self.status != MemberStatus::Active {
            return Err("the member was erased".to_owned());
        }
        let asked = self.email_confirmation_requested_at.map(|at| at.timestamp_millis());
        if asked != Some(asked_at.timestamp_millis()) {
            return Err("the request was confirmed, withdrawn or replaced since".to_owned());
        }
        if let Some(reason) = self.suppressed.get(&Channel::Email) {
            return Err(reason.clone());
        }
        self.addresses
            .email
            .clone()
            .ok_or_else(|| "no email address".to_owned())
    }
}

/// Everything about these members in four statements: see `profiles` and `add_recent_sends`.
pub async fn load(
    db: &impl ConnectionTrait,
    member_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Recipient>, DbErr> {
    let mut recipients = profiles(db, member_ids).await?;
    add_recent_sends(db, &mut recipients, now).await?;
    Ok(recipients)
}

/// These members' profiles with tier, store and points balance, and whether their addresses are
/// on the suppression lists, in three statements; their recent sends are not read yet.
pub async fn profiles(db: &impl ConnectionTrait, member_ids: &[i64]) -> Result<HashMap<i64, Recipient>, DbErr> {
    let ids = id_list(member_ids.iter().copied());
    let sql = format!(
        "SELECT m.id, m.member_no, m.name, m.email, m.phone, m.wechat_openid, m.wechat_mini_openid, \
           m.email_consent, m.sms_consent, m.wechat_consent, m.locale, m.time_zone, m.status, \
           m.muted_topics, m.frequency, m.paused_until, m.email_confirmation_requested_at, \
           mm.tier, s.name AS store_name, \
           (SELECT CAST(COALESCE(SUM(p.points), 0) AS BIGINT) FROM points_ledger p WHERE p.member_id = m.id) AS points \
         FROM members m LEFT JOIN member_metrics mm ON mm.member_id = m.id \
           LEFT JOIN stores s ON s.id = m.store_id \
         WHERE m.id IN ({ids})"
    );
    let mut recipients = HashMap::new();
    for r in db.query_all(statement(db, &sql, Vec::new())).await? {
        let points: Option<i64> = r.try_get("", "points")?;
        recipients.insert(
            r.try_get::<i64>("", "id")?,
            Recipient {
                member: MemberContext {
                    name: r.try_get("", "name")?,
                    member_no: r.try_get("", "member_no")?,
                    tier: r.try_get("", "tier")?,
                    points: points.unwrap_or_default(),
                    store: r.try_get("", "store_name")?,
                },
                status: r.try_get("", "status")?,
                addresses: Addresses {
                    email: r.try_get("", "email")?,
                    email_consent: r.try_get("", "email_consent")?,
                    phone: r.try_get("", "phone")?,
                    sms_consent: r.try_get("", "sms_consent")?,
                    wechat_openid: r.try_get("", "wechat_openid")?,
                    wechat_mini_openid: r.try_get("", "wechat_mini_openid")?,
                    wechat_consent: r.try_get("", "wechat_consent")?,
                },
                locale: r.try_get("", "locale")?,
                time_zone: r.try_get("", "time_zone")?,
                suppressed: HashMap::new(),
                preferences: Preferences {
                    muted: r
                        .try_get::<Option<String>>("", "muted_topics")?
                        .map(|topics| topics.split(',').filter_map(|t| Topic::parse(t.trim())).collect())
                        .unwrap_or_default(),
                    frequency: r.try_get("", "frequency")?,
                    paused_until: r.try_get("", "paused_until")?,
                },
                recent_sends: Vec::new(),
                email_confirmation_requested_at: r.try_get("", "email_confirmation_requested_at")?,
            },
        );
    }
    mark_suppressed(db, &mut recipients).await?;
    Ok(recipients)
}

/// Reads the recipients' marketing sends since `now − 24 h` (a week for those who asked for
/// fewer), those in flight included: what the frequency cap counts.
pub async fn add_recent_sends(
    db: &impl ConnectionTrait,
    recipients: &mut HashMap<i64, Recipient>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    if recipients.is_empty() {
        return Ok(());
    }
    let ids = id_list(recipients.keys().copied());
    // Sent, or being sent: a queued row with a `channel` is a send its dispatcher reserved, and
    // counts as sent now while that dispatcher is alive (see `dispatch`). A confirmation is not
    // marketing.
    let (queued, sent) = (OutboxStatus::Queued, OutboxStatus::Sent);
    let confirmation = CampaignKind::EmailConfirmation;
    let sql = format!(
        "SELECT o.member_id, COALESCE(o.sent_at, $2) AS sent_at FROM outbox o \
         WHERE o.member_id IN ({ids}) AND o.kind <> '{confirmation}' \
           AND ((o.status = '{sent}' AND (o.sent_at > $1 OR (o.sent_at > $3 AND o.member_id IN ({fewer})))) \
             OR (o.status = '{queued}' AND o.channel IS NOT NULL AND {live}))",
        live = held_by_live_dispatcher("$2"),
        fewer = fewer_ids(recipients),
    );
    let values = vec![
        (now - Duration::hours(24)).into(),
        now.into(),
        (now - Duration::days(7)).into(),
    ];
    for r in db.query_all(statement(db, &sql, values)).await? {
        let member_id: i64 = r.try_get("", "member_id")?;
        if let Some(recipient) = recipients.get_mut(&member_id) {
            recipient.recent_sends.push(r.try_get("", "sent_at")?);
        }
    }
    Ok(())
}

/// The members who asked for fewer messages (one a week), whose sends are read a week back, as
/// an `IN` list (`NULL`, matching nothing, when there are none).
fn fewer_ids(recipients: &HashMap<i64, Recipient>) -> String {
    let fewer = recipients
        .iter()
        .filter(|(_, r)| r.preferences.frequency == Frequency::Fewer)
        .map(|(id, _)| *id);
    Some(id_list(fewer))
        .filter(|list| !list.is_empty())
        .unwrap_or_else(|| "NULL".to_owned())
}

/// Marks the email addresses and numbers found on the suppression lists.
async fn mark_suppressed(db: &impl ConnectionTrait, recipients: &mut HashMap<i64, Recipient>) -> Result<(), DbErr> {
    for list in [Suppressions::EMAIL, Suppressions::PHONE] {
        let mut by_hash: HashMap<String, Vec<i64>> = HashMap::new();
        for (id, recipient) in recipients.iter() {
            if let Some(address) = list.address(&recipient.addresses) {
                by_hash.entry(list.hash(address)).or_default().push(*id);
            }
        }
        if by_hash.is_empty() {
            continue;
        }
        // The hashes are hex digits computed here, so they are written as literals, like ids
        // (binding thousands of values is quadratic on SQLite).
        let hashes: Vec<String> = by_hash.keys().map(|hash| format!("'{hash}'")).collect();
        let sql = format!(
            "SELECT {column} AS hash, reason FROM {table} WHERE {column} IN ({})",
            hashes.join(", "),
            table = list.table,
            column = list.column,
        );
        for r in db.query_all(statement(db, &sql, Vec::new())).await? {
            let hash: String = r.try_get("", "hash")?;
            let reason: String = r.try_get("", "reason")?;
            for id in by_hash.get(&hash).into_iter().flatten() {
                if let Some(recipient) = recipients.get_mut(id) {
                    let why = format!("the {} is on the suppression list ({reason})", list.noun);
                    recipient.suppressed.insert(list.channel, why);
                }
            }
        }
    }
    Ok(())
}
