//! The audit log: every mutation and every export of member data, with who did it.
use chrono::Utc;
use entity::audit_log;
use sea_orm::ColumnTrait;
use sea_orm::{ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::auth::Viewer;
use crate::error::AppResult;

/// Appends one entry; call it inside the transaction that makes the change, so a change is
/// never without its entry.
pub async fn record(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert(conn, &viewer.actor, viewer.role.as_str(), action, target, detail).await
}

/// An entry for someone without a token yet, such as a failed sign-in (role `none`).
pub async fn record_anonymous(
    conn: &impl ConnectionTrait,
    actor: &str,
    action: &str,
    detail: serde_json::Value,
) -> AppResult<()> {
    insert(conn, actor, "none", action, None, detail).await
}

async fn insert(
    conn: &impl ConnectionTrait,
    actor: &str,
    role: &str,
    action: &str,
    target: Option<&str>,
    detail: serde_json::Value,
) -> AppResult<()> {
    let entry = audit_log::ActiveModel {
        actor: Set(actor.to_owned()),
        role: Set(role.to_owned()),
        action: Set(action.to_owned()),
        target: Set(target.map(str::to_owned)),
        detail: Set((!detail.is_null()).then(|| detail.to_string())),
        created_at: Set(Utc::now()),
        ..Default::default()
    };
    audit_log::Entity::insert(entry).exec_without_returning(conn).await?;
    Ok(())
}

/// The newest entries, optionally for one member number.
pub async fn latest(conn: &impl ConnectionTrait, target: Option<&str>, limit: u64) -> AppResult<Vec<audit_log::Model>> {
    let mut query = audit_log::Entity::find()
        .order_by_desc(audit_log::Column::Id)
        .limit(limit);
    if let Some(target) = target {
        query = query.filter(audit_log::Column::Target.eq(target));
    }
    Ok(query.all(conn).await?)
}
