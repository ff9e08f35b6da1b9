//! Work for a person: call a member, for a reason, by a day (专人负责).
use sea_orm::entity::prelude::*;

use crate::vocabulary::{CallOutcome, LapseReason, TaskKind, TaskStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "tasks")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub kind: TaskKind,
    /// What it is for: a birthday's date, an order id, the day a win-back list was drawn.
    pub occasion: String,
    pub store_id: Option<i64>,
    /// The staff user it is for; none: the store's pool.
    pub assignee_id: Option<i64>,
    /// The member's associate when it was drawn (none: the pool), kept through claims and
    /// reassignment: an associate's calls are measured against their own held-back tasks.
    pub drawn_for_id: Option<i64>,
    pub status: TaskStatus,
    /// In the control group: recorded, never shown, so a call's worth can be measured.
    pub held_out: bool,
    /// Why it exists, in words an associate reads.
    pub reason: String,
    pub due_on: Date,
    /// After this day an open task has lost its moment and expires.
    pub expires_on: Date,
    pub outcome: Option<CallOutcome>,
    pub lapse_reason: Option<LapseReason>,
    pub note: Option<String>,
    pub done_by: Option<String>,
    pub done_at: Option<DateTimeUtc>,
    /// The brand's day it was closed on.
    pub done_on: Option<Date>,
    pub created_at: DateTimeUtc,
    pub job_run_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
