//! One-click unsubscribe: the signed link withdraws consent and suppresses the address.
use chrono::Utc;
use entity::member;
use entity::vocabulary::Channel;
use jobs::outreach::suppression;
use sea_orm::{ActiveModelTrait, ActiveValue, ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, consent};

/// Withdraws a member's email consent (or their request for it, awaiting confirmation) at once
/// and suppresses the address; no login, the signed link is the proof. Idempotent: a second
/// click changes nothing.
pub async fn unsubscribe(conn: &(impl ConnectionTrait + TransactionTrait), member_id: i64) -> AppResult<member::Model> {
    let txn = conn.begin().await?;
    let current = member::Entity::find_by_id(member_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound("this unsubscribe link's member no longer exists".into()))?;
    if let Some(email) = &current.email {
        suppression::suppress(&txn, &[email.as_str()], suppression::UNSUBSCRIBED).await?;
    }
    if !current.email_consent && current.email_confirmation_requested_at.is_none() {
        txn.commit().await?;
        return Ok(current);
    }
    let updated = member::ActiveModel {
        id: ActiveValue::Unchanged(current.id),
        email_consent: Set(false),
        email_confirmation_requested_at: Set(None),
        consent_source: Set(Some("unsubscribe-link".to_owned())),
        consent_at: Set(Some(Utc::now())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    if current.email_consent {
        consent::record(&txn, current.id, &[(Channel::Email, false)], "unsubscribe link", None).await?;
    }
    let viewer = Viewer::member(&current);
    audit::record(
        &txn,
        &viewer,
        "member.unsubscribe",
        Some(&current.member_no),
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}
