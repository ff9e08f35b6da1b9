//! A journey: a member followed over days, step by step (see `jobs::journeys`).
use sea_orm::entity::prelude::*;

use crate::vocabulary::JourneyStatus;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journeys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// A shipped journey's key ("winback"); none for a brand's own.
    #[sea_orm(unique)]
    pub key: Option<String>,
    #[sea_orm(unique)]
    pub name: String,
    pub status: JourneyStatus,
    /// The definition being edited, as JSON of `jobs::journeys::Definition`.
    pub draft: String,
    /// The published version members enter; none until first published.
    pub version_id: Option<i64>,
    /// The brand's day a filter or birthday entry was last checked: once a day.
    pub entries_checked_on: Option<Date>,
    pub created_by: String,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
