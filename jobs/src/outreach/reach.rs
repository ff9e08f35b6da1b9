//! Who a marketing message may reach: an active member who consented to one of the message's
//! channels and has its address there (an email address, a phone, a bound openid). Audiences
//! are narrowed by it when an occurrence starts, and the dispatcher asks it again per channel at
//! send time, when consent may have been withdrawn since.
use entity::member;
use entity::vocabulary::{Channel, MemberStatus};
use sea_orm::sea_query::Expr;
use sea_orm::Condition;

/// The rule over `members`, for an audience on `channels` (any of them will do).
pub fn condition(channels: &[Channel]) -> Condition {
    let mut any = Condition::any();
    for channel in channels {
        any = any.add(reachable_on(*channel));
    }
    Condition::all()
        .add(column(member::Column::Status).eq(MemberStatus::Active.as_str()))
        .add(any)
}

fn reachable_on(channel: Channel) -> Condition {
    let addresses: &[member::Column] = match channel {
        Channel::Email => &[member::Column::Email],
        Channel::Sms => &[member::Column::Phone],
        Channel::Wechat => &[member::Column::WechatOpenid, member::Column::WechatMiniOpenid],
    };
    let any_address = addresses
        .iter()
        .fold(Condition::any(), |any, address| any.add(column(*address).is_not_null()));
    Condition::all()
        .add(column(member::Column::consent_on(channel)).eq(true))
        .add(any_address)
}

fn column(column: member::Column) -> Expr {
    Expr::col((member::Entity, column))
}

/// What a member's record says of each channel, for the dispatcher's check at send time.
#[derive(Clone, Debug, Default)]
pub struct Addresses {
    pub email: Option<String>,
    pub email_consent: bool,
    pub phone: Option<String>,
    pub sms_consent: bool,
    pub wechat_openid: Option<String>,
    pub wechat_mini_openid: Option<String>,
    pub wechat_consent: bool,
}

/// Why the member may not be reached on `channel` now, if they may not.
pub fn barred(status: MemberStatus, addresses: &Addresses, channel: Channel) -> Option<&'static str> {
    if status != MemberStatus::Active {
        return Some("the member was erased");
    }
    let (consent, has_address, missing) = match channel {
        Channel::Email => (addresses.email_consent, addresses.email.is_some(), "no email address"),
        Channel::Sms => (addresses.sms_consent, addresses.phone.is_some(), "no phone number"),
        Channel::Wechat => (
            addresses.wechat_consent,
            addresses.wechat_openid.is_some() || addresses.wechat_mini_openid.is_some(),
            "no WeChat account bound",
        ),
    };
    match (consent, has_address) {
        (false, _) => Some(match channel {
            Channel::Email => "no email consent",
            Channel::Sms => "no SMS consent",
            Channel::Wechat => "no WeChat consent",
        }),
        (true, false) => Some(missing),
        (true, true) => None,
    }
}
