//! Codes a brand imported from its POS: kept in `imported_coupon_codes` until issued, then taken
//! from there in import order, each exactly once (the offer's row is locked while it issues).
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr};

use std::collections::HashMap;

use crate::sql::{id_list, statement};

/// The longest code a list may hold (the column's width).
pub const MAX_LENGTH: usize = 64;

/// A POS code as typed or imported, as stored: trimmed, upper case (codes are read out and typed
/// at a counter, so case never tells two apart). `None` when it cannot be one: empty, longer
/// than `MAX_LENGTH`, or holding anything but letters, digits, `-` and `_`.
pub fn normalize(typed: &str) -> Option<String> {
    let code = typed.trim().to_ascii_uppercase();
    let fits = !code.is_empty() && code.len() <= MAX_LENGTH;
    (fits
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_')))
    .then_some(code)
}

/// Takes up to `n` of the offer's imported codes off its list, oldest first.
pub async fn take(txn: &DatabaseTransaction, definition_id: i64, n: usize) -> Result<Vec<String>, DbErr> {
    let sql = "DELETE FROM imported_coupon_codes WHERE id IN \
               (SELECT id FROM imported_coupon_codes WHERE definition_id = $1 ORDER BY id LIMIT $2) \
               RETURNING id, code";
    let rows = txn
        .query_all(statement(txn, sql, vec![definition_id.into(), (n as i64).into()]))
        .await?;
    let mut taken: Vec<(i64, String)> = rows
        .iter()
        .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "code")?)))
        .collect::<Result<_, DbErr>>()?;
    // RETURNING keeps no order.
    taken.sort_unstable();
    Ok(taken.into_iter().map(|(_, code)| code).collect())
}

/// How many imported codes each of these offers has left to issue (none: absent).
pub async fn left(conn: &impl ConnectionTrait, definition_ids: &[i64]) -> Result<HashMap<i64, i64>, DbErr> {
    if definition_ids.is_empty() {
        return Ok(HashMap::new());
    }
    let sql = format!(
        "SELECT definition_id, COUNT(*) AS left FROM imported_coupon_codes WHERE definition_id IN ({}) \
         GROUP BY definition_id",
        id_list(definition_ids.iter().copied())
    );
    let rows = conn.query_all(statement(conn, &sql, vec![])).await?;
    rows.iter()
        .map(|row| Ok((row.try_get("", "definition_id")?, row.try_get("", "left")?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn a_pos_code_is_trimmed_and_upper_case() {
        assert_eq!(normalize("  ab-12_c "), Some("AB-12_C".into()));
    }

    #[test]
    fn what_cannot_be_a_code_is_refused() {
        assert_eq!(normalize("   "), None);
        assert_eq!(normalize("AB 12"), None);
        assert_eq!(normalize("码123"), None);
        assert_eq!(normalize(&"A".repeat(65)), None);
        assert_eq!(normalize(&"A".repeat(64)).map(|c| c.len()), Some(64));
    }
}
