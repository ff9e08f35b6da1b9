//! A template for a channel other than email, per kind and locale: its source is the channel's
//! own JSON (an SMS template's provider code, parameters and text; a WeChat template's id, link
//! and fields).
use sea_orm::entity::prelude::*;

use crate::vocabulary::Channel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "channel_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub channel: Channel,
    #[sea_orm(primary_key, auto_increment = false)]
    pub kind: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub locale: String,
    pub source: String,
    /// Who saved it (staff username).
    pub updated_by: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
