//! Twilio Programmable Messaging: one message per `POST /2010-04-01/Accounts/{sid}/Messages.json`
//! (HTTP basic auth with the Account SID and Auth Token); the status callback and inbound
//! messages; and the `X-Twilio-Signature` check that proves a webhook came from Twilio.
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use reqwest::StatusCode;
use serde::Deserialize;
use sha1::Sha1;

use super::{e164, Receipt, Reply, Sms, SmsConfig};
use crate::outreach::transport::{unanswered, Accepted, SendError};

const PUBLIC_ENDPOINT: &str = "https://api.twilio.com";

/// Speaks to Twilio's REST API.
pub(super) struct Twilio {
    client: reqwest::Client,
    url: String,
    account_sid: String,
    auth_token: String,
    /// A phone number, or a Messaging Service SID (`MG…`).
    from: String,
    status_callback: String,
}

/// A created Message resource (HTTP 201).
#[derive(Deserialize)]
struct Created {
    sid: String,
    /// A string; `"0"` while a Messaging Service has not yet picked a sender.
    num_segments: Option<String>,
}

/// Twilio's error body.
#[derive(Default, Deserialize)]
struct Refusal {
    code: Option<i64>,
    #[serde(default)]
    message: String,
}

/// The sender as Twilio takes it: a Messaging Service SID as it is, a number in E.164 (the
/// environment may hand `+15005550006` over as the number 15005550006).
fn sender(from: &str) -> String {
    let from = from.trim();
    if from.bytes().all(|b| b.is_ascii_digit()) {
        format!("+{from}")
    } else {
        from.to_owned()
    }
}

impl Twilio {
    pub(super) fn new(config: &SmsConfig, client: reqwest::Client, status_callback: String) -> Result<Self, String> {
        super::require(&config.key_id, "KEY_ID", "Twilio")?;
        super::require(&config.key_secret, "KEY_SECRET", "Twilio")?;
        super::require(&config.from, "FROM", "Twilio")?;
        let endpoint = super::endpoint(config, PUBLIC_ENDPOINT);
        Ok(Self {
            client,
            url: format!("{endpoint}/2010-04-01/Accounts/{}/Messages.json", config.key_id),
            account_sid: config.key_id.clone(),
            auth_token: config.key_secret.clone(),
            from: sender(&config.from),
            status_callback,
        })
    }

    /// One request per message, one after the other (Twilio has no batch send).
    pub(super) async fn send_each(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        let mut answers = Vec::with_capacity(batch.len());
        for sms in batch {
            answers.push(self.send(sms).await);
        }
        answers
    }

    async fn send(&self, sms: &Sms) -> Result<Accepted, SendError> {
        let sender = if self.from.starts_with("MG") {
            "MessagingServiceSid"
        } else {
            "From"
        };
        let form = [
            ("To", e164(&sms.phone)),
            (sender, self.from.clone()),
            ("Body", sms.text.clone()),
            ("StatusCallback", self.status_callback.clone()),
        ];
        let response = self
            .client
            .post(&self.url)
            .basic_auth(&self.account_sid, Some(&self.auth_token))
            .form(&form)
            .send()
            .await
            .map_err(|err| unanswered("Twilio", err))?;
        let status = response.status();
        let body = response.bytes().await.map_err(|err| unanswered("Twilio", err))?;
        read_answer(status, &body)
    }
}

fn read_answer(status: StatusCode, body: &[u8]) -> Result<Accepted, SendError> {
    if status.is_success() {
        // Twilio took the message: even an unreadable answer must not send it again.
        let created = serde_json::from_slice::<Created>(body).ok();
        return Ok(Accepted {
            parts: created
                .as_ref()
                .and_then(|created| created.num_segments.as_deref()?.parse().ok())
                .filter(|&parts| parts > 0),
            provider_ref: created.map(|created| created.sid),
        });
    }
    let refusal: Refusal = serde_json::from_slice(body).unwrap_or_default();
    Err(classify(status.as_u16(), refusal.code, &refusal.message))
}

/// What Twilio's error code, or else the HTTP status, means for the message.
fn classify(status: u16, code: Option<i64>, message: &str) -> SendError {
    let text = match code {
        Some(code) => format!("{code} {message}"),
        None => format!("HTTP {status} {message}").trim_end().to_owned(),
    };
    match (code, status) {
        // Invalid 'To', unroutable, not a mobile, a landline: the number cannot take SMS.
        (Some(21211 | 21612 | 21614 | 21635), _) => SendError::Permanent(text),
        // The recipient replied STOP to this sender.
        (Some(21610), _) => SendError::Refused(text),
        (Some(20429), _) | (_, 408 | 429 | 500..=599) => SendError::Temporary(text),
        (Some(20003), _) | (_, 400..=499) => SendError::Rejected(text),
        _ => SendError::Temporary(text),
    }
}

/// `X-Twilio-Signature` for a webhook: Base64 of HMAC-SHA1, keyed with the Auth Token, of the
/// full URL Twilio called followed by each POST parameter's name and value, sorted by name.
#[cfg(test)]
fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    mac(auth_token, url, params)
        .map(|mac| STANDARD.encode(mac.finalize().into_bytes()))
        .unwrap_or_default()
}

/// Whether `header_value` is Twilio's signature of this request (compared in constant time).
pub fn verify(auth_token: &str, url: &str, params: &[(String, String)], header_value: &str) -> bool {
    let Ok(claimed) = STANDARD.decode(header_value.trim()) else {
        return false;
    };
    mac(auth_token, url, params).is_some_and(|mac| mac.verify_slice(&claimed).is_ok())
}

/// The MAC over the URL and the sorted parameters (a name given twice: its values sorted too).
/// HMAC takes keys of any length, so there is always one.
fn mac(auth_token: &str, url: &str, params: &[(String, String)]) -> Option<Hmac<Sha1>> {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut mac = Hmac::<Sha1>::new_from_slice(auth_token.as_bytes()).ok()?;
    mac.update(url.as_bytes());
    for (name, value) in sorted {
        mac.update(name.as_bytes());
        mac.update(value.as_bytes());
    }
    Some(mac)
}

/// The receipt in a status callback, once the message's fate is final: `delivered` (or `read`)
/// is delivered, `undelivered` and `failed` are not (with Twilio's ErrorCode); `queued`, `sending`,
/// `sent` and the rest are not final, so None.
pub fn receipt(params: &[(String, String)]) -> Option<Receipt> {
    let sid = param(params, "MessageSid")?;
    let status = param(params, "MessageStatus")?;
    let delivered = match status {
        "delivered" | "read" => true,
        "undelivered" | "failed" => false,
        _ => return None,
    };
    let detail = match param(params, "ErrorCode").filter(|code| !code.is_empty()) {
        Some(code) => format!("{status} {code}"),
        None => status.to_owned(),
    };
    Some(Receipt {
        provider_ref: sid.to_owned(),
        phone: param(params, "To").map(str::to_owned),
        delivered,
        detail,
    })
}

/// A member's message to the brand's number.
pub fn reply(params: &[(String, String)]) -> Option<Reply> {
    Some(Reply {
        phone: param(params, "From")?.to_owned(),
        text: param(params, "Body")?.to_owned(),
    })
}

fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::super::stub::Stub;
    use super::*;

    fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// The example of Twilio's "Webhooks security" page
    /// (https://www.twilio.com/docs/usage/webhooks/webhooks-security): Auth Token 12345, URL
    /// https://mycompany.com/myapp.php?foo=1&bar=2 and five POST parameters (given here out of
    /// order: the signature sorts them).
    #[test]
    fn reproduces_the_security_documentations_example() {
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        let params = pairs(&[
            ("To", "+18005551212"),
            ("CallSid", "CA1234567890ABCDE"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("Caller", "+12349013030"),
        ]);
        assert_eq!(signature("12345", url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(verify("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ"));
        assert!(!verify("12346", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!verify(
            "12345",
            "https://mycompany.com/myapp.php",
            &params,
            "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        ));
        assert!(!verify("12345", url, &params, "not base64!"));
    }

    #[test]
    fn error_codes_are_classified() {
        let cases = [
            (400, Some(21211), "permanent"),
            (400, Some(21614), "permanent"),
            (400, Some(21612), "permanent"),
            (400, Some(21610), "refused"),
            (429, Some(20429), "temporary"),
            (429, None, "temporary"),
            (503, None, "temporary"),
            (401, Some(20003), "rejected"),
            (400, Some(21606), "rejected"),
            (404, Some(20404), "rejected"),
        ];
        for (status, code, expected) in cases {
            let kind = match classify(status, code, "text") {
                SendError::Temporary(_) => "temporary",
                SendError::Permanent(_) => "permanent",
                SendError::Refused(_) => "refused",
                SendError::Rejected(_) => "rejected",
            };
            assert_eq!(kind, expected, "{status} {code:?}");
        }
    }

    #[test]
    fn only_final_statuses_make_receipts() {
        let callback = |status: &str, error: &str| {
            receipt(&pairs(&[
                ("MessageSid", "SM123"),
                ("MessageStatus", status),
                ("ErrorCode", error),
                ("To", "+14155552671"),
                ("From", "+15017122661"),
            ]))
        };
        assert_eq!(
            callback("delivered", ""),
            Some(Receipt {
                provider_ref: "SM123".to_owned(),
                phone: Some("+14155552671".to_owned()),
                delivered: true,
                detail: "delivered".to_owned(),
            })
        );
        let undelivered = callback("undelivered", "30003").unwrap();
        assert!(!undelivered.delivered);
        assert_eq!(undelivered.detail, "undelivered 30003");
        assert!(!callback("failed", "30008").unwrap().delivered);
        for status in ["queued", "sending", "sent", "accepted"] {
            assert_eq!(callback(status, ""), None, "{status}");
        }
        assert_eq!(
            reply(&pairs(&[
                ("From", "+14155552671"),
                ("Body", "STOP"),
                ("To", "+15017122661")
            ])),
            Some(Reply {
                phone: "+14155552671".to_owned(),
                text: "STOP".to_owned(),
            })
        );
        assert_eq!(reply(&pairs(&[("Body", "STOP")])), None);
    }

    fn sender(stub: &Stub, from: &str) -> Twilio {
        let config = SmsConfig {
            endpoint: Some(format!("{}/", stub.url)),
            key_id: "AC123".to_owned(),
            key_secret: "token".to_owned(),
            from: from.to_owned(),
            ..SmsConfig::default()
        };
        Twilio::new(
            &config,
            reqwest::Client::new(),
            "https://patron.example/callbacks/sms/twilio/report".to_owned(),
        )
        .unwrap()
    }

    fn sms(phone: &str) -> Sms {
        Sms {
            phone: phone.to_owned(),
            template_code: String::new(),
            params: Vec::new(),
            text: "Happy birthday! Reply STOP to opt out".to_owned(),
            reference: "birthday:7".to_owned(),
        }
    }

    #[tokio::test]
    async fn posts_the_message_with_basic_auth_and_reads_the_sid() {
        let stub = Stub::start(|request| match request.field("To").as_deref() {
            Some("+8613800000001") => (201, r#"{"sid":"SM1","status":"queued","num_segments":"2"}"#.to_owned()),
            _ => (
                400,
                r#"{"code":21610,"message":"Attempt to send to unsubscribed recipient","status":400}"#.to_owned(),
            ),
        })
        .await;
        let twilio = sender(&stub, "MG0123");
        let answers = twilio.send_each(&[sms("13800000001"), sms("+14155552671")]).await;
        assert_eq!(
            answers[0],
            Ok(Accepted {
                provider_ref: Some("SM1".to_owned()),
                parts: Some(2),
            })
        );
        assert!(matches!(&answers[1], Err(SendError::Refused(text)) if text.starts_with("21610")));
        let request = &stub.requests()[0];
        assert_eq!(request.target, "/2010-04-01/Accounts/AC123/Messages.json");
        assert_eq!(request.header("Authorization"), Some("Basic QUMxMjM6dG9rZW4="));
        assert_eq!(request.field("MessagingServiceSid").as_deref(), Some("MG0123"));
        assert_eq!(request.field("From"), None);
        assert_eq!(
            request.field("Body").as_deref(),
            Some("Happy birthday! Reply STOP to opt out")
        );
        assert_eq!(
            request.field("StatusCallback").as_deref(),
            Some("https://patron.example/callbacks/sms/twilio/report")
        );
        let plain = sender(&stub, "+15017122661");
        let _ = plain.send_each(&[sms("13800000001")]).await;
        assert_eq!(stub.requests()[2].field("From").as_deref(), Some("+15017122661"));
    }
}
