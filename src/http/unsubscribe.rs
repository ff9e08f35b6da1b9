//! One-click unsubscribe (RFC 8058): `GET /unsubscribe/{token}` shows a confirmation page (link
//! scanners fetch links, so a GET must not unsubscribe); `POST` unsubscribes at once, whether it
//! comes from the page's button or from a mail client's List-Unsubscribe-Post.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use jobs::outreach::links::{SignedLinks, PREVIEW_TOKEN};
use sea_orm::DatabaseConnection;

use crate::brand::Brand;
use crate::error::AppError;
use crate::service::outreach;

/// What the pages behind a message's links need: unsubscribe, preferences, confirmation,
/// surveys.
pub struct LinkPages {
    pub db: DatabaseConnection,
    pub brand: Brand,
    pub links: SignedLinks,
    /// How many days a survey's link takes an answer.
    pub survey_answer_days: u32,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/unsubscribe/{token}", web::get().to(confirm_page))
        .route("/unsubscribe/{token}", web::post().to(unsubscribe));
}

async fn confirm_page(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    let Some(member_id) = state.links.verify(&token) else {
        return invalid_link(&token);
    };
    page(
        StatusCode::OK,
        "退订邮件 · Unsubscribe",
        &format!(
            "<p>确定不再接收我们的营销邮件吗？<br>Stop receiving our marketing emails?</p>\
             <form method=\"post\" action=\"/unsubscribe/{token}\">\
             <button type=\"submit\">退订 · Unsubscribe</button></form>\
             <p><a href=\"/preferences/{token}\">想少收一些，或只收感兴趣的？订阅偏好 · \
             Rather get fewer, or only some? Your preferences</a></p>",
            // Issued again from the verified id: nothing from the request reaches the page.
            token = state.links.token(member_id)
        ),
    )
}

async fn unsubscribe(state: web::Data<LinkPages>, token: web::Path<String>) -> HttpResponse {
    let Some(member_id) = state.links.verify(&token) else {
        return invalid_link(&token);
    };
    match outreach::unsubscribe(&state.db, member_id).await {
        Ok(_) => page(
            StatusCode::OK,
            "已退订 · Unsubscribed",
            "<p>您已退订，我们不会再给您发送营销邮件。<br>You are unsubscribed: we will not send you marketing emails again.</p>",
        ),
        Err(AppError::NotFound(_)) => invalid_link(&token),
        Err(error) => {
            tracing::error!(?error, member_id, "unsubscribe failed");
            page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "请稍后再试 · Please try again",
                "<p>出了点问题，请稍后再试。<br>Something went wrong on our side; please try again in a moment.</p>",
            )
        }
    }
}

fn invalid_link(token: &str) -> HttpResponse {
    if token == PREVIEW_TOKEN {
        return page(
            StatusCode::BAD_REQUEST,
            "预览链接 · Preview link",
            "<p>这是预览或测试邮件中的退订链接，不会退订任何人。<br>This is the unsubscribe link of a preview or test email: it unsubscribes nobody.</p>",
        );
    }
    page(
        StatusCode::BAD_REQUEST,
        "链接无效 · Invalid link",
        "<p>这个退订链接无效，请使用邮件中的完整链接。<br>This unsubscribe link is not valid; use the whole link from the email.</p>",
    )
}

pub(super) fn page(status: StatusCode, title: &str, body: &str) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(format!(
            "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title>\
             <meta name=\"viewport\" content=\"width=device-width\"></head>\
             <body style=\"font-family:sans-serif;max-width:480px;margin:3em auto\"><h1>{title}</h1>{body}</body></html>"
        ))
}
