//! A one-question satisfaction survey: asked of a member after a purchase or a resolved
//! complaint, answered once through a signed link.
use sea_orm::entity::prelude::*;

use crate::vocabulary::{SurveyOccasion, SurveyScale};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "surveys")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub occasion: SurveyOccasion,
    /// The purchase or the complaint (feedback) it asks about.
    pub subject_id: i64,
    /// Where the member was served: the purchase's store, else their home store.
    pub store_id: Option<i64>,
    /// The member's associate when it was asked.
    pub associate_id: Option<i64>,
    pub scale: SurveyScale,
    /// The day it is sent; with the member, what its link names.
    pub asked_on: Date,
    pub score: Option<i16>,
    pub comment: Option<String>,
    pub answered_at: Option<DateTimeUtc>,
    /// The feedback the answer was recorded as.
    pub feedback_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
