//! Adding codes from the brand's POS to an offer that issues imported codes: a batch at a time,
//! each code once. Importing a list again changes nothing, so a cut-short import can be re-run.
use std::collections::HashMap;

use entity::coupon_definition;
use jobs::coupons::imported::{self, MAX_LENGTH};
use jobs::sql::statement;
use sea_orm::{ConnectionTrait, TransactionTrait, Value};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::import::Report;
use crate::service::audit;

/// Codes one call may add (a file is added a batch of this many at a time).
pub const BATCH: usize = 1000;

/// The offer, if its codes are imported.
pub async fn importing(conn: &impl ConnectionTrait, definition_id: i64) -> AppResult<coupon_definition::Model> {
    let definition = super::definition(conn, definition_id).await?;
    if !definition.imported_codes {
        return Err(AppError::field(
            "definitionId",
            format!(
                "the offer {:?} makes its own codes; imported codes need an offer defined with importedCodes",
                definition.name
            ),
        ));
    }
    Ok(definition)
}

/// Adds a batch of `(line, code as typed)` to the offer's list: a code already in its list (or
/// already issued from it) is unchanged; one that is not a code, or is another offer's, is
/// rejected with its line.
pub async fn add(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    definition: &coupon_definition::Model,
    batch: Vec<(u64, String)>,
    report: &mut Report,
) -> AppResult<()> {
    let mut codes: HashMap<String, u64> = HashMap::with_capacity(batch.len());
    for (line, typed) in batch {
        match imported::normalize(&typed) {
            None => report.rejected.push((
                line,
                format!("code: {typed:?} is not a code: 1 to {MAX_LENGTH} letters, digits, - or _"),
            )),
            Some(code) if codes.contains_key(&code) => report.unchanged += 1,
            Some(code) => {
                codes.insert(code, line);
            }
        }
    }
    for (code, owner) in owners(conn, codes.keys()).await? {
        let Some(line) = codes.remove(&code) else { continue };
        if owner == definition.id {
            report.unchanged += 1;
        } else {
            report
                .rejected
                .push((line, format!("code: {code:?} is already another offer's")));
        }
    }
    if codes.is_empty() {
        return Ok(());
    }
    let rows: Vec<String> = (0..codes.len()).map(|n| format!("($1, ${})", n + 2)).collect();
    let sql = format!(
        "INSERT INTO imported_coupon_codes (definition_id, code) VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    // In the file's order, which is the order they are issued in.
    let mut codes: Vec<(u64, String)> = codes.into_iter().map(|(code, line)| (line, code)).collect();
    codes.sort_unstable();
    let mut values: Vec<Value> = vec![definition.id.into()];
    values.extend(codes.into_iter().map(|(_, code)| Value::from(code)));
    let txn = conn.begin().await?;
    let added = txn.execute(statement(&txn, &sql, values)).await?.rows_affected();
    let detail = serde_json::json!({ "definitionId": definition.id, "added": added });
    audit::record(&txn, viewer, "coupon.import_codes", None, detail).await?;
    txn.commit().await?;
    report.added += added;
    Ok(())
}

/// The offers that already have these codes, in their lists or issued.
async fn owners(conn: &impl ConnectionTrait, codes: impl Iterator<Item = &String>) -> AppResult<Vec<(String, i64)>> {
    let codes: Vec<Value> = codes.map(|c| Value::from(c.as_str())).collect();
    if codes.is_empty() {
        return Ok(Vec::new());
    }
    let placeholders: Vec<String> = (1..=codes.len()).map(|n| format!("${n}")).collect();
    let list = placeholders.join(", ");
    let sql = format!(
        "SELECT code, definition_id FROM imported_coupon_codes WHERE code IN ({list}) \
         UNION ALL SELECT code, definition_id FROM coupons WHERE code IN ({list})"
    );
    let rows = conn.query_all(statement(conn, &sql, codes)).await?;
    Ok(rows
        .iter()
        .map(|row| Ok((row.try_get("", "code")?, row.try_get("", "definition_id")?)))
        .collect::<Result<_, sea_orm::DbErr>>()?)
}
