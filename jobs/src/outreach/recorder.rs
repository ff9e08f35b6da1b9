//! Writes the dispatcher's outcomes as they happen, in small grouped writes.
//!
//! A send waits until its outcome is written before its connection takes the next message, so a
//! dispatcher killed at any moment leaves at most one accepted-but-unrecorded message per SMTP
//! connection: only those can go out twice. Outcomes that arrive while a write is running are
//! written together by the next one (group commit), so waiting costs little throughput.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::vocabulary::OutboxStatus;
use futures_util::future::{BoxFuture, FutureExt};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, TransactionTrait, Value};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use super::suppression::Suppressions;
use super::transport::Accepted;
use crate::sql::{id_placeholders, own_connection, statement, WriteTurns};

/// Rows written per statement at most (bound parameters, within both databases' limits).
const MOST_PER_WRITE: usize = 1024;

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
    /// Refused by a channel and handed to the next of their preference.
    pub fell_back: u64,
}

/// How a row changes; rows with the same change share one UPDATE.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Update {
    Sent,
    Suppressed(String),
    Postponed(DateTime<Utc>),
    Retry(DateTime<Utc>, String),
    Failed(String),
    /// The channel refused the member: try these channels next (as stored), for this reason.
    Fallback(String, String),
}

/// One row's outcome, with the address to suppress when it was refused for good, and what the
/// provider said of a sent message.
pub struct Recorded {
    pub id: i64,
    pub update: Update,
    pub bounced: Option<(Suppressions, String)>,
    pub accepted: Option<Accepted>,
}

struct Entry {
    outcome: Recorded,
    written: Option<oneshot::Sender<()>>,
}

/// Resolves once an outcome is written: true, or false when it could not be.
pub type Written = BoxFuture<'static, bool>;

/// Records outcomes from any task (a send runs as a task of its own).
#[derive(Clone)]
pub struct Recording(mpsc::UnboundedSender<Entry>);

impl Recording {
    /// Records an outcome; what it returns resolves once the outcome is written.
    pub fn record(&self, outcome: Recorded) -> Written {
        let (written, done) = oneshot::channel();
        let entry = Entry {
            outcome,
            written: Some(written),
        };
        let sent = self.0.send(entry).is_ok();
        async move { sent && done.await.is_ok() }.boxed()
    }
}

/// The handle the dispatcher records through; the writing runs in a task of its own.
///
/// One writer, on both databases: on PostgreSQL four writers each wrote groups of 3 outcomes
/// (median), and their statements cost the busy server more than overlapping them won; one
/// writes groups of 6–8, and sending at 100,000 went from 21–22 s to 16–20 s. On PostgreSQL
/// it writes over a connection of its own (see `own_connection`).
pub struct Recorder {
    entries: mpsc::UnboundedSender<Entry>,
    writer: JoinHandle<Result<Dispatched, DbErr>>,
}

impl Recorder {
    pub fn spawn(db: DatabaseConnection, turns: WriteTurns) -> Self {
        let (entries, received) = mpsc::unbounded_channel();
        Self {
            entries,
            writer: tokio::spawn(async move {
                let own = own_connection(&db);
                let written = write_until_closed(own.as_ref().unwrap_or(&db), turns, received).await;
                if let Some(own) = own {
                    own.close().await?;
                }
                written
            }),
        }
    }

    pub fn recording(&self) -> Recording {
        Recording(self.entries.clone())
    }

    /// Records an outcome without waiting: for rows that were never on the wire.
    pub fn note(&self, outcome: Recorded) {
        let _ = self.entries.send(Entry { outcome, written: None });
    }

    /// Writes what is left and reports what every written outcome amounted to.
    pub async fn finish(self) -> Result<Dispatched, DbErr> {
        drop(self.entries);
        self.writer
            .await
            .map_err(|err| DbErr::Custom(format!("the outcome writer failed: {err}")))?
    }
}

/// Writes what arrives, everything that arrived during a write together in the next one.
async fn write_until_closed(
    db: &DatabaseConnection,
    turns: WriteTurns,
    mut received: mpsc::UnboundedReceiver<Entry>,
) -> Result<Dispatched, DbErr> {
    let mut done = Dispatched::default();
    let mut group = Vec::new();
    while received.recv_many(&mut group, MOST_PER_WRITE).await > 0 {
        let started = std::time::Instant::now();
        let turn = turns.take().await;
        write(db, &group, &mut done).await?;
        drop(turn);
        tracing::debug!(rows = group.len(), took = ?started.elapsed(), "outcomes written");
        for entry in group.drain(..) {
            if let Some(written) = entry.written {
                let _ = written.send(());
            }
        }
    }
    Ok(done)
}

/// Writes a group of outcomes in one transaction, one statement per kind of change.
async fn write(db: &DatabaseConnection, group: &[Entry], done: &mut Dispatched) -> Result<(), DbErr> {
    let now = Utc::now();
    let alike = group
        .windows(2)
        .all(|pair| pair[0].outcome.update == pair[1].outcome.update);
    let plain = group
        .iter()
        .all(|e| e.outcome.bounced.is_none() && e.outcome.accepted.as_ref().is_none_or(Accepted::is_plain));
    if alike && plain {
        // The usual group (all sent, nothing more to note) is one statement, committed on its
        // own: a transaction around it would add two or three round trips to every group
        // (on SQLite 0.77 ms a group became 0.44 ms).
        return write_updates(db, group, now, done).await;
    }
    let txn = db.begin().await?;
    for list in [Suppressions::EMAIL, Suppressions::PHONE] {
        let bounced: Vec<&str> = group
            .iter()
            .filter_map(|e| e.outcome.bounced.as_ref())
            .filter(|(of, _)| *of == list)
            .map(|(_, address)| address.as_str())
            .collect();
        list.suppress(&txn, &bounced, super::suppression::BOUNCED).await?;
    }
    write_provider_refs(&txn, group).await?;
    write_updates(&txn, group, now, done).await?;
    txn.commit().await
}

/// The rows' changes, one statement per kind of change. On PostgreSQL each statement also sets
/// `synchronous_commit` off for its transaction (the one around it, or its own), read when that
/// commits: Patron's own crash loses nothing committed either way; only a crash of the database
/// server could lose the last moment's outcomes, which means a re-send, never a lost email. Not
/// waiting for each flush to disk keeps a waiting send's pause short.
async fn write_updates(
    conn: &impl ConnectionTrait,
    group: &[Entry],
    now: DateTime<Utc>,
    done: &mut Dispatched,
) -> Result<(), DbErr> {
    let mut updates: HashMap<Update, Vec<i64>> = HashMap::new();
    for entry in group {
        updates
            .entry(entry.outcome.update.redacted())
            .or_default()
            .push(entry.outcome.id);
    }
    for (update, ids) in &updates {
        let (set, mut values) = update.assignments(now);
        let (list, ids_bound) = id_placeholders(conn.get_database_backend(), values.len() + 1, ids);
        values.extend(ids_bound);
        let mut sql = format!("UPDATE outbox SET {set}, claimed_by = NULL WHERE id IN ({list})");
        if conn.get_database_backend() == DbBackend::Postgres {
            sql = format!(
                "WITH unflushed AS (SELECT set_config('synchronous_commit', 'off', true)) \
                 {sql} AND EXISTS (SELECT 1 FROM unflushed)"
            );
        }
        conn.execute(statement(conn, &sql, values)).await?;
        update.count(done, ids.len() as u64);
    }
    Ok(())
}

impl Update {
    /// The change with the contact details in its reason replaced (see `redact`): marketers
    /// read `lastError`, and an SMTP reply often names the address it refused.
    fn redacted(&self) -> Self {
        match self {
            Self::Suppressed(reason) => Self::Suppressed(redact(reason)),
            Self::Retry(due, reason) => Self::Retry(*due, redact(reason)),
            Self::Failed(reason) => Self::Failed(redact(reason)),
            Self::Fallback(rest, reason) => Self::Fallback(rest.clone(), redact(reason)),
            Self::Sent | Self::Postponed(_) => self.clone(),
        }
    }

    fn assignments(&self, now: DateTime<Utc>) -> (String, Vec<Value>) {
        use OutboxStatus::{Failed, Sent, Suppressed};
        match self {
            Self::Sent => (
                format!("status = '{Sent}', sent_at = $1, last_error = NULL"),
                vec![now.into()],
            ),
            Self::Suppressed(reason) => (
                format!("status = '{Suppressed}', last_error = $1"),
                vec![reason.clone().into()],
            ),
            // Waiting is not an attempt: take back the one the claim counted.
            Self::Postponed(due) => (
                "due_at = $1, channel = NULL, attempts = attempts - 1".to_owned(),
                vec![(*due).into()],
            ),
            Self::Retry(due, reason) => (
                "due_at = $1, channel = NULL, last_error = $2".to_owned(),
                vec![(*due).into(), reason.clone().into()],
            ),
            Self::Failed(reason) => (
                format!("status = '{Failed}', last_error = $1"),
                vec![reason.clone().into()],
            ),
            // Not an attempt on the next channel yet, and due at once.
            Self::Fallback(rest, reason) => (
                "channels = $1, channel = NULL, due_at = $2, attempts = attempts - 1, last_error = $3".to_owned(),
                vec![rest.clone().into(), now.into(), reason.clone().into()],
            ),
        }
    }

    /// Counts written rows in the pass's tally and for /metrics.
    fn count(&self, done: &mut Dispatched, rows: u64) {
        let (counter, outcome) = match self {
            Self::Sent => (&mut done.sent, "sent"),
            Self::Suppressed(_) => (&mut done.suppressed, "suppressed"),
            Self::Postponed(_) => (&mut done.postponed, "postponed"),
            Self::Retry(..) => (&mut done.retrying, "retried"),
            Self::Failed(_) => (&mut done.failed, "failed"),
            Self::Fallback(..) => (&mut done.fell_back, "fell_back"),
        };
        *counter += rows;
        metrics::counter!("patron_outbox_emails_total", "outcome" => outcome).increment(rows);
    }
}

/// Writes the provider's id and billed parts of each sent message that has them, in one
/// statement per chunk (`CASE id WHEN … THEN …`: the same on both databases).
async fn write_provider_refs(txn: &impl ConnectionTrait, group: &[Entry]) -> Result<(), DbErr> {
    let sent: Vec<(i64, &Accepted)> = group
        .iter()
        .filter_map(|e| e.outcome.accepted.as_ref().map(|a| (e.outcome.id, a)))
        .filter(|(_, a)| !a.is_plain())
        .collect();
    for chunk in sent.chunks(MOST_PER_WRITE / 4) {
        let (mut refs, mut parts, mut values) = (String::new(), String::new(), Vec::<Value>::new());
        for (id, accepted) in chunk {
            let n = values.len();
            refs.push_str(&format!(" WHEN ${} THEN ${}", n + 1, n + 2));
            parts.push_str(&format!(" WHEN ${} THEN ${}", n + 3, n + 4));
            values.extend([
                (*id).into(),
                accepted.provider_ref.clone().into(),
                (*id).into(),
                accepted.parts.into(),
            ]);
        }
        let ids: Vec<i64> = chunk.iter().map(|(id, _)| *id).collect();
        let (list, ids) = id_placeholders(txn.get_database_backend(), values.len() + 1, &ids);
        values.extend(ids);
        let sql = format!(
            "UPDATE outbox SET provider_ref = CASE id{refs} END, parts = CASE id{parts} END WHERE id IN ({list})"
        );
        txn.execute(statement(txn, &sql, values)).await?;
    }
    Ok(())
}

/// `reason` with each email address (a word with an `@` inside) replaced by `[address]` and each
/// phone number (a run of 7 or more digits, `+` included: Patron stores phones compact) by
/// `[phone]`, e.g. `550 5.1.1 <ann@example.com>: Recipient address rejected` becomes
/// `550 5.1.1 <[address]>: Recipient address rejected`.
fn redact(reason: &str) -> String {
    let is_boundary = |c: char| c.is_whitespace() || "<>()[]{},;:\"'".contains(c);
    let mut redacted = String::with_capacity(reason.len());
    let mut word = String::new();
    for c in reason.chars().chain(std::iter::once(' ')) {
        if !is_boundary(c) {
            word.push(c);
            continue;
        }
        let is_address = word
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
        if is_address {
            redacted.push_str("[address]");
        } else {
            redact_phones(&word, &mut redacted);
        }
        word.clear();
        redacted.push(c);
    }
    redacted.pop();
    redacted
}

/// Appends `word` with each run of 7 or more digits (and the `+` before it) as `[phone]`.
fn redact_phones(word: &str, redacted: &mut String) {
    fn flush(digits: &mut String, redacted: &mut String) {
        let count = digits.trim_start_matches('+').len();
        redacted.push_str(if count >= 7 { "[phone]" } else { digits.as_str() });
        digits.clear();
    }
    let mut digits = String::new();
    for c in word.chars() {
        if c.is_ascii_digit() || (c == '+' && digits.is_empty()) {
            digits.push(c);
        } else {
            flush(&mut digits, redacted);
            if c == '+' {
                digits.push(c);
            } else {
                redacted.push(c);
            }
        }
    }
    flush(&mut digits, redacted);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_lose_addresses_and_phone_numbers_but_keep_the_rest() {
        let cases = [
            (
                "undeliverable: permanent error (550): 5.1.1 <ann.lee+vip@example.com>: Recipient address rejected",
                "undeliverable: permanent error (550): 5.1.1 <[address]>: Recipient address rejected",
            ),
            ("mailbox ann@example.com full", "mailbox [address] full"),
            (
                "address \"bob@x.cn\" is not valid",
                "address \"[address]\" is not valid",
            ),
            ("to +8613812345678: rejected", "to [phone]: rejected"),
            ("number 13812345678 opted out", "number [phone] opted out"),
            (
                "cannot connect to 127.0.0.1:2525: refused (451 4.3.0)",
                "cannot connect to 127.0.0.1:2525: refused (451 4.3.0)",
            ),
            ("gave up after 72 hours: a + b @ c", "gave up after 72 hours: a + b @ c"),
            ("", ""),
        ];
        for (reason, expected) in cases {
            assert_eq!(redact(reason), expected, "{reason}");
        }
    }
}
