//! Finding members: by number or id, with the viewer's row-level access checked.
use entity::member;
use entity::vocabulary::MemberStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};

/// Looks up a member by number, or NOT_FOUND.
pub async fn find(conn: &impl ConnectionTrait, member_no: &str) -> AppResult<member::Model> {
    member::Entity::find()
        .filter(member::Column::MemberNo.eq(member_no.trim()))
        .one(conn)
        .await?
        .ok_or_else(|| not_found(member_no))
}

/// A member on file who has not been erased: whom a member token may speak for.
pub async fn find_unerased(conn: &impl ConnectionTrait, member_no: &str) -> AppResult<member::Model> {
    let found = find(conn, member_no).await?;
    if found.status == MemberStatus::Erased {
        return Err(not_found(member_no));
    }
    Ok(found)
}

pub(crate) fn not_found(member_no: &str) -> AppError {
    AppError::NotFound(format!("no member has the number {:?}", member_no.trim()))
}

/// Looks up a member the viewer may see.
pub async fn find_visible(conn: &impl ConnectionTrait, viewer: &Viewer, member_no: &str) -> AppResult<member::Model> {
    let member = find(conn, member_no).await?;
    viewer.check_member_access(member.id, member.store_id, || not_found(member_no))?;
    Ok(member)
}

pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}
