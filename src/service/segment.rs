//! Saved segments and previews: who may manage them, validation, the audit trail. The filter
//! language and its compiler live in `jobs::segments`, which the refresh and campaigns share.
use chrono::{NaiveDate, Utc};
use entity::{member, segment};
use jobs::segments::{self, Filter};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionTrait,
};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::validate;

/// Where filter errors point: the `filter` argument of every segment operation.
pub const ROOT: &str = "filter";

/// Segments are marketing's tool: marketers and admins.
pub fn require_manager(viewer: &Viewer) -> AppResult<()> {
    viewer.require(&[Role::Admin, Role::Marketer])
}

/// The compiled condition of a filter as of `as_of`.
pub async fn condition(conn: &impl ConnectionTrait, filter: &Filter, as_of: NaiveDate) -> AppResult<Condition> {
    Ok(segments::compile(conn, filter, ROOT, as_of, None).await?)
}

pub async fn count(conn: &impl ConnectionTrait, condition: Condition) -> AppResult<u64> {
    Ok(segments::members(condition).count(conn).await?)
}

/// Members after `after_id` in member-id order: a keyset page that stays stable while members
/// are added.
pub async fn page(
    conn: &impl ConnectionTrait,
    condition: Condition,
    after_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<member::Model>> {
    let mut query = segments::members(condition);
    if let Some(id) = after_id {
        query = query.filter(member::Column::Id.gt(id));
    }
    Ok(query.order_by_asc(member::Column::Id).limit(limit).all(conn).await?)
}

pub async fn list(conn: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<Vec<segment::Model>> {
    require_manager(viewer)?;
    Ok(segment::Entity::find()
        .order_by_asc(segment::Column::Name)
        .all(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, viewer: &Viewer, id: i64) -> AppResult<segment::Model> {
    require_manager(viewer)?;
    segment::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no segment has the id {id}")))
}

/// The stored filter of a saved segment.
pub fn filter_of(row: &segment::Model) -> AppResult<Filter> {
    Ok(segments::parse(row)?)
}

/// A name, description and filter, checked; `id` is the segment being changed, if any.
async fn validated(
    conn: &impl ConnectionTrait,
    id: Option<i64>,
    name: &str,
    description: Option<&str>,
    filter: &Filter,
    as_of: NaiveDate,
) -> AppResult<(String, Option<String>, String)> {
    let name = validate::required_text("name", name, 100)?;
    let description = description
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| validate::bounded("description", d, 1000))
        .transpose()?;
    let mut taken = segment::Entity::find().filter(segment::Column::Name.eq(&name));
    if let Some(id) = id {
        taken = taken.filter(segment::Column::Id.ne(id));
    }
    if taken.count(conn).await? > 0 {
        return Err(AppError::field(
            "name",
            format!("a segment called {name:?} already exists"),
        ));
    }
    // Compiling checks every field, operator and operand, and refuses cycles through `id`.
    segments::compile(conn, filter, ROOT, as_of, id).await?;
    let json = serde_json::to_string(filter).map_err(anyhow::Error::from)?;
    Ok((name, description, json))
}

pub async fn create(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    name: &str,
    description: Option<&str>,
    filter: &Filter,
    as_of: NaiveDate,
) -> AppResult<segment::Model> {
    require_manager(viewer)?;
    let (name, description, json) = validated(conn, None, name, description, filter, as_of).await?;
    let now = Utc::now();
    let row = segment::ActiveModel {
        name: Set(name.clone()),
        description: Set(description),
        filter: Set(json.clone()),
        created_by: Set(viewer.actor.clone()),
        updated_by: Set(viewer.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        last_refreshed_at: Set(None),
        last_count: Set(None),
        ..Default::default()
    };
    let txn = conn.begin().await?;
    let created = row.insert(&txn).await?;
    let detail = serde_json::json!({ "id": created.id, "filter": filter });
    audit::record(&txn, viewer, "segment.create", Some(&name), detail).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes what is given; a name or filter left out stays as it is.
pub async fn update(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    name: Option<&str>,
    description: Option<&str>,
    filter: Option<&Filter>,
    as_of: NaiveDate,
) -> AppResult<segment::Model> {
    let current = find(conn, viewer, id).await?;
    let current_filter = filter_of(&current)?;
    let filter = filter.unwrap_or(&current_filter);
    let description = description.or(current.description.as_deref());
    let name = name.unwrap_or(&current.name);
    let (name, description, json) = validated(conn, Some(id), name, description, filter, as_of).await?;
    let row = segment::ActiveModel {
        id: ActiveValue::Unchanged(id),
        name: Set(name.clone()),
        description: Set(description),
        filter: Set(json),
        updated_by: Set(viewer.actor.clone()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let txn = conn.begin().await?;
    let updated = row.update(&txn).await?;
    let detail = serde_json::json!({ "id": id, "previousName": current.name, "filter": filter });
    audit::record(&txn, viewer, "segment.update", Some(&name), detail).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Deletes a segment no other segment names.
pub async fn delete(conn: &(impl ConnectionTrait + TransactionTrait), viewer: &Viewer, id: i64) -> AppResult<()> {
    let current = find(conn, viewer, id).await?;
    for other in segment::Entity::find().all(conn).await? {
        if other.id != id && segments::referenced(&filter_of(&other)?).contains(&id) {
            return Err(AppError::field(
                "id",
                format!("segment {:?} uses this segment; change it first", other.name),
            ));
        }
    }
    let txn = conn.begin().await?;
    segment::Entity::delete_by_id(id).exec(&txn).await?;
    let detail = serde_json::json!({ "id": id, "filter": filter_of(&current)? });
    audit::record(&txn, viewer, "segment.delete", Some(&current.name), detail).await?;
    txn.commit().await?;
    Ok(())
}
