//! SMS: one sender for the configured provider (Aliyun, Tencent Cloud or Twilio), what a
//! message carries, and the provider-neutral rules (billed parts, opt-out words, numbers).
//!
//! Chinese providers send only templates approved at the provider: a message names the
//! provider's template code and fills its named parameters; `text` is the same message as the
//! member reads it (sign name, body, opt-out), which Twilio sends as it is and the console counts.
use std::fmt;

use serde::{Deserialize, Serialize};

use super::transport::{Accepted, SendError};

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

/// `PATRON_SMS__*`. SMS is off until `provider` is set.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SmsConfig {
    pub provider: Option<Provider>,
    /// The provider's API base URL; each provider's public one when unset (tests point it at a
    /// local stand-in).
    pub endpoint: Option<String>,
    /// Aliyun AccessKey ID, Tencent SecretId, or Twilio Account SID.
    pub key_id: String,
    /// Aliyun AccessKey secret, Tencent SecretKey, or Twilio Auth Token.
    pub key_secret: String,
    /// Aliyun `RegionId` / Tencent `X-TC-Region`; the provider's default when empty.
    pub region: String,
    /// Tencent `SmsSdkAppId`.
    pub sdk_app_id: String,
    /// The sign name approved at the provider (shown as 【sign name】 before every message).
    pub sign_name: String,
    /// Twilio's sender: a phone number, or a Messaging Service SID (`MG…`).
    pub from: String,
    /// What marketing messages end with, as the provider requires.
    pub opt_out_text: String,
    /// The shared secret in the callback URLs of providers that do not sign their callbacks
    /// (Aliyun, Tencent): `/callbacks/sms/{provider}/{kind}?token=…`.
    pub callback_token: String,
    /// Requests in flight at once.
    pub connections: u32,
    pub timeout_seconds: u64,
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

/// Sends through the configured provider.
pub struct SmsSender {
    config: SmsConfig,
    provider: Provider,
    /// Where Twilio posts status callbacks.
    status_callback: String,
}

impl SmsSender {
    /// None when no provider is configured; `public_url` is this server's, for callbacks.
    pub fn new(config: &SmsConfig, public_url: &str) -> Result<Option<Self>, String> {
        let Some(provider) = config.provider else {
            return Ok(None);
        };
        Ok(Some(Self {
            config: config.clone(),
            provider,
            status_callback: format!("{}/callbacks/sms/twilio/status", public_url.trim_end_matches('/')),
        }))
    }

    pub fn provider(&self) -> Provider {
        self.provider
    }

    /// What marketing messages end with, as the provider requires.
    pub fn opt_out_text(&self) -> &str {
        &self.config.opt_out_text
    }

    /// The sign name the provider puts before every message.
    pub fn sign_name(&self) -> &str {
        &self.config.sign_name
    }

    /// The most messages one request may carry (all with the same template).
    pub fn batch_limit(&self) -> usize {
        match self.provider {
            Provider::Aliyun => 100,
            Provider::Tencent => 200,
            Provider::Twilio => 1,
        }
    }

    /// Sends up to `batch_limit` messages sharing one template in one request: one answer per
    /// message, in order.
    pub async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        let _ = (&self.config, &self.status_callback);
        batch
            .iter()
            .map(|_| Err(SendError::Rejected("not built yet".to_owned())))
            .collect()
    }
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
}
