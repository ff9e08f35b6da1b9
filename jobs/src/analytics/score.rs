//! Facts → per-member scores and the run summary: pure Rust, no database.
use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::analytics::config::AnalyticsConfig;
use crate::analytics::facts::{MemberFacts, Tier, TierState};
use crate::model::{BgNbdFit, GammaGammaFit, ModelError};

/// Loyalty × value (Reinartz & Kumar; seed 004).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum LoyaltyQuadrant {
    /// 知己: high loyalty, high value.
    TrueFriend,
    /// 藤壶: high loyalty, low value.
    Barnacle,
    /// 蝴蝶: low loyalty, high value.
    Butterfly,
    /// 过客: low loyalty, low value.
    Stranger,
}

/// Value curve (BCG; seed 004): current value × potential value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum ValueQuadrant {
    /// 明星: high current, high potential.
    Star,
    /// 现金: high current, low potential.
    CashCow,
    /// 问题: low current, high potential.
    QuestionMark,
    /// 瘦狗: low current, low potential.
    Dog,
}

/// Strategies (seed 004).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Strategy {
    /// 深度关爱: true friends, stars.
    DeepCare,
    /// 深度获取: butterflies, question marks.
    DeepAcquisition,
    /// 深度挖掘: barnacles, cash cows.
    DeepMining,
    /// 长期培育: strangers, dogs.
    LongTermCultivation,
}

/// Layers (seed 000).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Layer {
    /// 忠诚层: at least two purchase days and p_alive ≥ the configured threshold.
    Loyal,
    /// 潜在层: at most one purchase day, the last within 365 days, or none yet.
    Potential,
    /// 游离层: everyone else who bought.
    Floating,
}

/// A tier change to record in the tier history.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TierChange {
    pub old: Option<Tier>,
    pub new: Tier,
    pub reason: String,
}

/// Everything the run computes for one member. Money in cents.
#[derive(Clone, Debug, PartialEq)]
pub struct MemberScores {
    pub member_id: i64,
    pub recency_days: Option<i64>,
    pub avg_order_value_cents: Option<i64>,
    pub r_score: Option<u8>,
    pub f_score: Option<u8>,
    pub m_score: Option<u8>,
    /// The tier the member qualifies for today, before the grace period applies.
    pub qualified_tier: Tier,
    /// The tier after this run, with its grace bookkeeping.
    pub state: TierState,
    pub change: Option<TierChange>,
    /// `None` for members who never bought, or when the model could not be fitted.
    pub p_alive: Option<f64>,
    pub expected_purchases_365: Option<f64>,
    pub expected_value_365_cents: Option<i64>,
    pub clv_cents: Option<i64>,
    pub simple_clv_cents: i64,
    pub loyalty_quadrant: LoyaltyQuadrant,
    pub value_quadrant: ValueQuadrant,
    pub layer: Layer,
    pub declining: bool,
    pub lapsed: bool,
}

/// Brand KPIs of one run (shares as fractions 0–1).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Kpis {
    /// Members with a purchase day in the window.
    pub active_members: u64,
    /// Share of active members with at least two purchase days in the window.
    pub repurchase_rate: f64,
    /// Share of members active in the previous window with no purchase in this one.
    pub churn_rate: f64,
    /// Share of members who joined in the window that were referred by a member.
    pub referral_rate: f64,
    /// Share of window revenue from the top 20% of active members by spend.
    pub top20_revenue_share: f64,
}

/// What a run reports beside the per-member scores.
#[derive(Clone, Debug, Default, Serialize)]
pub struct RunSummary {
    pub members: u64,
    pub bgnbd: Option<BgNbdFit>,
    pub gamma_gamma: Option<GammaGammaFit>,
    pub kpis: Kpis,
    /// Tier → members.
    pub tier_distribution: BTreeMap<String, u64>,
    /// Previous tier ("none" before the first run) → new tier → members.
    pub tier_migration: BTreeMap<String, BTreeMap<String, u64>>,
    pub loyalty_quadrants: BTreeMap<String, u64>,
    pub value_quadrants: BTreeMap<String, u64>,
    pub layers: BTreeMap<String, u64>,
    pub declining: u64,
    pub lapsed: u64,
}

// Placeholder names until the scoring work lands (it defines these with Chinese labels too).
impl LoyaltyQuadrant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TrueFriend => "true_friend",
            Self::Barnacle => "barnacle",
            Self::Butterfly => "butterfly",
            Self::Stranger => "stranger",
        }
    }
}
impl ValueQuadrant {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Star => "star",
            Self::CashCow => "cash_cow",
            Self::QuestionMark => "question_mark",
            Self::Dog => "dog",
        }
    }
}
impl Layer {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Loyal => "loyal",
            Self::Potential => "potential",
            Self::Floating => "floating",
        }
    }
}

/// Scores every member as of `as_of`.
pub fn score(
    facts: &[MemberFacts],
    as_of: NaiveDate,
    config: &AnalyticsConfig,
) -> Result<(Vec<MemberScores>, RunSummary), ModelError> {
    let _ = (facts, as_of, config);
    Err(ModelError::EmptyInput)
}
