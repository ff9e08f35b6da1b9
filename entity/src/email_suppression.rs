//! An address that must never be mailed again, kept only as a SHA-256 hash.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "email_suppressions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// Hex SHA-256 of the lower-cased address.
    #[sea_orm(unique)]
    pub email_hash: String,
    /// `erased`, `unsubscribed` or `bounced`.
    pub reason: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
