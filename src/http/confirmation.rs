//! The confirmation of email consent under double opt-in: `GET /confirm/{token}` shows what
//! confirming means with a button (link scanners fetch links, so a GET must not confirm);
//! `POST` confirms it.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use minijinja::HtmlEscape;

use crate::http::unsubscribe::{page, LinkPages};
use crate::service::confirmation::{self, Standing, WORDING};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/confirm/{token}", web::get().to(ask))
        .route("/confirm/{token}", web::post().to(confirm));
}

async fn ask(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    match confirmation::standing(&state.db, &state.links, &token).await {
        Ok(Standing::Pending(member)) => page(
            StatusCode::OK,
            "确认订阅 · Confirm",
            &format!(
                "<form method=\"post\" action=\"/confirm/{token}\"><p>{WORDING}</p>\
                 <button type=\"submit\">确认 · Confirm</button></form>\
                 <p><small>{email}</small></p>",
                // Checked: digits, dots and base64url.
                token = token.as_str(),
                email = HtmlEscape(member.email.as_deref().unwrap_or_default()),
            ),
        ),
        Ok(Standing::Confirmed) => already_confirmed(),
        Ok(Standing::Invalid) => invalid_link(),
        Err(error) => unavailable(&error),
    }
}

async fn confirm(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    let member = match confirmation::standing(&state.db, &state.links, &token).await {
        Ok(Standing::Pending(member)) => member,
        Ok(Standing::Confirmed) => return already_confirmed(),
        Ok(Standing::Invalid) => return invalid_link(),
        Err(error) => return unavailable(&error),
    };
    match confirmation::confirm(&state.db, &state.brand, &member).await {
        Ok(_) => page(
            StatusCode::OK,
            "已确认 · Confirmed",
            &format!(
                "<p>谢谢！我们会通过邮件为您送上会员消息与优惠。<br>Thank you: member news and offers will come by email.</p>\
                 <p><a href=\"/preferences/{token}\">订阅偏好 · Your preferences</a></p>",
                token = state.links.token(member.id),
            ),
        ),
        Err(error) => unavailable(&error),
    }
}

fn already_confirmed() -> HttpResponse {
    page(
        StatusCode::OK,
        "已确认 · Confirmed",
        "<p>您已确认过，无需再次确认。<br>You have confirmed already; there is nothing more to do.</p>",
    )
}

fn invalid_link() -> HttpResponse {
    page(
        StatusCode::BAD_REQUEST,
        "链接无效 · Invalid link",
        "<p>这个确认链接无效或已过期（或已有更新的确认邮件）。请重新勾选邮件订阅，我们会再发一封。<br>\
         This confirmation link is not valid or has expired (or a newer one was sent). Tick email again \
         and we will send another.</p>",
    )
}

fn unavailable(error: &crate::error::AppError) -> HttpResponse {
    tracing::error!(?error, "confirming email consent failed");
    page(
        StatusCode::INTERNAL_SERVER_ERROR,
        "请稍后再试 · Please try again",
        "<p>出了点问题，请稍后再试。<br>Something went wrong on our side; please try again in a moment.</p>",
    )
}
