//! Journeys as marketers handle them: a draft edited freely, published as a new version once it
//! passes every check (members in flight finish on the version they entered), switched live or
//! paused, and its report. Every change is audited.
use chrono::{NaiveDate, Utc};
use entity::vocabulary::JourneyStatus;
use entity::{journey, journey_version};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use jobs::journeys::{self, definition, Definition};

pub async fn list(conn: &impl ConnectionTrait) -> AppResult<Vec<journey::Model>> {
    Ok(journey::Entity::find()
        .order_by_asc(journey::Column::Id)
        .all(conn)
        .await?)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<journey::Model> {
    journey::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no journey has the id {id}")))
}

pub async fn version(conn: &impl ConnectionTrait, id: i64) -> AppResult<journey_version::Model> {
    journey_version::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no journey version has the id {id}")))
}

/// Every version of a journey, the newest first.
pub async fn versions(conn: &impl ConnectionTrait, journey_id: i64) -> AppResult<Vec<journey_version::Model>> {
    Ok(journey_version::Entity::find()
        .filter(journey_version::Column::JourneyId.eq(journey_id))
        .order_by_desc(journey_version::Column::Number)
        .all(conn)
        .await?)
}

/// A definition as sent: JSON in the shape of [`Definition`].
pub fn parse(json: serde_json::Value) -> AppResult<Definition> {
    serde_json::from_value(json).map_err(|e| {
        AppError::keyed(
            "definition",
            "journey.unreadable",
            format!("the journey does not read: {e}"),
        )
        .with("reason", e.to_string())
    })
}

/// A journey's saved draft, read.
fn draft_of(journey: &journey::Model) -> AppResult<Definition> {
    parse(serde_json::from_str(&journey.draft).map_err(|e| AppError::Internal(e.into()))?)
}

fn text(definition: &Definition) -> AppResult<String> {
    serde_json::to_string(definition).map_err(|e| AppError::Internal(e.into()))
}

fn check_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AppError::keyed(
            "name",
            "journey.name",
            "a journey needs a name of up to 200 characters",
        ));
    }
    Ok(name.to_owned())
}

async fn name_taken(conn: &impl ConnectionTrait, name: &str, other_than: Option<i64>) -> AppResult<()> {
    let same = journey::Entity::find()
        .filter(journey::Column::Name.eq(name))
        .one(conn)
        .await?;
    if same.is_some_and(|j| Some(j.id) != other_than) {
        return Err(AppError::keyed("name", "journey.nameTaken", "another journey has this name").with("name", name));
    }
    Ok(())
}

/// A new journey, a draft.
pub async fn create(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    name: &str,
    definition: &Definition,
) -> AppResult<journey::Model> {
    let name = check_name(name)?;
    name_taken(conn, &name, None).await?;
    let now = Utc::now();
    let row = journey::ActiveModel {
        key: Set(None),
        name: Set(name.clone()),
        status: Set(JourneyStatus::Draft),
        draft: Set(text(definition)?),
        version_id: Set(None),
        created_by: Set(viewer.actor.clone()),
        updated_by: Set(viewer.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let txn = conn.begin().await?;
    let created = row.insert(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "journey.create",
        Some(&name),
        serde_json::json!({ "id": created.id }),
    )
    .await?;
    txn.commit().await?;
    Ok(created)
}

/// Saves a journey's draft (and name): what members enter does not change until it is published.
pub async fn save(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    name: Option<&str>,
    definition: &Definition,
) -> AppResult<journey::Model> {
    let current = find(conn, id).await?;
    let mut row: journey::ActiveModel = current.clone().into();
    if let Some(name) = name {
        let name = check_name(name)?;
        name_taken(conn, &name, Some(id)).await?;
        row.name = Set(name);
    }
    row.draft = Set(text(definition)?);
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let txn = conn.begin().await?;
    let saved = row.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "journey.save",
        Some(&saved.name),
        serde_json::json!({ "id": id }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// Refuses a draft that cannot run: the first problem as the error, with every problem (its
/// `field`, `key`, `params` and `message`) in `params.problems`, so an editor marks them all.
async fn check(conn: &impl ConnectionTrait, draft: &Definition, today: NaiveDate) -> AppResult<()> {
    let mut problems = definition::problems(draft);
    problems.extend(journeys::check_references(conn, draft, today).await?);
    let Some(first) = problems.first().cloned() else {
        return Ok(());
    };
    let all: Vec<serde_json::Value> = problems
        .into_iter()
        .map(|p| serde_json::json!({ "field": p.path, "key": p.key, "params": p.params, "message": p.message }))
        .collect();
    Err(AppError::from(first).with("problems", all))
}

/// Checks the draft and publishes it as the next version, which members enter from now on; the
/// journey goes live. Members on an earlier version finish on it. A draft the same as the
/// current version publishes nothing new.
pub async fn publish(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    today: NaiveDate,
) -> AppResult<journey::Model> {
    let current = find(conn, id).await?;
    let draft = draft_of(&current)?;
    check(conn, &draft, today).await?;
    let txn = conn.begin().await?;
    let latest = versions(&txn, id).await?.into_iter().next();
    if let Some(same) = latest
        .as_ref()
        .filter(|v| Some(v.id) == current.version_id && v.definition == current.draft)
    {
        let number = same.number;
        let live = set_status(&txn, viewer, id, JourneyStatus::Live).await?;
        txn.commit().await?;
        tracing::debug!(journey = id, number, "draft unchanged: no new version");
        return Ok(live);
    }
    let number = latest.map_or(1, |v| v.number + 1);
    let version = journey_version::ActiveModel {
        journey_id: Set(id),
        number: Set(number),
        definition: Set(current.draft.clone()),
        published_by: Set(viewer.actor.clone()),
        published_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let mut row: journey::ActiveModel = current.into();
    row.version_id = Set(Some(version.id));
    // The new version's daily entry is checked at the next tick, even if the last one's was today.
    row.entries_checked_on = Set(None);
    row.status = Set(JourneyStatus::Live);
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let published = row.update(&txn).await?;
    let detail = serde_json::json!({ "id": id, "version": number });
    audit::record(&txn, viewer, "journey.publish", Some(&published.name), detail).await?;
    txn.commit().await?;
    Ok(published)
}

/// Ends an A/B test: the winning arm's steps take the split's place in the draft, which is
/// published as the next version. Only once the arm leads with its interval clear of zero.
pub async fn promote(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    arm: &str,
    zone: chrono_tz::Tz,
    today: NaiveDate,
) -> AppResult<journey::Model> {
    let current = find(conn, id).await?;
    let report = journeys::report::report(conn, id, zone).await?;
    let leader = report.leader.filter(|l| l.name == arm && l.clears);
    if leader.is_none() {
        let message = "this arm does not lead the others with its interval above zero yet";
        return Err(AppError::keyed("arm", "journey.notClear", message).with("arm", arm));
    }
    let mut draft = draft_of(&current)?;
    if !definition::promote(&mut draft.steps, arm) {
        let message = "the draft has no split with this arm";
        return Err(AppError::keyed("arm", "journey.noArm", message).with("arm", arm));
    }
    save(conn, viewer, id, None, &draft).await?;
    audit::record(
        conn,
        viewer,
        "journey.promote",
        Some(&current.name),
        serde_json::json!({ "id": id, "arm": arm }),
    )
    .await?;
    publish(conn, viewer, id, today).await
}

/// Pauses a journey (nobody enters or moves on) or makes it live again.
pub async fn set_status(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    status: JourneyStatus,
) -> AppResult<journey::Model> {
    let current = find(conn, id).await?;
    if status == JourneyStatus::Draft {
        return Err(AppError::keyed(
            "status",
            "journey.status",
            "a journey is made live by publishing it, or paused",
        ));
    }
    if current.version_id.is_none() {
        return Err(AppError::keyed(
            "status",
            "journey.unpublished",
            "publish the journey first",
        ));
    }
    let mut row: journey::ActiveModel = current.into();
    row.status = Set(status);
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let txn = conn.begin().await?;
    let saved = row.update(&txn).await?;
    let detail = serde_json::json!({ "id": id, "status": status });
    audit::record(&txn, viewer, "journey.status", Some(&saved.name), detail).await?;
    txn.commit().await?;
    Ok(saved)
}
