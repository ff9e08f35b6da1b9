//! The audit log: every mutation and every export of member data, with who did it.
//!
//! A change writes its entry inside its own transaction (`record`). A read that exports member
//! data (a list page, a segment preview) goes through the `AuditTrail`, which writes entries in
//! groups: a page read then costs no disk flush of its own. An entry waits in memory at most
//! `FLUSH_EVERY` (or until `BATCH` wait); a clean stop writes every waiting entry before the
//! process exits, a crash loses at most the last second's reads, and reading the audit log
//! writes what waits first, so a reader sees every entry this process made before (another
//! replica's reads arrive within a second).
use std::collections::HashMap;
use std::time::Duration;

use chrono::Utc;
use entity::audit_log;
use sea_orm::{ColumnTrait, DatabaseConnection};
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use tokio::sync::{mpsc, oneshot};

use crate::auth::Viewer;
use crate::error::AppResult;

/// Appends one entry; call it inside the transaction that makes the change, so a change is
/// never without its entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert(conn, &viewer.actor, viewer.role.as_str(), action, target, detail).await
}

/// An entry for someone without a token yet, such as a failed sign-in (role `none`).
pub async fn record_anonymous(
    conn: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert(conn, actor, "none", action, None, detail).await
}

/// An entry for one of the brand's apps, acting with its app key (role `app`).
pub async fn record_app(
    conn: &impl ConnectionTrait,
    app: &str,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert(conn, &format!("app:{app}"), "app", action, target, detail).await
}

async fn insert(
    conn: &impl ConnectionTrait,
    actor: &str,
    role: &str,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    let entry = entry(actor, role, action, target, detail);
    audit_log::Entity::insert(entry).exec_without_returning(conn).await?;
    Ok(())
}

fn entry(
    actor: &str,
    role: &str,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> audit_log::ActiveModel {
    audit_log::ActiveModel {
        actor: Set(actor.to_owned()),
        role: Set(role.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.map(str::to_owned)),
        detail: Set((!detail.is_null()).then(|| detail.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
}

/// How long a read's entry may wait before it is written.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// Entries written by one statement at most.
const BATCH: usize = 500;

enum Message {
    Entry(audit_log::ActiveModel),
    /// One more of a repeated anonymous event (actor, action, detail).
    Counted(Repeated),
    /// Write what waits, then answer.
    Flush(oneshot::Sender<()>),
    /// Write what waits, answer, and stop.
    Close(oneshot::Sender<()>),
}

/// The grouped writer of read entries (see the module's comment).
#[derive(Clone)]
pub struct AuditTrail {
    sender: mpsc::UnboundedSender<Message>,
}

impl AuditTrail {
    /// Starts the writer task on `db`.
    pub fn start(db: DatabaseConnection) -> Self {
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_in_groups(db, receiver));
        Self { sender }
    }

    /// Queues an entry for a read; it is written within `FLUSH_EVERY`.
    pub fn record(&self, viewer: &Viewer, action: &str, target: Option<&str>, detail: serde_json::Value) {
        let entry = entry(&viewer.actor, viewer.role.as_str(), action, target, detail);
        if self.sender.send(Message::Entry(entry)).is_err() {
            tracing::error!(action, "audit entry after the audit trail was closed");
        }
    }

    /// Counts one more of an event that may come by the thousand (a throttled sign-in): each
    /// flush writes one entry per actor, action and detail, with `"times"` in its detail.
    pub fn count(&self, actor: &str, action: &str, detail: serde_json::Value) {
        let repeated = Repeated {
            actor: actor.to_owned(),
            action: action.to_owned(),
            detail: detail.to_string(),
        };
        if self.sender.send(Message::Counted(repeated)).is_err() {
            tracing::error!(action, "audit entry after the audit trail was closed");
        }
    }

    /// Writes every waiting entry.
    pub async fn flush(&self) {
        self.ask(Message::Flush).await;
    }

    /// Writes every waiting entry and stops the writer: the last step of a clean stop.
    pub async fn close(&self) {
        self.ask(Message::Close).await;
    }

    async fn ask(&self, message: fn(oneshot::Sender<()>) -> Message) {
        let (done, written) = oneshot::channel();
        if self.sender.send(message(done)).is_ok() {
            let _ = written.await;
        }
    }
}

/// An event counted rather than written each time it happens.
#[derive(PartialEq, Eq, Hash)]
struct Repeated {
    actor: String,
    action: String,
    /// JSON.
    detail: String,
}

impl Repeated {
    /// The entry for `times` of the event (role `none`: these come before any token).
    fn entry(&self, times: u64) -> audit_log::ActiveModel {
        let mut detail: serde_json::Value = serde_json::from_str(&self.detail).unwrap_or_default();
        if let Some(object) = detail.as_object_mut() {
            object.insert("times".to_owned(), times.into());
        }
        entry(&self.actor, "none", &self.action, None, detail)
    }
}

async fn write_in_groups(db: DatabaseConnection, mut receiver: mpsc::UnboundedReceiver<Message>) {
    let mut waiting = Vec::new();
    let mut counted: HashMap<Repeated, u64> = HashMap::new();
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tokio::select! {
            message = receiver.recv() => match message {
                Some(Message::Counted(repeated)) => *counted.entry(repeated).or_default() += 1,
                Some(Message::Entry(entry)) => {
                    waiting.push(entry);
                    if waiting.len() >= BATCH {
                        write(&db, &mut waiting, &mut counted).await;
                    }
                }
                Some(Message::Flush(done)) => {
                    write(&db, &mut waiting, &mut counted).await;
                    let _ = done.send(());
                }
                Some(Message::Close(done)) => {
                    write(&db, &mut waiting, &mut counted).await;
                    let _ = done.send(());
                    return;
                }
                None => return write(&db, &mut waiting, &mut counted).await,
            },
            _ = tick.tick() => write(&db, &mut waiting, &mut counted).await,
        }
    }
}

/// Writes the waiting entries, and one for each counted event, in statements of up to `BATCH`.
/// On a database error they stay waiting for the next attempt.
async fn write(
    db: &DatabaseConnection,
    waiting: &mut Vec<audit_log::ActiveModel>,
    counted: &mut HashMap<Repeated, u64>,
) {
    waiting.extend(counted.drain().map(|(repeated, times)| repeated.entry(times)));
    while !waiting.is_empty() {
        let group: Vec<_> = waiting.iter().take(BATCH).cloned().collect();
        let count = group.len();
        match audit_log::Entity::insert_many(group).exec_without_returning(db).await {
            Ok(_) => {
                waiting.drain(..count);
            }
            Err(err) => {
                tracing::error!(error = %err, waiting = waiting.len(), "cannot write audit entries; retrying");
                return;
            }
        }
    }
}

/// The newest entries, optionally for one member number. Grouped entries get their ids when
/// written, so time orders the log.
pub async fn latest(conn: &impl ConnectionTrait, target: Option<&str>, limit: u64) -> AppResult<Vec<audit_log::Model>> {
    let mut query = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::CreatedAt)
        .order_by_desc(audit_log::Column::Id)
        .limit(limit);
    if let Some(target) = target {
        query = query.filter(audit_log::Column::Target.eq(target));
    }
    Ok(query.all(conn).await?)
}
