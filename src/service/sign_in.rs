//! Staff password sign-in: argon2id hashes, throttling by growing delays, and the audit log.
//!
//! A guess is throttled along three lines: one client guessing one account, many clients
//! guessing one account (a distributed attack), and one client trying many accounts (spraying).
//! Each line allows a few failures, then makes every further guess wait twice as long as the one
//! before, up to `MAX_DELAY`; nothing locks an account for good, and the two wider lines spare
//! a client that signed in to the account before, so nobody can keep a colleague out of their
//! usual device. Delays hold across concurrent requests and replicas: a guess is written as a
//! failure before its password is checked and checked only if the failures written beside it
//! still allow it.
use std::sync::OnceLock;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{DateTime, Duration, Utc};
use entity::{login_attempt, staff_password, staff_user};
use rand::RngCore;
use sea_orm::sea_query::{OnConflict, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, EntityTrait, FromQueryResult,
    QueryFilter, QuerySelect, Set, Statement, TransactionTrait,
};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::audit::{self, AuditTrail};
use crate::service::staff;

/// Failures along one line of guessing before its delays start.
#[derive(Clone, Copy)]
struct Line {
    free: i64,
}

/// One client guessing one account.
const PER_ACCOUNT_AND_CLIENT: Line = Line { free: 5 };
/// Many clients guessing one account; clients that signed in to it before are spared.
const PER_ACCOUNT: Line = Line { free: 10 };
/// One client trying many accounts (password spraying).
const PER_CLIENT: Line = Line { free: 20 };
/// The wait after the first failure past a line's allowance; each further one doubles it.
const FIRST_DELAY: i64 = 30;
/// The longest wait between two guesses (OWASP: throttle, do not lock out for good).
const MAX_DELAY: i64 = 15 * 60;
/// Failures older than this no longer count.
const FAILURES_COUNT_FOR: Duration = Duration::hours(24);
/// How long a client that signed in to an account is known to it, and attempts are kept.
const KEPT_FOR: Duration = Duration::days(30);
/// NIST SP 800-63B: at least 8 characters; long passphrases allowed, absurd ones refused.
const MIN_PASSWORD: usize = 8;
const MAX_PASSWORD: usize = 200;

const FAILED: &str = "failed";
const SUCCEEDED: &str = "succeeded";

/// One sign-in request as it reached the server.
pub struct Attempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client's IP address, for the per-client line and the audit log.
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
/// says the same thing, whether the name exists or not, and takes as long. A throttled guess is
/// not checked, and is counted in the audit log with the others like it.
pub async fn sign_in(conn: &DatabaseConnection, trail: &AuditTrail, attempt: &Attempt<'_>) -> AppResult<Viewer> {
    let username = attempt.username.trim();
    if username.is_empty() || username.chars().count() > 100 {
        return Err(AppError::field("username", "enter your username"));
    }
    let client = &attempt.client.chars().take(64).collect::<String>();
    // Checked before `reserve` too, without a lock or a write: a flood of throttled guesses
    // then queues for nothing.
    if let Some(wait) = throttled(conn, username, client, None).await? {
        return Err(refused(trail, username, client, wait));
    }
    let guess = match reserve(conn, username, client).await? {
        Ok(guess) => guess,
        Err(wait) => return Err(refused(trail, username, client, wait)),
    };
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
        Some(user) if user.disabled_at.is_some() => Err(AppError::unauthenticated(
            "this staff account is disabled; an administrator can enable it again".into(),
        )
        .with_key("signIn.disabled")),
        Some(user) => {
            let mut succeeded: login_attempt::ActiveModel = guess.into();
            succeeded.outcome = Set(SUCCEEDED.to_owned());
            succeeded.update(conn).await?;
            prune(conn).await?;
            let viewer = staff_viewer(&user)?;
            audit::record(conn, &viewer, "staff.sign_in", None, client_detail(client)).await?;
            Ok(viewer)
        }
        None => {
            let detail = serde_json::json!({ "username": username, "client": client, "outcome": FAILED });
            audit::record_anonymous(conn, &format!("client:{client}"), "staff.sign_in_failed", detail).await?;
            Err(AppError::unauthenticated("wrong username or password".into()).with_key("signIn.wrong"))
        }
    }
}

/// Writes the guess as a failure before its password is checked, if the failures before it
/// allow it; else how long to wait. Guesses at one username take turns here (SQLite has one
/// writer; PostgreSQL takes a lock on the name for the transaction), so thirty at once are
/// counted one after another, on one replica or several.
async fn reserve(
    db: &DatabaseConnection,
    username: &str,
    client: &str,
) -> AppResult<Result<login_attempt::Model, i64>> {
    let txn = db.begin().await?;
    if txn.get_database_backend() == DbBackend::Postgres {
        let lock = "SELECT pg_advisory_xact_lock(hashtext('sign-in:' || $1))";
        txn.execute(Statement::from_sql_and_values(
            DbBackend::Postgres,
            lock,
            [username.into()],
        ))
        .await?;
    }
    let guess = login_attempt::ActiveModel {
        username: Set(username.to_owned()),
        client: Set(client.to_owned()),
        outcome: Set(FAILED.to_owned()),
        attempted_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if let Some(wait) = throttled(&txn, username, client, Some(guess.id)).await? {
        return Ok(Err(wait)); // rolled back: a refused guess leaves no row
    }
    txn.commit().await?;
    Ok(Ok(guess))
}

/// The error for a throttled guess; the audit log counts such guesses per username and client
/// instead of writing a row for each.
fn refused(trail: &AuditTrail, username: &str, client: &str, wait: i64) -> AppError {
    let detail = serde_json::json!({ "username": username, "client": client, "outcome": "throttled" });
    trail.count(&format!("client:{client}"), "staff.sign_in_throttled", detail);
    AppError::unauthenticated(format!("too many failed sign-ins; try again in {wait} seconds"))
        .with_key("signIn.throttled")
        .with("seconds", wait)
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

/// Seconds until a guess by `client` at `username` may be checked, if a line of guessing holds
/// it back now. `mine` is the guess itself once written, which does not count against itself.
async fn throttled(
    conn: &impl ConnectionTrait,
    username: &str,
    client: &str,
    mine: Option<i64>,
) -> AppResult<Option<i64>> {
    use login_attempt::Column as A;
    let now = Utc::now();
    let counted_from = now - FAILURES_COUNT_FOR;
    let account = A::Username.eq(username);
    let from_client = A::Client.eq(client);
    let pair = account.clone().and(from_client.clone());
    let pair_success = last_success(conn, pair.clone(), now - KEPT_FOR).await?;
    // A line's failures count from its last success, or for a day.
    let mut lines = vec![(PER_ACCOUNT_AND_CLIENT, pair, pair_success.max(Some(counted_from)))];
    // A client that signed in to this account before is spared the wider lines: a stranger's
    // guesses cannot keep a person out of their usual device.
    if pair_success.is_none() {
        let account_success = last_success(conn, account.clone(), counted_from).await?;
        lines.push((PER_ACCOUNT, account, account_success.max(Some(counted_from))));
        lines.push((PER_CLIENT, from_client, Some(counted_from)));
    }
    let mut wait = 0;
    for (line, who, since) in lines {
        let since = since.unwrap_or(counted_from);
        let failures = outcomes(conn, who, FAILED, since, mine).await?;
        if let Some(last) = failures.last.filter(|_| failures.count >= line.free) {
            let delay = delay_after(failures.count - line.free + 1);
            let left = (last + Duration::seconds(delay) - now).num_milliseconds();
            wait = wait.max((left + 999) / 1000);
        }
    }
    Ok((wait > 0).then_some(wait))
}

/// The wait before the `n`th guess past a line's allowance: 30 s, 1 min, 2 min, … 15 min.
fn delay_after(n: i64) -> i64 {
    let doublings = u32::try_from(n - 1).unwrap_or(0).min(16);
    (FIRST_DELAY << doublings).min(MAX_DELAY)
}

/// When `who` last signed in, if after `since`.
async fn last_success(
    conn: &impl ConnectionTrait,
    who: SimpleExpr,
    since: DateTime<Utc>,
) -> AppResult<Option<DateTime<Utc>>> {
    Ok(outcomes(conn, who, SUCCEEDED, since, None).await?.last)
}

/// How many attempts of `who` ended in `outcome` after `since`, and the last one's time.
#[derive(FromQueryResult)]
struct Outcomes {
    count: i64,
    last: Option<DateTime<Utc>>,
}

async fn outcomes(
    conn: &impl ConnectionTrait,
    who: SimpleExpr,
    outcome: &str,
    since: DateTime<Utc>,
    mine: Option<i64>,
) -> AppResult<Outcomes> {
    use login_attempt::Column as A;
    let mut query = login_attempt::Entity::find()
        .select_only()
        .column_as(A::Id.count(), "count")
        .column_as(A::AttemptedAt.max(), "last")
        .filter(who)
        .filter(A::Outcome.eq(outcome))
        .filter(A::AttemptedAt.gt(since));
    if let Some(mine) = mine {
        query = query.filter(A::Id.ne(mine));
    }
    let found = query.into_model::<Outcomes>().one(conn).await?;
    Ok(found.unwrap_or(Outcomes { count: 0, last: None }))
}

/// Deletes attempts past `KEPT_FOR`. Run on each successful sign-in: a few a day per person,
/// and nothing an attacker can make happen.
async fn prune(conn: &impl ConnectionTrait) -> AppResult<()> {
    login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::AttemptedAt.lt(Utc::now() - KEPT_FOR))
        .exec(conn)
        .await?;
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
