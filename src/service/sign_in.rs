//! Staff password sign-in: argon2id hashes, a rate limit per username and per client address,
//! and an audit entry for every attempt.
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{Duration, Utc};
use entity::{login_attempt, staff_password, staff_user};
use rand::RngCore;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::{audit, staff};

/// Failed attempts counted over this window (OWASP's "lock out for a while", not for good).
pub const WINDOW_MINUTES: i64 = 15;
/// Failures on one username since its last success, within the window, before it is refused.
pub const MAX_FAILURES_PER_USER: u64 = 5;
/// Failures from one client address within the window (password spraying over many names).
pub const MAX_FAILURES_PER_CLIENT: u64 = 20;
/// NIST SP 800-63B: at least 8 characters; long passphrases allowed, absurd ones refused.
const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 200;

/// One sign-in request as it reached the server.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's IP address, for the per-address limit and the audit log.
    pub client: &'a str,
}

/// Sets (or replaces) a staff user's password. The command line uses it.
pub async fn set_password(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    username: &str,
    password: &str,
) -> AppResult<()> {
    let user = staff::by_username(conn, username)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no staff user is called {:?}", username.trim())))?;
    check_strength(password)?;
    let hash = hash(password.to_owned()).await?;
    let row = staff_password::ActiveModel {
        staff_id: Set(user.id),
        hash: Set(hash),
        updated_at: Set(Utc::now()),
    };
    staff_password::Entity::insert(row)
        .on_conflict(
            OnConflict::column(staff_password::Column::StaffId)
                .update_columns([staff_password::Column::Hash, staff_password::Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    let detail = serde_json::json!({ "username": user.username });
    audit::record(conn, viewer, "staff.set_password", None, detail).await
}

/// Checks a username and password; on success, the viewer a token is issued for. Every failure
/// says the same thing, whether the name exists or not, and takes as long.
pub async fn sign_in(conn: &impl ConnectionTrait, attempt: &Attempt<'_>) -> AppResult<Viewer> {
    let username = attempt.username.trim();
    if username.is_empty() || username.len() > 100 {
        return Err(AppError::field("username", "enter your username"));
    }
    if let Some(wait) = limited(conn, username, attempt.client).await? {
        record(conn, username, attempt.client, "limited").await?;
        return Err(AppError::Unauthenticated(format!(
            "too many failed sign-ins; try again in {wait} minutes"
        )));
    }
    let user = staff::by_username(conn, username).await?;
    let stored = match &user {
        Some(user) => staff_password::Entity::find_by_id(user.id)
            .one(conn)
            .await?
            .map(|p| p.hash),
        None => None,
    };
    let matches = verify(attempt.password.to_owned(), stored).await?;
    match user.filter(|_| matches) {
        Some(user) => {
            record(conn, username, attempt.client, "succeeded").await?;
            let viewer = staff_viewer(&user)?;
            audit::record(conn, &viewer, "staff.sign_in", None, client_detail(attempt.client)).await?;
            Ok(viewer)
        }
        None => {
            record(conn, username, attempt.client, "failed").await?;
            Err(AppError::Unauthenticated("wrong username or password".into()))
        }
    }
}

/// The viewer of a signed-in staff user, as `patron token create --staff` would make it.
fn staff_viewer(user: &staff_user::Model) -> AppResult<Viewer> {
    let role = match user.role.as_str() {
        "admin" => Role::Admin,
        "marketer" => Role::Marketer,
        "associate" => Role::Associate,
        other => return Err(AppError::Internal(anyhow::anyhow!("staff user has the role {other:?}"))),
    };
    Ok(Viewer::staff(user, role))
}

fn client_detail(client: &str) -> serde_json::Value {
    serde_json::json!({ "client": client })
}

/// Minutes until the next attempt may be checked, when either limit is reached.
async fn limited(conn: &impl ConnectionTrait, username: &str, client: &str) -> AppResult<Option<i64>> {
    let since = Utc::now() - Duration::minutes(WINDOW_MINUTES);
    let last_success = login_attempt::Entity::find()
        .filter(login_attempt::Column::Username.eq(username))
        .filter(login_attempt::Column::Outcome.eq("succeeded"))
        .filter(login_attempt::Column::AttemptedAt.gt(since))
        .order_by_desc(login_attempt::Column::AttemptedAt)
        .one(conn)
        .await?
        .map_or(since, |a| a.attempted_at);
    let user_failures = failures(conn, login_attempt::Column::Username.eq(username), last_success).await?;
    let client_failures = failures(conn, login_attempt::Column::Client.eq(client), since).await?;
    if user_failures < MAX_FAILURES_PER_USER && client_failures < MAX_FAILURES_PER_CLIENT {
        return Ok(None);
    }
    Ok(Some(WINDOW_MINUTES))
}

async fn failures(
    conn: &impl ConnectionTrait,
    who: sea_orm::sea_query::SimpleExpr,
    since: chrono::DateTime<Utc>,
) -> AppResult<u64> {
    Ok(login_attempt::Entity::find()
        .filter(who)
        .filter(login_attempt::Column::Outcome.eq("failed"))
        .filter(login_attempt::Column::AttemptedAt.gt(since))
        .count(conn)
        .await?)
}

/// Writes the attempt, and a failed or refused one to the audit log (a success is logged as
/// the staff user it signed in).
async fn record(conn: &impl ConnectionTrait, username: &str, client: &str, outcome: &str) -> AppResult<()> {
    let row = login_attempt::ActiveModel {
        username: Set(username.chars().take(100).collect()),
        client: Set(client.chars().take(64).collect()),
        outcome: Set(outcome.to_owned()),
        attempted_at: Set(Utc::now()),
        ..Default::default()
    };
    login_attempt::Entity::insert(row).exec_without_returning(conn).await?;
    if outcome != "succeeded" {
        let detail = serde_json::json!({ "username": username, "client": client, "outcome": outcome });
        audit::record_anonymous(conn, &format!("client:{client}"), "staff.sign_in_failed", detail).await?;
    }
    Ok(())
}

/// NIST SP 800-63B's floor on length; no composition rules.
pub fn check_strength(password: &str) -> AppResult<()> {
    let length = password.chars().count();
    if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&length) {
        return Err(AppError::field(
            "password",
            format!("a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        ));
    }
    Ok(())
}

/// argon2id with the crate's defaults (OWASP's m=19 MiB, t=2); off the async threads, since a
/// hash takes tens of milliseconds by design.
async fn hash(password: String) -> AppResult<String> {
    blocking(move || {
        let mut salt = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut salt);
        let salt = SaltString::encode_b64(&salt).map_err(|err| anyhow::anyhow!("salt: {err}"))?;
        let hash = Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map_err(|err| anyhow::anyhow!("argon2: {err}"))?;
        Ok(hash.to_string())
    })
    .await
}

/// Whether `password` matches `stored`. Without a stored hash it checks against a decoy, so an
/// unknown username costs the same time as a known one.
async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    let known = stored.is_some();
    let stored = match stored {
        Some(hash) => hash,
        None => decoy().await?,
    };
    let matches = blocking(move || {
        let parsed = PasswordHash::new(&stored).map_err(|err| anyhow::anyhow!("stored hash: {err}"))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?;
    Ok(known && matches)
}

/// A hash of a random password, made once per process.
async fn decoy() -> AppResult<String> {
    static DECOY: OnceLock<String> = OnceLock::new();
    if let Some(hash) = DECOY.get() {
        return Ok(hash.clone());
    }
    let hash = hash(crate::auth::random_hex::<24>()).await?;
    Ok(DECOY.get_or_init(|| hash).clone())
}

/// Runs hashing work on the blocking pool, a few at a time: each argon2 call holds 19 MiB, and a
/// burst of sign-ins must not turn into gigabytes.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> anyhow::Result<T> + Send + 'static) -> AppResult<T> {
    static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(4);
    let _permit = HASHING
        .acquire()
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("hashing semaphore: {err}")))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|err| AppError::Internal(anyhow::anyhow!("hashing task: {err}")))?
        .map_err(AppError::Internal)
}
