//! The outbox dispatcher: claims due rows, picks each member's channel, checks consent,
//! suppression, the frequency cap and quiet hours, renders, sends (see `deliver`) and records
//! each outcome as it happens.
//!
//! Exactly once: a row is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
//! writer) so two dispatchers never hold it together, and it is only marked sent after the
//! server or provider accepted it. Each send's outcome is written before its connection takes
//! the next message (see `recorder`), so a dispatcher killed mid-send re-sends at most what was
//! on the wire: one email per SMTP connection, one request's SMS per provider connection; its
//! claims lapse with its lease (see `claim`). Stopped cleanly (`JobContext::shutdown`), it
//! claims nothing more, finishes and records the sends on the wire, and gives back the rows it
//! had not started.
//!
//! One message per member and occurrence, on the first channel of its preference the member
//! can receive: consented, with an address there, not suppressed, and the channel configured
//! for the message's kind. A channel that refuses the member at send time (WeChat: not a
//! follower) leaves the row's preference and the next is tried.
//!
//! The email asking a member to confirm email consent (double opt-in) is not marketing: it goes
//! at once to the address it confirms, past consent, preferences, the cap and quiet hours, while
//! the member's request stands.
//!
//! The frequency cap holds across channels, dispatchers and replicas: a row about to be sent
//! carries its reservation (its `channel` while still queued), written in the same transaction that
//! counted the member's recent sends with the members taken in turn, so no two dispatchers can
//! both find a member's slot free.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use entity::vocabulary::{CampaignKind, Channel, OutboxStatus};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, TransactionTrait};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::channel_template::{self, ChannelTemplate, ChannelTemplates};
use super::claim::{Claimant, Row};
use super::content::Content;
use super::deliver::{deliver, Message, Pending};
use super::mailer::Outgoing;
use super::recipient::{self, Recipient};
pub use super::recorder::Dispatched;
use super::recorder::{Recorded, Recorder, Update};
use super::suppression::Suppressions;
use super::template::{self, CouponContext, MailContext, Occasion, SurveyContext, Templates, CONFIRMATION_KIND};
use super::transport::Accepted;
use super::wechat::WechatKind;
use super::Outreach;
use crate::calendar::local_hour;
use crate::coupons::Shown;
use crate::sql::{id_placeholders, statement, WriteTurns};
use crate::{JobContext, JobError};

/// Ids bound in one statement (a power of four, so `id_placeholders` adds no padding).
const MOST_IDS_PER_STATEMENT: usize = 4096;

/// The PostgreSQL advisory lock that dispatchers take in turn to decide a batch.
const DECIDING: i64 = 0x5041_5452_4f4e; // "PATRON"

/// Sends every row that is due until none is left or the dispatcher is told to stop, each with
/// what `content` says it is. Three stages work at the same time: a batch is claimed and
/// decided while the one before is rendered (on the blocking pool, off the threads that drive
/// the connections) and the one before that is on the wire.
pub async fn dispatch(ctx: &JobContext, content: &dyn Content) -> Result<Dispatched, JobError> {
    if ctx.shutdown.is_cancelled() {
        return Ok(Dispatched::default());
    }
    let pass = Pass::load(ctx, content).await?;
    let claimant = Claimant::start(&ctx.db, ctx.outreach.config.claim_seconds).await?;
    let turns = WriteTurns::new(ctx.db.get_database_backend());
    let recorder = Recorder::spawn(ctx.db.clone(), turns.clone());
    // One batch rendering and one waiting at most: memory stays flat in the audience size.
    let (batches, ready) = mpsc::channel(1);
    let (produced, delivered) = tokio::join!(pass.produce(&claimant, &turns, batches), deliver(ctx, &recorder, ready));
    let done = recorder.finish().await;
    let released = claimant.release(&ctx.db).await?;
    if released > 0 {
        tracing::info!(released, "stopped: gave back the messages not yet sent");
    }
    produced?;
    delivered?;
    Ok(done?)
}

/// What stays the same for a whole dispatch pass.
struct Pass<'a> {
    ctx: &'a JobContext,
    content: &'a dyn Content,
    composer: Arc<Composer>,
    /// Campaigns have different priorities, so the cap must ask which message goes first (when
    /// they are all alike, as by default, it never has to).
    priorities_differ: bool,
}

impl<'a> Pass<'a> {
    async fn load(ctx: &'a JobContext, content: &'a dyn Content) -> Result<Self, JobError> {
        let broken = |err| JobError::Invalid(format!("a saved template is broken: {err}"));
        Ok(Self {
            ctx,
            content,
            composer: Arc::new(Composer {
                outreach: Arc::clone(&ctx.outreach),
                templates: Templates::new(template::saved(&ctx.db).await?).map_err(broken)?,
                channel_templates: ChannelTemplates::new(channel_template::saved(&ctx.db).await?).map_err(broken)?,
            }),
            priorities_differ: priorities_differ(&ctx.db).await?,
        })
    }

    /// Claims and prepares batches for the senders until nothing is due, the senders have
    /// stopped or the dispatcher is told to stop.
    async fn produce(
        &self,
        claimant: &Claimant,
        turns: &WriteTurns,
        batches: mpsc::Sender<Rendering>,
    ) -> Result<(), DbErr> {
        let config = &self.ctx.outreach.config;
        while !self.ctx.shutdown.is_cancelled() {
            let now = Utc::now();
            let started = Instant::now();
            let turn = turns.take().await;
            let rows = claimant.claim(&self.ctx.db, now, config.batch_size).await?;
            drop(turn);
            if rows.is_empty() {
                break;
            }
            let claimed = started.elapsed();
            let letters = self.decide(&rows, now, turns).await?;
            tracing::debug!(rows = rows.len(), ?claimed, decided = ?started.elapsed(), "batch decided");
            let composer = Arc::clone(&self.composer);
            let rendering = tokio::task::spawn_blocking(move || composer.compose_batch(rows, letters, now));
            if batches.send(rendering).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Decides every row and reserves the cap slot of each member about to be reached, with the
    /// channel chosen, in one transaction that deciders of every dispatcher take in turn, so a
    /// concurrent decider sees the reservation. Sends go on meanwhile; only deciding is one at a
    /// time, and only what the cap counts is read in turn (on SQLite the turn is the one write
    /// lock, which the outcomes' writes wait for).
    async fn decide(
        &self,
        rows: &[Row],
        now: DateTime<Utc>,
        turns: &WriteTurns,
    ) -> Result<Vec<Result<Letter, Outcome>>, DbErr> {
        let mut members: Vec<i64> = rows.iter().map(|r| r.member_id).collect();
        members.sort_unstable();
        members.dedup();
        let mut recipients = recipient::profiles(&self.ctx.db, &members).await?;
        let coupons = crate::coupons::for_messages(&self.ctx.db, &self.ctx.outreach.links, rows).await?;
        let _turn = turns.take().await;
        let txn = self.ctx.db.begin().await?;
        let turn = match txn.get_database_backend() {
            DbBackend::Postgres => format!("SELECT pg_advisory_xact_lock({DECIDING})"),
            // A write that changes nothing still takes SQLite's one write lock.
            _ => "UPDATE outbox SET sent_at = NULL WHERE id = -1".to_owned(),
        };
        txn.execute_unprepared(&turn).await?;
        recipient::add_recent_sends(&txn, &mut recipients, now).await?;
        let top_priority = if self.priorities_differ {
            top_priority(&txn, &members, now).await?
        } else {
            HashMap::new()
        };
        let mut batch = Batch {
            pass: self,
            now,
            recipients,
            top_priority,
            coupons,
        };
        let letters: Vec<_> = rows.iter().map(|row| batch.decide(row)).collect();
        let mut reserved: HashMap<Channel, Vec<i64>> = HashMap::new();
        for (row, letter) in rows.iter().zip(&letters) {
            if let Ok(letter) = letter {
                reserved.entry(letter.channel).or_default().push(row.id);
            }
        }
        for (channel, ids) in reserved {
            for chunk in ids.chunks(MOST_IDS_PER_STATEMENT) {
                let (list, ids) = id_placeholders(txn.get_database_backend(), 2, chunk);
                let sql = format!("UPDATE outbox SET channel = $1 WHERE id IN ({list})");
                let values = std::iter::once(channel.as_str().into()).chain(ids).collect();
                txn.execute(statement(&txn, &sql, values)).await?;
            }
        }
        txn.commit().await?;
        Ok(letters)
    }

    /// The first channel of the row's preference the member can receive its kind on, with their
    /// address there; otherwise why none will do.
    fn choose(&self, row: &Row, kind: &str, recipient: &Recipient, locale: &str) -> Result<(Channel, String), String> {
        let outreach = &*self.ctx.outreach;
        let channel_templates = &self.composer.channel_templates;
        let sms_provider = outreach.sms.as_ref().map(|sms| sms.sender.provider());
        let wechat_sends = |kind: WechatKind| outreach.wechat.as_ref().is_some_and(|w| w.sender.sends(kind));
        let mut reasons = Vec::new();
        for channel in &row.channels {
            if let Some(reason) = recipient.barred(*channel) {
                reasons.push(format!("{channel}: {reason}"));
                continue;
            }
            if *channel != Channel::Email
                && !channel_templates.sendable(*channel, kind, locale, sms_provider, &wechat_sends)
            {
                reasons.push(format!("{channel}: not set up for {kind} messages"));
                continue;
            }
            let addresses = &recipient.addresses;
            let address = match channel {
                Channel::Email => addresses.email.clone(),
                Channel::Sms => addresses.phone.clone(),
                Channel::Wechat => match channel_templates.get(Channel::Wechat, kind, locale) {
                    Some((ChannelTemplate::Wechat(t), _)) if t.kind == WechatKind::Subscribe => {
                        addresses.wechat_mini_openid.clone()
                    }
                    _ => addresses.wechat_openid.clone(),
                },
            };
            match address {
                Some(address) => return Ok((*channel, address)),
                None => reasons.push(format!("{channel}: not bound to this app")),
            }
        }
        if reasons.is_empty() {
            reasons.push("no channel to send on".to_owned());
        }
        Err(reasons.join("; "))
    }
}

/// Renders decided letters into messages: what a pass's rendering tasks share.
struct Composer {
    outreach: Arc<Outreach>,
    templates: Templates,
    channel_templates: ChannelTemplates,
}

/// A batch being rendered: its messages, and the outcomes of rows that cannot be sent.
pub(super) type Rendering = JoinHandle<(Vec<Pending>, Vec<Recorded>)>;

impl Composer {
    /// Renders a decided batch: the messages to send, and the outcomes of the other rows.
    fn compose_batch(
        &self,
        rows: Vec<Row>,
        letters: Vec<Result<Letter, Outcome>>,
        now: DateTime<Utc>,
    ) -> (Vec<Pending>, Vec<Recorded>) {
        let started = Instant::now();
        let (mut pending, mut settled) = (Vec::with_capacity(rows.len()), Vec::new());
        for (row, letter) in rows.into_iter().zip(letters) {
            let channel = letter.as_ref().map(|letter| letter.channel).ok();
            match letter.and_then(|letter| self.compose(&row, letter)) {
                Ok(message) => pending.push(Pending { row, message }),
                Err(outcome) => settled.push(settle(&self.outreach.config, &row, channel, outcome, now)),
            }
        }
        tracing::debug!(rows = pending.len(), took = ?started.elapsed(), "batch rendered");
        (pending, settled)
    }

    /// Renders a decided letter into a message for its channel.
    fn compose(&self, row: &Row, letter: Letter) -> Result<Message, Outcome> {
        let outreach = &*self.outreach;
        let kind = &letter.kind;
        let (ctx, locale) = (&letter.context, letter.locale.as_str());
        let failed =
            |err: template::TemplateError| permanent(format!("the {kind} {} template failed: {err}", letter.channel));
        let missing = || permanent(format!("there is no {} template for {kind:?}", letter.channel));
        match letter.channel {
            Channel::Email => {
                let rendered = self
                    .templates
                    .render(kind, locale, ctx)
                    .ok_or_else(missing)?
                    .map_err(failed)?;
                let email = Outgoing {
                    to_name: &ctx.member.name,
                    to_address: &letter.address,
                    rendered: &rendered,
                    dedupe_key: &row.dedupe_key,
                    unsubscribe_url: &ctx.unsubscribe_url,
                };
                Ok(Message::Email(outreach.compose_email(&email).map_err(permanent)?))
            }
            Channel::Sms => {
                let sign_name = outreach.sms.as_ref().map_or("", |sms| sms.sender.sign_name());
                let sms = self
                    .channel_templates
                    .sms(kind, locale, ctx, sign_name)
                    .ok_or_else(missing)?;
                Ok(Message::Sms(sms.map_err(failed)?.to(&letter.address, &row.dedupe_key)))
            }
            Channel::Wechat => {
                let drafted = self.channel_templates.wechat(kind, locale, ctx).ok_or_else(missing)?;
                let (wechat_kind, draft) = drafted.map_err(failed)?;
                Ok(Message::Wechat(draft.to(wechat_kind, &letter.address)))
            }
        }
    }
}

/// How an outcome changes its row: a temporary failure backs off, or is given up when the row
/// has waited too long; a bounce suppresses the address; a bounce or a channel that refused the
/// member hands the row to the next channel of its preference.
pub(super) fn settle(
    config: &super::OutreachConfig,
    row: &Row,
    channel: Option<Channel>,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Recorded {
    let give_up = Duration::hours(i64::try_from(config.give_up_hours).unwrap_or(72));
    let on = channel.map_or("", |c| c.as_str());
    // A member this channel cannot reach is tried on the channels after it, if any are left.
    let next_channel = |reason: String, otherwise: fn(String) -> Update| {
        let rest: Vec<Channel> = row
            .channels
            .iter()
            .skip_while(|c| Some(**c) != channel)
            .skip(1)
            .copied()
            .collect();
        if rest.is_empty() {
            otherwise(reason)
        } else {
            Update::Fallback(Channel::list(&rest), reason)
        }
    };
    let mut accepted = None;
    let (update, bounced) = match outcome {
        Outcome::Sent(sent) => {
            accepted = Some(sent);
            (Update::Sent, None)
        }
        Outcome::Suppressed(reason) => (Update::Suppressed(reason), None),
        Outcome::Postponed(due) => (Update::Postponed(due), None),
        Outcome::Failed(reason) => (Update::Failed(reason), None),
        // The address is dead: suppressed, and the member tried on their next channel.
        Outcome::Bounced(reason, address) => {
            let bounced = channel.and_then(Suppressions::of).map(|list| (list, address));
            (
                next_channel(format!("{on} undeliverable: {reason}"), Update::Failed),
                bounced,
            )
        }
        Outcome::Refused(reason) => (
            next_channel(format!("{on} refused: {reason}"), Update::Suppressed),
            None,
        ),
        Outcome::Retry(reason) if now - row.created_at < give_up => {
            (Update::Retry(now + backoff(config, row.attempts), reason), None)
        }
        Outcome::Retry(reason) => (
            Update::Failed(format!("gave up after {} hours: {reason}", config.give_up_hours)),
            None,
        ),
    };
    Recorded {
        id: row.id,
        update,
        bounced,
        accepted,
    }
}

/// What happens to one claimed row.
pub(super) enum Outcome {
    Sent(Accepted),
    /// Not sent on purpose, with the reason.
    Suppressed(String),
    /// Not yet: due again at this time (frequency cap, quiet hours).
    Postponed(DateTime<Utc>),
    /// A temporary failure: try again later.
    Retry(String),
    /// The address was refused for good (the reason, the address): it is suppressed and the
    /// next channel of the preference is tried.
    Bounced(String, String),
    /// The member cannot receive on this channel: the next channel of the preference is tried.
    Refused(String),
    /// Cannot be sent as it stands (template or address broken); the address is not to blame.
    Failed(String),
}

/// What a row to be sent says, before it is rendered.
struct Letter {
    /// The template kind it is rendered with.
    kind: String,
    context: MailContext,
    locale: String,
    channel: Channel,
    /// The member's address on the channel: email address, phone number or openid.
    address: String,
}

/// One claimed batch being decided.
struct Batch<'a> {
    pass: &'a Pass<'a>,
    now: DateTime<Utc>,
    recipients: HashMap<i64, Recipient>,
    /// The highest priority among each member's messages due within a day (only when
    /// priorities differ).
    top_priority: HashMap<i64, i32>,
    /// The codes the batch's messages show.
    coupons: HashMap<Shown, CouponContext>,
}

impl Batch<'_> {
    /// Whether the row goes out now, on which channel and with what; otherwise why not.
    fn decide(&mut self, row: &Row) -> Result<Letter, Outcome> {
        let outreach = &*self.pass.ctx.outreach;
        let config = &outreach.config;
        let (now, brand_zone) = (self.now, self.pass.ctx.time_zone);
        let gone = || Outcome::Suppressed("the member no longer exists".to_owned());
        let recipient = self.recipients.get(&row.member_id).ok_or_else(gone)?;
        let (locale, zone) = (
            recipient.locale.clone(),
            recipient.time_zone.parse::<Tz>().unwrap_or(brand_zone),
        );
        let today = now.with_timezone(&zone).date_naive();
        if row.kind == CampaignKind::EmailConfirmation {
            return self.confirmation(row, recipient, locale, today);
        }
        let occasion = self.pass.content.occasion(row, &locale).map_err(Outcome::Suppressed)?;
        let coupon = Shown::of(row).and_then(|shown| self.coupons.get(&shown)).cloned();
        if row.kind == CampaignKind::CouponExpiry && coupon.is_none() {
            let reason = "the coupon it reminds of was redeemed meanwhile";
            return Err(Outcome::Suppressed(reason.to_owned()));
        }
        if let Some(reason) = recipient.preferences.refuse(row.kind, now) {
            return Err(Outcome::Suppressed(reason));
        }
        let kind = self.pass.content.template(row);
        let (channel, address) = self
            .pass
            .choose(row, &kind, recipient, &locale)
            .map_err(Outcome::Suppressed)?;
        let recipient = self.recipients.get_mut(&row.member_id).ok_or_else(gone)?;
        let daily_cap = usize::try_from(config.daily_cap).unwrap_or(usize::MAX);
        // The brand's daily cap, or one a week for a member who asked for fewer.
        let (cap, window) = recipient.preferences.allowance(daily_cap);
        let recent = recipient.recent_sends.iter().filter(|at| **at > now - window);
        let (sent, oldest) = (recent.clone().count(), recent.min().copied().unwrap_or(now));
        if sent >= cap {
            return Err(Outcome::Postponed(oldest + window));
        }
        // The last slot of the day goes to the member's highest-priority message due by then.
        let outranked = self
            .top_priority
            .get(&row.member_id)
            .is_some_and(|top| *top > row.priority);
        if outranked && sent + 1 >= cap {
            return Err(Outcome::Postponed(now + Duration::hours(1)));
        }
        if row.hold_quiet_hours {
            if let Some(quiet_until) = quiet_until(config, now, zone) {
                return Err(Outcome::Postponed(quiet_until));
            }
        }
        // Counted now, so a second row for the same member in this batch waits its turn.
        recipient.recent_sends.push(now);
        let mut context = MailContext::new(
            &config.brand_name,
            recipient.member.clone(),
            occasion,
            today,
            outreach.links.links(row.member_id),
        );
        context.coupon = coupon;
        if row.kind == CampaignKind::SatisfactionSurvey {
            context.survey = Some(self.survey(row)?);
        }
        Ok(Letter {
            context,
            kind,
            locale,
            channel,
            address,
        })
    }
}

impl Batch<'_> {
    /// A survey's link: its occurrence is the day it was asked.
    fn survey(&self, row: &Row) -> Result<SurveyContext, Outcome> {
        let asked_on = row
            .occurrence
            .parse()
            .map_err(|_| Outcome::Suppressed(format!("survey occurrence {:?} names no day", row.occurrence)))?;
        Ok(SurveyContext {
            url: self.pass.ctx.outreach.links.survey_url(row.member_id, asked_on),
            scale: self.pass.ctx.surveys.scale.to_string(),
        })
    }

    /// The email that confirms a member's email consent goes out at once, whatever their
    /// preferences, the cap or the hour (they have just asked for it), to the address it
    /// confirms, while their request stands.
    fn confirmation(
        &self,
        row: &Row,
        recipient: &Recipient,
        locale: String,
        today: NaiveDate,
    ) -> Result<Letter, Outcome> {
        let outreach = &*self.pass.ctx.outreach;
        let asked_at = row.occurrence.parse().ok().and_then(DateTime::from_timestamp_millis);
        let asked_at = asked_at.ok_or_else(|| permanent(format!("occurrence {:?} names no time", row.occurrence)))?;
        let address = recipient.confirmation_address(asked_at).map_err(Outcome::Suppressed)?;
        let url = outreach.links.confirmation_url(row.member_id, &address, asked_at);
        Ok(Letter {
            kind: CONFIRMATION_KIND.to_owned(),
            context: MailContext::new(
                &outreach.config.brand_name,
                recipient.member.clone(),
                Occasion::Confirmation { url },
                today,
                outreach.links.links(row.member_id),
            ),
            locale,
            channel: Channel::Email,
            address,
        })
    }
}

fn permanent(reason: String) -> Outcome {
    Outcome::Failed(reason)
}

/// Whether any campaign has a priority of its own.
async fn priorities_differ(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    let sql = "SELECT COUNT(*) AS n FROM campaigns WHERE priority <> 0";
    let row = db.query_one(statement(db, sql, Vec::new())).await?;
    Ok(row.map(|r| r.try_get::<i64>("", "n")).transpose()?.unwrap_or(0) > 0)
}

/// Each member's highest priority among their queued emails due within a day.
async fn top_priority(
    db: &impl ConnectionTrait,
    members: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, i32>, DbErr> {
    let mut top = HashMap::new();
    for chunk in members.chunks(MOST_IDS_PER_STATEMENT) {
        let (list, ids) = id_placeholders(db.get_database_backend(), 2, chunk);
        let queued = OutboxStatus::Queued;
        let sql = format!(
            "SELECT member_id, MAX(priority) AS top FROM outbox \
             WHERE member_id IN ({list}) AND status = '{queued}' AND due_at <= $1 GROUP BY member_id"
        );
        let values = std::iter::once((now + Duration::hours(24)).into()).chain(ids).collect();
        for r in db.query_all(statement(db, &sql, values)).await? {
            top.insert(r.try_get::<i64>("", "member_id")?, r.try_get::<i32>("", "top")?);
        }
    }
    Ok(top)
}

/// When quiet hours end, if `now` lies in them in `zone`.
fn quiet_until(config: &super::OutreachConfig, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
    let (start, end) = (config.quiet_start_hour, config.quiet_end_hour);
    let local = now.with_timezone(&zone);
    let hour = local.hour();
    let quiet = match start.cmp(&end) {
        std::cmp::Ordering::Equal => false,
        std::cmp::Ordering::Greater => hour >= start || hour < end,
        std::cmp::Ordering::Less => hour >= start && hour < end,
    };
    if !quiet {
        return None;
    }
    let today = local.date_naive();
    let end_day = if hour >= end { today + Duration::days(1) } else { today };
    Some(local_hour(end_day, end, zone))
}

/// base × 2^(attempts − 1), capped.
fn backoff(config: &super::OutreachConfig, attempts: i32) -> Duration {
    let exponent = u32::try_from(attempts.saturating_sub(1)).unwrap_or(0).min(20);
    let seconds = config
        .retry_base_seconds
        .saturating_mul(1 << exponent)
        .min(config.retry_max_seconds);
    Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1000))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::OutreachConfig;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let config = OutreachConfig::default();
        let minutes: Vec<i64> = (1..=8).map(|n| backoff(&config, n).num_minutes()).collect();
        assert_eq!(minutes, [1, 2, 4, 8, 16, 32, 60, 60]);
    }

    #[test]
    fn quiet_hours_wrap_midnight_and_end_in_the_members_zone() {
        let config = OutreachConfig::default(); // 21:00 to 08:00
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc);
        // 22:30 local: quiet until 08:00 the next morning.
        assert_eq!(
            quiet_until(&config, at("2026-11-24T14:30:00Z"), zone),
            Some(at("2026-11-25T00:00:00Z"))
        );
        // 03:00 local: until 08:00 the same day.
        assert_eq!(
            quiet_until(&config, at("2026-11-24T19:00:00Z"), zone),
            Some(at("2026-11-25T00:00:00Z"))
        );
        // 09:00 and 20:59 local: not quiet.
        assert_eq!(quiet_until(&config, at("2026-11-24T01:00:00Z"), zone), None);
        assert_eq!(quiet_until(&config, at("2026-11-24T12:59:00Z"), zone), None);
    }
}
