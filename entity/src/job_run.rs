//! One execution of a job: when, how it was started, how it ended, what it counted.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{Job, JobRunStatus, Trigger};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "job_runs")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub job: Job,
    pub as_of: Option<Date>,
    pub trigger: Trigger,
    pub status: JobRunStatus,
    pub started_at: DateTimeUtc,
    pub finished_at: Option<DateTimeUtc>,
    /// JSON counts.
    pub counts: Option<String>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
