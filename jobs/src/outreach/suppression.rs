//! The suppression list: addresses never to be mailed again (erased, unsubscribed, bounced),
//! kept only as hashes.
use chrono::Utc;
use entity::email_suppression;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

pub const ERASED: &str = "erased";
pub const UNSUBSCRIBED: &str = "unsubscribed";
pub const BOUNCED: &str = "bounced";

/// Hex SHA-256 of a lower-cased address: what the list keeps instead of the address.
pub fn email_hash(email: &str) -> String {
    Sha256::digest(email.trim().to_lowercase().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Adds addresses to the list (idempotent: an address already there keeps its first reason).
pub async fn suppress(conn: &impl ConnectionTrait, emails: &[&str], reason: &str) -> Result<(), DbErr> {
    if emails.is_empty() {
        return Ok(());
    }
    let rows = emails.iter().map(|email| email_suppression::ActiveModel {
        email_hash: Set(email_hash(email)),
        reason: Set(reason.to_owned()),
        created_at: Set(Utc::now()),
        ..Default::default()
    });
    email_suppression::Entity::insert_many(rows)
        .on_conflict(
            OnConflict::column(email_suppression::Column::EmailHash)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Whether an address is on the list.
pub async fn is_suppressed(conn: &impl ConnectionTrait, email: &str) -> Result<bool, DbErr> {
    let hits = email_suppression::Entity::find()
        .filter(email_suppression::Column::EmailHash.eq(email_hash(email)))
        .count(conn)
        .await?;
    Ok(hits > 0)
}
