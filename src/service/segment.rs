//! Saved segments and previews: who may manage them, validation, the audit trail. The filter
//! language and its compiler live in `jobs::segments`, which the refresh and campaigns share.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use entity::{member, segment, segment_change, segment_member, segment_refresh};
use jobs::segments::{self, AsOf, Filter};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::service::lookup::{self, Columns};
use crate::validate;

/// Where filter errors point: the `filter` argument of every segment operation.
pub const ROOT: &str = "filter";

/// The compiled condition of a filter as of `as_of`.
pub async fn condition(conn: &impl ConnectionTrait, filter: &Filter, as_of: AsOf) -> AppResult<Condition> {
    Ok(segments::compile(conn, filter, ROOT, as_of, None).await?)
}

pub async fn count(conn: &impl ConnectionTrait, condition: Condition) -> AppResult<u64> {
    Ok(segments::members(condition).count(conn).await?)
}

/// Members after `after_id` in member-id order: a keyset page that stays stable while members
/// are added. Only `columns` are read (see `lookup::Columns`: the others hold placeholders).
pub async fn page(
    conn: &impl ConnectionTrait,
    condition: Condition,
    after_id: Option<i64>,
    limit: u64,
    columns: Columns,
) -> AppResult<Vec<member::Model>> {
    let mut query = segments::members(condition);
    if let Some(id) = after_id {
        query = query.filter(member::Column::Id.gt(id));
    }
    let query = query.order_by_asc(member::Column::Id).limit(limit);
    let query = columns.select(query);
    let rows = conn.query_all(query.build(conn.get_database_backend())).await?;
    Ok(rows
        .iter()
        .map(|row| lookup::read_profile(row, columns))
        .collect::<Result<_, _>>()?)
}

pub async fn list(conn: &impl ConnectionTrait) -> AppResult<Vec<segment::Model>> {
    Ok(segment::Entity::find()
        .order_by_asc(segment::Column::Name)
        .all(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<segment::Model> {
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
    as_of: AsOf,
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
        let message = format!("a segment called {name:?} already exists");
        return Err(AppError::keyed("name", "segment.nameTaken", message).with("name", name));
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
    as_of: AsOf,
) -> AppResult<segment::Model> {
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
    as_of: AsOf,
) -> AppResult<segment::Model> {
    let current = find(conn, id).await?;
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
    let current = find(conn, id).await?;
    for other in segment::Entity::find().all(conn).await? {
        if other.id != id && segments::referenced(&filter_of(&other)?).contains(&id) {
            let message = format!("segment {:?} uses this segment; change it first", other.name);
            return Err(AppError::keyed("id", "segment.inUse", message).with("name", other.name.as_str()));
        }
    }
    let txn = conn.begin().await?;
    // Membership and history have no foreign keys (bulk writes; migration 16): they go first.
    segment_member::Entity::delete_many()
        .filter(segment_member::Column::SegmentId.eq(id))
        .exec(&txn)
        .await?;
    segment_change::Entity::delete_many()
        .filter(segment_change::Column::SegmentId.eq(id))
        .exec(&txn)
        .await?;
    segment::Entity::delete_by_id(id).exec(&txn).await?;
    let detail = serde_json::json!({ "id": id, "filter": filter_of(&current)? });
    audit::record(&txn, viewer, "segment.delete", Some(&current.name), detail).await?;
    txn.commit().await?;
    Ok(())
}

/// Refreshes a segment's membership now, recording who entered and left. Marketers and admins;
/// audited.
pub async fn refresh(
    db: &DatabaseConnection,
    viewer: &Viewer,
    id: i64,
    as_of: AsOf,
) -> AppResult<segment_refresh::Model> {
    let current = find(db, id).await?;
    let requester = segments::Requester {
        job_run_id: None,
        actor: viewer.actor.clone(),
    };
    let refreshed = segments::refresh(db, id, as_of, &requester)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no segment has the id {id}")))?;
    let detail = serde_json::json!({
        "id": id, "members": refreshed.members, "entered": refreshed.entered, "left": refreshed.left,
    });
    audit::record(db, viewer, "segment.refresh", Some(&current.name), detail).await?;
    Ok(refreshed)
}

/// The segment's members at its last refresh after `after_id`, in member-id order.
pub async fn members(
    conn: &impl ConnectionTrait,
    segment_id: i64,
    after_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<member::Model>> {
    let ids = Query::select()
        .column(segment_member::Column::MemberId)
        .from(segment_member::Entity)
        .and_where(Expr::col(segment_member::Column::SegmentId).eq(segment_id))
        .to_owned();
    let mut query = member::Entity::find().filter(member::Column::Id.in_subquery(ids));
    if let Some(id) = after_id {
        query = query.filter(member::Column::Id.gt(id));
    }
    Ok(query.order_by_asc(member::Column::Id).limit(limit).all(conn).await?)
}

/// Who entered (or left) a segment since a time, newest first, after a (time, id) cursor.
pub async fn changes(
    conn: &impl ConnectionTrait,
    segment_id: i64,
    entered: bool,
    since: Option<DateTime<Utc>>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: u64,
) -> AppResult<Vec<segment_change::Model>> {
    use segment_change::Column as C;
    let mut query = segment_change::Entity::find()
        .filter(C::SegmentId.eq(segment_id))
        .filter(C::Entered.eq(entered));
    if let Some(since) = since {
        query = query.filter(C::At.gte(since));
    }
    if let Some((at, id)) = after {
        query = query.filter(
            Condition::any()
                .add(C::At.lt(at))
                .add(Condition::all().add(C::At.eq(at)).add(C::Id.lt(id))),
        );
    }
    Ok(query
        .order_by_desc(C::At)
        .order_by_desc(C::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// A segment's latest refreshes, newest first: its size over time.
pub async fn refreshes(
    conn: &impl ConnectionTrait,
    segment_id: i64,
    limit: u64,
) -> AppResult<Vec<segment_refresh::Model>> {
    Ok(segment_refresh::Entity::find()
        .filter(segment_refresh::Column::SegmentId.eq(segment_id))
        .order_by_desc(segment_refresh::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// The segments each member was in at their last refresh, by name.
pub async fn segments_of(
    conn: &impl ConnectionTrait,
    member_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<segment::Model>>> {
    let memberships = segment_member::Entity::find()
        .filter(segment_member::Column::MemberId.is_in(member_ids.iter().copied()))
        .all(conn)
        .await?;
    let segment_ids: Vec<i64> = memberships.iter().map(|m| m.segment_id).collect();
    let by_id: HashMap<i64, segment::Model> = segment::Entity::find()
        .filter(segment::Column::Id.is_in(segment_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut of: HashMap<i64, Vec<segment::Model>> = HashMap::new();
    for m in memberships {
        if let Some(s) = by_id.get(&m.segment_id) {
            of.entry(m.member_id).or_default().push(s.clone());
        }
    }
    of.values_mut()
        .for_each(|list| list.sort_by(|a, b| a.name.cmp(&b.name)));
    Ok(of)
}
