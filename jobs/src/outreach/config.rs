//! Every default of outreach (see docs/concepts.md), as configuration.
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct OutreachConfig {
    /// `smtp://host:port` (`?tls=required` for STARTTLS) or `smtps://…`; user and password in the
    /// URL. When unset, emails are written as .eml files to `outbox_dir`.
    pub smtp_url: Option<String>,
    /// Where .eml files go without SMTP; the server sets `<data dir>/outbox` when unset.
    pub outbox_dir: Option<PathBuf>,
    /// Sender mailbox; its domain also names the Message-IDs.
    pub from: String,
    /// The brand's name as templates show it.
    pub brand_name: String,
    /// Public base URL of this server, for unsubscribe links.
    pub public_url: String,
    /// SMTP connections (and messages in flight) per dispatcher.
    pub smtp_connections: u32,
    pub smtp_timeout_seconds: u64,
    /// Outbox rows claimed per round trip.
    pub batch_size: u32,
    /// How long a dispatcher's claims outlive it: the rows of a dispatcher that died are sent
    /// again after this (a live one keeps renewing them every quarter of it).
    pub claim_seconds: u64,
    /// Backoff after a temporary failure: base × 2^(attempt-1), capped.
    pub retry_base_seconds: u64,
    pub retry_max_seconds: u64,
    /// A row still failing temporarily this long after it was due is given up.
    pub give_up_hours: u64,
    /// Local hour at which scheduled emails are sent.
    pub send_hour: u32,
    /// Local hours in which no scheduled email is sent: from `quiet_start_hour` to `quiet_end_hour`.
    pub quiet_start_hour: u32,
    pub quiet_end_hour: u32,
    /// Marketing emails per member per 24 hours, all kinds together.
    pub daily_cap: u32,
    /// Birthday emails go this many days before the birthday.
    pub birthday_days_early: u32,
    /// Holiday emails go this many days before the holiday (a holiday may set its own).
    pub holiday_days_before: u32,
    /// Days between two win-back emails (or calls) to one member.
    pub winback_cooldown_days: u32,
    /// Win-back is for lapsed members who bought at least this often.
    pub winback_min_orders: u32,
    /// The reminder of a coupon about to lapse goes this many days before its last day.
    pub coupon_notice_days_before: u32,
    /// Double opt-in: email consent given in the app, in store or on the preference page takes
    /// effect once the member confirms it from the link emailed to them (imports bring consent
    /// the brand already holds).
    pub double_opt_in: bool,
}

impl Default for OutreachConfig {
    fn default() -> Self {
        Self {
            smtp_url: None,
            outbox_dir: None,
            from: "Patron <hello@patron.localhost>".to_owned(),
            brand_name: "Patron".to_owned(),
            public_url: "http://127.0.0.1:8080".to_owned(),
            smtp_connections: 20,
            smtp_timeout_seconds: 30,
            batch_size: 2000,
            claim_seconds: 30,
            retry_base_seconds: 60,
            retry_max_seconds: 3600,
            give_up_hours: 72,
            send_hour: 9,
            quiet_start_hour: 21,
            quiet_end_hour: 8,
            daily_cap: 1,
            birthday_days_early: 0,
            holiday_days_before: 3,
            winback_cooldown_days: 90,
            winback_min_orders: 2,
            coupon_notice_days_before: 3,
            double_opt_in: false,
        }
    }
}

/// A setting that is text, read from text or from a number: the environment's settings are
/// parsed as values first, so `PATRON_SMS__SDK_APP_ID=1400000001` arrives as a number.
pub fn text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Text(String),
        Unsigned(u64),
        Signed(i64),
        Float(f64),
        Flag(bool),
    }
    Ok(match Given::deserialize(deserializer)? {
        Given::Text(text) => text,
        Given::Unsigned(n) => n.to_string(),
        Given::Signed(n) => n.to_string(),
        Given::Float(n) => n.to_string(),
        Given::Flag(b) => b.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Setting {
        #[serde(deserialize_with = "text")]
        value: String,
    }

    #[test]
    fn a_text_setting_given_as_a_number_keeps_its_digits() {
        for (given, read) in [
            (r#"{"value": 1400000001}"#, "1400000001"),
            (r#"{"value": "SMS_1"}"#, "SMS_1"),
            (r#"{"value": -5}"#, "-5"),
            (r#"{"value": true}"#, "true"),
        ] {
            let setting: Setting = serde_json::from_str(given).unwrap_or_else(|err| panic!("{given}: {err}"));
            assert_eq!(setting.value, read);
        }
    }
}
