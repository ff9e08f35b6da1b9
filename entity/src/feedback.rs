//! An inquiry, complaint or satisfaction score, with its resolution.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{FeedbackKind, FeedbackStatus, SurveyScale};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub kind: FeedbackKind,
    /// A satisfaction score, on its scale.
    pub score: Option<i16>,
    /// The scale of `score`: CSAT 1–5 unless a survey asked for NPS 0–10.
    pub scale: Option<SurveyScale>,
    pub body: Option<String>,
    pub status: FeedbackStatus,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// When a complaint still open past its service level was escalated.
    pub escalated_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
