//! The outbox dispatcher: claims due rows, checks consent, suppression, the frequency cap and
//! quiet hours, renders, sends through the mailer, and records each outcome as it happens.
//!
//! Exactly once: a row is claimed (`FOR UPDATE SKIP LOCKED` on PostgreSQL; SQLite has one
//! writer) so two dispatchers never hold it together, and it is only marked sent after the
//! server accepted it. Each send's outcome is written before its connection takes the next
//! message (see `recorder`), so a dispatcher killed mid-send re-sends at most one message per
//! SMTP connection, with the same Message-ID; its claims lapse with its lease (see `claim`).
//! Stopped cleanly (`JobContext::shutdown`), it claims nothing more, finishes and records the
//! sends on the wire, and gives back the rows it had not started.
//!
//! The frequency cap holds across dispatchers and replicas: a row about to be sent carries its
//! reservation (`sent_at` while still queued), written in the same transaction that counted the
//! member's recent sends with the members taken in turn, so no two dispatchers can both find a
//! member's slot free.
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Timelike, Utc};
use chrono_tz::Tz;
use entity::vocabulary::OutboxStatus;
use futures_util::{stream, StreamExt};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, TransactionTrait};
use tokio::sync::mpsc;

use super::claim::{Claimant, Row};
use super::content::Content;
use super::mailer::{compose, Email, Outgoing, SendError};
use super::recipient::{self, Recipient};
pub use super::recorder::Dispatched;
use super::recorder::{Recorded, Recorder, Update};
use super::template::{self, MailContext, Templates};
use super::Outreach;
use crate::calendar::local_hour;
use crate::sql::{id_placeholders, statement};
use crate::{JobContext, JobError};

/// Ids bound in one statement (a power of four, so `id_placeholders` adds no padding).
const MOST_IDS_PER_STATEMENT: usize = 4096;

/// The PostgreSQL advisory lock that dispatchers take in turn to decide a batch.
const DECIDING: i64 = 0x5041_5452_4f4e; // "PATRON"

/// Sends every row that is due until none is left or the dispatcher is told to stop, each with
/// what `content` says it is. Batches are claimed and decided while the one before is on the
/// wire, so the database and the SMTP server work at the same time.
pub async fn dispatch(ctx: &JobContext, content: &dyn Content) -> Result<Dispatched, JobError> {
    if ctx.shutdown.is_cancelled() {
        return Ok(Dispatched::default());
    }
    let pass = Pass::load(ctx, content).await?;
    let claimant = Claimant::start(&ctx.db, ctx.outreach.config.claim_seconds).await?;
    let recorder = Recorder::spawn(ctx.db.clone());
    let (batches, ready) = mpsc::channel(1);
    let (produced, delivered) = tokio::join!(
        pass.produce(&claimant, &recorder, batches),
        deliver(ctx, &recorder, ready)
    );
    let done = recorder.finish().await;
    let released = claimant.release(&ctx.db).await?;
    if released > 0 {
        tracing::info!(released, "stopped: gave back the emails not yet sent");
    }
    produced?;
    delivered?;
    Ok(done?)
}

/// A message ready for the wire, with the row it came from.
struct Pending {
    row: Row,
    email: Email,
    address: String,
}

/// What stays the same for a whole dispatch pass.
struct Pass<'a> {
    ctx: &'a JobContext,
    content: &'a dyn Content,
    templates: Templates,
    /// Campaigns have different priorities, so the cap must ask which email goes first (when
    /// they are all alike, as by default, it never has to).
    priorities_differ: bool,
}

impl<'a> Pass<'a> {
    async fn load(ctx: &'a JobContext, content: &'a dyn Content) -> Result<Self, JobError> {
        Ok(Self {
            ctx,
            content,
            templates: Templates::new(template::saved(&ctx.db).await?)
                .map_err(|err| JobError::Invalid(format!("a saved email template is broken: {err}")))?,
            priorities_differ: priorities_differ(&ctx.db).await?,
        })
    }

    /// Claims and prepares batches for the sender until nothing is due, the sender has stopped or
    /// the dispatcher is told to stop.
    async fn produce(
        &self,
        claimant: &Claimant,
        recorder: &Recorder,
        batches: mpsc::Sender<Vec<Pending>>,
    ) -> Result<(), DbErr> {
        while !self.ctx.shutdown.is_cancelled() {
            let Some(pending) = self.prepare(claimant, recorder).await? else {
                break;
            };
            if batches.send(pending).await.is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Claims the next batch and decides each row: the messages to send, while the other rows'
    /// outcomes go to the recorder. `None` when nothing is due.
    async fn prepare(&self, claimant: &Claimant, recorder: &Recorder) -> Result<Option<Vec<Pending>>, DbErr> {
        let config = &self.ctx.outreach.config;
        let now = Utc::now();
        let started = Instant::now();
        let rows = claimant.claim(&self.ctx.db, now, config.batch_size).await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let claimed = started.elapsed();
        let letters = self.decide(&rows, now).await?;
        let decided = started.elapsed();
        let mut pending = Vec::with_capacity(rows.len());
        for (row, letter) in rows.into_iter().zip(letters) {
            match letter.and_then(|letter| self.compose(&row, letter)) {
                Ok((email, address)) => pending.push(Pending { row, email, address }),
                Err(outcome) => recorder.note(settle(config, &row, outcome, now, None)),
            }
        }
        tracing::debug!(rows = pending.len(), ?claimed, ?decided, composed = ?started.elapsed(), "batch prepared");
        Ok(Some(pending))
    }

    /// Decides every row and reserves the cap slot of each member about to be mailed, in one
    /// transaction that deciders of every dispatcher take in turn, so a concurrent decider
    /// sees the reservation. Sends go on meanwhile; only deciding is one at a time.
    async fn decide(&self, rows: &[Row], now: DateTime<Utc>) -> Result<Vec<Result<Letter, Outcome>>, DbErr> {
        let txn = self.ctx.db.begin().await?;
        let turn = match txn.get_database_backend() {
            DbBackend::Postgres => format!("SELECT pg_advisory_xact_lock({DECIDING})"),
            // A write that changes nothing still takes SQLite's one write lock.
            _ => "UPDATE outbox SET sent_at = NULL WHERE id = -1".to_owned(),
        };
        txn.execute_unprepared(&turn).await?;
        let mut members: Vec<i64> = rows.iter().map(|r| r.member_id).collect();
        members.sort_unstable();
        members.dedup();
        let top_priority = if self.priorities_differ {
            top_priority(&txn, &members, now).await?
        } else {
            HashMap::new()
        };
        let mut batch = Batch {
            pass: self,
            now,
            recipients: recipient::load(&txn, &members, now).await?,
            top_priority,
        };
        let letters: Vec<_> = rows.iter().map(|row| batch.decide(row)).collect();
        let reserved = rows
            .iter()
            .zip(&letters)
            .filter(|(_, letter)| letter.is_ok())
            .map(|(row, _)| row.id);
        let reserved: Vec<i64> = reserved.collect();
        for chunk in reserved.chunks(MOST_IDS_PER_STATEMENT) {
            let (list, ids) = id_placeholders(2, chunk);
            let sql = format!("UPDATE outbox SET sent_at = $1 WHERE id IN ({list})");
            let values = std::iter::once(now.into()).chain(ids).collect();
            txn.execute(statement(&txn, &sql, values)).await?;
        }
        txn.commit().await?;
        Ok(letters)
    }

    /// Renders a decided letter into a message for the wire, with its address.
    fn compose(&self, row: &Row, letter: Letter) -> Result<(Email, String), Outcome> {
        let outreach = &*self.ctx.outreach;
        let kind = self.content.template(row);
        let rendered = match self.templates.render(&kind, &letter.locale, &letter.context) {
            Some(Ok(rendered)) => rendered,
            Some(Err(err)) => return Err(permanent(format!("the {kind} template failed: {err}"))),
            None => return Err(permanent(format!("there is no template for {kind:?}"))),
        };
        let email = Outgoing {
            to_name: &letter.context.member.name,
            to_address: &letter.address,
            rendered: &rendered,
            dedupe_key: &row.dedupe_key,
            unsubscribe_url: &letter.context.unsubscribe_url,
        };
        let message = compose(&outreach.from, &email).map_err(permanent)?;
        Ok((message, letter.address))
    }
}

/// Sends what the producer prepared, as many at once as the SMTP pool has connections, each
/// send recorded before its connection is used again. On shutdown it takes no new message and
/// returns once the sends on the wire are recorded.
async fn deliver(ctx: &JobContext, recorder: &Recorder, mut ready: mpsc::Receiver<Vec<Pending>>) -> Result<(), DbErr> {
    let connections = usize::try_from(ctx.outreach.config.smtp_connections.max(1)).unwrap_or(1);
    let recorded = stream::poll_fn(move |cx| ready.poll_recv(cx))
        .flat_map(stream::iter)
        .take_until(ctx.shutdown.cancelled())
        .map(|pending| send_and_record(&ctx.outreach, recorder, pending))
        .buffer_unordered(connections)
        .all(|recorded| async move { recorded })
        .await;
    if recorded {
        Ok(())
    } else {
        Err(DbErr::Custom(
            "the outcomes of sent emails could not be written".to_owned(),
        ))
    }
}

/// Sends one message as its own task (so the runtime spreads the work over every core) and
/// waits until its outcome is written.
async fn send_and_record(outreach: &Arc<Outreach>, recorder: &Recorder, pending: Pending) -> bool {
    let Pending { row, email, address } = pending;
    let mailer = Arc::clone(outreach);
    let sent = tokio::spawn(async move {
        let started = Instant::now();
        let sent = mailer.mailer.send(&email).await;
        let result = if sent.is_ok() { "accepted" } else { "refused" };
        metrics::histogram!("patron_smtp_send_duration_seconds", "result" => result)
            .record(started.elapsed().as_secs_f64());
        sent
    });
    let outcome = match sent.await {
        Ok(Ok(())) => Outcome::Sent,
        Ok(Err(SendError::Temporary(reason))) => Outcome::Retry(reason),
        Ok(Err(SendError::Permanent(reason))) => Outcome::Bounced(reason),
        Ok(Err(SendError::Refused(reason) | SendError::Rejected(reason))) => Outcome::Failed(reason),
        // The send panicked or was cancelled: not known to be delivered, so try again.
        Err(err) => Outcome::Retry(format!("the send task failed: {err}")),
    };
    recorder
        .record(settle(&outreach.config, &row, outcome, Utc::now(), Some(address)))
        .await
}

/// How an outcome changes its row: a temporary failure backs off, or is given up when the row
/// has waited too long; a bounce suppresses the address.
fn settle(
    config: &super::OutreachConfig,
    row: &Row,
    outcome: Outcome,
    now: DateTime<Utc>,
    address: Option<String>,
) -> Recorded {
    let give_up = Duration::hours(i64::try_from(config.give_up_hours).unwrap_or(72));
    let (update, bounced) = match outcome {
        Outcome::Sent => (Update::Sent, None),
        Outcome::Suppressed(reason) => (Update::Suppressed(reason), None),
        Outcome::Postponed(due) => (Update::Postponed(due), None),
        Outcome::Failed(reason) => (Update::Failed(reason), None),
        Outcome::Bounced(reason) => (Update::Failed(format!("undeliverable: {reason}")), address),
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
    }
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

/// What a row to be sent says, before it is rendered.
struct Letter {
    context: MailContext,
    locale: String,
    address: String,
}

/// One claimed batch being decided.
struct Batch<'a> {
    pass: &'a Pass<'a>,
    now: DateTime<Utc>,
    recipients: HashMap<i64, Recipient>,
    /// The highest priority among each member's emails due within a day (only when priorities
    /// differ).
    top_priority: HashMap<i64, i32>,
}

impl Batch<'_> {
    /// Whether the row goes out now, and if so with what; otherwise why not.
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
        let occasion = self.pass.content.occasion(row, &locale).map_err(Outcome::Suppressed)?;
        let recipient = self.recipients.get_mut(&row.member_id).ok_or_else(gone)?;
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
        // The last slot of the day goes to the member's highest-priority email due by then.
        let outranked = self
            .top_priority
            .get(&row.member_id)
            .is_some_and(|top| *top > row.priority);
        if outranked && recipient.recent_sends.len() + 1 >= cap {
            return Err(Outcome::Postponed(now + Duration::hours(1)));
        }
        if row.hold_quiet_hours {
            if let Some(quiet_until) = quiet_until(config, now, zone) {
                return Err(Outcome::Postponed(quiet_until));
            }
        }
        // Counted now, so a second row for the same member in this batch waits its turn.
        recipient.recent_sends.push(now);
        Ok(Letter {
            context: MailContext::new(
                &config.brand_name,
                recipient.member.clone(),
                occasion,
                today,
                outreach.links.url(row.member_id),
            ),
            locale,
            address: recipient.email.clone().unwrap_or_default(),
        })
    }
}

fn permanent(reason: String) -> Outcome {
    Outcome::Failed(reason)
}

/// When quiet hours end, if `now` lies in them in `zone`.
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
        let (list, ids) = id_placeholders(2, chunk);
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
