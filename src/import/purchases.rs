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
use crate::service::coupon::{self, batch::Presented};
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
    super::analyze_after(db, "purchases", &report).await?;
    Ok(report)
}

struct PurchaseRow {
    line: u64,
    member_no: String,
    store_code: Option<String>,
    /// A coupon code redeemed with the order, as typed.
    coupon: Option<String>,
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
    let coupon = cell("coupon").map(str::to_owned);
    if coupon.is_some() && kind == PurchaseKind::Return {
        return Err(AppError::field(
            "coupon",
            "a return redeems no coupon; returning an order in full gives its coupon back",
        ));
    }
    Ok(PurchaseRow {
        line: row.line,
        member_no,
        store_code: cell("store").map(str::to_owned),
        coupon,
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
    // New orders' lines that present a coupon (a line recorded before had its coupon then).
    let mut presented: Vec<Presented> = Vec::new();
    let mut order_of_line: HashMap<u64, (String, PurchaseKind)> = HashMap::new();
    for PurchaseRow {
        line,
        member_no,
        store_code,
        coupon,
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
                if let Some(typed) = coupon {
                    presented.push(Presented {
                        line,
                        typed,
                        order_id: key.0.clone(),
                        member_id: member.id,
                        store_id: *row.store_id.as_ref(),
                        day: *row.occurred_on.as_ref(),
                        paid_cents: *row.amount_cents.as_ref(),
                        category: row.category.as_ref().clone(),
                    });
                    order_of_line.insert(line, key.clone());
                }
                new_rows.insert(key, row);
            }
        }
    }
    let (fit, unfit) = coupon::batch::check(db, &presented).await?;
    drop(presented);
    // A coupon that does not apply records no order, as at the counter.
    let mut refuse = |line: u64, reason: String, new_rows: &mut HashMap<_, _>| {
        new_rows.remove(&order_of_line[&line]);
        report.rejected.push((line, reason));
    };
    for (line, reason) in unfit {
        refuse(line, reason, &mut new_rows);
    }
    stored.clear();
    let on_conflict = OnConflict::columns([purchase::Column::OrderId, purchase::Column::Kind])
        .do_nothing()
        .to_owned();
    // The batch's rows, their coupons, audit entry and points together, or none of them.
    let txn = db.begin().await?;
    for line in coupon::batch::write(&txn, &Viewer::cli(), &fit).await? {
        let reason = "coupon: another order redeemed it meanwhile".to_owned();
        refuse(line, reason, &mut new_rows);
    }
    let mut orders: Vec<String> = new_rows.keys().map(|(order_id, _)| order_id.clone()).collect();
    orders.sort_unstable();
    orders.dedup();
    let returns: Vec<String> = new_rows
        .keys()
        .filter(|(_, kind)| *kind == PurchaseKind::Return)
        .map(|(order_id, _)| order_id.clone())
        .collect();
    let added = sql::insert_chunked(&txn, new_rows.into_values().collect(), on_conflict).await?;
    let detail = serde_json::json!({ "fromLine": lines.first, "added": added });
    audit::record(&txn, &Viewer::cli(), "purchases.import", None, detail).await?;
    points::settle_orders(&txn, &Viewer::cli(), brand, &orders).await?;
    let returns: Vec<&str> = returns.iter().map(String::as_str).collect();
    coupon::restore_for_returns(&txn, &Viewer::cli(), brand.today(), &returns).await?;
    txn.commit().await?;
    report.added += added;
    Ok(())
}
