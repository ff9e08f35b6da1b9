//! The customer record ("顾客档案").
use sea_orm::entity::prelude::*;

use crate::vocabulary::{Channel, Frequency, Gender, MemberStatus};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The brand's external member number.
    #[sea_orm(unique)]
    pub member_no: String,
    pub name: String,
    /// `female`, `male` or `other`.
    pub gender: Option<Gender>,
    pub birthday: Option<Date>,
    /// Month and day of `birthday`, kept beside it so birthday lookups use an index
    /// on every database.
    pub birth_month: Option<i16>,
    pub birth_day: Option<i16>,
    /// The member celebrates the lunar-calendar anniversary of `birthday`.
    pub lunar_birthday: bool,
    pub phone: Option<String>,
    /// Stored lower-cased.
    pub email: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub joined_at: Date,
    pub store_id: Option<i64>,
    pub assigned_associate_id: Option<i64>,
    pub referred_by_id: Option<i64>,
    /// Interest topics, comma separated.
    pub interests: Option<String>,
    pub locale: String,
    pub time_zone: String,
    pub email_consent: bool,
    pub consent_source: Option<String>,
    pub consent_at: Option<DateTimeUtc>,
    /// Consented to marketing text messages (the proof is in `member_consents`).
    pub sms_consent: bool,
    /// Consented to marketing WeChat messages.
    pub wechat_consent: bool,
    /// The member's openid with the brand's Official Account (template messages).
    #[sea_orm(unique)]
    pub wechat_openid: Option<String>,
    /// With the brand's mini-program (subscribe messages).
    #[sea_orm(unique)]
    pub wechat_mini_openid: Option<String>,
    /// Across the brand's WeChat apps.
    pub wechat_unionid: Option<String>,
    /// Topics the member does not want to hear of, comma separated (`Topic`s).
    pub muted_topics: Option<String>,
    pub frequency: Frequency,
    /// No marketing message until then (the member paused them).
    pub paused_until: Option<DateTimeUtc>,
    /// When the member asked for marketing email, under double opt-in, and has yet to confirm
    /// it from their mailbox (whole milliseconds: the confirmation link names it).
    pub email_confirmation_requested_at: Option<DateTimeUtc>,
    pub status: MemberStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_one = "super::member_metrics::Entity")]
    Metrics,
}

impl Related<super::member_metrics::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Metrics.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}

impl Column {
    /// The column of a member's consent to marketing on `channel`.
    pub fn consent_on(channel: Channel) -> Self {
        match channel {
            Channel::Email => Self::EmailConsent,
            Channel::Sms => Self::SmsConsent,
            Channel::Wechat => Self::WechatConsent,
        }
    }
}

impl Model {
    /// Whether the member has an address on `channel`: an email address, a phone number, a
    /// bound WeChat account (Official Account or mini-program).
    pub fn has_address_on(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email.is_some(),
            Channel::Sms => self.phone.is_some(),
            Channel::Wechat => self.wechat_openid.is_some() || self.wechat_mini_openid.is_some(),
        }
    }

    /// Whether the member consented to marketing on `channel`.
    pub fn consents_on(&self, channel: Channel) -> bool {
        match channel {
            Channel::Email => self.email_consent,
            Channel::Sms => self.sms_consent,
            Channel::Wechat => self.wechat_consent,
        }
    }
}
