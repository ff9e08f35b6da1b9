//! A revocation: one token by its id, or every token of a subject issued before a time.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "revoked_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The token's `jti`.
    pub token_id: Option<String>,
    /// `staff:<id>` or `member:<member_no>`, with `issued_before`.
    pub subject: Option<String>,
    pub issued_before: Option<DateTimeUtc>,
    /// After this every token the entry revokes has expired, and the entry can go.
    pub forget_after: DateTimeUtc,
    pub revoked_by: String,
    pub revoked_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
