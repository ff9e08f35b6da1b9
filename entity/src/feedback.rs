//! An inquiry, complaint or satisfaction score, with its resolution.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "feedback")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    /// `inquiry`, `complaint` or `satisfaction`.
    pub kind: String,
    /// 1–5, for satisfaction scores.
    pub score: Option<i16>,
    pub body: Option<String>,
    /// `open` or `resolved`.
    pub status: String,
    pub resolution: Option<String>,
    pub resolved_at: Option<DateTimeUtc>,
    pub resolved_by_id: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
