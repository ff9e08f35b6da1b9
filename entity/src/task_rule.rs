//! How the nightly run generates one kind of task, as the brand tuned it.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{TaskKind, Tier};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "task_rules")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub kind: TaskKind,
    pub enabled: bool,
    /// Birthday: days before it; after a purchase: days after it.
    pub days: Option<i32>,
    /// After a purchase: the least amount that earns a call.
    pub min_amount_cents: Option<i64>,
    /// Comma-separated tiers it is for; none: every tier.
    pub tiers: Option<String>,
    /// Days a task stays open before it expires.
    pub open_days: i32,
    /// The share held back, in basis points (1,000 = 10%).
    pub holdout_basis_points: i32,
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

impl Model {
    /// The tiers it is for (empty: every tier).
    pub fn tiers(&self) -> Vec<Tier> {
        let named = self.tiers.as_deref().unwrap_or_default().split(',');
        named.filter_map(|t| Tier::parse(t.trim())).collect()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
