//! Delivery: the outbox and the dispatcher that claims its due rows, picks each member's
//! channel, checks consent, suppression, the daily cap and quiet hours, renders, sends (by
//! email, SMS or WeChat) and records each outcome; the templates, the senders and
//! unsubscribing. It knows no campaign kind: what a message says comes from its sender through
//! [`content::Content`].
pub mod backlog;
pub mod channel_template;
pub mod claim;
pub mod config;
pub mod content;
mod deliver;
pub mod dispatch;
pub mod links;
pub mod mailer;
pub mod outbox;
pub mod reach;
pub mod recipient;
pub mod recorder;
pub mod sms;
pub mod smtp;
pub mod suppression;
pub mod template;
pub mod transport;
pub mod wechat;

use std::path::PathBuf;

use lettre::message::Mailbox;
use sea_orm::DatabaseConnection;
use tokio::sync::Semaphore;

pub use config::OutreachConfig;
use links::SignedLinks;
use mailer::Mailer;
use sms::{SmsConfig, SmsSender};
use wechat::{Wechat, WechatConfig};

/// What the outreach jobs share: configuration, the senders of each channel and the signer of
/// the links messages carry.
pub struct Outreach {
    pub config: OutreachConfig,
    pub mailer: Mailer,
    /// One per SMTP connection: a send holds it until its outcome is recorded.
    email_slots: Semaphore,
    /// None until an SMS provider is configured.
    pub sms: Option<Bounded<SmsSender>>,
    /// None until an Official Account or a mini-program is configured.
    pub wechat: Option<Bounded<Wechat>>,
    pub links: SignedLinks,
    pub from: Mailbox,
}

/// A provider's sender with the requests it may have in flight at once.
pub struct Bounded<S> {
    pub sender: S,
    /// One per connection: a request holds it until its outcome is recorded.
    slots: Semaphore,
    connections: usize,
}

impl<S> Bounded<S> {
    fn new(sender: S, connections: u32) -> Self {
        let connections = usize::try_from(connections.max(1)).unwrap_or(1);
        Self {
            sender,
            slots: Semaphore::new(connections),
            connections,
        }
    }
}

impl Outreach {
    /// `secret` signs the links messages carry; `default_folder` takes .eml files when no SMTP server is
    /// configured; WeChat keeps its access token in `db`.
    pub fn new(
        config: OutreachConfig,
        sms: &SmsConfig,
        wechat: &WechatConfig,
        db: DatabaseConnection,
        secret: &[u8],
        default_folder: PathBuf,
    ) -> Result<Self, String> {
        let from = config
            .from
            .parse()
            .map_err(|err| format!("the sender {:?} is not a valid mailbox: {err}", config.from))?;
        let smtp = usize::try_from(config.smtp_connections.max(1)).unwrap_or(1);
        Ok(Self {
            mailer: Mailer::new(&config, default_folder)?,
            email_slots: Semaphore::new(smtp),
            sms: SmsSender::new(sms, &config.public_url)?.map(|s| Bounded::new(s, sms.connections)),
            wechat: Wechat::new(wechat, db)?.map(|w| Bounded::new(w, wechat.connections)),
            links: SignedLinks::new(secret, &config.public_url),
            from,
            config,
        })
    }

    /// The slots of a channel's connections.
    fn slots(&self, channel: entity::vocabulary::Channel) -> &Semaphore {
        use entity::vocabulary::Channel;
        match (channel, &self.sms, &self.wechat) {
            (Channel::Sms, Some(sms), _) => &sms.slots,
            (Channel::Wechat, _, Some(wechat)) => &wechat.slots,
            _ => &self.email_slots,
        }
    }

    /// An email from the brand's sender, its parts 8bit where the mail server takes them.
    pub fn compose_email(&self, email: &mailer::Outgoing<'_>) -> Result<mailer::Email, String> {
        mailer::compose(&self.from, email, self.mailer.takes_eight_bit())
    }

    /// Requests in flight at once, all channels together.
    fn in_flight(&self) -> usize {
        let smtp = usize::try_from(self.config.smtp_connections.max(1)).unwrap_or(1);
        smtp + self.sms.as_ref().map_or(0, |c| c.connections) + self.wechat.as_ref().map_or(0, |c| c.connections)
    }
}
