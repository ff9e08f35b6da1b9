//! WeChat: Official Account template messages and mini-program subscribe messages, sent with
//! an access token that replicas share (WeChat limits how often one may be fetched a day).
use std::fmt;

use sea_orm::DatabaseConnection;
use serde::{Deserialize, Serialize};

use super::transport::{Accepted, SendError};

/// `PATRON_WECHAT__*`. WeChat is off until `app_id` is set.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct WechatConfig {
    /// The Official Account's AppID and AppSecret (template messages).
    pub app_id: String,
    pub app_secret: String,
    /// The mini-program's, when the brand has one (subscribe messages).
    pub mini_app_id: String,
    pub mini_app_secret: String,
    /// `https://api.weixin.qq.com` unless set (tests point it at a local stand-in).
    pub endpoint: String,
    /// Which mini-program build a subscribe message opens: `formal`, `trial` or `developer`.
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
    config: WechatConfig,
    db: DatabaseConnection,
}

impl Wechat {
    /// None when no Official Account or mini-program is configured.
    pub fn new(config: &WechatConfig, db: DatabaseConnection) -> Result<Option<Self>, String> {
        if config.app_id.is_empty() && config.mini_app_id.is_empty() {
            return Ok(None);
        }
        Ok(Some(Self {
            config: config.clone(),
            db,
        }))
    }

    /// Whether messages of this kind can be sent (its app is configured).
    pub fn sends(&self, kind: WechatKind) -> bool {
        match kind {
            WechatKind::Official => !self.config.app_id.is_empty(),
            WechatKind::Subscribe => !self.config.mini_app_id.is_empty(),
        }
    }

    pub async fn send(&self, message: &WechatMessage) -> Result<Accepted, SendError> {
        let _ = (&self.db, message);
        Err(SendError::Rejected("not built yet".to_owned()))
    }
}
