//! Claims on outbox rows: a dispatcher holds the rows it is about to send.
//!
//! A claim is as alive as its dispatcher: each dispatcher holds a lease named after itself
//! (`job_leases`), renewed every quarter of `claim_seconds`, and its rows are claimed by that
//! name. When a dispatcher dies its lease lapses within `claim_seconds` and its rows are free
//! again; a dispatcher that stops cleanly releases what it has not sent at once.
use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult};

use entity::vocabulary::{CampaignKind, Channel, OutboxStatus};

use crate::lease::{holder_name, Lease};
use crate::sql::statement;

/// SQL: the row `o` is claimed by a dispatcher that is still alive at `$now`.
pub fn held_by_live_dispatcher(now: &str) -> String {
    format!(
        "(o.claimed_by IS NOT NULL AND EXISTS (SELECT 1 FROM job_leases l \
           WHERE l.name = o.claimed_by AND l.expires_at >= {now}))"
    )
}

/// A claimed outbox row.
pub struct Row {
    pub id: i64,
    pub dedupe_key: String,
    pub kind: CampaignKind,
    pub occurrence: String,
    pub member_id: i64,
    pub holiday_key: Option<String>,
    pub hold_quiet_hours: bool,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
    pub campaign_id: Option<i64>,
    /// Its campaign's priority: under the daily cap the higher goes first.
    pub priority: i32,
    /// The channels still to try, in order.
    pub channels: Vec<Channel>,
}

/// One dispatcher's right to claim rows.
pub struct Claimant {
    lease: Lease,
}

impl Claimant {
    /// Starts holding this dispatcher's lease.
    pub async fn start(db: &DatabaseConnection, claim_seconds: u64) -> Result<Self, DbErr> {
        let owner = holder_name();
        let ttl = Duration::from_secs(claim_seconds.max(1));
        match Lease::acquire_as(db, &owner, &owner, ttl).await? {
            Ok(lease) => Ok(Self { lease }),
            Err(held) => Err(DbErr::Custom(format!(
                "the claim name {owner} is taken by {}",
                held.owner
            ))),
        }
    }

    pub fn name(&self) -> &str {
        self.lease.owner()
    }

    /// Claims up to `limit` due rows that nobody alive holds, oldest due first, forgetting any
    /// cap reservation a dead dispatcher left on them.
    pub async fn claim(&self, db: &DatabaseConnection, now: DateTime<Utc>, limit: u32) -> Result<Vec<Row>, DbErr> {
        // On PostgreSQL the ids are locked as they are picked, and go to the UPDATE as an array:
        // `id IN (…)` was planned as a hash join over a scan of the whole outbox (26 ms a batch
        // at 100,000 rows), `= ANY(ARRAY(…))` looks each id up by its key.
        let (open, close) = match db.get_database_backend() {
            DbBackend::Postgres => ("= ANY(ARRAY(", "FOR UPDATE SKIP LOCKED))"),
            _ => ("IN (", ")"),
        };
        let queued = OutboxStatus::Queued;
        let sql = format!(
            "UPDATE outbox SET claimed_by = $1, attempts = attempts + 1, channel = NULL \
             WHERE id {open}SELECT o.id FROM outbox o WHERE o.status = '{queued}' AND o.due_at <= $2 \
               AND NOT {live} ORDER BY o.due_at LIMIT $3 {close} \
             RETURNING id, dedupe_key, kind, occurrence, member_id, holiday_key, hold_quiet_hours, attempts, created_at, \
               campaign_id, priority, channels",
            live = held_by_live_dispatcher("$2"),
        );
        let values = vec![self.name().into(), now.into(), i64::from(limit.max(1)).into()];
        let rows = db.query_all(statement(db, &sql, values)).await?;
        rows.iter().map(row).collect()
    }

    /// Gives back every row still claimed (claimed but never put on the wire), then the lease.
    pub async fn release(self, db: &DatabaseConnection) -> Result<u64, DbErr> {
        let queued = OutboxStatus::Queued;
        let sql = format!(
            "UPDATE outbox SET claimed_by = NULL, channel = NULL, attempts = attempts - 1 \
             WHERE claimed_by = $1 AND status = '{queued}'"
        );
        let released = db
            .execute(statement(db, &sql, vec![self.name().into()]))
            .await?
            .rows_affected();
        self.lease.release().await?;
        Ok(released)
    }
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
        campaign_id: r.try_get("", "campaign_id")?,
        priority: r.try_get("", "priority")?,
        channels: Channel::parse_list(&r.try_get::<String>("", "channels")?),
    })
}
