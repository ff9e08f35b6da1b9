//! The member fields importer: `member_no` and one column per field of the brand's own (by its
//! key), a batch at a time. An empty cell leaves the member's value as it is; a row with a value
//! that does not fit its field is rejected whole, with the reason.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use entity::{member_field, member_field_value};
use jobs::sql;
use sea_orm::{DatabaseConnection, EntityTrait, TransactionTrait};

use super::batch::{members_by_number, BATCH};
use super::csv::{CsvFile, Row};
use super::{Encoding, Report};
use crate::auth::Viewer;
use crate::service::{audit, member_field as fields};

/// Sets the values the file gives. `encoding` is detected when `None`.
pub async fn member_fields(db: &DatabaseConnection, path: &Path, encoding: Option<Encoding>) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, encoding, &["member_no"])?;
    let defined: HashMap<String, member_field::Model> = fields::all(db)
        .await
        .map_err(|err| anyhow::anyhow!(err.message()))?
        .into_iter()
        .map(|f| (f.key.clone(), f))
        .collect();
    let mut columns: Vec<member_field::Model> = Vec::new();
    for name in csv.column_names().filter(|name| *name != "member_no") {
        match defined.get(name) {
            Some(field) => columns.push(field.clone()),
            None => anyhow::bail!(
                "{}: the header's {name:?} is no member field; fields: {}",
                path.display(),
                defined.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        }
    }
    let mut report = Report::default();
    let mut batch: Vec<Row> = Vec::with_capacity(BATCH);
    while let Some(row) = csv.next_row() {
        match row {
            Ok(row) => batch.push(row),
            Err(rejection) => report.rejected.push(rejection),
        }
        if batch.len() >= BATCH {
            write(db, &csv, &columns, std::mem::take(&mut batch), &mut report).await?;
        }
    }
    write(db, &csv, &columns, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

/// Writes one batch: its members found at once, each value compared with the stored one
/// (counted as added, updated or unchanged), the changes written in one transaction.
async fn write(
    db: &DatabaseConnection,
    csv: &CsvFile,
    columns: &[member_field::Model],
    batch: Vec<Row>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let numbers: HashSet<&str> = batch.iter().filter_map(|row| csv.cell(row, "member_no")).collect();
    let members = members_by_number(db, numbers).await?;
    let ids: Vec<i64> = members.values().map(|m| m.id).collect();
    let stored: HashMap<(i64, i64), String> = sql::find_in(
        db,
        member_field_value::Entity::find(),
        member_field_value::Column::MemberId,
        &ids,
    )
    .await?
    .into_iter()
    .map(|v| ((v.member_id, v.field_id), v.value))
    .collect();
    // The last row of a member wins, as if the rows were imported one after the other.
    let mut changes: HashMap<(i64, i64), fields::Stored> = HashMap::new();
    for row in &batch {
        let Some(member) = csv.cell(row, "member_no").and_then(|no| members.get(no)) else {
            let no = csv.cell(row, "member_no").unwrap_or_default();
            report
                .rejected
                .push((row.line, format!("no member has the number {no:?}")));
            continue;
        };
        let read: Result<Vec<_>, String> = columns
            .iter()
            .filter_map(|field| csv.cell(row, &field.key).map(|value| (field, value)))
            .map(|(field, value)| {
                let stored = fields::read(field, value, &field.key).map_err(|refused| refused.message());
                stored.map(|stored| (field.id, stored))
            })
            .collect();
        match read {
            Ok(values) => changes.extend(values.into_iter().map(|(field, v)| ((member.id, field), v))),
            Err(reason) => report.rejected.push((row.line, reason)),
        }
    }
    let mut rows = Vec::new();
    for ((member_id, field_id), value) in changes {
        match stored.get(&(member_id, field_id)) {
            Some(text) if *text == value.text => report.unchanged += 1,
            Some(_) => report.updated += 1,
            None => report.added += 1,
        }
        if stored.get(&(member_id, field_id)) != Some(&value.text) {
            rows.push(fields::row(member_id, field_id, value));
        }
    }
    if rows.is_empty() {
        return Ok(());
    }
    let txn = db.begin().await?;
    let written = rows.len();
    fields::upsert(&txn, rows)
        .await
        .map_err(|err| anyhow::anyhow!(err.message()))?;
    let detail = serde_json::json!({ "values": written });
    audit::record(&txn, &Viewer::cli(), "member_field.import", None, detail)
        .await
        .map_err(|err| anyhow::anyhow!(err.message()))?;
    txn.commit().await?;
    Ok(())
}
