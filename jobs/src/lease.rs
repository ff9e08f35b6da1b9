//! Single-flight across processes and replicas: a job holds a lease row while it runs.
//!
//! The lease expires unless renewed, so a crashed holder blocks nobody for long; one
//! `INSERT … ON CONFLICT DO UPDATE … WHERE expired` takes it atomically on SQLite and PostgreSQL.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};

use crate::sql::statement;
use tokio::task::JoinHandle;
use tracing::Instrument;

/// How long a job's lease lasts without renewal; the holder renews it four times as often.
const JOB_TTL: Duration = Duration::from_secs(60);

/// A held lease; renewed in the background until released.
pub struct Lease {
    db: DatabaseConnection,
    name: String,
    owner: String,
    renewer: JoinHandle<()>,
}

/// Who holds a lease that could not be taken.
#[derive(Debug)]
pub struct Held {
    pub owner: String,
    pub until: DateTime<Utc>,
}

fn expiry(ttl: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(ttl).unwrap_or_default()
}

impl Lease {
    /// Takes the lease `name` for a job, or reports who holds it.
    pub async fn acquire(db: &DatabaseConnection, name: &str) -> Result<Result<Lease, Held>, DbErr> {
        Self::acquire_as(db, name, &holder_name(), JOB_TTL).await
    }

    /// Takes the lease `name` for `owner`, lasting `ttl` past each renewal.
    pub async fn acquire_as(
        db: &DatabaseConnection,
        name: &str,
        owner: &str,
        ttl: Duration,
    ) -> Result<Result<Lease, Held>, DbErr> {
        let owner = owner.to_owned();
        let sql = "INSERT INTO job_leases (name, owner, expires_at) VALUES ($1, $2, $3) \
                   ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
                   WHERE job_leases.expires_at < $4";
        let values = vec![name.into(), owner.clone().into(), expiry(ttl).into(), Utc::now().into()];
        let taken = db.execute(statement(db, sql, values)).await?.rows_affected() == 1;
        if !taken {
            let row = db
                .query_one(statement(
                    db,
                    "SELECT owner, expires_at FROM job_leases WHERE name = $1",
                    vec![name.into()],
                ))
                .await?;
            let held = match row {
                Some(row) => Held {
                    owner: row.try_get("", "owner")?,
                    until: row.try_get("", "expires_at")?,
                },
                None => Held {
                    owner: "unknown".into(),
                    until: Utc::now(),
                },
            };
            return Ok(Err(held));
        }
        // The renewer's warnings belong to the run that holds the lease.
        let renewer =
            tokio::spawn(renew(db.clone(), name.to_owned(), owner.clone(), ttl).instrument(tracing::Span::current()));
        Ok(Ok(Lease {
            db: db.clone(),
            name: name.to_owned(),
            owner,
            renewer,
        }))
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Gives the lease up at once.
    pub async fn release(self) -> Result<(), DbErr> {
        self.renewer.abort();
        let sql = "DELETE FROM job_leases WHERE name = $1 AND owner = $2";
        self.db
            .execute(statement(
                &self.db,
                sql,
                vec![self.name.clone().into(), self.owner.clone().into()],
            ))
            .await?;
        Ok(())
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // Released or not, stop renewing: an abandoned lease then expires by itself.
        self.renewer.abort();
    }
}

async fn renew(db: DatabaseConnection, name: String, owner: String, ttl: Duration) {
    let sql = "UPDATE job_leases SET expires_at = $3 WHERE name = $1 AND owner = $2";
    loop {
        tokio::time::sleep(ttl / 4).await;
        let values = vec![name.clone().into(), owner.clone().into(), expiry(ttl).into()];
        if let Err(err) = db.execute(statement(&db, sql, values)).await {
            tracing::warn!(error = %err, lease = %name, "could not renew lease");
        }
    }
}

/// A name for one holder of leases or claims: host, process id and a clock reading.
pub fn holder_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "patron".to_owned());
    name_on(
        &host,
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default(),
    )
}

/// The name names lease rows and claimed outbox rows (64 characters at most), so a long host
/// name (a Kubernetes pod's runs to 63) is cut.
fn name_on(host: &str, pid: u32, nanos: i64) -> String {
    let host: String = host.chars().take(30).collect();
    format!("{host}:{pid}-{nanos}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_holder_name_fits_its_columns_whatever_the_host() {
        let pod = "patron-replica-7d9f8c6b5d-abcde-very-long-deployment-name-x1234";
        let name = super::name_on(pod, u32::MAX, i64::MAX);
        assert!(name.len() <= 64, "{} characters: {name}", name.len());
        assert!(name.starts_with("patron-replica-7d9f8c6b5d-abcd:"), "{name}");
    }
}
