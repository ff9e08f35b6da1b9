//! SMS: one sender for the configured provider (Aliyun, Tencent Cloud or Twilio), what a
//! message carries, and the provider-neutral rules (billed parts, opt-out words, numbers).
//!
//! Chinese providers send only templates approved at the provider: a message names the
//! provider's template code and fills its named parameters; `text` is the same message as the
//! member reads it (sign name, body, opt-out), which Twilio sends as it is and the console counts.
pub mod aliyun;
pub mod tencent;
pub mod twilio;

use std::fmt;

use serde::{Deserialize, Serialize};

use super::transport::{http_client, Accepted, SendError};

/// The SMS providers Patron speaks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Provider {
    /// Alibaba Cloud SMS (dysmsapi `SendSms` / `SendBatchSms`, RPC signature).
    Aliyun,
    /// Tencent Cloud SMS (`SendSms` 2021-01-11, TC3-HMAC-SHA256).
    Tencent,
    /// Twilio Programmable Messaging (REST, HTTP basic auth).
    Twilio,
}

impl Provider {
    /// As configured (`PATRON_SMS__PROVIDER`) and as its callback URLs name it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Aliyun => "aliyun",
            Self::Tencent => "tencent",
            Self::Twilio => "twilio",
        }
    }
}

/// `PATRON_SMS__*`. SMS is off until `provider` is set.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    pub provider: Option<Provider>,
    /// The provider's API base URL; each provider's public one when unset (tests point it at a
    /// local stand-in).
    pub endpoint: Option<String>,
    /// Aliyun AccessKey ID, Tencent SecretId, or Twilio Account SID.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub key_id: String,
    /// Aliyun AccessKey secret, Tencent SecretKey, or Twilio Auth Token.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub key_secret: String,
    /// Aliyun `RegionId` / Tencent `X-TC-Region`; the provider's default when empty.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub region: String,
    /// Tencent `SmsSdkAppId`.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub sdk_app_id: String,
    /// The sign name approved at the provider (shown as 【sign name】 before every message).
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub sign_name: String,
    /// Twilio's sender: a phone number, or a Messaging Service SID (`MG…`).
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub from: String,
    /// What marketing messages end with, as the provider requires.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub opt_out_text: String,
    /// The shared secret in the callback URLs of providers that do not sign their callbacks
    /// (Aliyun, Tencent): `/callbacks/sms/{provider}/{kind}?token=…`.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub callback_token: String,
    /// Requests in flight at once.
    pub connections: u32,
    pub timeout_seconds: u64,
    /// What one billed part costs, in the brand's currency (e.g. `0.045`), for the reports'
    /// cost estimate; empty: no estimate.
    #[serde(deserialize_with = "crate::outreach::config::text")]
    pub price_per_part: String,
}

impl Default for SmsConfig {
    fn default() -> Self {
        Self {
            provider: None,
            endpoint: None,
            key_id: String::new(),
            key_secret: String::new(),
            region: String::new(),
            sdk_app_id: String::new(),
            sign_name: String::new(),
            from: String::new(),
            opt_out_text: "拒收请回复R".to_owned(),
            callback_token: String::new(),
            connections: 8,
            timeout_seconds: 10,
            price_per_part: String::new(),
        }
    }
}

impl fmt::Debug for SmsConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &str| if s.is_empty() { "<unset>" } else { "<set>" };
        f.debug_struct("SmsConfig")
            .field("provider", &self.provider)
            .field("endpoint", &self.endpoint)
            .field("key_id", &self.key_id)
            .field("key_secret", &set(&self.key_secret))
            .field("region", &self.region)
            .field("sdk_app_id", &self.sdk_app_id)
            .field("sign_name", &self.sign_name)
            .field("from", &self.from)
            .field("callback_token", &set(&self.callback_token))
            .finish_non_exhaustive()
    }
}

/// One SMS to one number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sms {
    /// As Patron stores it: E.164 (`+8613812345678`) or a mainland mobile (`13812345678`).
    pub phone: String,
    /// The provider's approved template (Aliyun `SMS_…`, Tencent's numeric id); unused by Twilio.
    pub template_code: String,
    /// The template's parameters by name, in the template's order (Tencent's are positional).
    pub params: Vec<(String, String)>,
    /// The whole message as the member reads it.
    pub text: String,
    /// The outbox row's dedupe key (Aliyun `OutId`, Tencent `SessionContext`).
    pub reference: String,
}

/// A delivery receipt: the provider's word on whether a sent message reached the phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Receipt {
    /// The id `Accepted::provider_ref` recorded.
    pub provider_ref: String,
    /// The number it was for, as the provider gives it (Aliyun shares one BizId across a batch).
    pub phone: Option<String>,
    pub delivered: bool,
    /// The provider's status code and text, e.g. `DELIVERED 用户接收成功`.
    pub detail: String,
}

/// A member's reply to the brand's number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub phone: String,
    pub text: String,
}

/// Why a whole provider request failed: the provider's code (empty when it gave none), which
/// tells whether one number is to blame, and what it means.
struct Failure {
    code: String,
    error: SendError,
}

impl Failure {
    fn without_code(error: SendError) -> Self {
        Self {
            code: String::new(),
            error,
        }
    }
}

/// Sends through the configured provider.
pub struct SmsSender {
    api: Api,
    sign_name: String,
    opt_out_text: String,
    price_per_part: Option<rust_decimal::Decimal>,
}

/// The configured provider's client.
enum Api {
    Aliyun(aliyun::Aliyun),
    Tencent(tencent::Tencent),
    Twilio(twilio::Twilio),
}

impl SmsSender {
    /// None when no provider is configured; `public_url` is this server's, for callbacks.
    pub fn new(config: &SmsConfig, public_url: &str) -> Result<Option<Self>, String> {
        let Some(provider) = config.provider else {
            return Ok(None);
        };
        let client = http_client(config.timeout_seconds, config.connections, "SMS")?;
        let api = match provider {
            Provider::Aliyun => Api::Aliyun(aliyun::Aliyun::new(config, client)?),
            Provider::Tencent => Api::Tencent(tencent::Tencent::new(config, client)?),
            Provider::Twilio => {
                let status_callback = format!(
                    "{}/callbacks/sms/{}/report",
                    public_url.trim_end_matches('/'),
                    provider.as_str()
                );
                Api::Twilio(twilio::Twilio::new(config, client, status_callback)?)
            }
        };
        Ok(Some(Self {
            api,
            sign_name: config.sign_name.clone(),
            opt_out_text: config.opt_out_text.clone(),
            price_per_part: price(&config.price_per_part)?,
        }))
    }

    pub fn provider(&self) -> Provider {
        match self.api {
            Api::Aliyun(_) => Provider::Aliyun,
            Api::Tencent(_) => Provider::Tencent,
            Api::Twilio(_) => Provider::Twilio,
        }
    }

    /// What one billed part costs, if the brand said.
    pub fn price_per_part(&self) -> Option<rust_decimal::Decimal> {
        self.price_per_part
    }

    /// The sign name the provider puts before every message.
    pub fn sign_name(&self) -> &str {
        &self.sign_name
    }

    /// What marketing messages end with, as the provider requires.
    pub fn opt_out_text(&self) -> &str {
        &self.opt_out_text
    }

    /// Whether two messages can go in one request: the same template, and for Tencent the same
    /// parameters and the same side of the mainland border.
    pub fn share_request(&self, a: &Sms, b: &Sms) -> bool {
        a.template_code == b.template_code && (self.provider() != Provider::Tencent || tencent::share_request(a, b))
    }

    /// The most messages one request may carry (all with the same template).
    pub fn batch_limit(&self) -> usize {
        match self.provider() {
            Provider::Aliyun => 100,
            Provider::Tencent => 200,
            Provider::Twilio => 1,
        }
    }

    /// Sends up to `batch_limit` messages sharing one template in one request: one answer per
    /// message, in order, with the parts billed (counted from the text where the provider does
    /// not say). A longer batch goes in several requests, one after the other.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        let answers = self.send_by_provider(batch).await;
        let counted = batch.iter().map(|sms| i32::try_from(billed_parts(&sms.text)).ok());
        answers
            .into_iter()
            .zip(counted)
            .map(|(answer, parts)| {
                answer.map(|accepted| Accepted {
                    parts: accepted.parts.or(parts),
                    ..accepted
                })
            })
            .collect()
    }

    async fn send_by_provider(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        let mut answers = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(self.batch_limit()) {
            let chunk_answers = match &self.api {
                Api::Aliyun(aliyun) => aliyun.send(chunk).await,
                Api::Tencent(tencent) => tencent.send(chunk).await,
                Api::Twilio(twilio) => twilio.send_each(chunk).await,
            };
            answers.extend(chunk_answers);
        }
        answers
    }
}

fn price(text: &str) -> Result<Option<rust_decimal::Decimal>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("PATRON_SMS__PRICE_PER_PART {text:?} is not an amount"))
}

/// The provider's base URL, without a trailing slash.
fn endpoint(config: &SmsConfig, public: &str) -> String {
    config
        .endpoint
        .as_deref()
        .filter(|endpoint| !endpoint.is_empty())
        .unwrap_or(public)
        .trim_end_matches('/')
        .to_owned()
}

/// The configured value, or the provider's default when it is empty.
fn or_default(value: &str, default: &str) -> String {
    if value.is_empty() { default } else { value }.to_owned()
}

/// Refuses a configuration that leaves out what every request needs.
fn require(value: &str, setting: &str, provider: &str) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("PATRON_SMS__{setting} is required for {provider}"));
    }
    Ok(())
}

/// Parts a provider bills for `text`: 70 characters fit one message, longer ones go in parts of
/// 67 (the rest of each part carries the joining header). Counted in characters, as Chinese
/// providers count (a Chinese character, a letter and a sign-name bracket are one each).
pub fn billed_parts(text: &str) -> u32 {
    let chars = u32::try_from(text.chars().count()).unwrap_or(u32::MAX);
    if chars <= 70 {
        1
    } else {
        chars.div_ceil(67)
    }
}

/// Whether a member's reply withdraws SMS consent: TD, T, R, N, STOP, UNSUBSCRIBE, 退订 or 取消
/// (any case, surrounding spaces and punctuation ignored).
pub fn is_opt_out(reply: &str) -> bool {
    let word: String = reply
        .trim()
        .trim_matches(|c: char| c.is_ascii_punctuation() || "。！，".contains(c))
        .to_uppercase();
    ["TD", "T", "R", "N", "STOP", "UNSUBSCRIBE", "退订", "取消", "拒收"].contains(&word.as_str())
}

/// `phone` in E.164: a mainland mobile typed without its country code gets `+86`.
pub fn e164(phone: &str) -> String {
    if phone.starts_with('+') {
        phone.to_owned()
    } else {
        format!("+86{phone}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_setting_keeps_the_digits_the_environment_gives_as_a_number() {
        let given = r#"{"provider": "aliyun", "key_id": 1, "key_secret": 2, "region": 3, "sdk_app_id": 4,
            "sign_name": 5, "from": 6, "opt_out_text": 7, "callback_token": 12345678}"#;
        let config: SmsConfig = serde_json::from_str(given).unwrap();
        assert_eq!(config.callback_token, "12345678");
        assert_eq!((config.key_id.as_str(), config.sdk_app_id.as_str()), ("1", "4"));
    }

    #[test]
    fn seventy_characters_are_one_part_and_longer_texts_go_in_parts_of_sixty_seven() {
        assert_eq!(billed_parts(""), 1);
        assert_eq!(billed_parts(&"生".repeat(70)), 1);
        assert_eq!(billed_parts(&"生".repeat(71)), 2);
        assert_eq!(billed_parts(&"a".repeat(134)), 2);
        assert_eq!(billed_parts(&"a".repeat(135)), 3);
    }

    #[test]
    fn opt_out_words_in_any_case_and_nothing_else() {
        for word in ["TD", "td", " T ", "r", "STOP", "Stop.", "退订", "取消！"] {
            assert!(is_opt_out(word), "{word}");
        }
        for word in ["", "thanks", "TDD", "退订了吗我想问一下", "好的"] {
            assert!(!is_opt_out(word), "{word}");
        }
    }

    #[test]
    fn mainland_numbers_get_their_country_code() {
        assert_eq!(e164("13812345678"), "+8613812345678");
        assert_eq!(e164("+14155552671"), "+14155552671");
    }

    #[test]
    fn a_provider_needs_its_credentials() {
        assert!(SmsSender::new(&SmsConfig::default(), "https://patron.example")
            .unwrap()
            .is_none());
        let tencent = SmsConfig {
            provider: Some(Provider::Tencent),
            key_id: "id".to_owned(),
            key_secret: "secret".to_owned(),
            ..SmsConfig::default()
        };
        let refused = SmsSender::new(&tencent, "https://patron.example").err().unwrap();
        assert!(refused.contains("PATRON_SMS__SDK_APP_ID"), "{refused}");
    }

    /// Twilio takes one message a request: a batch is sent message by message, in order.
    #[tokio::test]
    async fn a_sender_answers_each_message_of_a_batch_in_order() {
        let stub = stub::Stub::start(|request| {
            let to = request.field("To").unwrap_or_default();
            (201, format!(r#"{{"sid":"SM{to}","num_segments":"1"}}"#))
        })
        .await;
        let config = SmsConfig {
            provider: Some(Provider::Twilio),
            endpoint: Some(stub.url.clone()),
            key_id: "AC1".to_owned(),
            key_secret: "token".to_owned(),
            from: "+15017122661".to_owned(),
            ..SmsConfig::default()
        };
        let sender = SmsSender::new(&config, "https://patron.example/").unwrap().unwrap();
        assert_eq!(sender.provider(), Provider::Twilio);
        let sms = |phone: &str| Sms {
            phone: phone.to_owned(),
            template_code: String::new(),
            params: Vec::new(),
            text: "hello".to_owned(),
            reference: phone.to_owned(),
        };
        let answers = sender.send(&[sms("+14155550001"), sms("13800000002")]).await;
        let sids: Vec<Option<String>> = answers.into_iter().map(|answer| answer.unwrap().provider_ref).collect();
        assert_eq!(
            sids,
            [Some("SM+14155550001".to_owned()), Some("SM+8613800000002".to_owned())]
        );
        assert_eq!(
            stub.requests()[0].field("StatusCallback").as_deref(),
            Some("https://patron.example/callbacks/sms/twilio/report")
        );
    }
}

/// A canned HTTP server for the providers' tests (SMS and WeChat): it records each request and
/// answers with whatever the test's function returns, on a port of its own.
#[cfg(test)]
pub(crate) mod stub {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use super::Sms;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    /// A request as the stub received it.
    #[derive(Clone, Debug)]
    pub(crate) struct Request {
        /// Path and query, as on the request line.
        pub target: String,
        pub headers: Vec<(String, String)>,
        pub body: String,
    }

    impl Request {
        pub(crate) fn header(&self, name: &str) -> Option<&str> {
            self.headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        }

        /// The body read as an HTML form.
        pub(crate) fn form(&self) -> Vec<(String, String)> {
            url::form_urlencoded::parse(self.body.as_bytes()).into_owned().collect()
        }

        pub(crate) fn field(&self, name: &str) -> Option<String> {
            self.form()
                .into_iter()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value)
        }
    }

    /// A birthday SMS to `phone` for `name`, under the provider's `template_code`.
    pub(crate) fn birthday_sms(phone: &str, name: &str, template_code: &str) -> Sms {
        Sms {
            phone: phone.to_owned(),
            template_code: template_code.to_owned(),
            params: vec![("name".to_owned(), name.to_owned())],
            text: format!("【品牌】{name}，生日快乐"),
            reference: format!("birthday:{phone}"),
        }
    }

    type Answer = dyn Fn(&Request) -> (u16, String) + Send + Sync;

    pub(crate) struct Stub {
        pub url: String,
        requests: Arc<Mutex<Vec<Request>>>,
    }

    impl Stub {
        pub(crate) async fn start(answer: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static) -> Stub {
            Self::slow(Duration::ZERO, answer).await
        }

        /// Answers each request after `delay`, so that concurrent callers overlap.
        pub(crate) async fn slow(
            delay: Duration,
            answer: impl Fn(&Request) -> (u16, String) + Send + Sync + 'static,
        ) -> Stub {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let url = format!("http://{}", listener.local_addr().unwrap());
            let requests = Arc::new(Mutex::new(Vec::new()));
            let answer: Arc<Answer> = Arc::new(answer);
            let recorded = requests.clone();
            tokio::spawn(async move {
                while let Ok((stream, _)) = listener.accept().await {
                    tokio::spawn(serve(stream, delay, answer.clone(), recorded.clone()));
                }
            });
            Stub { url, requests }
        }

        pub(crate) fn requests(&self) -> Vec<Request> {
            self.requests.lock().unwrap().clone()
        }

        /// The requests whose path starts with `prefix`.
        pub(crate) fn requests_to(&self, prefix: &str) -> Vec<Request> {
            self.requests()
                .into_iter()
                .filter(|request| request.target.starts_with(prefix))
                .collect()
        }
    }

    /// One request per connection: the answer says `Connection: close`.
    async fn serve(mut stream: TcpStream, delay: Duration, answer: Arc<Answer>, requests: Arc<Mutex<Vec<Request>>>) {
        let Some(request) = read(&mut stream).await else {
            return;
        };
        requests.lock().unwrap().push(request.clone());
        tokio::time::sleep(delay).await;
        let (status, body) = answer(&request);
        let head = format!(
            "HTTP/1.1 {status} Canned\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes()).await;
        let _ = stream.write_all(body.as_bytes()).await;
        let _ = stream.shutdown().await;
    }

    async fn read(stream: &mut TcpStream) -> Option<Request> {
        let mut bytes = Vec::new();
        let mut buffer = [0u8; 4096];
        let head_end = loop {
            if let Some(at) = bytes.windows(4).position(|window| window == b"\r\n\r\n") {
                break at;
            }
            let read = stream.read(&mut buffer).await.ok()?;
            if read == 0 {
                return None;
            }
            bytes.extend_from_slice(&buffer[..read]);
        };
        let head = String::from_utf8_lossy(&bytes[..head_end]).into_owned();
        let mut lines = head.split("\r\n");
        let target = lines.next()?.split(' ').nth(1)?.to_owned();
        let headers: Vec<(String, String)> = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
            .collect();
        let length: usize = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, value)| value.parse().ok())
            .unwrap_or(0);
        let mut body = bytes[head_end + 4..].to_vec();
        while body.len() < length {
            let read = stream.read(&mut buffer).await.ok()?;
            if read == 0 {
                break;
            }
            body.extend_from_slice(&buffer[..read]);
        }
        Some(Request {
            target,
            headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        })
    }
}
