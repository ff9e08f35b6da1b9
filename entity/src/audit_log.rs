//! Who changed or exported member data, and when.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// `staff:<id>`, `member:<member_no>` or `cli`.
    pub actor: String,
    pub role: String,
    pub action: String,
    /// The member number acted on, if any.
    pub target: Option<String>,
    /// JSON details: changed fields, filter of an export, counts.
    pub detail: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
