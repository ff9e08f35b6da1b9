//! A field a brand defines on its members (family, work, preferences…).
use sea_orm::entity::prelude::*;

use crate::vocabulary::MemberFieldKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_fields")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// How filters, imports and the API name it: `family`, `shoe_size`.
    pub key: String,
    /// How the console shows it.
    pub label: String,
    pub kind: MemberFieldKind,
    /// A choice's words, one a line.
    pub choices: Option<String>,
    pub updated_by: String,
    pub created_at: DateTimeUtc,
}

impl Model {
    /// A choice's words.
    pub fn words(&self) -> Vec<&str> {
        self.choices.as_deref().map(|c| c.lines().collect()).unwrap_or_default()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
