//! The suppression lists: email addresses never to be mailed again (erased, unsubscribed,
//! bounced) and numbers never to be texted again (erased, hard-failed), kept only as hashes.
use chrono::Utc;
use entity::vocabulary::Channel;
use sea_orm::{ConnectionTrait, DbErr, Value};
use sha2::{Digest, Sha256};

use super::reach::Addresses;
use super::sms::e164;
use crate::sql::statement;

pub const ERASED: &str = "erased";
pub const UNSUBSCRIBED: &str = "unsubscribed";
pub const BOUNCED: &str = "bounced";

/// One suppression list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Suppressions {
    pub channel: Channel,
    pub table: &'static str,
    pub column: &'static str,
    /// What it lists, in messages: "address", "number".
    pub noun: &'static str,
}

impl Suppressions {
    pub const EMAIL: Self = Self {
        channel: Channel::Email,
        table: "email_suppressions",
        column: "email_hash",
        noun: "address",
    };
    pub const PHONE: Self = Self {
        channel: Channel::Sms,
        table: "phone_suppressions",
        column: "phone_hash",
        noun: "number",
    };

    /// The list of a channel's addresses, if it keeps one (WeChat's openids are not listed: a
    /// member who blocks the account is refused by WeChat itself).
    pub fn of(channel: Channel) -> Option<Self> {
        match channel {
            Channel::Email => Some(Self::EMAIL),
            Channel::Sms => Some(Self::PHONE),
            Channel::Wechat => None,
        }
    }

    /// The member's address this list is about.
    pub fn address<'a>(&self, addresses: &'a Addresses) -> Option<&'a str> {
        match self.channel {
            Channel::Sms => addresses.phone.as_deref(),
            _ => addresses.email.as_deref(),
        }
    }

    /// What the list keeps instead of the address: hex SHA-256 of the lower-cased address, or of
    /// the number in E.164 (so `13812345678` and `+8613812345678` are one number).
    pub fn hash(&self, address: &str) -> String {
        match self.channel {
            Channel::Sms => sha256_hex(&e164(address.trim())),
            _ => email_hash(address),
        }
    }

    /// Adds addresses to the list (idempotent: an address already there keeps its first reason).
    pub async fn suppress(&self, conn: &impl ConnectionTrait, addresses: &[&str], reason: &str) -> Result<(), DbErr> {
        for chunk in addresses.chunks(1000) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|n| format!("(${}, ${}, ${})", 3 * n + 1, 3 * n + 2, 3 * n + 3))
                .collect();
            let values: Vec<Value> = chunk
                .iter()
                .flat_map(|address| [self.hash(address).into(), reason.into(), Utc::now().into()])
                .collect();
            let sql = format!(
                "INSERT INTO {table} ({column}, reason, created_at) VALUES {rows} ON CONFLICT ({column}) DO NOTHING",
                table = self.table,
                column = self.column,
                rows = rows.join(", "),
            );
            conn.execute(statement(conn, &sql, values)).await?;
        }
        Ok(())
    }

    /// Whether an address is on the list.
    pub async fn contains(&self, conn: &impl ConnectionTrait, address: &str) -> Result<bool, DbErr> {
        let sql = format!(
            "SELECT 1 AS hit FROM {table} WHERE {column} = $1",
            table = self.table,
            column = self.column
        );
        let hit = conn
            .query_one(statement(conn, &sql, vec![self.hash(address).into()]))
            .await?;
        Ok(hit.is_some())
    }
}

/// Hex SHA-256 of a lower-cased address: what the email list keeps instead of the address.
pub fn email_hash(email: &str) -> String {
    sha256_hex(&email.trim().to_lowercase())
}

fn sha256_hex(text: &str) -> String {
    hex::encode(Sha256::digest(text.as_bytes()))
}

/// Adds email addresses to their list.
pub async fn suppress(conn: &impl ConnectionTrait, emails: &[&str], reason: &str) -> Result<(), DbErr> {
    Suppressions::EMAIL.suppress(conn, emails, reason).await
}

/// Whether an email address is on its list.
pub async fn is_suppressed(conn: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    Suppressions::EMAIL.contains(conn, email).await
}
