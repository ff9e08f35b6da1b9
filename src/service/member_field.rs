//! The brand's own member fields (the 麦凯66 profile: family, work, preferences…) and each
//! member's values of them: defined by planners, kept up by the store's people and by import,
//! shown on the member card, filtered on in segments as `custom.<key>`.
use std::collections::HashMap;

use async_graphql::InputObject;
use chrono::Utc;
use entity::vocabulary::MemberFieldKind;
use entity::{member_field, member_field_value};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member};
use crate::validate;

/// Characters a value may have.
/// Fields a brand may define: a card, a filter list and an import header stay readable.
const MAX_FIELDS: u64 = 100;

#[derive(InputObject, Clone, Debug)]
pub struct MemberFieldInput {
    /// Lowercase letters, digits and `_`, starting with a letter: `family`, `shoe_size`. Fixed
    /// once defined.
    pub key: String,
    pub label: String,
    pub kind: MemberFieldKind,
    /// A choice's words.
    pub choices: Option<Vec<String>>,
}

/// One value to set; none or empty clears it.
#[derive(InputObject, Clone, Debug)]
pub struct MemberFieldValueInput {
    pub key: String,
    pub value: Option<String>,
}

pub async fn all(conn: &impl ConnectionTrait) -> AppResult<Vec<member_field::Model>> {
    Ok(member_field::Entity::find()
        .order_by_asc(member_field::Column::Id)
        .all(conn)
        .await?)
}

/// Defines a field, or changes a defined one's label and words (its key and kind stay).
pub async fn define(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    input: MemberFieldInput,
) -> AppResult<member_field::Model> {
    let key = input.key.trim().to_owned();
    let valid_key = key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !valid_key {
        let message =
            format!("{key:?} is not a field key: lowercase letters, digits and _, starting with a letter, at most 40");
        return Err(AppError::keyed("input.key", "memberField.key", message).with("key", key));
    }
    let label = validate::required_text("input.label", &input.label, 100)?;
    let choices = choices(input.kind, input.choices)?;
    let existing = member_field::Entity::find()
        .filter(member_field::Column::Key.eq(&key))
        .one(conn)
        .await?;
    let txn = conn.begin().await?;
    let saved = match existing {
        Some(field) if field.kind != input.kind => {
            let message = format!("{key} holds {}; a field's kind is fixed once defined", field.kind);
            return Err(AppError::keyed("input.kind", "memberField.kindFixed", message)
                .with("key", key)
                .with("kind", field.kind.as_str()));
        }
        Some(field) => {
            let mut row: member_field::ActiveModel = field.into();
            row.label = Set(label);
            row.choices = Set(choices);
            row.updated_by = Set(viewer.actor.clone());
            row.update(&txn).await?
        }
        None => {
            if member_field::Entity::find().count(&txn).await? >= MAX_FIELDS {
                let message = format!("a brand may define at most {MAX_FIELDS} fields");
                return Err(AppError::keyed("input.key", "memberField.tooMany", message).with("max", MAX_FIELDS));
            }
            member_field::ActiveModel {
                key: Set(key.clone()),
                label: Set(label),
                kind: Set(input.kind),
                choices: Set(choices),
                updated_by: Set(viewer.actor.clone()),
                created_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(&txn)
            .await?
        }
    };
    audit::record(
        &txn,
        viewer,
        "member_field.define",
        Some(&key),
        serde_json::json!({ "kind": saved.kind }),
    )
    .await?;
    txn.commit().await?;
    Ok(saved)
}

/// A choice's words, one a line: at least one, none repeated; other kinds take none.
fn choices(kind: MemberFieldKind, words: Option<Vec<String>>) -> AppResult<Option<String>> {
    let words: Vec<String> = words
        .unwrap_or_default()
        .into_iter()
        .map(|w| w.trim().to_owned())
        .filter(|w| !w.is_empty())
        .collect();
    match kind {
        MemberFieldKind::Choice if words.is_empty() => Err(AppError::keyed(
            "input.choices",
            "memberField.needsChoices",
            "a choice field needs its words",
        )),
        MemberFieldKind::Choice => {
            if let Some(word) = words.iter().find(|w| w.chars().count() > 100) {
                let message = format!("{word:?} is longer than 100 characters");
                return Err(
                    AppError::keyed("input.choices", "memberField.choiceTooLong", message).with("word", word.as_str())
                );
            }
            let mut seen = std::collections::HashSet::new();
            if let Some(repeated) = words.iter().find(|w| !seen.insert(w.as_str())) {
                let message = format!("{repeated:?} is listed twice");
                return Err(AppError::keyed("input.choices", "memberField.choiceTwice", message)
                    .with("word", repeated.as_str()));
            }
            Ok(Some(words.join("\n")))
        }
        _ if !words.is_empty() => {
            let message = format!("a {kind} field has no choices");
            Err(AppError::keyed("input.choices", "memberField.noChoices", message).with("kind", kind.as_str()))
        }
        _ => Ok(None),
    }
}

pub use jobs::member_fields::Stored;

/// Reads `value` as `field` holds it, or says why it does not fit (an error about input `at`).
pub fn read(field: &member_field::Model, value: &str, at: &str) -> AppResult<Stored> {
    Ok(jobs::member_fields::read(field, value, at)?)
}

/// Sets (or, empty, clears) a member's values: all or none.
pub async fn set(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
    values: Vec<MemberFieldValueInput>,
) -> AppResult<Vec<(member_field::Model, member_field_value::Model)>> {
    let member = member::find_visible(conn, viewer, member_no).await?;
    let fields: HashMap<String, member_field::Model> =
        all(conn).await?.into_iter().map(|f| (f.key.clone(), f)).collect();
    let mut writes = Vec::new();
    let mut cleared = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (i, input) in values.iter().enumerate() {
        let at = format!("values[{i}]");
        if !seen.insert(input.key.trim()) {
            let message = format!("{} is given twice", input.key);
            return Err(AppError::keyed(&format!("{at}.key"), "memberField.givenTwice", message)
                .with("key", input.key.as_str()));
        }
        let field = fields.get(input.key.trim()).ok_or_else(|| {
            let message = format!("no member field is called {:?}", input.key);
            AppError::keyed(&format!("{at}.key"), "memberField.unknown", message).with("key", input.key.as_str())
        })?;
        match input.value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            Some(value) => {
                let stored = read(field, value, &format!("{at}.value"))?;
                writes.push(row(member.id, field.id, stored));
            }
            None => cleared.push(field.id),
        }
    }
    let txn = conn.begin().await?;
    upsert(&txn, writes).await?;
    if !cleared.is_empty() {
        member_field_value::Entity::delete_many()
            .filter(member_field_value::Column::MemberId.eq(member.id))
            .filter(member_field_value::Column::FieldId.is_in(cleared))
            .exec(&txn)
            .await?;
    }
    let keys: Vec<&str> = values.iter().map(|v| v.key.trim()).collect();
    audit::record(
        &txn,
        viewer,
        "member_field.set",
        Some(&member.member_no),
        serde_json::json!({ "keys": keys }),
    )
    .await?;
    txn.commit().await?;
    of_member(conn, member.id).await
}

/// The row of a member's value.
pub fn row(member_id: i64, field_id: i64, stored: Stored) -> member_field_value::ActiveModel {
    member_field_value::ActiveModel {
        member_id: Set(member_id),
        field_id: Set(field_id),
        value: Set(stored.text),
        number_value: Set(stored.number),
        date_value: Set(stored.date),
        updated_at: Set(Utc::now()),
    }
}

/// Writes values, replacing what the members had of those fields.
pub async fn upsert(conn: &impl ConnectionTrait, rows: Vec<member_field_value::ActiveModel>) -> AppResult<u64> {
    use member_field_value::Column as V;
    let replace = OnConflict::columns([V::MemberId, V::FieldId])
        .update_columns([V::Value, V::NumberValue, V::DateValue, V::UpdatedAt])
        .to_owned();
    Ok(jobs::sql::insert_chunked(conn, rows, replace).await?)
}

/// A member's values, in the fields' order.
pub async fn of_member(
    conn: &impl ConnectionTrait,
    member_id: i64,
) -> AppResult<Vec<(member_field::Model, member_field_value::Model)>> {
    let values: HashMap<i64, member_field_value::Model> = member_field_value::Entity::find()
        .filter(member_field_value::Column::MemberId.eq(member_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|v| (v.field_id, v))
        .collect();
    Ok(all(conn)
        .await?
        .into_iter()
        .filter_map(|f| values.get(&f.id).cloned().map(|v| (f, v)))
        .collect())
}
