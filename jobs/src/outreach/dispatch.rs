//! The outbox dispatcher: claims due rows, checks consent, suppression, the frequency cap and
//! quiet hours, renders, sends through the mailer, and records each outcome.
//!
//! Exactly once: a row is claimed with a lease (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has
//! one writer) so two dispatchers never hold it together, and it is only marked sent after the
//! server accepted it. A dispatcher killed mid-send leaves its claimed rows to expire and be sent
//! again: only emails in flight at the crash can arrive twice, with the same Message-ID.
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::Tz;
use futures_util::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, QueryResult, TransactionTrait, Value};
use serde::Serialize;

use super::holidays::{self, BrandHoliday};
use super::mailer::{compose, Email, Outgoing, SendError};
use super::queue::{local_hour, QUEUED};
use super::recipient::{self, Recipient};
use super::suppression;
use super::template::{self, HolidayContext, MailContext, Templates};
use super::Outreach;
use crate::lease::holder_name;
use crate::sql::{id_list, statement};
use crate::{JobContext, JobError};

pub const SENT: &str = "sent";

/// What one dispatch pass did.
#[derive(Debug, Default, Serialize)]
pub struct Dispatched {
    pub sent: u64,
    /// Temporary failures, to be tried again later.
    pub retrying: u64,
    /// Permanent failures (the address is now undeliverable) and rows given up.
    pub failed: u64,
    /// Not sent on purpose: no consent, unsubscribed, erased, undeliverable.
    pub suppressed: u64,
    /// Held back by the frequency cap or quiet hours.
    pub postponed: u64,
}

/// Sends every row that is due, batch by batch, until none is left. While one batch is on the
/// wire, the one before is recorded and the next claimed and rendered, so the database and the
/// SMTP server work at the same time.
pub async fn dispatch(ctx: &JobContext) -> Result<Dispatched, JobError> {
    let pass = Pass::load(ctx).await?;
    let mut done = Dispatched::default();
    let mut next = pass.prepare(&HashSet::new()).await?;
    let mut unrecorded: Option<Prepared<'_>> = None;
    while let Some(mut current) = next {
        let messages = std::mem::take(&mut current.messages);
        let members: HashMap<i64, i64> = current.rows.iter().map(|r| (r.id, r.member_id)).collect();
        // Members in this batch count as mailed today when the next batch checks the daily cap.
        let in_flight: HashSet<i64> = messages.iter().filter_map(|(id, _)| members.get(id).copied()).collect();
        let previous = unrecorded.take();
        let done = &mut done;
        let (delivered, following) = tokio::join!(deliver(&ctx.outreach, messages), async {
            if let Some(previous) = previous {
                pass.record(previous, done).await?;
            }
            pass.prepare(&in_flight).await
        });
        current.batch.outcomes.extend(delivered);
        match following {
            Ok(following) => next = following,
            Err(err) => {
                // What was sent is recorded before giving up.
                pass.record(current, done).await?;
                return Err(err.into());
            }
        }
        unrecorded = Some(current);
    }
    if let Some(last) = unrecorded {
        pass.record(last, &mut done).await?;
    }
    Ok(done)
}

/// What stays the same for a whole dispatch pass.
struct Pass<'a> {
    ctx: &'a JobContext,
    templates: Templates,
    holidays: HashMap<String, BrandHoliday>,
    owner: String,
}

/// A claimed batch, decided: the messages to send and the other rows' outcomes.
struct Prepared<'a> {
    rows: Vec<Row>,
    batch: Batch<'a>,
    messages: Vec<(i64, Email)>,
}

impl<'a> Pass<'a> {
    async fn load(ctx: &'a JobContext) -> Result<Self, JobError> {
        let calendar = holidays::load(&ctx.db, ctx.outreach.config.holiday_days_before).await?;
        Ok(Self {
            ctx,
            templates: Templates::new(template::saved(&ctx.db).await?)
                .map_err(|err| JobError::Invalid(format!("a saved email template is broken: {err}")))?,
            holidays: calendar.into_iter().map(|h| (h.holiday.key.clone(), h)).collect(),
            owner: holder_name(),
        })
    }

    /// Claims the next batch and decides each row; `None` when nothing is due.
    async fn prepare(&self, in_flight: &HashSet<i64>) -> Result<Option<Prepared<'_>>, DbErr> {
        let db = &self.ctx.db;
        let now = Utc::now();
        let rows = claim(db, &self.owner, now, &self.ctx.outreach.config).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let members: Vec<i64> = rows.iter().map(|r| r.member_id).collect();
        let mut recipients = recipient::load(db, &members, now).await?;
        for member in in_flight {
            if let Some(recipient) = recipients.get_mut(member) {
                recipient.recent_sends.push(now);
            }
        }
        let mut batch = Batch {
            pass: self,
            now,
            recipients,
            outcomes: Vec::with_capacity(rows.len()),
        };
        let messages = batch.plan(&rows);
        Ok(Some(Prepared { rows, batch, messages }))
    }

    /// Writes a batch's outcomes in one transaction, one statement per kind of outcome.
    async fn record(&self, sent: Prepared<'_>, done: &mut Dispatched) -> Result<(), DbErr> {
        let (batch, config) = (&sent.batch, &self.ctx.outreach.config);
        let now = batch.now;
        let rows: HashMap<i64, &Row> = sent.rows.iter().map(|r| (r.id, r)).collect();
        let mut updates: HashMap<Update, Vec<i64>> = HashMap::new();
        for (id, outcome) in &batch.outcomes {
            let update = match outcome {
                Outcome::Sent => {
                    done.sent += 1;
                    Update::Sent
                }
                Outcome::Suppressed(reason) => {
                    done.suppressed += 1;
                    Update::Suppressed(reason.clone())
                }
                Outcome::Postponed(due) => {
                    done.postponed += 1;
                    Update::Postponed(*due)
                }
                Outcome::Failed(reason) => {
                    done.failed += 1;
                    Update::Failed(reason.clone())
                }
                Outcome::Bounced(reason) => {
                    done.failed += 1;
                    Update::Failed(format!("undeliverable: {reason}"))
                }
                Outcome::Retry(reason) => match rows.get(id) {
                    Some(row)
                        if now - row.created_at
                            < Duration::hours(i64::try_from(config.give_up_hours).unwrap_or(72)) =>
                    {
                        done.retrying += 1;
                        Update::Retry(now + backoff(config, row.attempts), reason.clone())
                    }
                    _ => {
                        done.failed += 1;
                        Update::Failed(format!("gave up after {} hours: {reason}", config.give_up_hours))
                    }
                },
            };
            updates.entry(update).or_default().push(*id);
        }
        let txn = self.ctx.db.begin().await?;
        for (update, ids) in &updates {
            let (set, values) = update.assignments(now);
            let sql = format!(
                "UPDATE outbox SET {set}, claimed_by = NULL, claimed_until = NULL WHERE id IN ({})",
                id_list(ids.iter().copied())
            );
            txn.execute(statement(&txn, &sql, values)).await?;
        }
        let bounced = batch.bounced_addresses(&sent.rows);
        let bounced: Vec<&str> = bounced.iter().map(String::as_str).collect();
        suppression::suppress(&txn, &bounced, suppression::BOUNCED).await?;
        txn.commit().await
    }
}

/// A claimed outbox row.
struct Row {
    id: i64,
    dedupe_key: String,
    kind: String,
    occurrence: String,
    member_id: i64,
    holiday_key: Option<String>,
    hold_quiet_hours: bool,
    attempts: i32,
    created_at: DateTime<Utc>,
}

/// Claims up to a batch of due rows for `owner` until the claim expires.
async fn claim(
    db: &DatabaseConnection,
    owner: &str,
    now: DateTime<Utc>,
    config: &super::OutreachConfig,
) -> Result<Vec<Row>, DbErr> {
    let lock = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "FOR UPDATE SKIP LOCKED",
        _ => "",
    };
    let sql = format!(
        "UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1 \
         WHERE id IN (SELECT id FROM outbox WHERE status = '{QUEUED}' AND due_at <= $3 \
           AND (claimed_until IS NULL OR claimed_until < $3) ORDER BY due_at LIMIT $4 {lock}) \
         RETURNING id, dedupe_key, kind, occurrence, member_id, holiday_key, hold_quiet_hours, attempts, created_at"
    );
    let until = now + Duration::seconds(i64::try_from(config.claim_seconds).unwrap_or(300));
    let values = vec![
        owner.into(),
        until.into(),
        now.into(),
        i64::from(config.batch_size.max(1)).into(),
    ];
    let rows = db.query_all(statement(db, &sql, values)).await?;
    rows.iter().map(row).collect()
}

fn row(r: &QueryResult) -> Result<Row, DbErr> {
    Ok(Row {
        id: r.try_get("", "id")?,
        dedupe_key: r.try_get("", "dedupe_key")?,
        kind: r.try_get("", "kind")?,
        occurrence: r.try_get("", "occurrence")?,
        member_id: r.try_get("", "member_id")?,
        holiday_key: r.try_get("", "holiday_key")?,
        hold_quiet_hours: r.try_get("", "hold_quiet_hours")?,
        attempts: r.try_get("", "attempts")?,
        created_at: r.try_get("", "created_at")?,
    })
}

/// What happens to one claimed row.
enum Outcome {
    Sent,
    /// Not sent on purpose, with the reason.
    Suppressed(String),
    /// Not yet: due again at this time (frequency cap, quiet hours).
    Postponed(DateTime<Utc>),
    /// A temporary SMTP failure: try again later.
    Retry(String),
    /// The mail server refused the address for good.
    Bounced(String),
    /// Cannot be sent as it stands (template or address broken); the address is not to blame.
    Failed(String),
}

struct Batch<'a> {
    pass: &'a Pass<'a>,
    now: DateTime<Utc>,
    recipients: HashMap<i64, Recipient>,
    outcomes: Vec<(i64, Outcome)>,
}

impl Batch<'_> {
    /// Decides every row; returns the messages to send and records the other outcomes.
    fn plan(&mut self, rows: &[Row]) -> Vec<(i64, Email)> {
        let mut messages = Vec::with_capacity(rows.len());
        for row in rows {
            match self.message(row) {
                Ok(message) => messages.push((row.id, message)),
                Err(outcome) => self.outcomes.push((row.id, outcome)),
            }
        }
        messages
    }

    fn message(&mut self, row: &Row) -> Result<Email, Outcome> {
        let outreach = &*self.pass.ctx.outreach;
        let config = &outreach.config;
        let (now, brand_zone) = (self.now, self.pass.ctx.time_zone);
        let (locale, zone) = match self.recipients.get(&row.member_id) {
            Some(r) => (r.locale.clone(), r.time_zone.parse::<Tz>().unwrap_or(brand_zone)),
            None => return Err(Outcome::Suppressed("the member no longer exists".to_owned())),
        };
        let holiday = match row.holiday_key.as_deref() {
            None => None,
            Some(key) => Some(self.holiday_context(key, row, &locale, zone)?),
        };
        let recipient = self
            .recipients
            .get_mut(&row.member_id)
            .ok_or_else(|| Outcome::Suppressed("the member no longer exists".to_owned()))?;
        if let Some(reason) = &recipient.barred {
            return Err(Outcome::Suppressed(reason.clone()));
        }
        let cap = usize::try_from(config.daily_cap).unwrap_or(usize::MAX);
        if recipient.recent_sends.len() >= cap {
            let oldest = recipient.recent_sends.iter().min().copied().unwrap_or(now);
            return Err(Outcome::Postponed(
                oldest.max(now - Duration::hours(24)) + Duration::hours(24),
            ));
        }
        if row.hold_quiet_hours {
            if let Some(quiet_until) = quiet_until(config, now, zone) {
                return Err(Outcome::Postponed(quiet_until));
            }
        }
        let context = MailContext {
            brand: config.brand_name.clone(),
            member: recipient.member.clone(),
            holiday,
            unsubscribe_url: outreach.links.url(row.member_id),
        };
        let rendered = match self.pass.templates.render(&row.kind, &locale, &context) {
            Some(Ok(rendered)) => rendered,
            Some(Err(err)) => return Err(permanent(format!("the {} template failed: {err}", row.kind))),
            None => return Err(permanent(format!("there is no template for {:?}", row.kind))),
        };
        let email = Outgoing {
            to_name: &recipient.member.name,
            to_address: recipient.email.as_deref().unwrap_or_default(),
            rendered: &rendered,
            dedupe_key: &row.dedupe_key,
            unsubscribe_url: &context.unsubscribe_url,
        };
        let message = compose(&outreach.from, &email).map_err(permanent)?;
        // Counted now, so a second row for the same member in this batch waits its turn.
        recipient.recent_sends.push(now);
        Ok(message)
    }

    /// The addresses the mail server refused for good.
    fn bounced_addresses(&self, rows: &[Row]) -> Vec<String> {
        let members: HashMap<i64, i64> = rows.iter().map(|r| (r.id, r.member_id)).collect();
        self.outcomes
            .iter()
            .filter(|(_, outcome)| matches!(outcome, Outcome::Bounced(_)))
            .filter_map(|(id, _)| self.recipients.get(members.get(id)?)?.email.clone())
            .collect()
    }

    fn holiday_context(&self, key: &str, row: &Row, locale: &str, zone: Tz) -> Result<HolidayContext, Outcome> {
        let holiday = self
            .pass
            .holidays
            .get(key)
            .ok_or_else(|| Outcome::Suppressed(format!("the holiday {key:?} no longer exists")))?;
        if !holiday.enabled {
            return Err(Outcome::Suppressed(format!("the holiday {key:?} is disabled")));
        }
        let date = row
            .occurrence
            .rsplit(':')
            .next()
            .and_then(|d| d.parse::<NaiveDate>().ok())
            .ok_or_else(|| permanent(format!("occurrence {:?} names no date", row.occurrence)))?;
        let today = self.now.with_timezone(&zone).date_naive();
        Ok(HolidayContext {
            key: key.to_owned(),
            name: holiday.name(locale).to_owned(),
            date,
            days_until: (date - today).num_days(),
        })
    }
}

fn permanent(reason: String) -> Outcome {
    Outcome::Failed(reason)
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

/// Sends concurrently, as many at once as the SMTP pool has connections. Each send is its own
/// task, so the runtime spreads the work (formatting, TLS, syscalls) over every core.
async fn deliver(outreach: &Arc<Outreach>, messages: Vec<(i64, Email)>) -> Vec<(i64, Outcome)> {
    let concurrency = usize::try_from(outreach.config.smtp_connections.max(1)).unwrap_or(1);
    futures_util::stream::iter(messages)
        .map(|(id, message)| {
            let outreach = Arc::clone(outreach);
            let sent = tokio::spawn(async move { outreach.mailer.send(&message).await });
            async move {
                match sent.await {
                    Ok(Ok(())) => (id, Outcome::Sent),
                    Ok(Err(SendError::Temporary(reason))) => (id, Outcome::Retry(reason)),
                    Ok(Err(SendError::Permanent(reason))) => (id, Outcome::Bounced(reason)),
                    // The send panicked or was cancelled: not known to be delivered, so try again.
                    Err(err) => (id, Outcome::Retry(format!("the send task failed: {err}"))),
                }
            }
        })
        .buffer_unordered(concurrency)
        .collect()
        .await
}

/// How a row changes; rows with the same change share one UPDATE.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Update {
    Sent,
    Suppressed(String),
    Postponed(DateTime<Utc>),
    Retry(DateTime<Utc>, String),
    Failed(String),
}

impl Update {
    fn assignments(&self, now: DateTime<Utc>) -> (&'static str, Vec<Value>) {
        match self {
            Self::Sent => ("status = 'sent', sent_at = $1, last_error = NULL", vec![now.into()]),
            Self::Suppressed(reason) => ("status = 'suppressed', last_error = $1", vec![reason.clone().into()]),
            // Waiting is not an attempt: take back the one the claim counted.
            Self::Postponed(due) => ("due_at = $1, attempts = attempts - 1", vec![(*due).into()]),
            Self::Retry(due, reason) => (
                "due_at = $1, last_error = $2",
                vec![(*due).into(), reason.clone().into()],
            ),
            Self::Failed(reason) => ("status = 'failed', last_error = $1", vec![reason.clone().into()]),
        }
    }
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
