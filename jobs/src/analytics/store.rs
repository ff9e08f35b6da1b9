//! The database side of the run: one set-based aggregation pass in, one bulk write out.
use std::collections::HashMap;

use chrono::{Duration, NaiveDate, Utc};
use futures_util::StreamExt;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult, StreamTrait,
    TransactionTrait, Value,
};

use crate::analytics::facts::{MemberFacts, Tier, TierState};
use crate::analytics::score::MemberScores;
use crate::bulk::Table;
use crate::replace;
use crate::sql::statement;

/// Members per bulk statement group: bounds the memory of the write.
const CHUNK: usize = 50_000;

/// Every member with their purchase figures up to D, counting every order as if nothing had
/// been returned (returns are corrected for afterwards), and the tier state of the latest run.
/// One GROUP BY over purchases, which SQLite reads in member order from the covering index
/// `idx_purchases_member_day`; PostgreSQL hashes it.
const MEMBERS_SQL: &str = "
SELECT m.id AS member_id, m.joined_at, m.referred_by_id,
       mm.as_of AS state_as_of, mm.tier, mm.below_since, mm.prev_tier, mm.prev_below_since,
       a.purchase_days, a.orders_total, a.spend_total, a.first_purchase, a.last_purchase,
       a.frequency_365, a.monetary_365, a.profit_365, a.days_last_90, a.days_prior_365, a.frequency_prev_365,
       (SELECT CAST(SUM(q.amount_cents) AS BIGINT) FROM purchases q
        WHERE q.member_id = m.id AND q.kind = 'purchase' AND q.occurred_on = a.first_purchase) AS first_day_spend
FROM members m
LEFT JOIN (
    SELECT member_id,
           COUNT(DISTINCT occurred_on) AS purchase_days,
           COUNT(*) AS orders_total,
           CAST(SUM(amount_cents) AS BIGINT) AS spend_total,
           MIN(occurred_on) AS first_purchase,
           MAX(occurred_on) AS last_purchase,
           COUNT(DISTINCT CASE WHEN occurred_on > $2 THEN occurred_on END) AS frequency_365,
           CAST(SUM(CASE WHEN occurred_on > $2 THEN amount_cents ELSE 0 END) AS BIGINT) AS monetary_365,
           CAST(SUM(CASE WHEN occurred_on > $2 THEN COALESCE(profit_cents, amount_cents) ELSE 0 END) AS BIGINT)
               AS profit_365,
           COUNT(DISTINCT CASE WHEN occurred_on > $3 THEN occurred_on END) AS days_last_90,
           COUNT(DISTINCT CASE WHEN occurred_on > $4 AND occurred_on <= $3 THEN occurred_on END) AS days_prior_365,
           COUNT(DISTINCT CASE WHEN occurred_on > $5 AND occurred_on <= $2 THEN occurred_on END) AS frequency_prev_365
    FROM purchases
    WHERE kind = 'purchase' AND occurred_on <= $1
    GROUP BY member_id
) a ON a.member_id = m.id
LEFT JOIN member_metrics mm ON mm.member_id = m.id
ORDER BY m.id";

/// Returns up to D per member and day of the order they return, with how many orders that day
/// had. Returns are few, so the scan starts from them (CROSS JOIN fixes that order on SQLite;
/// PostgreSQL plans it as a join).
const RETURNS_SQL: &str = "
SELECT x.member_id, x.day, x.back, x.back_profit, x.voided,
       (SELECT COUNT(*) FROM purchases q
        WHERE q.member_id = x.member_id AND q.occurred_on = x.day AND q.kind = 'purchase') AS day_orders
FROM (
    SELECT p.member_id, p.occurred_on AS day,
           CAST(SUM(r.amount_cents) AS BIGINT) AS back,
           CAST(SUM(COALESCE(r.profit_cents, r.amount_cents)) AS BIGINT) AS back_profit,
           COUNT(CASE WHEN p.amount_cents + r.amount_cents <= 0 THEN 1 END) AS voided
    FROM purchases r CROSS JOIN purchases p
    WHERE r.kind = 'return' AND r.occurred_on <= $1
      AND p.order_id = r.order_id AND p.kind = 'purchase' AND p.occurred_on <= $1
    GROUP BY p.member_id, p.occurred_on
) x";

/// Purchase days of a few members, for those whose first or last day was returned in full.
const DAYS_SQL: &str = "
SELECT member_id, occurred_on AS day,
       CAST(SUM(amount_cents) AS BIGINT) AS spend,
       CAST(SUM(COALESCE(profit_cents, amount_cents)) AS BIGINT) AS profit,
       COUNT(*) AS orders
FROM purchases
WHERE kind = 'purchase' AND occurred_on <= $1 AND member_id IN ({ids})
GROUP BY member_id, occurred_on
ORDER BY member_id, occurred_on";

/// What returns take back from one member's day.
struct Returned {
    day: NaiveDate,
    back: i64,
    back_profit: i64,
    /// Orders returned in full: no longer purchases.
    voided: i64,
    /// Orders placed that day.
    day_orders: i64,
}

/// The day boundaries of the analytics run's windows, as of D.
struct Windows {
    /// (D−365, D]
    year: NaiveDate,
    /// (D−90, D]
    quarter: NaiveDate,
    /// (D−455, D−90]: the 365 days before the last 90.
    prior: NaiveDate,
    /// (D−730, D−365]: the previous year, for churn.
    previous_year: NaiveDate,
}

impl Windows {
    fn new(as_of: NaiveDate) -> Self {
        let back = |days| as_of - Duration::days(days);
        Self {
            year: back(365),
            quarter: back(90),
            prior: back(455),
            previous_year: back(730),
        }
    }

    /// Moves a purchase day into (`sign` 1) or out of (`sign` −1) the day counts.
    fn count_day(&self, facts: &mut MemberFacts, day: NaiveDate, sign: i32) {
        let bump = |n: &mut u32| *n = n.saturating_add_signed(sign);
        bump(&mut facts.purchase_days);
        if day > self.year {
            bump(&mut facts.frequency_365);
        } else if day > self.previous_year {
            bump(&mut facts.frequency_prev_365);
        }
        if day > self.quarter {
            bump(&mut facts.days_last_90);
        } else if day > self.prior {
            bump(&mut facts.days_prior_365);
        }
    }

    /// Nets a day's returns into the facts. Returns false when the day was the first or last
    /// purchase day and no order of it is left: then only a recount from the days is exact.
    fn apply_returns(&self, facts: &mut MemberFacts, r: &Returned) -> bool {
        facts.spend_total_cents += r.back;
        facts.orders_total = facts.orders_total.saturating_sub(r.voided as u32);
        if Some(r.day) == facts.first_purchase {
            facts.first_day_spend_cents += r.back;
        }
        if r.day > self.year {
            facts.monetary_365_cents += r.back;
            facts.profit_365_cents += r.back_profit;
        }
        if r.voided < r.day_orders {
            return true;
        }
        self.count_day(facts, r.day, -1);
        Some(r.day) != facts.first_purchase && Some(r.day) != facts.last_purchase
    }

    /// Rebuilds a member's purchase figures from their days (net of returns).
    fn recount(&self, facts: &mut MemberFacts, days: &[(NaiveDate, i64, i64, i64)]) {
        let base = MemberFacts {
            member_id: facts.member_id,
            joined_on: facts.joined_on,
            referred: facts.referred,
            previous: facts.previous,
            ..MemberFacts::default()
        };
        *facts = base;
        for &(day, spend, profit, orders) in days.iter().filter(|d| d.3 > 0) {
            self.count_day(facts, day, 1);
            facts.orders_total += orders as u32;
            facts.spend_total_cents += spend;
            if facts.first_purchase.is_none() {
                facts.first_purchase = Some(day);
                facts.first_day_spend_cents = spend;
            }
            facts.last_purchase = Some(day);
            if day > self.year {
                facts.monetary_365_cents += spend;
                facts.profit_365_cents += profit;
            }
        }
    }
}

/// Per-member facts as of `as_of`: one aggregation over purchases, corrected for the (few)
/// returns; members whose first or last purchase day was returned in full are recounted from
/// their days. Memory: one compact struct per member plus the returned days.
///
/// The tier state is the one before `as_of`'s run: re-running a date starts from the state
/// its first run started from, so a re-run gives the same result.
pub async fn load_facts(db: &DatabaseConnection, as_of: NaiveDate) -> Result<Vec<MemberFacts>, DbErr> {
    let windows = Windows::new(as_of);
    let started = std::time::Instant::now();
    checkpoint(db).await?;
    // The returns are read on a connection of their own while the members stream in.
    let (returned, mut facts) = tokio::try_join!(load_returns(db, as_of), load_members(db, as_of, &windows))?;
    tracing::debug!(elapsed = ?started.elapsed(), returned = returned.len(), "members and returns read");
    let mut recount = Vec::new();
    for (index, member) in facts.iter_mut().enumerate() {
        let Some(returns) = returned.get(&member.member_id) else {
            continue;
        };
        // Every return is applied (no short-circuit); any one may call for a recount.
        let mut exact = true;
        for r in returns {
            exact &= windows.apply_returns(member, r);
        }
        if !exact {
            recount.push(index);
        }
    }
    let txn = reading(db).await?;
    recount_days(&txn, as_of, &windows, &returned, &mut facts, &recount).await?;
    txn.commit().await?;
    tracing::debug!(elapsed = ?started.elapsed(), recount = recount.len(), "recounted");
    Ok(facts)
}

/// A transaction for the run's reads. PostgreSQL would compile these statements to machine
/// code (their estimated cost is high), which costs about half a second each and saves nothing
/// on a single streaming pass.
async fn reading(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let txn = db.begin().await?;
    if db.get_database_backend() == DbBackend::Postgres {
        txn.execute_unprepared("SET LOCAL jit = off").await?;
    }
    Ok(txn)
}

/// Every member's own fields, tier state and purchase figures before returns, in id order.
async fn load_members(db: &DatabaseConnection, as_of: NaiveDate, windows: &Windows) -> Result<Vec<MemberFacts>, DbErr> {
    let values = vec![
        as_of.into(),
        windows.year.into(),
        windows.quarter.into(),
        windows.prior.into(),
        windows.previous_year.into(),
    ];
    let txn = reading(db).await?;
    let mut rows = txn.stream(statement(&txn, MEMBERS_SQL, values)).await?;
    let mut facts = Vec::new();
    while let Some(row) = rows.next().await {
        facts.push(member_facts(&row?, as_of)?);
    }
    drop(rows);
    txn.commit().await?;
    Ok(facts)
}

/// Recounts the given members from their purchase days, in batches.
async fn recount_days(
    db: &impl ConnectionTrait,
    as_of: NaiveDate,
    windows: &Windows,
    returns: &HashMap<i64, Vec<Returned>>,
    facts: &mut [MemberFacts],
    indexes: &[usize],
) -> Result<(), DbErr> {
    for batch in indexes.chunks(500) {
        let ids: Vec<String> = batch.iter().map(|&i| facts[i].member_id.to_string()).collect();
        let sql = DAYS_SQL.replace("{ids}", &ids.join(","));
        let rows = db.query_all(statement(db, &sql, vec![as_of.into()])).await?;
        let mut days: HashMap<i64, Vec<(NaiveDate, i64, i64, i64)>> = HashMap::new();
        for row in rows {
            let member_id: i64 = row.try_get("", "member_id")?;
            let day: NaiveDate = row.try_get("", "day")?;
            let (mut spend, mut profit, mut orders): (i64, i64, i64) = (
                row.try_get("", "spend")?,
                row.try_get("", "profit")?,
                row.try_get("", "orders")?,
            );
            if let Some(r) = returns.get(&member_id).and_then(|rs| rs.iter().find(|r| r.day == day)) {
                spend += r.back;
                profit += r.back_profit;
                orders -= r.voided;
            }
            days.entry(member_id).or_default().push((day, spend, profit, orders));
        }
        for &i in batch {
            let member_days = days.remove(&facts[i].member_id).unwrap_or_default();
            windows.recount(&mut facts[i], &member_days);
        }
    }
    Ok(())
}

async fn load_returns(db: &DatabaseConnection, as_of: NaiveDate) -> Result<HashMap<i64, Vec<Returned>>, DbErr> {
    let txn = reading(db).await?;
    let rows = txn.query_all(statement(&txn, RETURNS_SQL, vec![as_of.into()])).await?;
    txn.commit().await?;
    let mut returned: HashMap<i64, Vec<Returned>> = HashMap::new();
    for row in rows {
        returned
            .entry(row.try_get("", "member_id")?)
            .or_default()
            .push(Returned {
                day: row.try_get("", "day")?,
                back: row.try_get("", "back")?,
                back_profit: row.try_get("", "back_profit")?,
                voided: row.try_get("", "voided")?,
                day_orders: row.try_get("", "day_orders")?,
            });
    }
    Ok(returned)
}

/// A member's row: own fields, tier state, and purchase figures before returns.
fn member_facts(row: &QueryResult, as_of: NaiveDate) -> Result<MemberFacts, DbErr> {
    let count = |column: &str| -> Result<u32, DbErr> {
        Ok(row
            .try_get::<Option<i64>>("", column)?
            .unwrap_or(0)
            .clamp(0, u32::MAX as i64) as u32)
    };
    let cents = |column: &str| -> Result<i64, DbErr> { Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0)) };
    let state_as_of: Option<NaiveDate> = row.try_get("", "state_as_of")?;
    let current = tier_state(row.try_get("", "tier")?, row.try_get("", "below_since")?);
    let before = tier_state(row.try_get("", "prev_tier")?, row.try_get("", "prev_below_since")?);
    Ok(MemberFacts {
        member_id: row.try_get("", "member_id")?,
        joined_on: row.try_get("", "joined_at")?,
        referred: row.try_get::<Option<i64>>("", "referred_by_id")?.is_some(),
        purchase_days: count("purchase_days")?,
        orders_total: count("orders_total")?,
        spend_total_cents: cents("spend_total")?,
        first_purchase: row.try_get("", "first_purchase")?,
        last_purchase: row.try_get("", "last_purchase")?,
        first_day_spend_cents: cents("first_day_spend")?,
        frequency_365: count("frequency_365")?,
        monetary_365_cents: cents("monetary_365")?,
        profit_365_cents: cents("profit_365")?,
        days_last_90: count("days_last_90")?,
        days_prior_365: count("days_prior_365")?,
        frequency_prev_365: count("frequency_prev_365")?,
        previous: if state_as_of == Some(as_of) { before } else { current },
    })
}

fn tier_state(tier: Option<String>, below_since: Option<NaiveDate>) -> Option<TierState> {
    tier.as_deref()
        .and_then(Tier::parse)
        .map(|tier| TierState { tier, below_since })
}

/// The latest as-of date with stored results.
pub async fn latest_as_of(db: &DatabaseConnection) -> Result<Option<NaiveDate>, DbErr> {
    let row = db
        .query_one(statement(db, "SELECT MAX(as_of) AS as_of FROM analytics_runs", vec![]))
        .await?;
    Ok(match row {
        Some(row) => row.try_get("", "as_of")?,
        None => None,
    })
}

const METRICS: Table = Table::new(
    "member_metrics",
    &[
        "member_id",
        "as_of",
        "run_id",
        "recency_days",
        "frequency_365",
        "monetary_365_cents",
        "profit_365_cents",
        "orders_total",
        "spend_total_cents",
        "first_purchase",
        "last_purchase",
        "avg_order_value_cents",
        "r_score",
        "f_score",
        "m_score",
        "tier",
        "qualified_tier",
        "below_since",
        "prev_tier",
        "prev_below_since",
        "p_alive",
        "expected_purchases_365",
        "expected_value_365_cents",
        "clv_cents",
        "simple_clv_cents",
        "loyalty_quadrant",
        "value_quadrant",
        "layer",
        "declining",
        "lapsed",
    ],
);

const HISTORY: Table = Table::new(
    "tier_history",
    &["member_id", "old_tier", "new_tier", "reason", "run_id", "changed_at"],
);

const RUN_UPSERT: &str = "INSERT INTO analytics_runs (as_of, job_run_id, members, summary, config, timings, created_at, updated_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
    ON CONFLICT (as_of) DO UPDATE SET job_run_id = excluded.job_run_id, members = excluded.members,
        summary = excluded.summary, config = excluded.config, timings = excluded.timings, updated_at = excluded.updated_at
    RETURNING id";

/// The run's row: everything but the per-member results.
pub struct RunRecord {
    pub as_of: NaiveDate,
    pub job_run_id: Option<i64>,
    pub members: i64,
    pub summary: String,
    pub config: String,
    pub timings: String,
}

/// Writes the run, every member's scores and the tier changes in one transaction: a crash
/// before the commit leaves the previous results as they were. Every member's row changes each
/// day (recency, the model's figures), so the metrics table is replaced whole rather than
/// updated row by row (see [`crate::replace`]). Returns the run id.
pub async fn save(
    db: &DatabaseConnection,
    run: &RunRecord,
    facts: &[MemberFacts],
    scores: &[MemberScores],
) -> Result<i64, DbErr> {
    let run_id = if db.get_database_backend() == DbBackend::Postgres {
        save_postgres(db, run, facts, scores).await?
    } else {
        save_sqlite(db, run, facts, scores).await?
    };
    refresh_statistics(db).await?;
    tracing::debug!("statistics refreshed");
    Ok(run_id)
}

/// Every metrics row was just rewritten: fresh planner statistics for the segments refresh
/// that runs right after and for member lists ordered by a metric (PostgreSQL's autovacuum would
/// get there minutes later, planning them blind; SQLite keeps none until asked). On PostgreSQL
/// VACUUM also marks the rewritten pages all-visible, so a segment reads a metric such as the
/// tier off its index alone (the scenario's A and B members several times faster at a million;
/// see docs/benchmarks.md). SQLite reads every index whole (cheap: see docs/benchmarks.md): its
/// sampling (`analysis_limit`) takes the first rows of an index, which made a tier look far
/// rarer than it is.
async fn refresh_statistics(db: &DatabaseConnection) -> Result<(), DbErr> {
    let analyze = if db.get_database_backend() == DbBackend::Postgres {
        "VACUUM (ANALYZE) member_metrics, tier_history"
    } else {
        "ANALYZE member_metrics; ANALYZE members"
    };
    db.execute_unprepared(analyze).await?;
    Ok(())
}

async fn save_sqlite(
    db: &DatabaseConnection,
    run: &RunRecord,
    facts: &[MemberFacts],
    scores: &[MemberScores],
) -> Result<i64, DbErr> {
    let started = std::time::Instant::now();
    let txn = db.begin().await?;
    // The first statement writes, so SQLite takes the write lock up front.
    let row = txn.query_one(statement(&txn, RUN_UPSERT, run_values(run))).await?;
    let run_id: i64 = row
        .ok_or_else(|| DbErr::Custom("analytics run upsert returned nothing".into()))?
        .try_get("", "id")?;
    replace::create_sqlite(&txn, METRICS.name).await?;
    let next = replace::successor(METRICS.name);
    for (facts, scores) in facts.chunks(CHUNK).zip(scores.chunks(CHUNK)) {
        METRICS
            .insert_into(&txn, &next, &metric_rows(run, run_id, facts, scores), "")
            .await?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "metrics written");
    txn.execute(statement(
        &txn,
        "DELETE FROM tier_history WHERE run_id = $1",
        vec![run_id.into()],
    ))
    .await?;
    for scores in scores.chunks(CHUNK) {
        HISTORY.insert(&txn, &history_rows(run_id, scores), "").await?;
    }
    tracing::debug!(elapsed = ?started.elapsed(), "tier changes written");
    replace::swap_sqlite(&txn, METRICS.name).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "metrics replaced");
    txn.commit().await?;
    tracing::debug!(elapsed = ?started.elapsed(), "committed");
    checkpoint(db).await?;
    tracing::debug!(elapsed = ?started.elapsed(), "checkpointed");
    Ok(run_id)
}

/// Folds SQLite's write-ahead log back into the database. After a million-row write the log
/// is hundreds of megabytes, and every later read pays for looking pages up in it.
async fn checkpoint(db: &DatabaseConnection) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Sqlite {
        db.execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)").await?;
    }
    Ok(())
}

async fn save_postgres(
    db: &DatabaseConnection,
    run: &RunRecord,
    facts: &[MemberFacts],
    scores: &[MemberScores],
) -> Result<i64, DbErr> {
    let sqlx_err = |e: sqlx::Error| DbErr::Custom(format!("saving analytics results: {e}"));
    let mut tx = db.get_postgres_connection_pool().begin().await.map_err(sqlx_err)?;
    let run_id: i64 = sqlx::query_scalar::<Postgres, i64>(RUN_UPSERT)
        .bind(run.as_of)
        .bind(run.job_run_id)
        .bind(run.members)
        .bind(&run.summary)
        .bind(&run.config)
        .bind(&run.timings)
        .bind(Utc::now())
        .fetch_one(&mut *tx)
        .await
        .map_err(sqlx_err)?;
    replace::create_postgres(&mut tx, METRICS.name).await?;
    let mut copy = METRICS
        .copy_into(&mut tx, &replace::successor(METRICS.name), true)
        .await?;
    for (facts, scores) in facts.chunks(CHUNK).zip(scores.chunks(CHUNK)) {
        copy.send(&metric_rows(run, run_id, facts, scores)).await?;
    }
    copy.finish().await?;
    sqlx::query("DELETE FROM tier_history WHERE run_id = $1")
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(sqlx_err)?;
    let mut copy = HISTORY.copy_into(&mut tx, HISTORY.name, false).await?;
    for scores in scores.chunks(CHUNK) {
        copy.send(&history_rows(run_id, scores)).await?;
    }
    copy.finish().await?;
    replace::swap_postgres(&mut tx, METRICS.name).await?;
    tx.commit().await.map_err(sqlx_err)?;
    Ok(run_id)
}

fn run_values(run: &RunRecord) -> Vec<Value> {
    vec![
        run.as_of.into(),
        run.job_run_id.into(),
        run.members.into(),
        run.summary.clone().into(),
        run.config.clone().into(),
        run.timings.clone().into(),
        Utc::now().into(),
    ]
}

fn metric_rows(run: &RunRecord, run_id: i64, facts: &[MemberFacts], scores: &[MemberScores]) -> Vec<Vec<Value>> {
    let tier = |t: Tier| Value::from(t.as_str());
    facts
        .iter()
        .zip(scores)
        .map(|(f, s)| {
            let previous = f.previous;
            vec![
                s.member_id.into(),
                run.as_of.into(),
                run_id.into(),
                s.recency_days.map(|d| d as i32).into(),
                (f.frequency_365 as i32).into(),
                f.monetary_365_cents.into(),
                f.profit_365_cents.into(),
                (f.orders_total as i32).into(),
                f.spend_total_cents.into(),
                f.first_purchase.into(),
                f.last_purchase.into(),
                s.avg_order_value_cents.into(),
                s.r_score.map(i16::from).into(),
                s.f_score.map(i16::from).into(),
                s.m_score.map(i16::from).into(),
                tier(s.state.tier),
                tier(s.qualified_tier),
                s.state.below_since.into(),
                previous.map(|p| p.tier.as_str()).into(),
                previous.and_then(|p| p.below_since).into(),
                s.p_alive.into(),
                s.expected_purchases_365.into(),
                s.expected_value_365_cents.into(),
                s.clv_cents.into(),
                s.simple_clv_cents.into(),
                s.loyalty_quadrant.as_str().into(),
                s.value_quadrant.as_str().into(),
                s.layer.as_str().into(),
                s.declining.into(),
                s.lapsed.into(),
            ]
        })
        .collect()
}

fn history_rows(run_id: i64, scores: &[MemberScores]) -> Vec<Vec<Value>> {
    let now = Utc::now();
    scores
        .iter()
        .filter_map(|s| {
            let change = s.change.as_ref()?;
            Some(vec![
                s.member_id.into(),
                change.old.map(|t| t.as_str()).into(),
                change.new.as_str().into(),
                change.reason.clone().into(),
                run_id.into(),
                now.into(),
            ])
        })
        .collect()
}
