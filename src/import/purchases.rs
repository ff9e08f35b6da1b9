//! The purchases importer: purchases and returns, each order once however often it is imported.
use std::collections::{HashMap, HashSet};
use std::path::Path;

use entity::purchase;
use entity::vocabulary::PurchaseKind;
use jobs::sql;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, Set, TransactionTrait};
use sha2::{Digest, Sha256};

use super::batch::{members_by_number, Lines, StoreCache, BATCH};
use super::csv::{parse_decimal, parse_time, CsvFile, Row};
use super::{Encoding, Report};
use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::purchase::{self as purchases, LineItem};
use crate::service::{audit, points};

/// Imports purchases and returns; an order already recorded with the same details is unchanged.
/// `encoding` is detected when `None`.
pub async fn purchases(
    db: &DatabaseConnection,
    brand: &Brand,
    path: &Path,
    encoding: Option<Encoding>,
) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, encoding, &["member_no", "occurred_at", "amount"])?;
    let mut report = Report::default();
    let mut batch = Vec::new();
    let mut stores = StoreCache::default();
    while let Some(row) = csv.next_row() {
        match row.and_then(|row| parse_purchase(&csv, &row, brand).map_err(|e| (row.line, e.message()))) {
            Ok(parsed) => batch.push(parsed),
            Err(rejection) => report.rejected.push(rejection),
        }
        if batch.len() >= BATCH {
            write_purchases(db, brand, &mut stores, std::mem::take(&mut batch), &mut report).await?;
        }
    }
    write_purchases(db, brand, &mut stores, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

struct PurchaseRow {
    line: u64,
    member_no: String,
    store_code: Option<String>,
    key: (String, PurchaseKind),
    row: purchase::ActiveModel,
}

fn parse_purchase(csv: &CsvFile, row: &Row, brand: &Brand) -> AppResult<PurchaseRow> {
    let cell = |column| csv.cell(row, column);
    let member_no = crate::validate::member_no("member_no", cell("member_no").unwrap_or_default())?;
    let occurred_at = parse_time("occurred_at", cell("occurred_at").unwrap_or_default(), brand)?;
    let amount = parse_decimal("amount", cell("amount").unwrap_or_default())?;
    let profit = cell("profit").map(|p| parse_decimal("profit", p)).transpose()?;
    let kind = match cell("kind").map(str::to_lowercase) {
        None => PurchaseKind::Purchase,
        Some(text) => PurchaseKind::parse(&text)
            .ok_or_else(|| AppError::field("kind", format!("kind must be purchase or return, not {text:?}")))?,
    };
    // Without an order id, the row's own content is its identity, so re-imports match.
    let order_id = match cell("order_id") {
        Some(id) => id.to_owned(),
        None => {
            let digest = Sha256::digest(format!("{member_no}|{}|{amount}|{kind}", occurred_at.to_rfc3339()));
            format!("csv-{}", &hex::encode(digest)[..20])
        }
    };
    let line = LineItem {
        order_id: &order_id,
        kind,
        occurred_at,
        amount,
        profit,
        category: cell("category"),
    };
    let parsed = purchases::validate_line(&line, brand)?;
    Ok(PurchaseRow {
        line: row.line,
        member_no,
        store_code: cell("store").map(str::to_owned),
        key: (order_id, kind),
        row: parsed,
    })
}

async fn write_purchases(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<PurchaseRow>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let Some(lines) = Lines::of(&batch, |row| row.line) else {
        return Ok(());
    };
    store_purchases(db, brand, stores, batch, lines, report)
        .await
        .map_err(|err| lines.failed(err))
}

async fn store_purchases(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<PurchaseRow>,
    lines: Lines,
    report: &mut Report,
) -> anyhow::Result<()> {
    let numbers: HashSet<&str> = batch.iter().map(|p| p.member_no.as_str()).collect();
    let known = members_by_number(db, numbers).await?;
    let mut stored = purchases::existing(db, batch.iter().map(|p| p.key.clone())).await?;
    let mut new_rows: HashMap<(String, PurchaseKind), purchase::ActiveModel> = HashMap::new();
    for PurchaseRow {
        line,
        member_no,
        store_code,
        key,
        mut row,
    } in batch
    {
        let Some(member) = known.get(&member_no) else {
            report
                .rejected
                .push((line, format!("member_no: no member has the number {member_no:?}")));
            continue;
        };
        row.member_id = Set(member.id);
        row.store_id = Set(match &store_code {
            Some(code) => Some(stores.id(db, code).await?),
            None => member.store_id,
        });
        let previous = stored
            .get(&key)
            .map(|p| purchases::same_line(p, &row))
            .or_else(|| new_rows.get(&key).map(|pending| purchases::same_content(pending, &row)));
        match previous {
            Some(true) => report.unchanged += 1,
            Some(false) => report.rejected.push((
                line,
                format!("order {:?} already has a {} with different details", key.0, key.1),
            )),
            None => {
                new_rows.insert(key, row);
            }
        }
    }
    stored.clear();
    let on_conflict = OnConflict::columns([purchase::Column::OrderId, purchase::Column::Kind])
        .do_nothing()
        .to_owned();
    let mut orders: Vec<String> = new_rows.keys().map(|(order_id, _)| order_id.clone()).collect();
    orders.sort_unstable();
    orders.dedup();
    // The batch's rows, their audit entry and their points together, or none of them.
    let txn = db.begin().await?;
    let added = sql::insert_chunked(&txn, new_rows.into_values().collect(), on_conflict).await?;
    let detail = serde_json::json!({ "fromLine": lines.first, "added": added });
    audit::record(&txn, &Viewer::cli(), "purchases.import", None, detail).await?;
    points::settle_orders(&txn, &Viewer::cli(), brand, &orders).await?;
    txn.commit().await?;
    report.added += added;
    Ok(())
}
