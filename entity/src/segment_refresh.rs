//! One refresh of a saved segment's membership: when, after which job run, and what changed.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "segment_refreshes")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub segment_id: i64,
    /// The job run that refreshed it (the nightly run); `None` when a marketer asked for it.
    pub job_run_id: Option<i64>,
    /// The audit log's actor (`staff:3`), or `job:analytics`.
    pub requested_by: String,
    /// The date the filter was evaluated as of.
    pub as_of: Date,
    pub refreshed_at: DateTimeUtc,
    /// Its size after the refresh, and how many entered and left.
    pub members: i64,
    pub entered: i64,
    pub left: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
