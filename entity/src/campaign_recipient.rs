//! A member of an occurrence's audience snapshot: sent to, or held out as the control group.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "campaign_recipients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub occurrence_id: i64,
    #[sea_orm(primary_key, auto_increment = false)]
    pub member_id: i64,
    pub held_out: bool,
    /// When the email is (held out: would have been) due; attribution counts from here.
    pub due_at: DateTimeUtc,
    /// The end of the attribution window: purchases in (due_at, window_ends_at] count.
    pub window_ends_at: DateTimeUtc,
    /// The member's expected value over 365 days at the snapshot (the CUPED covariate).
    pub expected_value_cents: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
