//! A staff login: admin, marketer or store associate.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "staff_users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub username: String,
    pub display_name: String,
    pub email: Option<String>,
    /// `admin`, `marketer` or `associate`.
    pub role: String,
    pub store_id: Option<i64>,
    pub created_at: DateTimeUtc,
    /// When an admin switched the user off: no sign-in, every token refused.
    pub disabled_at: Option<DateTimeUtc>,
    /// An associate who manages their store: sees and assigns all of its tasks.
    pub manager: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
