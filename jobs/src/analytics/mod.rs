//! The nightly analytics run (DOMAIN.md section 3): per-member facts aggregated in the
//! database, scored here in Rust, written back in bulk.
//!
//! * [`facts`]: what the aggregation yields per member, and the tier state carried between runs;
//! * [`config`]: every default of section 3, configurable;
//! * [`score`]: facts → per-member scores and the run summary (pure, no database).

pub mod config;
pub mod facts;
pub mod score;

pub use config::{AnalyticsConfig, TierPolicy, ValueBasis};
pub use facts::{MemberFacts, Tier, TierState};
pub use score::{score, LoyaltyQuadrant, Layer, MemberScores, RunSummary, ValueQuadrant};
