//! The journeys Patron ships, each off (a draft) until a brand publishes it, and editable:
//! win-back, welcome, after a purchase, and the birthday month. Their messages are journey
//! messages with templates in both languages, edited like any campaign's.
//!
//! [`install`] adds those a database lacks, at startup after the migrations; a journey's key
//! and a message's name refuse a second replica's copy.
use chrono::Utc;
use entity::vocabulary::{CampaignKind, CampaignStatus, Channel, JourneyStatus};
use entity::{campaign, channel_template, email_template, journey};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

use super::definition::{Definition, Entry, EntryEvent, Exit, Step, WaitEvent};
use crate::campaigns::{builtin::lapsed_repeat_buyers, template_kind};
use crate::outreach::channel_template::{ChannelTemplate, Field, SmsTemplate};
use crate::outreach::template::{builtin, TemplateSource, LOCALES};

/// Who installs them, in audit columns.
const PATRON: &str = "patron";

/// A shipped message: its name, channels, email in each locale, and SMS text with parameters.
struct Message {
    name: &'static str,
    channels: &'static [Channel],
    email: fn(&str) -> TemplateSource,
    sms: Option<fn(&str) -> SmsTemplate>,
}

/// Adds every shipped journey the database lacks.
pub async fn install(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
    for key in ["winback", "welcome", "post_purchase", "birthday_month"] {
        let exists = journey::Entity::find()
            .filter(journey::Column::Key.eq(key))
            .one(conn)
            .await?
            .is_some();
        if !exists {
            let (name, definition) = journey_of(conn, key).await?;
            insert(conn, key, name, &definition).await?;
        }
    }
    Ok(())
}

/// The shipped journey `key`: its name and definition, its messages made.
async fn journey_of(conn: &impl ConnectionTrait, key: &str) -> Result<(&'static str, Definition), DbErr> {
    let wait = |days| Step::Wait {
        days,
        hours: 0,
        at: None,
    };
    let definition = |entry, reentry_days, on_purchase, steps| Definition {
        entry,
        reentry_days,
        exit: Exit {
            on_purchase,
            filter: None,
        },
        holdout_basis_points: 1_000,
        attribution_days: 30,
        steps,
    };
    Ok(match key {
        "winback" => {
            let email = message(conn, &WINBACK_EMAIL).await?;
            let sms = message(conn, &WINBACK_SMS).await?;
            let steps = vec![
                send(email),
                wait(7),
                // The offer is the brand's to choose; without one the SMS goes without a code.
                Step::Send {
                    campaign_id: Some(sms),
                    offer_id: None,
                },
                wait(14),
                Step::Task {
                    reason: "Win-back: no purchase since our email and SMS; call to invite them back".to_owned(),
                    open_days: 7,
                },
            ];
            // Repeat buyers who lapsed; a purchase takes them out at any step.
            let entry = Entry::Filter {
                filter: lapsed_repeat_buyers(2),
            };
            ("Win-back", definition(entry, Some(180), true, steps))
        }
        "welcome" => {
            let steps = vec![
                send(message(conn, &WELCOME_DAY_0).await?),
                wait(3),
                send(message(conn, &WELCOME_DAY_3).await?),
                wait(11),
                send(message(conn, &WELCOME_DAY_14).await?),
            ];
            let entry = Entry::Event {
                event: EntryEvent::Joined,
            };
            ("Welcome", definition(entry, None, false, steps))
        }
        "post_purchase" => {
            let steps = vec![
                wait(1),
                send(message(conn, &THANK_YOU).await?),
                wait(2),
                Step::Task {
                    reason: "回访: ask how their purchase is going".to_owned(),
                    open_days: 5,
                },
            ];
            let entry = Entry::Event {
                event: EntryEvent::Purchased,
            };
            ("After a purchase", definition(entry, Some(30), false, steps))
        }
        _ => {
            let steps = vec![
                // The gift is the offer the brand chooses for this step.
                send(message(conn, &BIRTHDAY_GIFT).await?),
                Step::WaitFor {
                    event: WaitEvent::RedeemedCoupon,
                    timeout_days: 21,
                    then: Vec::new(),
                    timeout: vec![send(message(conn, &BIRTHDAY_REMINDER).await?)],
                },
            ];
            let entry = Entry::Event {
                event: EntryEvent::Birthday,
            };
            ("Birthday month", definition(entry, Some(300), false, steps))
        }
    })
}

fn send(campaign_id: i64) -> Step {
    Step::Send {
        campaign_id: Some(campaign_id),
        offer_id: None,
    }
}

async fn insert(conn: &impl ConnectionTrait, key: &str, name: &str, definition: &Definition) -> Result<(), DbErr> {
    let now = Utc::now();
    let row = journey::ActiveModel {
        key: Set(Some(key.to_owned())),
        name: Set(name.to_owned()),
        status: Set(JourneyStatus::Draft),
        draft: Set(serde_json::to_string(definition).map_err(|e| DbErr::Custom(e.to_string()))?),
        version_id: Set(None),
        created_by: Set(PATRON.to_owned()),
        updated_by: Set(PATRON.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    journey::Entity::insert(row)
        .on_conflict(OnConflict::column(journey::Column::Key).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map(drop)
}

/// The journey message `shipped`, made with its templates unless a message has its name; its id.
async fn message(conn: &impl ConnectionTrait, shipped: &Message) -> Result<i64, DbErr> {
    if let Some(existing) = by_name(conn, shipped.name).await? {
        return Ok(existing.id);
    }
    let now = Utc::now();
    let row = campaign::ActiveModel {
        name: Set(shipped.name.to_owned()),
        kind: Set(CampaignKind::Journey),
        status: Set(CampaignStatus::Draft),
        segment_id: Set(None),
        schedule: Set(None),
        once_per_member: Set(false),
        holdout_basis_points: Set(0),
        priority: Set(0),
        channels: Set(Channel::list(shipped.channels)),
        attribution_days: Set(30),
        created_by: Set(PATRON.to_owned()),
        updated_by: Set(PATRON.to_owned()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    campaign::Entity::insert(row)
        .on_conflict(OnConflict::column(campaign::Column::Name).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    let id = by_name(conn, shipped.name)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("the journey message {:?} is missing", shipped.name)))?
        .id;
    templates(conn, id, shipped).await?;
    Ok(id)
}

async fn by_name(conn: &impl ConnectionTrait, name: &str) -> Result<Option<campaign::Model>, DbErr> {
    campaign::Entity::find()
        .filter(campaign::Column::Name.eq(name))
        .one(conn)
        .await
}

async fn templates(conn: &impl ConnectionTrait, id: i64, shipped: &Message) -> Result<(), DbErr> {
    let kind = template_kind(id);
    let now = Utc::now();
    for locale in LOCALES {
        let email = (shipped.email)(locale);
        let row = email_template::ActiveModel {
            kind: Set(kind.clone()),
            locale: Set(locale.to_owned()),
            subject: Set(email.subject),
            text_body: Set(email.text),
            html_body: Set(email.html),
            updated_by: Set(PATRON.to_owned()),
            updated_at: Set(now),
        };
        email_template::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([email_template::Column::Kind, email_template::Column::Locale])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
        if let Some(sms) = shipped.sms {
            let row = channel_template::ActiveModel {
                channel: Set(Channel::Sms),
                kind: Set(kind.clone()),
                locale: Set(locale.to_owned()),
                source: Set(ChannelTemplate::Sms(sms(locale)).source()),
                updated_by: Set(PATRON.to_owned()),
                updated_at: Set(now),
            };
            channel_template::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        channel_template::Column::Channel,
                        channel_template::Column::Kind,
                        channel_template::Column::Locale,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
    }
    Ok(())
}

/// A built-in kind's shipped email.
fn shipped_email(kind: &str, locale: &str) -> TemplateSource {
    builtin(kind, locale).unwrap_or_else(|| email(locale, "", &[]))
}

/// A plain email: a greeting, paragraphs, and the footer every marketing email carries.
fn email(locale: &str, subject: &str, paragraphs: &[&str]) -> TemplateSource {
    let (greeting, footer) = if locale == "en" {
        (
            "Dear {{ member.name }},",
            "Fewer emails, other topics, another channel? Your preferences: {{ preferences_url }}\nDon't want these emails? Unsubscribe: {{ unsubscribe_url }}",
        )
    } else {
        (
            "{{ member.name }}，您好：",
            "想少收一些、换个话题或渠道？偏好设置：{{ preferences_url }}\n不想再收到此类邮件？退订：{{ unsubscribe_url }}",
        )
    };
    let text = format!("{greeting}\n\n{}\n\n{footer}\n", paragraphs.join("\n\n"));
    let html_paragraphs: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    let html = format!(
        "<!DOCTYPE html>\n<html lang=\"{locale}\">\n<head><meta charset=\"utf-8\"><title>{subject}</title></head>\n\
         <body style=\"font-family:Helvetica,Arial,sans-serif;font-size:15px;line-height:1.7;color:#2a2a2a;\">\n\
         <p>{greeting}</p>\n{html_paragraphs}<p style=\"font-size:12px;color:#8a8a8a;\">\
         <a href=\"{{{{ preferences_url }}}}\">{prefs}</a> · <a href=\"{{{{ unsubscribe_url }}}}\">{unsubscribe}</a></p>\n</body>\n</html>\n",
        prefs = if locale == "en" { "Preferences" } else { "偏好设置" },
        unsubscribe = if locale == "en" { "Unsubscribe" } else { "退订" },
    );
    TemplateSource {
        subject: subject.to_owned(),
        text,
        html,
    }
}

/// An SMS with the member's name, and the code of the step's offer when it has one.
fn sms(locale: &str) -> SmsTemplate {
    let text = if locale == "en" {
        "${name}, we miss you at ${brand}! ${offer} Reply STOP to opt out"
    } else {
        "${name}您好，${brand}想念您！${offer}拒收请回复R"
    };
    let offer = if locale == "en" {
        "{% if coupon %}Your code {{ coupon.code }} is waiting.{% endif %}"
    } else {
        "{% if coupon %}专属优惠码{{ coupon.code }}已为您备好。{% endif %}"
    };
    SmsTemplate {
        template_code: String::new(),
        text: text.to_owned(),
        params: [
            ("name", "{{ member.name }}"),
            ("brand", "{{ brand }}"),
            ("offer", offer),
        ]
        .into_iter()
        .map(|(name, value)| Field {
            name: name.to_owned(),
            value: value.to_owned(),
        })
        .collect(),
    }
}

const WINBACK_EMAIL: Message = Message {
    name: "Win-back journey · email",
    channels: &[Channel::Email],
    email: |locale| shipped_email("winback", locale),
    sms: None,
};

const WINBACK_SMS: Message = Message {
    name: "Win-back journey · SMS with an offer",
    channels: &[Channel::Sms],
    email: |locale| shipped_email("winback", locale),
    sms: Some(sms),
};

const WELCOME_DAY_0: Message = Message {
    name: "Welcome journey · day 0",
    channels: &[Channel::Email],
    email: |locale| match locale {
        "en" => email(
            locale,
            "Welcome to {{ brand }}",
            &[
                "Welcome to {{ brand }}! Your member number is {{ member.member_no }}.",
                "Show it at the till to earn points on every purchase.",
            ],
        ),
        _ => email(
            locale,
            "欢迎加入{{ brand }}会员",
            &[
                "欢迎加入{{ brand }}！您的会员号是 {{ member.member_no }}。",
                "结账时出示会员号，每次消费都可累积积分。",
            ],
        ),
    },
    sms: None,
};

const WELCOME_DAY_3: Message = Message {
    name: "Welcome journey · day 3",
    channels: &[Channel::Email],
    email: |locale| match locale {
        "en" => email(
            locale,
            "What your membership gives you",
            &[
                "Points on every purchase, a gift in your birthday month, and an associate who knows your style.",
                "Tell us what you like in your preferences, and we will only write about that.",
            ],
        ),
        _ => email(
            locale,
            "会员权益一览",
            &[
                "每次消费累积积分，生日月专属礼遇，还有熟悉您风格的专属顾问。",
                "在偏好设置中告诉我们您喜欢什么，我们只和您聊这些。",
            ],
        ),
    },
    sms: None,
};

const WELCOME_DAY_14: Message = Message {
    name: "Welcome journey · day 14",
    channels: &[Channel::Email],
    email: |locale| match locale {
        "en" => email(
            locale,
            "We would love to see you",
            &[
                "Two weeks in: have you found something you love? New pieces arrive every week.",
                "Drop in{% if member.store %} at {{ member.store }}{% endif %} whenever you like.",
            ],
        ),
        _ => email(
            locale,
            "期待与您再见",
            &[
                "加入两周了，找到心仪的单品了吗？每周都有新品到店。",
                "欢迎随时{% if member.store %}到{{ member.store }}{% endif %}坐坐。",
            ],
        ),
    },
    sms: None,
};

const THANK_YOU: Message = Message {
    name: "After a purchase · thank you",
    channels: &[Channel::Email],
    email: |locale| match locale {
        "en" => email(
            locale,
            "Thank you for your purchase",
            &[
                "Thank you for shopping with {{ brand }}. We hope you enjoy what you chose.",
                "Your associate will be in touch in a few days to hear how it is going.",
            ],
        ),
        _ => email(
            locale,
            "感谢您的光临",
            &[
                "感谢您选择{{ brand }}，希望您喜欢这次的选购。",
                "几天后您的专属顾问会联系您，了解使用感受。",
            ],
        ),
    },
    sms: None,
};

const BIRTHDAY_GIFT: Message = Message {
    name: "Birthday month · gift",
    channels: &[Channel::Sms, Channel::Email],
    email: |locale| shipped_email("birthday", locale),
    sms: Some(sms_birthday),
};

const BIRTHDAY_REMINDER: Message = Message {
    name: "Birthday month · reminder",
    channels: &[Channel::Email],
    email: |locale| {
        match locale {
        "en" => email(locale, "Your birthday gift is still waiting", &[
            "Your birthday month gift from {{ brand }} has not been used yet.",
            "{% if coupon %}Your code: {{ coupon.code }}. {% endif %}We would love to celebrate with you before it ends.",
        ]),
        _ => email(locale, "您的生日礼还未领取", &[
            "{{ brand }}为您准备的生日月礼遇还未使用。",
            "{% if coupon %}优惠码：{{ coupon.code }}。{% endif %}期待在生日月里与您相见。",
        ]),
    }
    },
    sms: None,
};

fn sms_birthday(locale: &str) -> SmsTemplate {
    let mut template = sms(locale);
    template.text = if locale == "en" {
        "Happy birthday, ${name}, from ${brand}! ${offer} Reply STOP to opt out".to_owned()
    } else {
        "${name}，${brand}祝您生日快乐！${offer}拒收请回复R".to_owned()
    };
    template
}
