//! The preference page every message links to: `GET /preferences/{token}` shows a member what
//! they hear of, how often and on which channels; `POST` saves their choice. The signed token is
//! the unsubscribe link's, so no sign-in is needed; every change is audited and each consent it
//! changes recorded with the page's wording.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use entity::member;
use entity::vocabulary::{Channel, Frequency, Topic};
use sea_orm::EntityTrait;

use crate::auth::Viewer;
use crate::http::unsubscribe::{page, LinkPages};
use crate::service::member::Consent;
use crate::service::preferences::{self, Choice, PAUSE_DAYS};

/// What the page says consenting means: recorded with each consent given here.
const WORDING: &str =
    "我同意通过所勾选的渠道接收营销信息。I agree to receive marketing messages on the channels ticked.";

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/preferences/{token}", web::get().to(show))
        .route("/preferences/{token}", web::post().to(save));
}

async fn show(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    match member_of(&state, &token).await {
        Ok(member) => form(&state, &member, None),
        Err(response) => response,
    }
}

async fn save(
    state: web::Data<LinkPages>,
    token: web::Path<String>,
    fields: web::Form<Vec<(String, String)>>,
) -> HttpResponse {
    let member = match member_of(&state, &token).await {
        Ok(member) => member,
        Err(response) => return response,
    };
    let choice = choice(&fields);
    let consent = Consent {
        source: Some("preference page"),
        wording: Some(WORDING),
    };
    match preferences::save(
        &state.db,
        &state.brand,
        &Viewer::member(&member),
        &member,
        &choice,
        consent,
    )
    .await
    {
        Ok(saved) => form(&state, &saved, Some("已保存 · Saved")),
        Err(error) => {
            tracing::error!(?error, member_id = member.id, "saving preferences failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "请稍后再试 · Please try again",
                "<p>出了点问题，请稍后再试。<br>Something went wrong on our side; please try again in a moment.</p>",
            )
        }
    }
}

/// The member a token names, or the page that says the link is not valid.
async fn member_of(state: &LinkPages, token: &str) -> Result<member::Model, HttpResponse> {
    let invalid = || {
        page(
            StatusCode::BAD_REQUEST,
            "链接无效 · Invalid link",
            "<p>这个链接无效，请使用消息中的完整链接。<br>This link is not valid; use the whole link from the message.</p>",
        )
    };
    let member_id = state.links.verify(token).ok_or_else(invalid)?;
    match member::Entity::find_by_id(member_id).one(&state.db).await {
        Ok(Some(member)) if member.status == entity::vocabulary::MemberStatus::Active => Ok(member),
        Ok(_) => Err(invalid()),
        Err(error) => {
            tracing::error!(?error, member_id, "loading a member for the preference page failed");
            Err(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "请稍后再试 · Please try again",
                "",
            ))
        }
    }
}

/// The posted form as a choice: ticked topics and channels, the frequency.
fn choice(fields: &[(String, String)]) -> Choice {
    let values = |name: &'static str| fields.iter().filter(move |(k, _)| k == name).map(|(_, v)| v.as_str());
    let frequency = values("frequency").next().unwrap_or("normal");
    Choice {
        topics: values("topic").filter_map(Topic::parse).collect(),
        frequency: Frequency::parse(frequency).unwrap_or_default(),
        pause: frequency == "pause",
        channels: Some(values("channel").filter_map(Channel::parse).collect()),
    }
}

fn form(state: &LinkPages, member: &member::Model, notice: Option<&str>) -> HttpResponse {
    let muted = preferences::muted(member);
    let check = |on: bool| if on { " checked" } else { "" };
    let topics: String = Topic::ALL
        .iter()
        .map(|topic| {
            format!(
                "<label><input type=\"checkbox\" name=\"topic\" value=\"{topic}\"{}> {}</label><br>",
                check(!muted.contains(topic)),
                topic_name(*topic)
            )
        })
        .collect();
    let paused = member.paused_until.filter(|until| *until > chrono::Utc::now());
    let frequencies = [
        (
            "normal",
            "正常 · As usual",
            paused.is_none() && member.frequency == Frequency::Normal,
        ),
        (
            "fewer",
            "少一些（每周最多一条） · Fewer (at most one a week)",
            paused.is_none() && member.frequency == Frequency::Fewer,
        ),
        ("pause", "暂停 30 天 · Pause for 30 days", paused.is_some()),
    ];
    let frequencies: String = frequencies
        .iter()
        .map(|(value, name, on)| {
            format!(
                "<label><input type=\"radio\" name=\"frequency\" value=\"{value}\"{}> {name}</label><br>",
                check(*on)
            )
        })
        .collect();
    // Email asked for and awaiting confirmation (double opt-in) is ticked: the member wants it.
    let pending = member.email_confirmation_requested_at.is_some();
    let channels: String = Channel::ALL
        .iter()
        .filter(|channel| member.has_address_on(**channel))
        .map(|channel| {
            let name = match channel {
                Channel::Email if pending => {
                    "邮件（待确认，请查收确认邮件） · Email (awaiting your confirmation: check your inbox)"
                }
                Channel::Email => "邮件 · Email",
                Channel::Sms => "短信 · SMS",
                Channel::Wechat => "微信 · WeChat",
            };
            let on = member.consents_on(*channel) || (*channel == Channel::Email && pending);
            format!(
                "<label><input type=\"checkbox\" name=\"channel\" value=\"{channel}\"{}> {name}</label><br>",
                check(on)
            )
        })
        .collect();
    let until = paused.map_or(String::new(), |until| {
        format!("<p>已暂停至 {0} · Paused until {0}</p>", until.date_naive())
    });
    let notice = notice.map_or(String::new(), |n| {
        format!("<p role=\"status\"><strong>{n}</strong></p>")
    });
    let body = format!(
        "{notice}{until}<form method=\"post\" action=\"/preferences/{token}\">\
         <fieldset><legend>想收到哪些消息 · What you hear of</legend>{topics}</fieldset>\
         <fieldset><legend>多久一次 · How often</legend>{frequencies}</fieldset>\
         <fieldset><legend>通过哪些渠道 · On which channels</legend>{channels}<small>{WORDING}</small></fieldset>\
         <p><button type=\"submit\">保存 · Save</button></p></form>\
         <p><small>暂停将持续 {PAUSE_DAYS} 天。· A pause lasts {PAUSE_DAYS} days.</small></p>",
        // Issued again from the verified id: nothing from the request reaches the page.
        token = state.links.token(member.id),
    );
    page(StatusCode::OK, "订阅偏好 · Your preferences", &body)
}

fn topic_name(topic: Topic) -> &'static str {
    match topic {
        Topic::Birthday => "生日祝福 · Birthday wishes",
        Topic::Holidays => "节日问候与活动 · Holidays",
        Topic::NewArrivals => "新品上市 · New arrivals",
        Topic::Offers => "优惠与活动 · Offers",
    }
}
