//! The access token every WeChat call carries, one per app, shared by every process and replica.
//!
//! WeChat limits how many tokens an app may fetch a day, and each new token retires the one
//! before it, so processes must not fetch their own: the token lives in `channel_tokens`, one
//! process at a time refreshes it under a lease (`job_leases`), and each process keeps a copy so
//! that a send does not read the database.
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use serde::Deserialize;
use tokio::time::Instant;

use crate::lease::{holder_name, Lease};
use crate::outreach::transport::SendError;
use crate::sql::statement;

/// A token is used until this long before it expires.
const MARGIN_MINUTES: i64 = 5;
/// The refresh lease lasts this long past each renewal: a crashed refresher blocks nobody long.
const LEASE_TTL: Duration = Duration::from_secs(15);
/// How long a process waits for another's refresh before giving the send up as temporary.
const WAIT_LIMIT: Duration = Duration::from_secs(10);
/// How often a waiting process reads the row again.
const POLL: Duration = Duration::from_millis(100);

/// One app's token: this process's copy, backed by the shared row.
pub(super) struct AccessToken {
    app_id: String,
    app_secret: String,
    url: String,
    client: reqwest::Client,
    db: DatabaseConnection,
    copy: Mutex<Option<Stored>>,
    /// Lets one task of this process at a time go past the copy to the database and WeChat.
    turn: tokio::sync::Mutex<()>,
    wait_limit: Duration,
}

/// A token and when WeChat said it expires.
#[derive(Clone, Debug)]
struct Stored {
    token: String,
    expires_at: DateTime<Utc>,
}

impl Stored {
    fn fresh(&self) -> bool {
        self.expires_at - chrono::Duration::minutes(MARGIN_MINUTES) > Utc::now()
    }

    /// Fresh, and not the token WeChat has just refused.
    fn usable(&self, refused: Option<&str>) -> bool {
        self.fresh() && refused != Some(self.token.as_str())
    }
}

/// `GET /cgi-bin/token`: a token and its lifetime in seconds, or an error code.
#[derive(Deserialize)]
struct Issued {
    access_token: Option<String>,
    expires_in: Option<i64>,
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: String,
}

impl AccessToken {
    pub(super) fn new(
        app_id: &str,
        app_secret: &str,
        endpoint: &str,
        client: reqwest::Client,
        db: DatabaseConnection,
    ) -> Self {
        Self {
            app_id: app_id.to_owned(),
            app_secret: app_secret.to_owned(),
            url: format!("{endpoint}/cgi-bin/token"),
            client,
            db,
            copy: Mutex::new(None),
            turn: tokio::sync::Mutex::new(()),
            wait_limit: WAIT_LIMIT,
        }
    }

    /// A token that is not about to expire: this process's copy, else the stored one, else a
    /// new one.
    pub(super) async fn current(&self) -> Result<String, SendError> {
        if let Some(token) = self.copy_if_usable(None) {
            return Ok(token);
        }
        let _turn = self.turn.lock().await;
        // Another task of this process may have settled it while this one waited its turn.
        if let Some(token) = self.copy_if_usable(None) {
            return Ok(token);
        }
        self.settle(None).await
    }

    /// A token to use instead of `refused`, which WeChat called invalid: a new one, unless
    /// another task or process has already replaced it (so many sends refused at once cause one
    /// refresh).
    pub(super) async fn replace(&self, refused: &str) -> Result<String, SendError> {
        let _turn = self.turn.lock().await;
        if let Some(token) = self.copy_if_usable(Some(refused)) {
            return Ok(token);
        }
        self.settle(Some(refused)).await
    }

    fn copy_if_usable(&self, refused: Option<&str>) -> Option<String> {
        let copy = self.copy.lock().unwrap_or_else(PoisonError::into_inner);
        copy.as_ref()
            .filter(|stored| stored.usable(refused))
            .map(|stored| stored.token.clone())
    }

    /// The stored token if usable; else one this process fetches under the lease; else, while
    /// another process holds the lease, the one it stores (waiting at most `wait_limit`).
    async fn settle(&self, refused: Option<&str>) -> Result<String, SendError> {
        let deadline = Instant::now() + self.wait_limit;
        loop {
            if let Some(stored) = self.read().await?.filter(|stored| stored.usable(refused)) {
                return Ok(self.keep(stored));
            }
            if let Some(lease) = self.take_lease().await? {
                let settled = self.refresh_holding_lease(refused).await;
                if let Err(err) = lease.release().await {
                    tracing::warn!(error = %err, app_id = %self.app_id, "could not release the WeChat token lease");
                }
                return settled;
            }
            if Instant::now() >= deadline {
                return Err(SendError::Temporary(format!(
                    "another process is refreshing the WeChat access token and has not finished in {} s",
                    self.wait_limit.as_secs()
                )));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn refresh_holding_lease(&self, refused: Option<&str>) -> Result<String, SendError> {
        // The previous holder may have stored a token between this process's read and its lease.
        if let Some(stored) = self.read().await?.filter(|stored| stored.usable(refused)) {
            return Ok(self.keep(stored));
        }
        let stored = self.fetch().await?;
        self.store(&stored).await?;
        Ok(self.keep(stored))
    }

    fn keep(&self, stored: Stored) -> String {
        let token = stored.token.clone();
        *self.copy.lock().unwrap_or_else(PoisonError::into_inner) = Some(stored);
        token
    }

    fn row_name(&self) -> String {
        format!("wechat:{}", self.app_id)
    }

    async fn read(&self) -> Result<Option<Stored>, SendError> {
        let sql = "SELECT token, expires_at FROM channel_tokens WHERE name = $1";
        let row = self
            .db
            .query_one(statement(&self.db, sql, vec![self.row_name().into()]))
            .await
            .map_err(database)?;
        let Some(row) = row else {
            return Ok(None);
        };
        Ok(Some(Stored {
            token: row.try_get("", "token").map_err(database)?,
            expires_at: row.try_get("", "expires_at").map_err(database)?,
        }))
    }

    async fn store(&self, stored: &Stored) -> Result<(), SendError> {
        let sql = "INSERT INTO channel_tokens (name, token, expires_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET token = excluded.token, expires_at = excluded.expires_at";
        let values = vec![
            self.row_name().into(),
            stored.token.clone().into(),
            stored.expires_at.into(),
        ];
        self.db
            .execute(statement(&self.db, sql, values))
            .await
            .map_err(database)?;
        Ok(())
    }

    /// The refresh lease, or None while another process holds it.
    async fn take_lease(&self) -> Result<Option<Lease>, SendError> {
        let name = format!("wechat-token:{}", self.app_id);
        let taken = Lease::acquire_as(&self.db, &name, &holder_name(), LEASE_TTL)
            .await
            .map_err(database)?;
        Ok(taken.ok())
    }

    /// A new token from WeChat (which retires the previous one).
    async fn fetch(&self) -> Result<Stored, SendError> {
        let response = self
            .client
            .get(&self.url)
            .query(&[
                ("grant_type", "client_credential"),
                ("appid", self.app_id.as_str()),
                ("secret", self.app_secret.as_str()),
            ])
            .send()
            .await
            .map_err(unanswered)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unanswered)?;
        let issued: Issued = serde_json::from_slice(&body).map_err(|_| {
            SendError::Temporary(format!("WeChat answered HTTP {status} to a token request with no JSON"))
        })?;
        match (issued.access_token, issued.expires_in) {
            (Some(token), Some(seconds)) => Ok(Stored {
                token,
                expires_at: Utc::now() + chrono::Duration::seconds(seconds),
            }),
            _ => Err(refusal(issued.errcode.unwrap_or_default(), &issued.errmsg)),
        }
    }
}

/// Why WeChat issued no token: the app's credentials (or this server's IP, not whitelisted) are
/// refused for good; the rest is worth retrying.
fn refusal(errcode: i64, errmsg: &str) -> SendError {
    let text = format!("WeChat issued no access token: {errcode} {errmsg}");
    match errcode {
        40001 | 40002 | 40013 | 40125 | 40164 | 41002 | 41004 => SendError::Rejected(text),
        _ => SendError::Temporary(text),
    }
}

fn database(err: DbErr) -> SendError {
    SendError::Temporary(format!("the WeChat access token could not be read or stored: {err}"))
}

/// The URL carries the app secret: it stays out of the text.
fn unanswered(err: reqwest::Error) -> SendError {
    SendError::Temporary(format!("WeChat did not answer a token request: {}", err.without_url()))
}

#[cfg(test)]
pub(super) mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    use sea_orm::Database;

    use super::*;
    use crate::outreach::sms::stub::Stub;

    /// An in-memory database with the two tables the cache uses, as the migrations make them on
    /// SQLite. Every instance built on it shares it, as processes share the real one.
    pub(crate) async fn database() -> DatabaseConnection {
        let db = Database::connect("sqlite::memory:").await.unwrap();
        for sql in [
            "CREATE TABLE job_leases (name varchar(64) NOT NULL PRIMARY KEY, owner varchar(64) NOT NULL, \
             expires_at timestamp_with_timezone_text NOT NULL)",
            "CREATE TABLE channel_tokens (name text NOT NULL PRIMARY KEY, token text NOT NULL, \
             expires_at timestamp_with_timezone_text NOT NULL)",
        ] {
            db.execute_unprepared(sql).await.unwrap();
        }
        db
    }

    /// A token endpoint that takes `delay` to issue `T1`, `T2`, … in turn.
    async fn token_server(delay: Duration) -> Stub {
        let issued = Arc::new(AtomicUsize::new(0));
        Stub::slow(delay, move |request| {
            if request.target.starts_with("/cgi-bin/token") {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                (200, format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#))
            } else {
                (404, "{}".to_owned())
            }
        })
        .await
    }

    fn process(stub: &Stub, db: &DatabaseConnection) -> AccessToken {
        AccessToken::new("wx123", "secret", &stub.url, reqwest::Client::new(), db.clone())
    }

    async fn all<T>(tasks: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
        let mut done = Vec::new();
        for task in tasks {
            done.push(task.await.unwrap());
        }
        done
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_in_several_processes_fetch_one_token() {
        let stub = token_server(Duration::from_millis(300)).await;
        let db = database().await;
        let processes: Vec<Arc<AccessToken>> = (0..3).map(|_| Arc::new(process(&stub, &db))).collect();
        let tasks = processes
            .iter()
            .flat_map(|tokens| (0..4).map(move |_| tokens.clone()))
            .map(|tokens| tokio::spawn(async move { tokens.current().await }))
            .collect();
        let tokens = all(tasks).await;
        assert!(tokens.iter().all(|token| token.as_deref() == Ok("T1")), "{tokens:?}");
        let fetches = stub.requests_to("/cgi-bin/token");
        assert_eq!(fetches.len(), 1);
        assert_eq!(
            fetches[0].target,
            "/cgi-bin/token?grant_type=client_credential&appid=wx123&secret=secret"
        );
        // The copy serves further calls without WeChat or, as this shows, the database.
        db.execute_unprepared("DELETE FROM channel_tokens").await.unwrap();
        assert_eq!(processes[0].current().await, Ok("T1".to_owned()));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_token_refused_by_many_sends_at_once_is_replaced_once() {
        let stub = token_server(Duration::from_millis(200)).await;
        let db = database().await;
        let processes: Vec<Arc<AccessToken>> = (0..3).map(|_| Arc::new(process(&stub, &db))).collect();
        for tokens in &processes {
            assert_eq!(tokens.current().await, Ok("T1".to_owned()));
        }
        let tasks = processes
            .iter()
            .flat_map(|tokens| (0..3).map(move |_| tokens.clone()))
            .map(|tokens| tokio::spawn(async move { tokens.replace("T1").await }))
            .collect();
        let tokens = all(tasks).await;
        assert!(tokens.iter().all(|token| token.as_deref() == Ok("T2")), "{tokens:?}");
        assert_eq!(stub.requests_to("/cgi-bin/token").len(), 2);
        // A late report of the old token's refusal changes nothing.
        assert_eq!(processes[1].replace("T1").await, Ok("T2".to_owned()));
        assert_eq!(stub.requests_to("/cgi-bin/token").len(), 2);
    }

    #[tokio::test]
    async fn a_stored_token_near_its_expiry_is_refreshed() {
        let stub = token_server(Duration::ZERO).await;
        let db = database().await;
        let tokens = process(&stub, &db);
        tokens
            .store(&Stored {
                token: "OLD".to_owned(),
                expires_at: Utc::now() + chrono::Duration::minutes(4),
            })
            .await
            .unwrap();
        assert_eq!(tokens.current().await, Ok("T1".to_owned()));
        let stored = tokens.read().await.unwrap().unwrap();
        assert_eq!(stored.token, "T1");
        assert!(stored.expires_at > Utc::now() + chrono::Duration::minutes(119));
    }

    #[tokio::test]
    async fn a_process_gives_up_when_another_holds_the_lease_too_long() {
        let stub = token_server(Duration::ZERO).await;
        let db = database().await;
        let _stuck = Lease::acquire_as(&db, "wechat-token:wx123", "stuck", Duration::from_secs(60))
            .await
            .unwrap()
            .unwrap();
        let mut tokens = process(&stub, &db);
        tokens.wait_limit = Duration::from_millis(300);
        assert!(matches!(tokens.current().await, Err(SendError::Temporary(text)) if text.contains("another process")));
        assert!(stub.requests_to("/cgi-bin/token").is_empty());
    }

    #[tokio::test]
    async fn refused_credentials_are_rejected() {
        let stub = Stub::start(|_| (200, r#"{"errcode":40125,"errmsg":"invalid appsecret"}"#.to_owned())).await;
        let db = database().await;
        let tokens = process(&stub, &db);
        assert!(matches!(tokens.current().await, Err(SendError::Rejected(text)) if text.contains("40125")));
        assert!(matches!(refusal(-1, "system error"), SendError::Temporary(_)));
        assert!(matches!(
            refusal(45009, "reach max api daily quota limit"),
            SendError::Temporary(_)
        ));
    }
}
