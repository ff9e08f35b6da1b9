//! A member's profile fields: the input, its validation, and the row it makes (defaults for a
//! new member, the consent stamp, the columns a change touches).
use async_graphql::InputObject;
use chrono::{Datelike, NaiveDate, Utc};
use entity::member;
use entity::vocabulary::MemberStatus;
use sea_orm::{ActiveModelTrait, ActiveValue, IntoActiveModel, Iterable, Set};

use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::validate;

pub use entity::vocabulary::Gender;

/// Profile fields of a member. On create, `name` is required; on update, a field left out stays
/// as it is and an empty string clears a text field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MemberFields {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birthday: Option<NaiveDate>,
    /// Celebrate the lunar-calendar anniversary of the birthday.
    pub lunar_birthday: Option<bool>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub joined_at: Option<NaiveDate>,
    /// Home store code.
    pub store_code: Option<String>,
    /// Member number of the member who referred this one.
    pub referred_by: Option<String>,
    pub interests: Option<Vec<String>>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    /// Marketing email to `email`. Under the brand's double opt-in, granting it emails the member
    /// a confirmation link and it takes effect once they confirm (`emailConsentPending` till then).
    pub email_consent: Option<bool>,
    /// Marketing text messages to `phone`.
    pub sms_consent: Option<bool>,
    /// Marketing WeChat messages to a bound openid.
    pub wechat_consent: Option<bool>,
    /// Where consent was given or withdrawn, e.g. `store-form`, `app`, `import`.
    pub consent_source: Option<String>,
    /// The wording the member was shown when they consented (kept as proof).
    pub consent_wording: Option<String>,
    /// The member's openid with the brand's Official Account (from the member app or the
    /// brand's backend); an empty string unbinds it.
    pub wechat_openid: Option<String>,
    /// With the brand's mini-program.
    pub wechat_mini_openid: Option<String>,
    pub wechat_unionid: Option<String>,
}

/// Validated fields as a partial row (only the given columns set), plus the references that
/// still need looking up.
pub struct ValidFields {
    pub row: member::ActiveModel,
    pub store_code: Option<String>,
    pub referred_by: Option<String>,
}

/// Checks every given field, without touching the database.
pub fn validate_fields(fields: &MemberFields, today: NaiveDate) -> AppResult<ValidFields> {
    let mut row = <member::ActiveModel as Default>::default();
    if let Some(name) = &fields.name {
        row.name = Set(validate::required_text("name", name, 200)?);
    }
    if let Some(gender) = fields.gender {
        row.gender = Set(Some(gender));
    }
    if let Some(birthday) = fields.birthday {
        let birthday = validate::birthday("birthday", birthday, today)?;
        row.birthday = Set(Some(birthday));
        row.birth_month = Set(Some(birthday.month() as i16));
        row.birth_day = Set(Some(birthday.day() as i16));
    }
    if let Some(lunar) = fields.lunar_birthday {
        row.lunar_birthday = Set(lunar);
    }
    if let Some(phone) = &fields.phone {
        row.phone = Set(clearable(phone).map(|p| validate::phone("phone", p)).transpose()?);
    }
    if let Some(email) = &fields.email {
        row.email = Set(clearable(email).map(|e| validate::email("email", e)).transpose()?);
    }
    if let Some(address) = &fields.address {
        row.address = Set(clearable(address)
            .map(|a| validate::bounded("address", a, 500))
            .transpose()?);
    }
    if let Some(city) = &fields.city {
        row.city = Set(clearable(city).map(|c| validate::bounded("city", c, 100)).transpose()?);
    }
    if let Some(joined) = fields.joined_at {
        if joined > today {
            return Err(AppError::field(
                "joinedAt",
                format!("joinedAt {joined} is in the future"),
            ));
        }
        row.joined_at = Set(joined);
    }
    if let Some(interests) = &fields.interests {
        let topics: Vec<_> = interests
            .iter()
            .map(|t| t.trim().replace(',', " "))
            .filter(|t| !t.is_empty())
            .collect();
        let joined = topics.join(",");
        row.interests = Set((!joined.is_empty())
            .then(|| validate::bounded("interests", &joined, 500))
            .transpose()?);
    }
    if let Some(locale) = &fields.locale {
        row.locale = Set(validate::locale("locale", locale)?);
    }
    if let Some(tz) = &fields.time_zone {
        row.time_zone = Set(validate::time_zone("timeZone", tz)?);
    }
    if let Some(consent) = fields.email_consent {
        row.email_consent = Set(consent);
    }
    if let Some(consent) = fields.sms_consent {
        row.sms_consent = Set(consent);
    }
    if let Some(consent) = fields.wechat_consent {
        row.wechat_consent = Set(consent);
    }
    for (field, value, column) in [
        ("wechatOpenid", &fields.wechat_openid, member::Column::WechatOpenid),
        (
            "wechatMiniOpenid",
            &fields.wechat_mini_openid,
            member::Column::WechatMiniOpenid,
        ),
        ("wechatUnionid", &fields.wechat_unionid, member::Column::WechatUnionid),
    ] {
        if let Some(value) = value {
            let id = clearable(value).map(|id| validate::openid(field, id)).transpose()?;
            row.set(column, id.into());
        }
    }
    Ok(ValidFields {
        row,
        store_code: fields.store_code.as_deref().and_then(clearable).map(str::to_owned),
        referred_by: fields.referred_by.as_deref().and_then(clearable).map(str::to_owned),
    })
}

/// `None` for an empty string: the way to clear an optional text field.
pub(super) fn clearable(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// The columns of `changes` that differ from `current`.
pub fn changed_columns(current: &member::Model, changes: &member::ActiveModel) -> Vec<member::Column> {
    let current = current.clone().into_active_model();
    member::Column::iter()
        .filter(|column| match changes.get(*column) {
            ActiveValue::Set(value) => current.get(*column).into_value().as_ref() != Some(&value),
            _ => false,
        })
        .collect()
}

/// Sets consent time and source when consent changes, so the record says when and where.
pub fn stamp_consent(row: &mut member::ActiveModel, source: Option<&str>, default_source: &str) {
    if row.email_consent.is_set() {
        row.consent_at = Set(Some(Utc::now()));
        row.consent_source = Set(Some(
            source
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(default_source)
                .to_owned(),
        ));
    }
}

/// Consent is for an address: granting it on a channel without one is an input error.
pub(super) fn check_consent(row: &member::ActiveModel, current: Option<&member::Model>) -> AppResult<()> {
    use member::Column::{Email, EmailConsent, Phone, SmsConsent, WechatConsent, WechatMiniOpenid, WechatOpenid};
    // A column as it will be: changed, else as it is.
    let after = |column: member::Column| match row.get(column) {
        ActiveValue::Set(value) | ActiveValue::Unchanged(value) => Some(value),
        ActiveValue::NotSet => current.and_then(|m| m.clone().into_active_model().get(column).into_value()),
    };
    let granted = |column| after(column) == Some(true.into());
    let present = |column| after(column).is_some_and(|value| value != sea_orm::Value::String(None));
    let rules = [
        (
            EmailConsent,
            present(Email),
            "emailConsent",
            "email consent needs an email address",
        ),
        (
            SmsConsent,
            present(Phone),
            "smsConsent",
            "SMS consent needs a phone number",
        ),
        (
            WechatConsent,
            present(WechatOpenid) || present(WechatMiniOpenid),
            "wechatConsent",
            "WeChat consent needs a bound WeChat account (wechatOpenid or wechatMiniOpenid)",
        ),
    ];
    for (consent, has_address, field, message) in rules {
        if granted(consent) && !has_address {
            return Err(AppError::field(field, message));
        }
    }
    Ok(())
}

/// Fills in what a new member gets when the input leaves it out.
pub fn with_defaults(mut row: member::ActiveModel, member_no: String, brand: &Brand) -> AppResult<member::ActiveModel> {
    if !row.name.is_set() {
        return Err(AppError::field("name", "name is required for a new member"));
    }
    check_consent(&row, None)?;
    let now = Utc::now();
    row.member_no = Set(member_no);
    let defaults: [(member::Column, sea_orm::Value); 8] = [
        (member::Column::JoinedAt, brand.today().into()),
        (member::Column::LunarBirthday, false.into()),
        (member::Column::Locale, "zh-CN".into()),
        (member::Column::TimeZone, brand.time_zone.name().into()),
        (member::Column::EmailConsent, false.into()),
        (member::Column::SmsConsent, false.into()),
        (member::Column::WechatConsent, false.into()),
        (member::Column::Status, MemberStatus::Active.as_str().into()),
    ];
    for (column, value) in defaults {
        if !row.get(column).is_set() {
            row.set(column, value);
        }
    }
    row.created_at = Set(now);
    row.updated_at = Set(now);
    Ok(row)
}
