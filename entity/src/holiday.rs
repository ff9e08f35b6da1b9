//! A brand's own holiday, or its change to a built-in one with the same key.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "holidays")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    /// `solar` or `lunar`.
    pub calendar: String,
    pub month: i16,
    pub day: i16,
    pub enabled: bool,
    /// Days before the holiday its email goes out; the configured default when unset.
    pub days_before: Option<i16>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
