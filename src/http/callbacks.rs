//! What SMS providers post back: delivery receipts and members' replies.
//!
//! `POST /callbacks/sms/{provider}/report` and `…/reply`, for the configured provider only.
//! Aliyun and Tencent do not sign their callbacks, so their URLs carry a shared secret
//! (`?token=`, `PATRON_SMS__CALLBACK_TOKEN`); Twilio signs its own (`X-Twilio-Signature`, with
//! the account's auth token over the URL it called). Callbacks are idempotent: a provider that
//! posts one twice changes nothing the second time.
use actix_web::{web, HttpRequest, HttpResponse};
use jobs::outreach::sms::{aliyun, tencent, twilio, Provider, Receipt, Reply, SmsConfig};
use sea_orm::DatabaseConnection;
use sha2::{Digest, Sha256};

use crate::service::outreach::receipts;

pub struct CallbackState {
    pub db: DatabaseConnection,
    pub sms: SmsConfig,
    /// This server's public URL: Twilio signs the URL it called.
    pub public_url: String,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.route("/callbacks/sms/{provider}/{kind}", web::post().to(sms_callback));
}

/// What a callback carries.
enum Posted {
    Receipts(Vec<Receipt>),
    Replies(Vec<Reply>),
}

async fn sms_callback(
    state: web::Data<CallbackState>,
    path: web::Path<(String, String)>,
    request: HttpRequest,
    body: web::Bytes,
) -> HttpResponse {
    let (provider, kind) = path.into_inner();
    let Some(configured) = state.sms.provider.filter(|p| p.as_str() == provider) else {
        return HttpResponse::NotFound().finish();
    };
    if !authentic(&state, configured, &request, &body) {
        tracing::warn!(provider, kind, "an SMS callback failed its check");
        return HttpResponse::Forbidden().finish();
    }
    let posted = match parse(configured, &kind, &body) {
        Ok(Some(posted)) => posted,
        Ok(None) => return HttpResponse::NotFound().finish(),
        Err(problem) => {
            tracing::warn!(provider, kind, problem, "an SMS callback could not be read");
            return HttpResponse::BadRequest().body(problem);
        }
    };
    let applied = match posted {
        Posted::Receipts(receipts) => receipts::apply_receipts(&state.db, &receipts)
            .await
            .map(|applied| tracing::info!(provider, ?applied, "delivery receipts"))
            .map_err(|err| err.to_string()),
        Posted::Replies(replies) => receipts::apply_replies(&state.db, &replies)
            .await
            .map(|opted_out| tracing::info!(provider, opted_out, "SMS replies"))
            .map_err(|err| err.message()),
    };
    match applied {
        // Told it failed, the provider posts again later: nothing is lost.
        Err(error) => {
            tracing::error!(provider, error, "an SMS callback could not be applied");
            HttpResponse::ServiceUnavailable().finish()
        }
        Ok(()) => answer(configured),
    }
}

/// Twilio's signature, or the shared secret in the URL (compared as hashes, in constant time
/// for the length that matters).
fn authentic(state: &CallbackState, provider: Provider, request: &HttpRequest, body: &[u8]) -> bool {
    if provider == Provider::Twilio {
        let url = format!("{}{}", state.public_url.trim_end_matches('/'), request.uri());
        let signature = request
            .headers()
            .get("X-Twilio-Signature")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        return twilio::verify(&state.sms.key_secret, &url, &form(body), signature);
    }
    let expected = &state.sms.callback_token;
    let given = web::Query::<std::collections::HashMap<String, String>>::from_query(request.query_string())
        .ok()
        .and_then(|q| q.get("token").cloned())
        .unwrap_or_default();
    !expected.is_empty() && Sha256::digest(given.as_bytes()) == Sha256::digest(expected.as_bytes())
}

/// A form-encoded body's fields, in order.
fn form(body: &[u8]) -> Vec<(String, String)> {
    let text = std::str::from_utf8(body).unwrap_or_default();
    web::Query::<Vec<(String, String)>>::from_query(text)
        .map(web::Query::into_inner)
        .unwrap_or_default()
}

fn parse(provider: Provider, kind: &str, body: &[u8]) -> Result<Option<Posted>, String> {
    Ok(Some(match (provider, kind) {
        (Provider::Aliyun, "report") => Posted::Receipts(aliyun::receipts(body)?),
        (Provider::Aliyun, "reply") => Posted::Replies(aliyun::replies(body)?),
        (Provider::Tencent, "report") => Posted::Receipts(tencent::receipts(body)?),
        (Provider::Tencent, "reply") => Posted::Replies(tencent::replies(body)?),
        (Provider::Twilio, "report") => Posted::Receipts(twilio::receipt(&form(body)).into_iter().collect()),
        (Provider::Twilio, "reply") => Posted::Replies(twilio::reply(&form(body)).into_iter().collect()),
        _ => return Ok(None),
    }))
}

/// The answer each provider expects, so it does not post again.
fn answer(provider: Provider) -> HttpResponse {
    match provider {
        Provider::Aliyun => HttpResponse::Ok()
            .content_type("application/json")
            .body(aliyun::CALLBACK_ANSWER),
        Provider::Tencent => HttpResponse::Ok()
            .content_type("application/json")
            .body(tencent::CALLBACK_ANSWER),
        Provider::Twilio => HttpResponse::Ok()
            .content_type("text/xml")
            .body("<Response></Response>"),
    }
}
