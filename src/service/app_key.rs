//! Keys for the brand's frontend apps. An app's backend holds one and exchanges it, with a
//! member number, for a short-lived member token: members sign in to the brand's app, which
//! vouches for them, without anyone running the command line. Admins make, list and revoke keys;
//! a key is shown once and kept as its SHA-256 (see the migration for why not a slow hash).
use chrono::Utc;
use entity::app_key;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sha2::{Digest, Sha256};

use crate::auth::{random_hex, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::{audit, member};

/// What every key starts with, so secret scanners and people can tell one when they see it.
const PREFIX: &str = "patron_app_";

/// Makes a key for the app called `name`; returns it with the key itself, shown only now.
pub async fn create(conn: &impl ConnectionTrait, viewer: &Viewer, name: &str) -> AppResult<(app_key::Model, String)> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::field("name", "name the app in 1 to 100 characters"));
    }
    let taken = app_key::Entity::find()
        .filter(app_key::Column::Name.eq(name))
        .one(conn)
        .await?;
    if taken.is_some() {
        return Err(AppError::field(
            "name",
            format!("an app key called {name:?} exists already; pick another name"),
        ));
    }
    let key = format!("{PREFIX}{}", random_hex::<32>());
    let saved = app_key::ActiveModel {
        name: Set(name.to_owned()),
        key_hash: Set(hash(&key)),
        created_by: Set(viewer.actor.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(conn, viewer, "app_key.create", Some(name), serde_json::Value::Null).await?;
    Ok((saved, key))
}

/// Every key, newest first, revoked ones included.
pub async fn list(conn: &impl ConnectionTrait) -> AppResult<Vec<app_key::Model>> {
    Ok(app_key::Entity::find()
        .order_by_desc(app_key::Column::Id)
        .all(conn)
        .await?)
}

/// Revokes a key: it can no longer be exchanged (tokens it was exchanged for live out their
/// short lives, or are revoked on their own).
pub async fn revoke(conn: &impl ConnectionTrait, viewer: &Viewer, id: i64) -> AppResult<app_key::Model> {
    let found = app_key::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no app key has the id {id}")))?;
    if found.revoked_at.is_some() {
        return Ok(found);
    }
    let mut row: app_key::ActiveModel = found.into();
    row.revoked_at = Set(Some(Utc::now()));
    let revoked = row.update(conn).await?;
    audit::record(
        conn,
        viewer,
        "app_key.revoke",
        Some(&revoked.name),
        serde_json::Value::Null,
    )
    .await?;
    Ok(revoked)
}

/// The member an app vouches for, when its key is good: the viewer a member token is issued
/// for. Audited under the app's name.
pub async fn exchange(conn: &impl ConnectionTrait, key: &str, member_no: &str) -> AppResult<Viewer> {
    let app = app_key::Entity::find()
        .filter(app_key::Column::KeyHash.eq(hash(key.trim())))
        .filter(app_key::Column::RevokedAt.is_null())
        .one(conn)
        .await?
        .ok_or_else(|| AppError::unauthenticated("the app key is unknown or revoked".into()))?;
    let found = member::find_unerased(conn, member_no).await?;
    let mut used: app_key::ActiveModel = app.clone().into();
    used.last_used_at = Set(Some(Utc::now()));
    used.update(conn).await?;
    let detail = serde_json::json!({ "memberNo": found.member_no });
    audit::record_app(conn, &app.name, "member_token.issue", Some(&found.member_no), detail).await?;
    Ok(Viewer::member(&found))
}

fn hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}
