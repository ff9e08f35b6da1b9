//! A consent given or withdrawn on one channel: the proof PIPL and GDPR ask for (who, which
//! channel, when, through what, having read which wording).
use sea_orm::entity::prelude::*;

use crate::vocabulary::Channel;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_consents")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub member_id: i64,
    pub channel: Channel,
    pub granted: bool,
    /// Where it was given or withdrawn: `app`, `console`, `import`, `sms reply`, `unsubscribe link`…
    pub source: String,
    /// The text the member was shown, when they gave it.
    pub wording: Option<String>,
    pub recorded_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
