//! The database side of the run: one set-based aggregation pass in, one bulk write out.
use chrono::{Duration, NaiveDate, Utc};
use futures_util::StreamExt;
use sea_orm::sqlx::{self, Postgres};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DbBackend, DbErr, QueryResult, Statement, StreamTrait, TransactionTrait, Value,
};

use crate::analytics::facts::{MemberFacts, Tier, TierState};
use crate::analytics::score::MemberScores;
use crate::bulk::Table;

/// Members per bulk statement group: bounds the memory of the write.
const CHUNK: usize = 50_000;

/// Per-member facts as of `as_of`, in one statement over purchases (returns netted against
/// their orders, days in the brand's time zone) joined to members and their tier state.
///
/// The tier state is the one before `as_of`'s run: re-running a date starts from the state
/// its first run started from, so a re-run gives the same result.
const FACTS_SQL: &str = "
WITH returned AS (
    SELECT p.member_id, p.occurred_on AS day,
           SUM(r.amount_cents) AS back,
           SUM(COALESCE(r.profit_cents, r.amount_cents)) AS back_profit,
           SUM(CASE WHEN p.amount_cents + r.amount_cents <= 0 THEN 1 ELSE 0 END) AS voided
    FROM purchases r
    JOIN purchases p ON p.order_id = r.order_id AND p.kind = 'purchase'
    WHERE r.kind = 'return' AND r.occurred_on <= $1 AND p.occurred_on <= $1
    GROUP BY p.member_id, p.occurred_on
), days AS (
    SELECT member_id, occurred_on AS day, SUM(amount_cents) AS spend,
           SUM(COALESCE(profit_cents, amount_cents)) AS profit, COUNT(*) AS orders
    FROM purchases
    WHERE kind = 'purchase' AND occurred_on <= $1
    GROUP BY member_id, occurred_on
), kept AS (
    SELECT d.member_id, d.day,
           d.spend + COALESCE(x.back, 0) AS spend,
           d.profit + COALESCE(x.back_profit, 0) AS profit,
           d.orders - COALESCE(x.voided, 0) AS orders
    FROM days d LEFT JOIN returned x ON x.member_id = d.member_id AND x.day = d.day
    WHERE d.orders - COALESCE(x.voided, 0) > 0
), agg AS (
    SELECT member_id,
           COUNT(*) AS purchase_days,
           CAST(SUM(orders) AS BIGINT) AS orders_total,
           CAST(SUM(spend) AS BIGINT) AS spend_total,
           MIN(day) AS first_purchase,
           MAX(day) AS last_purchase,
           -- Dates sort as text, so the smallest 'day|spend' carries the first day's spend.
           MIN(CAST(day AS TEXT) || '|' || CAST(spend AS TEXT)) AS first_day,
           CAST(SUM(CASE WHEN day > $2 THEN 1 ELSE 0 END) AS BIGINT) AS frequency_365,
           CAST(SUM(CASE WHEN day > $2 THEN spend ELSE 0 END) AS BIGINT) AS monetary_365,
           CAST(SUM(CASE WHEN day > $2 THEN profit ELSE 0 END) AS BIGINT) AS profit_365,
           CAST(SUM(CASE WHEN day > $3 THEN 1 ELSE 0 END) AS BIGINT) AS days_last_90,
           CAST(SUM(CASE WHEN day > $4 AND day <= $3 THEN 1 ELSE 0 END) AS BIGINT) AS days_prior_365,
           CAST(SUM(CASE WHEN day > $5 AND day <= $2 THEN 1 ELSE 0 END) AS BIGINT) AS frequency_prev_365
    FROM kept
    GROUP BY member_id
)
SELECT m.id AS member_id, m.joined_at, m.referred_by_id,
       a.purchase_days, a.orders_total, a.spend_total, a.first_purchase, a.last_purchase, a.first_day,
       a.frequency_365, a.monetary_365, a.profit_365, a.days_last_90, a.days_prior_365, a.frequency_prev_365,
       mm.as_of AS state_as_of, mm.tier, mm.below_since, mm.prev_tier, mm.prev_below_since
FROM members m
LEFT JOIN agg a ON a.member_id = m.id
LEFT JOIN member_metrics mm ON mm.member_id = m.id";

/// The statement text for `backend`: written with `$n`, which SQLite reads as `?n`.
fn statement(backend: DbBackend, sql: &str, values: Vec<Value>) -> Statement {
    let sql = if backend == DbBackend::Sqlite {
        sql.replace('$', "?")
    } else {
        sql.to_owned()
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Streams the facts of every member (memory: one compact struct per member).
pub async fn load_facts(db: &DatabaseConnection, as_of: NaiveDate) -> Result<Vec<MemberFacts>, DbErr> {
    let days = |n: i64| as_of - Duration::days(n);
    let values = vec![
        as_of.into(),
        days(365).into(),
        days(90).into(),
        days(455).into(),
        days(730).into(),
    ];
    let stmt = statement(db.get_database_backend(), FACTS_SQL, values);
    let mut rows = db.stream(stmt).await?;
    let mut facts = Vec::new();
    while let Some(row) = rows.next().await {
        facts.push(member_facts(&row?, as_of)?);
    }
    Ok(facts)
}

fn member_facts(row: &QueryResult, as_of: NaiveDate) -> Result<MemberFacts, DbErr> {
    let count = |column: &str| -> Result<u32, DbErr> {
        Ok(row
            .try_get::<Option<i64>>("", column)?
            .unwrap_or(0)
            .clamp(0, u32::MAX as i64) as u32)
    };
    let cents = |column: &str| -> Result<i64, DbErr> { Ok(row.try_get::<Option<i64>>("", column)?.unwrap_or(0)) };
    let first_day: Option<String> = row.try_get("", "first_day")?;
    let first_day_spend_cents = first_day
        .as_deref()
        .and_then(|text| text.split_once('|'))
        .and_then(|(_, spend)| spend.parse::<i64>().ok())
        .unwrap_or(0);
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
        first_day_spend_cents,
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
        .query_one(statement(
            db.get_database_backend(),
            "SELECT MAX(as_of) AS as_of FROM analytics_runs",
            vec![],
        ))
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

/// `ON CONFLICT … DO UPDATE` of every metrics column but the key.
fn upsert_clause() -> String {
    let sets: Vec<String> = METRICS.columns[1..]
        .iter()
        .map(|c| format!("{c} = excluded.{c}"))
        .collect();
    format!(" ON CONFLICT (member_id) DO UPDATE SET {}", sets.join(", "))
}

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
/// before the commit leaves the previous results as they were. Returns the run id.
pub async fn save(
    db: &DatabaseConnection,
    run: &RunRecord,
    facts: &[MemberFacts],
    scores: &[MemberScores],
) -> Result<i64, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        save_postgres(db, run, facts, scores).await
    } else {
        save_sqlite(db, run, facts, scores).await
    }
}

async fn save_sqlite(
    db: &DatabaseConnection,
    run: &RunRecord,
    facts: &[MemberFacts],
    scores: &[MemberScores],
) -> Result<i64, DbErr> {
    let backend = DbBackend::Sqlite;
    let txn = db.begin().await?;
    // The first statement writes, so SQLite takes the write lock up front.
    let row = txn.query_one(statement(backend, RUN_UPSERT, run_values(run))).await?;
    let run_id: i64 = row
        .ok_or_else(|| DbErr::Custom("analytics run upsert returned nothing".into()))?
        .try_get("", "id")?;
    let upsert = upsert_clause();
    for (facts, scores) in facts.chunks(CHUNK).zip(scores.chunks(CHUNK)) {
        METRICS
            .insert(&txn, &metric_rows(run, run_id, facts, scores), &upsert)
            .await?;
    }
    txn.execute(statement(
        backend,
        "DELETE FROM tier_history WHERE run_id = $1",
        vec![run_id.into()],
    ))
    .await?;
    for scores in scores.chunks(CHUNK) {
        HISTORY.insert(&txn, &history_rows(run_id, scores), "").await?;
    }
    txn.commit().await?;
    Ok(run_id)
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
    // COPY into a staging table, then one upsert: far faster than row-by-row updates.
    sqlx::query("CREATE TEMP TABLE metrics_staging (LIKE member_metrics) ON COMMIT DROP")
        .execute(&mut *tx)
        .await
        .map_err(sqlx_err)?;
    for (facts, scores) in facts.chunks(CHUNK).zip(scores.chunks(CHUNK)) {
        METRICS
            .copy_into(&mut tx, "metrics_staging", &metric_rows(run, run_id, facts, scores))
            .await?;
    }
    let columns = METRICS.columns.join(", ");
    let upsert = format!(
        "INSERT INTO member_metrics ({columns}) SELECT {columns} FROM metrics_staging{}",
        upsert_clause()
    );
    sqlx::query(&upsert).execute(&mut *tx).await.map_err(sqlx_err)?;
    sqlx::query("DELETE FROM tier_history WHERE run_id = $1")
        .bind(run_id)
        .execute(&mut *tx)
        .await
        .map_err(sqlx_err)?;
    for scores in scores.chunks(CHUNK) {
        HISTORY
            .copy_into(&mut tx, "tier_history", &history_rows(run_id, scores))
            .await?;
    }
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
