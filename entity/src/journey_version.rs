//! A journey as it was published: members who entered it finish on it, whatever is edited since.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "journey_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub journey_id: i64,
    /// 1 for the first version published, then 2…
    pub number: i32,
    /// JSON of `jobs::journeys::Definition`.
    pub definition: String,
    pub published_by: String,
    pub published_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
