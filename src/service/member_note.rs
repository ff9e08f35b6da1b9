//! Notes the store's people write on a member: what an associate learnt in a call or at the
//! till, shown on the member card to whoever may see the member.
use chrono::Utc;
use entity::member_note;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::service::{audit, member};
use crate::validate;

/// Adds a note to a member the viewer may see.
pub async fn add(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
    body: &str,
) -> AppResult<member_note::Model> {
    let member = member::find_visible(conn, viewer, member_no).await?;
    let body = validate::required_text("body", body, 2000)?;
    let txn = conn.begin().await?;
    let note = member_note::ActiveModel {
        member_id: Set(member.id),
        staff_id: Set(viewer.staff_id),
        author: Set(viewer.actor.clone()),
        body: Set(body),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = serde_json::json!({ "noteId": note.id });
    audit::record(&txn, viewer, "member_note.add", Some(&member.member_no), detail).await?;
    txn.commit().await?;
    Ok(note)
}

/// A member's latest notes, newest first.
pub async fn latest(conn: &impl ConnectionTrait, member_id: i64, limit: u64) -> AppResult<Vec<member_note::Model>> {
    Ok(member_note::Entity::find()
        .filter(member_note::Column::MemberId.eq(member_id))
        .order_by_desc(member_note::Column::CreatedAt)
        .order_by_desc(member_note::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
