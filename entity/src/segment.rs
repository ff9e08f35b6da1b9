//! A saved segment: a named filter over members, kept as the JSON of `jobs::segments::Filter`.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "segments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub name: String,
    pub description: Option<String>,
    /// The filter tree as JSON.
    pub filter: String,
    /// Who created it and who changed it last (the audit log's actor, e.g. `staff:3`).
    pub created_by: String,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// When membership was last refreshed, and how many members it had then.
    pub last_refreshed_at: Option<DateTimeUtc>,
    pub last_count: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
