//! Where a member's visit of a journey stands: one row per member and visit.
use sea_orm::entity::prelude::*;

use crate::vocabulary::JourneyPositionStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journey_positions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub journey_id: i64,
    pub version_id: i64,
    pub member_id: i64,
    /// 1 for the member's first time through, then 2…
    pub visit: i32,
    /// The step, as numbered in the version's flattened flow.
    pub node: i32,
    pub status: JourneyPositionStatus,
    /// The A/B arm a split sent the member down.
    pub arm: Option<String>,
    pub entered_at: DateTimeUtc,
    /// When the member reached their step.
    pub step_at: DateTimeUtc,
    /// When the step is due (a wait's end, a wait for an event's timeout).
    pub due_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// Purchases up to then count towards what the journey earned.
    pub window_ends_at: DateTimeUtc,
    /// Expected value at entry, the uplift's covariate.
    pub expected_value_cents: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
