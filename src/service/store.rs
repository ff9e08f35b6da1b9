//! Stores.
use std::collections::HashMap;

use chrono::Utc;
use entity::store;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::validate;

pub async fn all(conn: &impl ConnectionTrait) -> AppResult<Vec<store::Model>> {
    Ok(store::Entity::find()
        .order_by_asc(store::Column::Code)
        .all(conn)
        .await?)
}

pub async fn by_code(conn: &impl ConnectionTrait, code: &str) -> AppResult<Option<store::Model>> {
    Ok(store::Entity::find()
        .filter(store::Column::Code.eq(code.trim()))
        .one(conn)
        .await?)
}

/// The store with this code, or a BAD_USER_INPUT error naming `field`.
pub async fn id_for_code(conn: &impl ConnectionTrait, field: &str, code: &str) -> AppResult<i64> {
    by_code(conn, code)
        .await?
        .map(|s| s.id)
        .ok_or_else(|| AppError::field(field, format!("no store has the code {code:?}")))
}

/// The id of the store `code` names, if one is named.
pub async fn id_for_optional_code(
    conn: &impl ConnectionTrait,
    field: &str,
    code: Option<&str>,
) -> AppResult<Option<i64>> {
    match code {
        Some(code) => Ok(Some(id_for_code(conn, field, code).await?)),
        None => Ok(None),
    }
}

pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, store::Model>> {
    let stores = store::Entity::find()
        .filter(store::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(stores.into_iter().map(|s| (s.id, s)).collect())
}

/// Creates a store; its code must be new.
pub async fn create(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    code: &str,
    name: &str,
    city: Option<String>,
) -> AppResult<store::Model> {
    let code = validate::required_text("code", code, 32)?;
    if by_code(conn, &code).await?.is_some() {
        return Err(AppError::field(
            "code",
            format!("a store with the code {code:?} already exists"),
        ));
    }
    let store = store::ActiveModel {
        code: Set(code.clone()),
        name: Set(validate::required_text("name", name, 200)?),
        city: Set(validate::optional_text(city)),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    audit::record(conn, viewer, "store.create", None, serde_json::json!({ "code": code })).await?;
    Ok(store)
}

/// The store with this code, created (named by its code) if the brand has not set it up yet:
/// imports name stores before anyone types them in.
pub async fn ensure(conn: &impl ConnectionTrait, code: &str) -> AppResult<i64> {
    let code = validate::required_text("store", code, 32)?;
    if let Some(store) = by_code(conn, &code).await? {
        return Ok(store.id);
    }
    store::Entity::insert(store::ActiveModel {
        code: Set(code.clone()),
        name: Set(code.clone()),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::column(store::Column::Code)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    id_for_code(conn, "store", &code).await
}
