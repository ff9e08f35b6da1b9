//! WeChat: Official Account template messages and mini-program subscribe messages, sent with
//! an access token that replicas share (WeChat limits how often one may be fetched a day).
mod compose;
mod token;

use std::fmt;

use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::transport::{http_client, unanswered, Accepted, SendError};
use token::AccessToken;

/// `PATRON_WECHAT__*`. WeChat is off until `app_id` is set.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatConfig {
    /// The Official Account's AppID and AppSecret (template messages).
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub app_id: String,
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub app_secret: String,
    /// The mini-program's, when the brand has one (subscribe messages).
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub mini_app_id: String,
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub mini_app_secret: String,
    /// `https://api.weixin.qq.com` unless set (tests point it at a local stand-in).
    pub endpoint: String,
    /// Which mini-program build a subscribe message opens: `formal`, `trial` or `developer`.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub miniprogram_state: String,
    /// Requests in flight at once.
    pub connections: u32,
    pub timeout_seconds: u64,
}

impl Default for WechatConfig {
    fn default() -> Self {
        Self {
            app_id: String::new(),
            app_secret: String::new(),
            mini_app_id: String::new(),
            mini_app_secret: String::new(),
            endpoint: "https://api.weixin.qq.com".to_owned(),
            miniprogram_state: "formal".to_owned(),
            connections: 8,
            timeout_seconds: 10,
        }
    }
}

impl fmt::Debug for WechatConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &str| if s.is_empty() { "<unset>" } else { "<set>" };
        f.debug_struct("WechatConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &set(&self.app_secret))
            .field("mini_app_id", &self.mini_app_id)
            .field("mini_app_secret", &set(&self.mini_app_secret))
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

/// Which kind of WeChat message, and so which openid it goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WechatKind {
    /// An Official Account template message (`cgi-bin/message/template/send`), to the member's
    /// Official Account openid.
    Official,
    /// A mini-program subscribe message (`cgi-bin/message/subscribe/send`), to the member's
    /// mini-program openid.
    Subscribe,
}

/// One WeChat message to one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WechatMessage {
    pub openid: String,
    pub kind: WechatKind,
    pub template_id: String,
    /// Where a tap leads: a URL (template message) or a mini-program page (subscribe message).
    pub link: Option<String>,
    /// The template's fields (`thing1`, `time2`, …) and their values, in order.
    pub data: Vec<(String, String)>,
}

/// Sends WeChat messages.
pub struct Wechat {
    client: reqwest::Client,
    endpoint: String,
    miniprogram_state: String,
    /// The Official Account's token, when one is configured.
    official: Option<AccessToken>,
    /// The mini-program's token, when one is configured.
    mini_program: Option<AccessToken>,
}

/// What one post came to: WeChat's answer, or its refusal of the token it carried.
enum Posted {
    Answered(Result<Accepted, SendError>),
    TokenRefused(String),
}

/// WeChat's answer to a send: `errcode` 0 and the message id, or an error code.
#[derive(Deserialize)]
struct Answer {
    errcode: Option<i64>,
    #[serde(default)]
    errmsg: String,
    msgid: Option<Value>,
}

impl Wechat {
    /// None when no Official Account or mini-program is configured.
    pub fn new(config: &WechatConfig, db: DatabaseConnection) -> Result<Option<Self>, String> {
        if config.app_id.is_empty() && config.mini_app_id.is_empty() {
            return Ok(None);
        }
        let client = http_client(config.timeout_seconds, config.connections, "WeChat")?;
        let endpoint = config.endpoint.trim_end_matches('/').to_owned();
        let app = |app_id: &str, secret: &str, setting: &str| -> Result<Option<AccessToken>, String> {
            match (app_id.is_empty(), secret.is_empty()) {
                (true, _) => Ok(None),
                (false, true) => Err(format!("PATRON_WECHAT__{setting} is required with its app id")),
                (false, false) => Ok(Some(AccessToken::new(
                    app_id,
                    secret,
                    &endpoint,
                    client.clone(),
                    db.clone(),
                ))),
            }
        };
        Ok(Some(Self {
            official: app(&config.app_id, &config.app_secret, "APP_SECRET")?,
            mini_program: app(&config.mini_app_id, &config.mini_app_secret, "MINI_APP_SECRET")?,
            miniprogram_state: config.miniprogram_state.clone(),
            endpoint,
            client,
        }))
    }

    /// Whether messages of this kind can be sent (its app is configured).
    pub fn sends(&self, kind: WechatKind) -> bool {
        self.app_token(kind).is_some()
    }

    /// Sends one message with its app's token. A token WeChat calls invalid or expired is
    /// replaced once and the message sent once more.
    pub async fn send(&self, message: &WechatMessage) -> Result<Accepted, SendError> {
        let Some(tokens) = self.app_token(message.kind) else {
            return Err(SendError::Rejected(format!(
                "no WeChat app is configured for {:?} messages",
                message.kind
            )));
        };
        let (path, body) = compose::request(message, &self.miniprogram_state);
        let token = tokens.current().await?;
        let refusal = match self.post(path, &token, &body).await {
            Posted::Answered(answer) => return answer,
            Posted::TokenRefused(refusal) => refusal,
        };
        tracing::info!(%refusal, "WeChat refused its access token; replacing it");
        let token = tokens.replace(&token).await?;
        match self.post(path, &token, &body).await {
            Posted::Answered(answer) => answer,
            Posted::TokenRefused(refusal) => Err(SendError::Temporary(refusal)),
        }
    }

    /// The token of the app that sends messages of this kind, when it is configured.
    fn app_token(&self, kind: WechatKind) -> Option<&AccessToken> {
        match kind {
            WechatKind::Official => self.official.as_ref(),
            WechatKind::Subscribe => self.mini_program.as_ref(),
        }
    }

    async fn post(&self, path: &str, token: &str, body: &Value) -> Posted {
        let sent = self
            .client
            .post(format!("{}{path}", self.endpoint))
            .query(&[("access_token", token)])
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string())
            .send()
            .await;
        let response = match sent {
            Ok(response) => response,
            Err(err) => return Posted::Answered(Err(unanswered("WeChat", err))),
        };
        let status = response.status();
        match response.bytes().await {
            Ok(answer) => read_answer(status, &answer),
            Err(err) => Posted::Answered(Err(unanswered("WeChat", err))),
        }
    }
}

fn read_answer(status: StatusCode, body: &[u8]) -> Posted {
    let Some((errcode, answer)) = serde_json::from_slice::<Answer>(body)
        .ok()
        .and_then(|answer| Some((answer.errcode?, answer)))
    else {
        return Posted::Answered(Err(SendError::Temporary(format!(
            "WeChat answered HTTP {status} with no errcode"
        ))));
    };
    if errcode == 0 {
        return Posted::Answered(Ok(Accepted {
            provider_ref: answer.msgid.as_ref().and_then(message_id),
            parts: None,
        }));
    }
    classify(errcode, &answer.errmsg)
}

/// The msgid as text, whether WeChat sent it as a number or a string.
fn message_id(msgid: &Value) -> Option<String> {
    match msgid {
        Value::Number(number) => Some(number.to_string()),
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}

/// What a WeChat error code means for the message (the global return codes and the two send
/// APIs' own). A code not listed is retried, its text kept.
fn classify(errcode: i64, errmsg: &str) -> Posted {
    let text = format!("{errcode} {errmsg}");
    let failed = match errcode {
        // access_token invalid, invalid, expired.
        40001 | 40014 | 42001 => return Posted::TokenRefused(text),
        // Does not follow the Official Account; not subscribed to this template; blocked by
        // the account; an openid of another app; the member's WeChat account restricted.
        43004 | 43101 | 43019 | 40003 | 50002 => SendError::Refused(text),
        // Invalid template_id; arguments invalid (e.g. a value too long for its field); the app's
        // id or secret; the template or subscribe messages banned; sensitive words; the API not
        // granted to the account.
        40037 | 47003 | 40013 | 40125 | 43107 | 43116 | 45168 | 48001 => SendError::Rejected(text),
        // System busy, daily quota, minute quota, too many messages, too often to this openid.
        -1 | 45009 | 45011 | 45047 | 43117 => SendError::Temporary(text),
        _ => SendError::Temporary(text),
    };
    Posted::Answered(Err(failed))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    use super::token::tests::database;
    use super::*;
    use crate::outreach::sms::stub::Stub;

    fn config(endpoint: &str) -> WechatConfig {
        WechatConfig {
            app_id: "wx123".to_owned(),
            app_secret: "secret".to_owned(),
            endpoint: endpoint.to_owned(),
            ..WechatConfig::default()
        }
    }

    fn message(kind: WechatKind) -> WechatMessage {
        WechatMessage {
            openid: "oABC".to_owned(),
            kind,
            template_id: "tmpl".to_owned(),
            link: None,
            data: vec![("thing1".to_owned(), "生日快乐".to_owned())],
        }
    }

    fn kind_of(posted: Posted) -> &'static str {
        match posted {
            Posted::TokenRefused(_) => "token",
            Posted::Answered(Ok(_)) => "sent",
            Posted::Answered(Err(SendError::Temporary(_))) => "temporary",
            Posted::Answered(Err(SendError::Permanent(_))) => "permanent",
            Posted::Answered(Err(SendError::Refused(_))) => "refused",
            Posted::Answered(Err(SendError::Rejected(_))) => "rejected",
        }
    }

    #[test]
    fn error_codes_are_classified() {
        let cases = [
            (40001, "token"),
            (40014, "token"),
            (42001, "token"),
            (43004, "refused"),
            (43101, "refused"),
            (43019, "refused"),
            (40003, "refused"),
            (-1, "temporary"),
            (45009, "temporary"),
            (45047, "temporary"),
            (43100, "temporary"),
            (40037, "rejected"),
            (47003, "rejected"),
            (40013, "rejected"),
            (40125, "rejected"),
            (99999, "temporary"),
        ];
        for (errcode, expected) in cases {
            assert_eq!(kind_of(classify(errcode, "text")), expected, "{errcode}");
        }
    }

    #[test]
    fn answers_are_read() {
        let sent = read_answer(StatusCode::OK, br#"{"errcode":0,"errmsg":"ok","msgid":200228332}"#);
        assert!(matches!(sent, Posted::Answered(Ok(Accepted { provider_ref: Some(id), .. })) if id == "200228332"));
        let subscribed = read_answer(StatusCode::OK, br#"{"errcode":0,"errmsg":"ok"}"#);
        assert!(matches!(
            subscribed,
            Posted::Answered(Ok(Accepted { provider_ref: None, .. }))
        ));
        assert_eq!(kind_of(read_answer(StatusCode::BAD_GATEWAY, b"<html>")), "temporary");
        assert_eq!(
            kind_of(read_answer(
                StatusCode::OK,
                br#"{"errcode":43101,"errmsg":"user refuse to accept the msg"}"#
            )),
            "refused"
        );
    }

    #[tokio::test]
    async fn only_configured_apps_send() {
        let db = database().await;
        assert!(Wechat::new(&WechatConfig::default(), db.clone()).unwrap().is_none());
        let wechat = Wechat::new(&config("http://127.0.0.1:9"), db.clone()).unwrap().unwrap();
        assert!(wechat.sends(WechatKind::Official));
        assert!(!wechat.sends(WechatKind::Subscribe));
        assert!(matches!(
            wechat.send(&message(WechatKind::Subscribe)).await,
            Err(SendError::Rejected(_))
        ));
        let no_secret = WechatConfig {
            app_secret: String::new(),
            ..config("http://127.0.0.1:9")
        };
        assert!(Wechat::new(&no_secret, db).is_err());
    }

    /// A stub WeChat: tokens `T1`, `T2`, … in turn, each taking 100 ms; a send carrying `T1`,
    /// or any token when `always_refuse`, is refused as an invalid credential.
    async fn wechat_stub(always_refuse: bool) -> Stub {
        let issued = Arc::new(AtomicUsize::new(0));
        Stub::slow(Duration::from_millis(100), move |request| {
            if request.target.starts_with("/cgi-bin/token") {
                let n = issued.fetch_add(1, Ordering::SeqCst) + 1;
                return (200, format!(r#"{{"access_token":"T{n}","expires_in":7200}}"#));
            }
            if always_refuse || request.target.ends_with("access_token=T1") {
                (200, r#"{"errcode":40001,"errmsg":"invalid credential"}"#.to_owned())
            } else {
                (200, r#"{"errcode":0,"errmsg":"ok","msgid":42}"#.to_owned())
            }
        })
        .await
    }

    /// Sends from several processes meet the token's refusal at once: one refresh serves them
    /// all, and each message goes once more, with the new token.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_invalid_token_is_replaced_once_and_every_send_retried_with_the_new_one() {
        let stub = wechat_stub(false).await;
        let db = database().await;
        let processes: Vec<Arc<Wechat>> = (0..3)
            .map(|_| Arc::new(Wechat::new(&config(&stub.url), db.clone()).unwrap().unwrap()))
            .collect();
        let mut sends = Vec::new();
        for wechat in processes
            .iter()
            .flat_map(|wechat| [wechat.clone(), wechat.clone(), wechat.clone()])
        {
            sends.push(tokio::spawn(async move {
                wechat.send(&message(WechatKind::Official)).await
            }));
        }
        for send in sends {
            let answer = send.await.unwrap();
            assert_eq!(answer.unwrap().provider_ref.as_deref(), Some("42"));
        }
        assert_eq!(
            stub.requests_to("/cgi-bin/token").len(),
            2,
            "the first token, and one replacement"
        );
        let retried = stub.requests_to("/cgi-bin/message/template/send?access_token=T2");
        assert_eq!(retried.len(), 9);
        let body: Value = serde_json::from_str(&retried[0].body).unwrap();
        assert_eq!(
            body,
            serde_json::json!({"touser": "oABC", "template_id": "tmpl", "data": {"thing1": {"value": "生日快乐"}}})
        );
    }

    #[tokio::test]
    async fn a_token_refused_twice_is_a_temporary_failure() {
        let stub = wechat_stub(true).await;
        let wechat = Wechat::new(&config(&stub.url), database().await).unwrap().unwrap();
        let answer = wechat.send(&message(WechatKind::Official)).await;
        assert!(matches!(answer, Err(SendError::Temporary(text)) if text.starts_with("40001")));
        assert_eq!(stub.requests_to("/cgi-bin/token").len(), 2);
        assert_eq!(stub.requests_to("/cgi-bin/message/template/send").len(), 2);
    }
}
