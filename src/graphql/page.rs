//! Relay pagination arguments and cursors.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::error::{AppError, AppResult};

/// The largest page a client may ask for.
pub const MAX_PAGE: i32 = 100;

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
}
