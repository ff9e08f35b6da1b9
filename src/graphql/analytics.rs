//! What the analytics run knows: per-member metrics and tier history, runs, job runs.
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{analytics_run, job_run, member_metrics, tier_change};
use jobs::JobContext;
use rust_decimal::Decimal;
use serde_json::Value;

use crate::graphql::{db, page};
use crate::money;
use crate::service::analytics::{self as service, Layer, LoyaltyQuadrant, Strategy, Tier, ValueQuadrant};

/// One member's results from the latest analytics run. Money as decimals.
pub struct Metrics(pub member_metrics::Model);

#[Object]
impl Metrics {
    /// The date the results are as of.
    async fn as_of(&self) -> NaiveDate {
        self.0.as_of
    }
    /// Days since the last purchase.
    async fn recency_days(&self) -> Option<i32> {
        self.0.recency_days
    }
    /// Distinct purchase days in the 365 days up to as-of.
    async fn frequency_365(&self) -> i32 {
        self.0.frequency_365
    }
    /// Net spend in the 365 days up to as-of.
    async fn monetary_365(&self) -> Decimal {
        money::from_cents(self.0.monetary_365_cents)
    }
    async fn profit_365(&self) -> Decimal {
        money::from_cents(self.0.profit_365_cents)
    }
    async fn orders_total(&self) -> i32 {
        self.0.orders_total
    }
    async fn spend_total(&self) -> Decimal {
        money::from_cents(self.0.spend_total_cents)
    }
    async fn first_purchase(&self) -> Option<NaiveDate> {
        self.0.first_purchase
    }
    async fn last_purchase(&self) -> Option<NaiveDate> {
        self.0.last_purchase
    }
    async fn avg_order_value(&self) -> Option<Decimal> {
        self.0.avg_order_value_cents.map(money::from_cents)
    }
    /// RFM scores 1–5 (members with a purchase in the window).
    async fn r_score(&self) -> Option<i16> {
        self.0.r_score
    }
    async fn f_score(&self) -> Option<i16> {
        self.0.f_score
    }
    async fn m_score(&self) -> Option<i16> {
        self.0.m_score
    }
    /// The tier the member qualifies for now; `tier` may lag behind during a downgrade grace period.
    async fn qualified_tier(&self) -> Option<Tier> {
        Some(self.0.qualified_tier)
    }
    /// Qualifying below the tier since this date (downgrade grace period).
    async fn below_tier_since(&self) -> Option<NaiveDate> {
        self.0.below_since
    }
    /// Probability the member is still active (BG/NBD).
    async fn p_alive(&self) -> Option<f64> {
        self.0.p_alive
    }
    /// Expected purchase days in the next 365 days (BG/NBD).
    async fn expected_purchases_365(&self) -> Option<f64> {
        self.0.expected_purchases_365
    }
    /// Expected spend in the next 365 days: the "potential value" (BG/NBD × Gamma-Gamma).
    async fn expected_value_365(&self) -> Option<Decimal> {
        self.0.expected_value_365_cents.map(money::from_cents)
    }
    /// Discounted model CLV over the configured horizon.
    async fn clv(&self) -> Option<Decimal> {
        self.0.clv_cents.map(money::from_cents)
    }
    /// The simple CLV: annual profit × expected lifecycle years.
    async fn simple_clv(&self) -> Decimal {
        money::from_cents(self.0.simple_clv_cents)
    }
    async fn loyalty_quadrant(&self) -> Option<LoyaltyQuadrant> {
        Some(self.0.loyalty_quadrant)
    }
    async fn loyalty_strategy(&self) -> Option<Strategy> {
        Some(self.0.loyalty_quadrant.strategy())
    }
    async fn value_quadrant(&self) -> Option<ValueQuadrant> {
        Some(self.0.value_quadrant)
    }
    async fn value_strategy(&self) -> Option<Strategy> {
        Some(self.0.value_quadrant.strategy())
    }
    async fn layer(&self) -> Option<Layer> {
        Some(self.0.layer)
    }
    /// Visits in the last 90 days fell below half the member's own quarterly average.
    async fn declining(&self) -> bool {
        self.0.declining
    }
    /// Likely lost: low p_alive, or away much longer than usual.
    async fn lapsed(&self) -> bool {
        self.0.lapsed
    }
}

/// One change of a member's tier.
#[derive(SimpleObject)]
pub struct TierChange {
    pub old_tier: Option<Tier>,
    pub new_tier: Option<Tier>,
    pub reason: String,
    pub changed_at: DateTime<Utc>,
}

impl From<tier_change::Model> for TierChange {
    fn from(m: tier_change::Model) -> Self {
        Self {
            old_tier: m.old_tier,
            new_tier: Some(m.new_tier),
            reason: m.reason,
            changed_at: m.changed_at,
        }
    }
}

/// BG/NBD parameters; the time unit is days.
#[derive(SimpleObject)]
pub struct BgNbd {
    pub r: f64,
    pub alpha: f64,
    pub a: f64,
    pub b: f64,
    pub log_likelihood: f64,
    pub time_unit: String,
}

#[derive(SimpleObject)]
pub struct GammaGamma {
    pub p: f64,
    pub q: f64,
    pub v: f64,
    pub log_likelihood: f64,
}

#[derive(SimpleObject)]
pub struct Kpis {
    pub active_members: u64,
    /// Shares as fractions 0–1.
    pub repurchase_rate: f64,
    pub churn_rate: f64,
    pub referral_rate: f64,
    pub top20_revenue_share: f64,
}

/// A count per key (tier, quadrant, layer).
#[derive(SimpleObject)]
pub struct Count {
    pub key: String,
    pub count: u64,
}

/// Members moving from one tier (or `none`) to another between runs.
#[derive(SimpleObject)]
pub struct Migration {
    pub from: String,
    pub to: String,
    pub count: u64,
}

/// One analytics run: parameters, KPIs, distributions, timings.
pub struct AnalyticsRun {
    row: analytics_run::Model,
    summary: Value,
    timings: Value,
}

/// The most rows a list of a run's summary holds: the tier migration matrix, from no tier or
/// A–D to A–D; tiers, quadrants, layers and timings have fewer.
const SUMMARY_ROWS: i32 = 20;

impl AnalyticsRun {
    fn new(row: analytics_run::Model) -> Self {
        let summary = serde_json::from_str(&row.summary).unwrap_or_default();
        let timings = serde_json::from_str(&row.timings).unwrap_or_default();
        Self { row, summary, timings }
    }

    fn counts(&self, key: &str) -> Vec<Count> {
        let map = self.summary[key].as_object().cloned().unwrap_or_default();
        map.into_iter()
            .map(|(key, count)| Count {
                key,
                count: count.as_u64().unwrap_or(0),
            })
            .collect()
    }
}

fn number(value: &Value) -> f64 {
    value.as_f64().unwrap_or(f64::NAN)
}

#[Object]
impl AnalyticsRun {
    async fn as_of(&self) -> NaiveDate {
        self.row.as_of
    }
    async fn members(&self) -> i64 {
        self.row.members
    }
    async fn finished_at(&self) -> DateTime<Utc> {
        self.row.updated_at
    }
    /// `null` when the model could not be fitted (e.g. too few buyers).
    async fn bgnbd(&self) -> Option<BgNbd> {
        let fit = self.summary.get("bgnbd").filter(|f| !f.is_null())?;
        let params = &fit["params"];
        Some(BgNbd {
            r: number(&params["r"]),
            alpha: number(&params["alpha"]),
            a: number(&params["a"]),
            b: number(&params["b"]),
            log_likelihood: number(&fit["log_likelihood"]),
            time_unit: "days".to_owned(),
        })
    }
    async fn gamma_gamma(&self) -> Option<GammaGamma> {
        let fit = self.summary.get("gamma_gamma").filter(|f| !f.is_null())?;
        let params = &fit["params"];
        Some(GammaGamma {
            p: number(&params["p"]),
            q: number(&params["q"]),
            v: number(&params["v"]),
            log_likelihood: number(&fit["log_likelihood"]),
        })
    }
    async fn kpis(&self) -> Kpis {
        let k = &self.summary["kpis"];
        Kpis {
            active_members: k["active_members"].as_u64().unwrap_or(0),
            repurchase_rate: number(&k["repurchase_rate"]),
            churn_rate: number(&k["churn_rate"]),
            referral_rate: number(&k["referral_rate"]),
            top20_revenue_share: number(&k["top20_revenue_share"]),
        }
    }
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn tier_distribution(&self) -> Vec<Count> {
        self.counts("tier_distribution")
    }
    /// Previous tier (`none` before the first run) → tier after this run.
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn tier_migration(&self) -> Vec<Migration> {
        let matrix = self.summary["tier_migration"].as_object().cloned().unwrap_or_default();
        matrix
            .into_iter()
            .flat_map(|(from, row)| {
                let row = row.as_object().cloned().unwrap_or_default();
                row.into_iter().map(move |(to, count)| Migration {
                    from: from.clone(),
                    to,
                    count: count.as_u64().unwrap_or(0),
                })
            })
            .collect()
    }
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn loyalty_quadrants(&self) -> Vec<Count> {
        self.counts("loyalty_quadrants")
    }
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn value_quadrants(&self) -> Vec<Count> {
        self.counts("value_quadrants")
    }
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn layers(&self) -> Vec<Count> {
        self.counts("layers")
    }
    async fn declining(&self) -> u64 {
        self.summary["declining"].as_u64().unwrap_or(0)
    }
    async fn lapsed(&self) -> u64 {
        self.summary["lapsed"].as_u64().unwrap_or(0)
    }
    /// Milliseconds spent aggregating, scoring, writing, and in all.
    #[graphql(complexity = "page::cost(None, SUMMARY_ROWS, child_complexity)")]
    async fn timings(&self) -> Vec<Count> {
        let map = self.timings.as_object().cloned().unwrap_or_default();
        map.into_iter()
            .map(|(key, ms)| Count {
                key,
                count: ms.as_u64().unwrap_or(0),
            })
            .collect()
    }
}

/// One execution of a job.
#[derive(SimpleObject)]
pub struct JobRun {
    pub id: i64,
    pub job: String,
    pub as_of: Option<NaiveDate>,
    /// `schedule`, `cli` or `api`.
    pub trigger: String,
    /// `running`, `succeeded` or `failed`.
    pub status: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// JSON counts of a finished run.
    pub counts: Option<String>,
    pub error: Option<String>,
}

impl From<job_run::Model> for JobRun {
    fn from(m: job_run::Model) -> Self {
        Self {
            id: m.id,
            job: m.job.to_string(),
            as_of: m.as_of,
            trigger: m.trigger.to_string(),
            status: m.status.to_string(),
            started_at: m.started_at,
            finished_at: m.finished_at,
            counts: m.counts,
            error: m.error,
        }
    }
}

#[derive(Default)]
pub struct AnalyticsQuery;

#[Object]
impl AnalyticsQuery {
    /// The analytics run as of a date; the latest when omitted. Admins and marketers.
    async fn analytics_run(
        &self,
        ctx: &Context<'_>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<Option<AnalyticsRun>> {
        Ok(service::run(db(ctx)?, as_of).await?.map(AnalyticsRun::new))
    }

    /// The newest analytics runs, newest first (at most 100). Admins and marketers.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn analytics_runs(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<AnalyticsRun>> {
        let limit = page::page_size(first, 20)?;
        let runs = service::runs(db(ctx)?, limit).await?;
        Ok(runs.into_iter().map(AnalyticsRun::new).collect())
    }

    /// The newest job runs, optionally of one job. Admins and marketers.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn job_runs(
        &self,
        ctx: &Context<'_>,
        job: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<JobRun>> {
        let limit = page::page_size(first, 20)?;
        let runs = service::job_runs(db(ctx)?, job.as_deref(), limit).await?;
        Ok(runs.into_iter().map(JobRun::from).collect())
    }
}

#[derive(Default)]
pub struct AnalyticsMutation;

#[Object]
impl AnalyticsMutation {
    /// Recomputes every member as of a date (default: today in the brand's zone). Admins only.
    async fn run_analytics(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> async_graphql::Result<JobRun> {
        self.run_job(ctx, "analytics".to_owned(), as_of).await
    }

    /// Runs a job now, as it would run over the whole day `asOf`. Admins only.
    async fn run_job(
        &self,
        ctx: &Context<'_>,
        name: String,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<JobRun> {
        let jobs = ctx.data::<JobContext>()?;
        Ok(service::run_job(jobs, &name, as_of).await?.into())
    }
}
