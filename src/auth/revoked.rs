//! Revoked tokens: one token by its id, or every token of a subject issued up to a time (a
//! stolen phone, a staff user who left). Each replica keeps the live revocations in memory and
//! checks every request there — a hash lookup, not a query, so the lookup's speed holds — and
//! reloads them every `RELOAD` from the table: a revocation takes effect at once on the replica
//! that made it and within `RELOAD` on the others.
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use entity::revoked_token;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use tokio_util::sync::CancellationToken;

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;

pub const RELOAD: Duration = Duration::from_secs(2);

/// The live revocations, shared by every request of this process.
#[derive(Clone, Default)]
pub struct RevokedTokens(Arc<RwLock<Live>>);

#[derive(Default)]
struct Live {
    tokens: HashSet<String>,
    /// Per subject, the time up to which its tokens are revoked.
    subjects: HashMap<String, i64>,
}

impl Live {
    fn add(&mut self, entry: &revoked_token::Model) {
        if let Some(id) = &entry.token_id {
            self.tokens.insert(id.clone());
        }
        if let (Some(subject), Some(before)) = (&entry.subject, entry.issued_before) {
            let until = self.subjects.entry(subject.clone()).or_insert(i64::MIN);
            *until = (*until).max(before.timestamp());
        }
    }
}

impl RevokedTokens {
    /// Fails with UNAUTHENTICATED when the token was revoked. A token issued in the same second
    /// as its subject's revocation counts as issued before it (`iat` has whole seconds).
    pub fn check(&self, subject: &str, issued_at: i64, token_id: Option<&str>) -> AppResult<()> {
        let live = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        let by_id = token_id.is_some_and(|id| live.tokens.contains(id));
        let by_subject = live.subjects.get(subject).is_some_and(|until| issued_at <= *until);
        if by_id || by_subject {
            return Err(AppError::unauthenticated(
                "this token was revoked; sign in again".into(),
            ));
        }
        Ok(())
    }

    /// The last second up to which `subject`'s tokens are revoked, if they ever were.
    pub fn revoked_until(&self, subject: &str) -> Option<i64> {
        let live = self.0.read().unwrap_or_else(|poisoned| poisoned.into_inner());
        live.subjects.get(subject).copied()
    }

    /// Replaces what this process knows with the table's live entries.
    pub async fn reload(&self, conn: &impl ConnectionTrait) -> AppResult<()> {
        let entries = revoked_token::Entity::find()
            .filter(revoked_token::Column::ForgetAfter.gt(Utc::now()))
            .all(conn)
            .await?;
        let mut live = Live::default();
        for entry in &entries {
            live.add(entry);
        }
        *self.0.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = live;
        Ok(())
    }

    /// Reloads every `RELOAD` until `stop`, so other replicas' revocations reach this one.
    pub fn keep_loaded(&self, db: DatabaseConnection, stop: CancellationToken) {
        let revoked = self.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(RELOAD);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    _ = every.tick() => {
                        if let Err(error) = revoked.reload(&db).await {
                            tracing::warn!(?error, "could not reload revoked tokens");
                        }
                    }
                }
            }
        });
    }

    /// Revokes one token (by its id, kept until it would have expired), audited.
    pub async fn revoke_token(
        &self,
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        token_id: &str,
        expires_at: DateTime<Utc>,
    ) -> AppResult<()> {
        let entry = revoked_token::ActiveModel {
            token_id: Set(Some(token_id.to_owned())),
            forget_after: Set(expires_at),
            ..self.entry(viewer)
        };
        let detail = serde_json::json!({ "tokenId": token_id, "expiresAt": expires_at });
        self.record(conn, viewer, entry, "token.revoke", None, detail).await
    }

    /// Revokes every token `subject` was issued up to now; `longest_lifetime` is how long any
    /// of them can have left.
    pub async fn revoke_subject(
        &self,
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        subject: &str,
        longest_lifetime: chrono::Duration,
    ) -> AppResult<()> {
        let now = Utc::now();
        let entry = revoked_token::ActiveModel {
            subject: Set(Some(subject.to_owned())),
            issued_before: Set(Some(now)),
            forget_after: Set(now + longest_lifetime),
            ..self.entry(viewer)
        };
        let detail = serde_json::json!({ "subject": subject });
        self.record(conn, viewer, entry, "token.revoke_all", Some(subject), detail)
            .await
    }

    /// Revokes a token as presented: by its id, or, for a token from before tokens had ids,
    /// every token its subject holds (kept until this one would have expired).
    pub async fn revoke_presented(
        &self,
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        subject: &str,
        token_id: Option<&str>,
        expires_at: DateTime<Utc>,
    ) -> AppResult<()> {
        match token_id {
            Some(id) => self.revoke_token(conn, viewer, id, expires_at).await,
            None => {
                let left = (expires_at - Utc::now()).max(chrono::Duration::zero());
                self.revoke_subject(conn, viewer, subject, left).await
            }
        }
    }

    fn entry(&self, viewer: &Viewer) -> revoked_token::ActiveModel {
        revoked_token::ActiveModel {
            revoked_by: Set(viewer.actor.clone()),
            revoked_at: Set(Utc::now()),
            ..Default::default()
        }
    }

    /// Writes the entry and its audit, forgets entries past their use, and applies the entry
    /// here at once.
    async fn record(
        &self,
        conn: &impl ConnectionTrait,
        viewer: &Viewer,
        entry: revoked_token::ActiveModel,
        action: &str,
        target: Option<&str>,
        detail: serde_json::Value,
    ) -> AppResult<()> {
        let saved = revoked_token::Entity::insert(entry).exec_with_returning(conn).await?;
        revoked_token::Entity::delete_many()
            .filter(revoked_token::Column::ForgetAfter.lt(Utc::now()))
            .exec(conn)
            .await?;
        audit::record(conn, viewer, action, target, detail).await?;
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .add(&saved);
        Ok(())
    }
}
