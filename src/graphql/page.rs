//! Relay pagination arguments and cursors.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;

/// The complexity of a list field: the rows it can return (`first`, else `default`, within
/// 1..=`MAX_PAGE`) times what each row costs, so lists nested in lists multiply as their reads
/// do. A list without `first` passes the most rows it returns, or `MAX_PAGE` when unbounded.
pub fn cost(first: Option<i32>, default: i32, child_complexity: usize) -> usize {
    first.unwrap_or(default).clamp(1, MAX_PAGE) as usize * child_complexity
}

/// Checks `first` against the page-size limit.
pub fn page_size(first: Option<i32>, default: i32) -> AppResult<u64> {
    let first = first.unwrap_or(default);
    if !(0..=MAX_PAGE).contains(&first) {
        return Err(AppError::field(
            "first",
            format!("first must be between 0 and {MAX_PAGE}, not {first}"),
        ));
    }
    Ok(first as u64)
}

/// A cursor for a position in an ordered list (used by the outbox).
pub fn offset_cursor(offset: u64) -> String {
    URL_SAFE_NO_PAD.encode(format!("o:{offset}"))
}

/// The offset just after `after`.
pub fn offset_after(after: Option<&str>) -> AppResult<u64> {
    let Some(after) = after else { return Ok(0) };
    decode(after)
        .and_then(|text| text.strip_prefix("o:").and_then(|n| n.parse::<u64>().ok()))
        .map(|offset| offset + 1)
        .ok_or_else(bad_cursor)
}

/// A keyset cursor: the row's sort value and id, and the order they belong to (`order`), so a
/// cursor of one order is refused by another instead of silently skipping rows.
pub fn key_cursor(order: &str, value: &serde_json::Value, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("k:{}", serde_json::json!([order, value, id])))
}

/// The sort value and id of a keyset cursor made for `order`.
pub fn parse_key_cursor(after: &str, order: &str) -> AppResult<(serde_json::Value, i64)> {
    let text = decode(after).ok_or_else(bad_cursor)?;
    let json = text.strip_prefix("k:").ok_or_else(bad_cursor)?;
    let (made_for, value, id): (String, serde_json::Value, i64) =
        serde_json::from_str(json).map_err(|_| bad_cursor())?;
    if made_for != order {
        return Err(AppError::field(
            "after",
            format!("after is a cursor of the list ordered by {made_for}, not by {order}"),
        ));
    }
    Ok((value, id))
}

/// A cursor for a row in a list ordered by id (keyset: pages stay put when rows are added).
pub fn id_cursor(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("i:{id}"))
}

pub fn parse_id_cursor(after: &str) -> AppResult<i64> {
    decode(after)
        .and_then(|text| text.strip_prefix("i:").and_then(|n| n.parse::<i64>().ok()))
        .ok_or_else(bad_cursor)
}

/// A cursor for a row in a newest-first list: its time and id.
pub fn time_cursor(time: DateTime<Utc>, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("t:{}:{id}", time.timestamp_micros()))
}

pub fn parse_time_cursor(after: &str) -> AppResult<(DateTime<Utc>, i64)> {
    let text = decode(after).ok_or_else(bad_cursor)?;
    let mut parts = text.strip_prefix("t:").ok_or_else(bad_cursor)?.split(':');
    let micros = parts
        .next()
        .and_then(|m| m.parse::<i64>().ok())
        .ok_or_else(bad_cursor)?;
    let id = parts
        .next()
        .and_then(|i| i.parse::<i64>().ok())
        .ok_or_else(bad_cursor)?;
    let time = DateTime::from_timestamp_micros(micros).ok_or_else(bad_cursor)?;
    Ok((time, id))
}

fn decode(cursor: &str) -> Option<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

fn bad_cursor() -> AppError {
    AppError::field("after", "after is not a cursor this list returned")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        assert_eq!(offset_after(Some(&offset_cursor(41))).ok(), Some(42));
        let time = DateTime::from_timestamp_micros(1_700_000_000_123_456).unwrap_or_default();
        assert_eq!(parse_time_cursor(&time_cursor(time, 7)).ok(), Some((time, 7)));
        assert!(offset_after(Some("nonsense")).is_err());
        assert_eq!(parse_id_cursor(&id_cursor(9)).ok(), Some(9));
        let key = key_cursor("CLV DESC", &serde_json::json!(1250), 7);
        assert_eq!(
            parse_key_cursor(&key, "CLV DESC").ok(),
            Some((serde_json::json!(1250), 7))
        );
        assert!(parse_key_cursor(&key, "NAME ASC").is_err());
        assert!(page_size(Some(101), 20).is_err());
    }

    /// A list field without a cost counts as one row, so lists nested in it multiply past the
    /// complexity limit unseen: every field returning a list of objects or a connection has one.
    #[test]
    fn every_list_field_has_a_cost() {
        use async_graphql::registry::{MetaType, Registry};
        use async_graphql::OutputType;

        let mut registry = Registry::default();
        crate::graphql::Query::create_type_info(&mut registry);
        crate::graphql::Mutation::create_type_info(&mut registry);
        let named = |ty: &str| ty.trim_matches(|c| matches!(c, '[' | ']' | '!')).to_owned();
        let fields_of = |name: &str| match registry.types.get(name) {
            Some(MetaType::Object { fields, .. }) => Some(fields),
            _ => None,
        };
        let is_connection = |name: &str| fields_of(name).is_some_and(|fields| fields.contains_key("pageInfo"));
        // The types the schema reaches (the registry also holds the merged roots' parts).
        let mut reached = vec!["Query".to_owned(), "Mutation".to_owned()];
        let mut uncosted = Vec::new();
        let mut next = 0;
        while let Some(type_name) = reached.get(next).cloned() {
            next += 1;
            for field in fields_of(&type_name).into_iter().flat_map(|fields| fields.values()) {
                let returned = named(&field.ty);
                let list_of_objects = field.ty.starts_with('[') && fields_of(&returned).is_some();
                // A connection's edges and nodes are the page its field's cost already counts.
                let costed = field.compute_complexity.is_some() || is_connection(&type_name);
                if (list_of_objects || is_connection(&returned)) && !costed {
                    uncosted.push(format!("{type_name}.{}", field.name));
                }
                if !reached.contains(&returned) {
                    reached.push(returned);
                }
            }
        }
        uncosted.sort();
        assert!(uncosted.is_empty(), "list fields without a cost: {uncosted:?}");
    }
}
