//! Layered configuration: defaults < `patron.toml` < `PATRON_*` environment (plus the contract's
//! unprefixed `DATABASE_URL` and `SMTP_URL`; nested keys use `__`, e.g. `PATRON_ANALYTICS__DOWNGRADE_GRACE_DAYS`).
//! Secrets are never logged.
use std::path::PathBuf;

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use jobs::analytics::AnalyticsConfig;
use jobs::outreach::sms::SmsConfig;
use jobs::outreach::wechat::WechatConfig;
use jobs::outreach::OutreachConfig;
use jobs::points::PointsConfig;
use jobs::surveys::SurveysConfig;
use jobs::tasks::TasksConfig;
use serde::{Deserialize, Serialize};

use crate::auth::idp::IdpConfig;
use crate::service::membership::TierBenefitsConfig;

#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    /// `sqlite://...` (embedded default) or `postgres://...`.
    pub database_url: String,
    /// Address the HTTP server binds.
    pub listen: String,
    /// Where the embedded default keeps its generated token secret and outbox.
    pub data_dir: PathBuf,
    /// HMAC secret for bearer tokens; generated into `data_dir` when unset.
    pub token_secret: Option<String>,
    pub token_ttl_hours: i64,
    /// Lifetime of the member tokens an app exchanges its key for (`issueMemberToken`).
    pub member_token_minutes: i64,
    /// The brand's identity provider, whose member tokens Patron accepts too.
    pub member_idp: IdpConfig,
    /// The points programme: earning rules and expiry.
    pub points: PointsConfig,
    /// The associates' work: the complaints' service level.
    pub tasks: TasksConfig,
    /// Satisfaction surveys: the scale, when they are asked, how long a link takes an answer.
    pub surveys: SurveysConfig,
    /// What each tier gives, as members' apps show it.
    pub tier_benefits: TierBenefitsConfig,
    /// The brand's time zone: analytics dates and defaults for new members.
    pub brand_time_zone: String,
    pub max_query_depth: usize,
    pub max_query_complexity: usize,
    pub max_body_bytes: usize,
    /// The reverse proxies in front of Patron, comma-separated IP addresses: only their
    /// `X-Forwarded-For` is believed, so the sign-in throttle sees the real client behind them.
    pub trusted_proxies: String,
    /// How many member lists, segment previews and counts may read the database at once; more
    /// wait their turn (see `http::list_reads`). Unset: 4 on PostgreSQL, 8 on SQLite.
    pub max_concurrent_list_reads: Option<usize>,
    /// Run the nightly jobs inside `patron serve` (every replica may: a lease keeps runs single).
    pub scheduler: bool,
    /// Cron expression (with seconds) of the nightly analytics run, in the brand time zone.
    pub analytics_schedule: String,
    /// Every default of the analytics run (see docs/concepts.md).
    pub analytics: AnalyticsConfig,
    /// Cron expression of the birthday, holiday and win-back jobs (they queue; re-runs are no-ops).
    pub outreach_schedule: String,
    /// Cron expression of the outbox dispatcher.
    pub outbox_schedule: String,
    /// Cron expression (with seconds) of starting the campaign occurrences that are due.
    pub campaigns_schedule: String,
    /// Every default of outreach (see docs/concepts.md); `SMTP_URL` sets `outreach.smtp_url`.
    pub outreach: OutreachConfig,
    /// The SMS provider (`PATRON_SMS__*`, see docs/channels.md); off until one is set.
    pub sms: SmsConfig,
    /// The WeChat Official Account and mini-program (`PATRON_WECHAT__*`); off until set.
    pub wechat: WechatConfig,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            database_url: "sqlite://patron.db?mode=rwc".to_owned(),
            listen: "127.0.0.1:8080".to_owned(),
            data_dir: PathBuf::from("."),
            token_secret: None,
            token_ttl_hours: 24 * 30,
            member_token_minutes: 60,
            member_idp: IdpConfig::default(),
            points: PointsConfig::default(),
            tasks: TasksConfig::default(),
            surveys: SurveysConfig::default(),
            tier_benefits: TierBenefitsConfig::default(),
            brand_time_zone: "Asia/Shanghai".to_owned(),
            max_query_depth: 10,
            max_query_complexity: 20_000,
            max_body_bytes: 64 * 1024,
            trusted_proxies: String::new(),
            max_concurrent_list_reads: None,
            scheduler: true,
            analytics_schedule: "0 0 2 * * *".to_owned(),
            analytics: AnalyticsConfig::default(),
            outreach_schedule: "0 5 * * * *".to_owned(),
            outbox_schedule: "*/20 * * * * *".to_owned(),
            campaigns_schedule: "30 * * * * *".to_owned(),
            outreach: OutreachConfig::default(),
            sms: SmsConfig::default(),
            wechat: WechatConfig::default(),
        }
    }
}

impl std::fmt::Debug for Settings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("database_url", &redact_url(&self.database_url))
            .field("listen", &self.listen)
            .field("data_dir", &self.data_dir)
            .field("token_secret", &self.token_secret.as_ref().map(|_| "<set>"))
            .field("brand_time_zone", &self.brand_time_zone)
            .field("smtp_url", &self.outreach.smtp_url.as_deref().map(redact_url))
            .field("sms", &self.sms)
            .field("wechat", &self.wechat)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// `trusted_proxies` as addresses.
    pub fn trusted_proxies(&self) -> anyhow::Result<Vec<std::net::IpAddr>> {
        let listed = self.trusted_proxies.split(',').map(str::trim).filter(|a| !a.is_empty());
        listed
            .map(|address| {
                address
                    .parse()
                    .map_err(|_| anyhow::anyhow!("PATRON_TRUSTED_PROXIES: {address:?} is not an IP address"))
            })
            .collect()
    }

    /// Reads the layered configuration.
    pub fn load() -> Result<Self, Box<figment::Error>> {
        Figment::from(Serialized::defaults(Settings::default()))
            .merge(Toml::file("patron.toml"))
            .merge(Env::prefixed("PATRON_").split("__"))
            .merge(Env::raw().only(&["DATABASE_URL"]))
            .merge(Env::raw().only(&["SMTP_URL"]).map(|_| "outreach.smtp_url".into()))
            .extract()
            .map_err(Box::new)
    }
}

/// Hides the password of a database URL for logs.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            format!("{}://***{}", &url[..scheme], &url[at..])
        }
        _ => url.to_owned(),
    }
}
