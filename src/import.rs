//! CSV import of members and purchases (formats in DOMAIN.md section 5).
//!
//! Rows are read as a stream and written in batches: one lookup query and one multi-row insert
//! per batch. Bad rows are reported by line and skipped; good rows are kept; importing the same
//! file again changes nothing.
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use entity::{member, purchase};
use indicatif::{ProgressBar, ProgressStyle};
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::member::{self as members, Gender, MemberFields};
use crate::service::purchase::{self as purchases, LineItem, PURCHASE};
use crate::service::{audit, store};

const BATCH: usize = 1000;

/// What an import did.
#[derive(Debug, Default)]
pub struct Report {
    pub added: u64,
    pub updated: u64,
    pub unchanged: u64,
    /// (line number, reason) of every rejected row.
    pub rejected: Vec<(u64, String)>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "added {}, updated {}, unchanged {}, rejected {}",
            self.added,
            self.updated,
            self.unchanged,
            self.rejected.len()
        )?;
        for (line, reason) in &self.rejected {
            writeln!(f, "line {line}: {reason}")?;
        }
        Ok(())
    }
}

/// A CSV file read row by row, with its columns found by header name.
struct CsvFile {
    reader: csv::Reader<File>,
    columns: HashMap<String, usize>,
    progress: ProgressBar,
}

/// One data row and its line number in the file.
struct Row {
    line: u64,
    record: csv::StringRecord,
}

impl CsvFile {
    fn open(path: &Path, required: &[&str]) -> anyhow::Result<Self> {
        let file = File::open(path).map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(file);
        let columns: HashMap<String, usize> = reader
            .headers()?
            .iter()
            .enumerate()
            .map(|(i, name)| (name.trim_start_matches('\u{feff}').to_lowercase(), i))
            .collect();
        if let Some(missing) = required.iter().find(|c| !columns.contains_key(**c)) {
            anyhow::bail!(
                "{}: the header has no {missing:?} column (required: {})",
                path.display(),
                required.join(",")
            );
        }
        // indicatif draws nothing when stderr is not a terminal.
        let progress = ProgressBar::new(size);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}") {
            progress.set_style(style);
        }
        Ok(Self {
            reader,
            columns,
            progress,
        })
    }

    /// The next row, or a rejection for a row the CSV reader cannot parse.
    fn next_row(&mut self) -> Option<Result<Row, (u64, String)>> {
        let mut record = csv::StringRecord::new();
        let line = self.reader.position().line();
        match self.reader.read_record(&mut record) {
            Ok(true) => {
                self.progress.set_position(self.reader.position().byte());
                let line = record.position().map(|p| p.line()).unwrap_or(line);
                Some(Ok(Row { line, record }))
            }
            Ok(false) => None,
            Err(err) => Some(Err((line, format!("unreadable CSV: {err}")))),
        }
    }

    /// The trimmed cell of `column`, `None` when absent or empty.
    fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        self.columns
            .get(column)
            .and_then(|i| row.record.get(*i))
            .filter(|v| !v.is_empty())
    }
}

/// Imports members: new member numbers are added, known ones updated where the file differs.
pub async fn members(db: &DatabaseConnection, brand: &Brand, path: &Path) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, &["member_no", "name"])?;
    let mut report = Report::default();
    let mut batch: Vec<MemberRow> = Vec::new();
    let mut stores = StoreCache::default();
    while let Some(row) = csv.next_row() {
        let row = match row {
            Ok(row) => row,
            Err(rejection) => {
                report.rejected.push(rejection);
                continue;
            }
        };
        match parse_member(&csv, &row, brand) {
            Ok(parsed) => {
                // A row that names a member of the pending batch waits for that batch to land.
                let depends = batch.iter().any(|b| {
                    b.member_no == parsed.member_no || Some(&b.member_no) == parsed.valid.referred_by.as_ref()
                });
                if depends || batch.len() >= BATCH {
                    write_members(db, brand, &mut stores, std::mem::take(&mut batch), &mut report).await?;
                }
                batch.push(parsed);
            }
            Err(err) => report.rejected.push((row.line, err.message())),
        }
    }
    write_members(db, brand, &mut stores, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

struct MemberRow {
    line: u64,
    member_no: String,
    valid: members::ValidFields,
}

fn parse_member(csv: &CsvFile, row: &Row, brand: &Brand) -> AppResult<MemberRow> {
    let cell = |column| csv.cell(row, column);
    let member_no = crate::validate::member_no("member_no", cell("member_no").unwrap_or_default())?;
    let gender = cell("gender")
        .map(|g| {
            Gender::parse(g)
                .ok_or_else(|| AppError::field("gender", format!("gender {g:?} is not female, male or other")))
        })
        .transpose()?;
    let fields = MemberFields {
        name: Some(cell("name").unwrap_or_default().to_owned()),
        gender,
        birthday: cell("birthday").map(|d| parse_date("birthday", d)).transpose()?,
        phone: cell("phone").map(str::to_owned),
        email: cell("email").map(str::to_owned),
        city: cell("city").map(str::to_owned),
        joined_at: cell("joined_at").map(|d| parse_date("joined_at", d)).transpose()?,
        store_code: cell("store").map(str::to_owned),
        referred_by: cell("referred_by").map(str::to_owned),
        email_consent: cell("email_consent")
            .map(|c| parse_bool("email_consent", c))
            .transpose()?,
        locale: cell("locale").map(str::to_owned),
        time_zone: cell("time_zone").map(str::to_owned),
        ..MemberFields::default()
    };
    let valid = members::validate_fields(&fields, brand.today())?;
    if valid.referred_by.as_deref() == Some(member_no.as_str()) {
        return Err(AppError::field("referred_by", "a member cannot refer themself"));
    }
    Ok(MemberRow {
        line: row.line,
        member_no,
        valid,
    })
}

async fn write_members(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<MemberRow>,
    report: &mut Report,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let numbers: HashSet<&str> = batch
        .iter()
        .flat_map(|row| std::iter::once(row.member_no.as_str()).chain(row.valid.referred_by.as_deref()))
        .collect();
    let known = members_by_number(db, numbers).await?;
    let cli = Viewer::cli();
    let mut new_rows = Vec::new();
    let (first_line, added_before) = (batch[0].line, report.added);
    for MemberRow {
        line,
        member_no,
        mut valid,
    } in batch
    {
        if let Some(code) = &valid.store_code {
            valid.row.store_id = Set(Some(stores.id(db, code).await?));
        }
        if let Some(referrer) = &valid.referred_by {
            match known.get(referrer) {
                Some(referrer) => valid.row.referred_by_id = Set(Some(referrer.id)),
                None => {
                    report
                        .rejected
                        .push((line, format!("referred_by: no member has the number {referrer:?}")));
                    continue;
                }
            }
        }
        match known.get(&member_no) {
            Some(current) if members::changed_columns(current, &valid.row).is_empty() => report.unchanged += 1,
            Some(current) => match members::save_changes(db, &cli, current, valid.row, Some("import")).await {
                Ok(_) => report.updated += 1,
                Err(AppError::Internal(cause)) => return Err(cause),
                Err(rejection) => report.rejected.push((line, rejection.message())),
            },
            None => match members::with_defaults(valid.row, member_no, brand) {
                Ok(mut row) => {
                    members::stamp_consent(&mut row, Some("import"), "import");
                    new_rows.push(row);
                }
                Err(rejection) => report.rejected.push((line, rejection.message())),
            },
        }
    }
    if !new_rows.is_empty() {
        let inserted = new_rows.len() as u64;
        member::Entity::insert_many(new_rows)
            .on_conflict(OnConflict::column(member::Column::MemberNo).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
        report.added += inserted;
    }
    let detail = serde_json::json!({ "fromLine": first_line, "added": report.added - added_before });
    audit::record(db, &cli, "members.import", None, detail).await?;
    Ok(())
}

/// Imports purchases and returns; an order already recorded with the same details is unchanged.
pub async fn purchases(db: &DatabaseConnection, brand: &Brand, path: &Path) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, &["member_no", "occurred_at", "amount"])?;
    let mut report = Report::default();
    let mut batch = Vec::new();
    let mut stores = StoreCache::default();
    while let Some(row) = csv.next_row() {
        match row.and_then(|row| parse_purchase(&csv, &row, brand).map_err(|e| (row.line, e.message()))) {
            Ok(parsed) => batch.push(parsed),
            Err(rejection) => report.rejected.push(rejection),
        }
        if batch.len() >= BATCH {
            write_purchases(db, &mut stores, std::mem::take(&mut batch), &mut report).await?;
        }
    }
    write_purchases(db, &mut stores, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}

struct PurchaseRow {
    line: u64,
    member_no: String,
    store_code: Option<String>,
    key: (String, String),
    row: purchase::ActiveModel,
}

fn parse_purchase(csv: &CsvFile, row: &Row, brand: &Brand) -> AppResult<PurchaseRow> {
    let cell = |column| csv.cell(row, column);
    let member_no = crate::validate::member_no("member_no", cell("member_no").unwrap_or_default())?;
    let occurred_at = parse_time("occurred_at", cell("occurred_at").unwrap_or_default(), brand)?;
    let amount = parse_decimal("amount", cell("amount").unwrap_or_default())?;
    let profit = cell("profit").map(|p| parse_decimal("profit", p)).transpose()?;
    let kind = cell("kind")
        .map(str::to_lowercase)
        .unwrap_or_else(|| PURCHASE.to_owned());
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
        kind: &kind,
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
    stores: &mut StoreCache,
    batch: Vec<PurchaseRow>,
    report: &mut Report,
) -> anyhow::Result<()> {
    if batch.is_empty() {
        return Ok(());
    }
    let numbers: HashSet<&str> = batch.iter().map(|p| p.member_no.as_str()).collect();
    let known = members_by_number(db, numbers).await?;
    let mut stored = purchases::existing(db, batch.iter().map(|p| p.key.clone())).await?;
    let mut new_rows: HashMap<(String, String), purchase::ActiveModel> = HashMap::new();
    let first_line = batch[0].line;
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
    let added = new_rows.len() as u64;
    if added > 0 {
        purchase::Entity::insert_many(new_rows.into_values())
            .on_conflict(
                OnConflict::columns([purchase::Column::OrderId, purchase::Column::Kind])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        report.added += added;
    }
    let detail = serde_json::json!({ "fromLine": first_line, "added": added });
    audit::record(db, &Viewer::cli(), "purchases.import", None, detail).await?;
    Ok(())
}

/// The stored members among these numbers, in one query.
async fn members_by_number(
    db: &DatabaseConnection,
    numbers: HashSet<&str>,
) -> anyhow::Result<HashMap<String, member::Model>> {
    let members = member::Entity::find()
        .filter(member::Column::MemberNo.is_in(numbers))
        .all(db)
        .await?;
    Ok(members.into_iter().map(|m| (m.member_no.clone(), m)).collect())
}

/// Store ids by code for one import, creating stores the file names first.
#[derive(Default)]
struct StoreCache(HashMap<String, i64>);

impl StoreCache {
    async fn id(&mut self, db: &DatabaseConnection, code: &str) -> AppResult<i64> {
        if let Some(id) = self.0.get(code) {
            return Ok(*id);
        }
        let id = store::ensure(db, code).await?;
        self.0.insert(code.to_owned(), id);
        Ok(id)
    }
}

fn parse_date(field: &str, text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(text).map(|t| t.date_naive()))
        .map_err(|_| AppError::field(field, format!("{field} {text:?} is not a date like 2026-03-01")))
}

/// A date (that day in the brand's time zone) or an RFC 3339 time.
fn parse_time(field: &str, text: &str, brand: &Brand) -> AppResult<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map(|date| brand.noon_of(date))
        .map_err(|_| {
            AppError::field(
                field,
                format!("{field} {text:?} is neither a date nor an RFC 3339 time"),
            )
        })
}

fn parse_decimal(field: &str, text: &str) -> AppResult<Decimal> {
    text.parse::<Decimal>()
        .map_err(|_| AppError::field(field, format!("{field} {text:?} is not a number")))
}

fn parse_bool(field: &str, text: &str) -> AppResult<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Ok(true),
        "false" | "no" | "n" | "0" | "否" => Ok(false),
        _ => Err(AppError::field(field, format!("{field} {text:?} is not true or false"))),
    }
}
