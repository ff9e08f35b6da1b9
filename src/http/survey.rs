//! The satisfaction survey's page: `GET /survey/{token}` asks the one question (a score the
//! message's button chose, `?score=N`, is ticked, not recorded: link scanners fetch links);
//! `POST` records the answer, once. The signed token names the member and the day they were
//! asked, so no sign-in is needed.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use entity::vocabulary::SurveyScale;
use minijinja::HtmlEscape;
use serde::Deserialize;

use crate::error::AppError;
use crate::http::unsubscribe::{page, LinkPages};
use crate::service::survey::{self, Asked};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/survey/{token}", web::get().to(show))
        .route("/survey/{token}", web::post().to(save));
}

#[derive(Deserialize)]
struct Chosen {
    score: Option<i16>,
}

#[derive(Deserialize)]
struct Answer {
    score: Option<i16>,
    comment: Option<String>,
}

async fn show(state: web::Data<LinkPages>, token: web::Path<String>, chosen: web::Query<Chosen>) -> HttpResponse {
    match asked(&state, &token).await {
        Ok(asked) if asked.closed.is_some() => closed(&asked),
        Ok(asked) => form(&state, &asked, chosen.score, None),
        Err(response) => response,
    }
}

async fn save(state: web::Data<LinkPages>, token: web::Path<String>, answer: web::Form<Answer>) -> HttpResponse {
    let asked = match asked(&state, &token).await {
        Ok(asked) => asked,
        Err(response) => return response,
    };
    let Some(score) = answer.score else {
        return form(&state, &asked, None, Some("请选择一个分数 · Please choose a score"));
    };
    let Answer { comment, .. } = answer.into_inner();
    match survey::answer(&state.db, &asked, score, comment).await {
        Ok(()) => page(
            StatusCode::OK,
            "谢谢您 · Thank you",
            "<p>您的评价已收到，感谢您的反馈！<br>We have your answer: thank you for telling us.</p>",
        ),
        // Closed, or answered meanwhile from another tab: say so; else the refusal by the form.
        Err(AppError::BadInput { message, .. }) => match self::asked(&state, &token).await {
            Ok(now) if now.closed.is_some() => closed(&now),
            _ => form(&state, &asked, Some(score), Some(&message)),
        },
        Err(error) => {
            tracing::error!(?error, survey_id = asked.survey.id, "recording a survey answer failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "请稍后再试 · Please try again",
                "<p>出了点问题，请稍后再试。<br>Something went wrong on our side; please try again in a moment.</p>",
            )
        }
    }
}

/// The survey a token names, or the page that says the link is not valid.
async fn asked(state: &LinkPages, token: &str) -> Result<Asked, HttpResponse> {
    let invalid = || {
        page(
            StatusCode::NOT_FOUND,
            "链接无效 · Invalid link",
            "<p>这个链接无效，请使用消息中的完整链接。<br>This link is not valid; use the whole link from the message.</p>",
        )
    };
    let (member_id, asked_on) = state.links.verify_survey(token).ok_or_else(invalid)?;
    let today = state.brand.today();
    match survey::find(&state.db, member_id, asked_on, state.survey_answer_days, today).await {
        Ok(asked) => Ok(asked),
        Err(AppError::NotFound(_)) => Err(invalid()),
        Err(error) => {
            tracing::error!(?error, member_id, "loading a survey failed");
            Err(page(
                StatusCode::SERVICE_UNAVAILABLE,
                "请稍后再试 · Please try again",
                "",
            ))
        }
    }
}

fn closed(asked: &Asked) -> HttpResponse {
    let body = if asked.survey.answered_at.is_some() {
        "<p>这份问卷已经回答过了，谢谢您！<br>This survey is already answered: thank you.</p>"
    } else {
        "<p>这份问卷已经结束。<br>This survey has closed.</p>"
    };
    page(StatusCode::OK, "谢谢您 · Thank you", body)
}

fn form(state: &LinkPages, asked: &Asked, chosen: Option<i16>, notice: Option<&str>) -> HttpResponse {
    let scale = asked.survey.scale;
    let (question, ends) = match scale {
        SurveyScale::Csat => (
            "您对这次的服务满意吗？ · How satisfied were you with us?",
            "1 = 很不满意 · very unhappy，5 = 非常满意 · very happy",
        ),
        SurveyScale::Nps => (
            "您有多大可能把我们推荐给朋友？ · How likely are you to recommend us to a friend?",
            "0 = 完全不会 · not at all，10 = 非常愿意 · very likely",
        ),
    };
    let scores: String = scale
        .range()
        .map(|score| {
            let checked = if chosen == Some(score) { " checked" } else { "" };
            format!(
                "<label style=\"display:inline-block;margin:0 .6em .4em 0\">\
                 <input type=\"radio\" name=\"score\" value=\"{score}\" required{checked}> {score}</label>"
            )
        })
        .collect();
    let notice = notice.map_or(String::new(), |n| {
        format!("<p role=\"alert\"><strong>{}</strong></p>", HtmlEscape(n))
    });
    let body = format!(
        "{notice}<p>{name}，{question}</p><form method=\"post\" action=\"/survey/{token}\">\
         <fieldset><legend>{ends}</legend>{scores}</fieldset>\
         <p><label>还想告诉我们什么？（选填） · Anything else? (optional)<br>\
         <textarea name=\"comment\" rows=\"3\" maxlength=\"2000\" style=\"width:100%\"></textarea></label></p>\
         <p><button type=\"submit\">提交 · Send</button></p></form>",
        name = HtmlEscape(&asked.member.name),
        // Issued again from the verified survey: nothing from the request reaches the page.
        token = state.links.survey_token(asked.member.id, asked.survey.asked_on),
    );
    page(StatusCode::OK, "请为我们打分 · How did we do?", &body)
}
