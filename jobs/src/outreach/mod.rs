//! Delivery: the outbox and the dispatcher that claims its due rows, checks consent,
//! suppression, the daily cap and quiet hours, renders, sends and records each outcome; the
//! templates, the mailer and unsubscribing. It knows no campaign kind: what a message says comes
//! from its sender through [`content::Content`].
pub mod backlog;
pub mod claim;
pub mod config;
pub mod content;
pub mod dispatch;
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
pub mod unsubscribe;
pub mod wechat;

use std::path::PathBuf;

use lettre::message::Mailbox;

pub use config::OutreachConfig;
use mailer::Mailer;
use unsubscribe::UnsubscribeLinks;

/// What the outreach jobs share: configuration, the mailer and the unsubscribe link signer.
pub struct Outreach {
    pub config: OutreachConfig,
    pub mailer: Mailer,
    pub links: UnsubscribeLinks,
    pub from: Mailbox,
}

impl Outreach {
    /// `secret` signs unsubscribe links; `default_folder` takes .eml files when no SMTP server is
    /// configured.
    pub fn new(config: OutreachConfig, secret: &[u8], default_folder: PathBuf) -> Result<Self, String> {
        let from = config
            .from
            .parse()
            .map_err(|err| format!("the sender {:?} is not a valid mailbox: {err}", config.from))?;
        Ok(Self {
            mailer: Mailer::new(&config, default_folder)?,
            links: UnsubscribeLinks::new(secret, &config.public_url),
            from,
            config,
        })
    }
}
