//! CSV import of members and purchases (formats in docs/commands.md).
//!
//! Rows are read as a stream (UTF-8 or GB18030, decoded on the fly) and written in batches:
//! a few lookup queries and multi-row inserts per batch, each within both databases' limits.
//! Bad rows are reported by line and skipped; good rows are kept; importing the same file again
//! changes nothing.
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use entity::vocabulary::PurchaseKind;
use entity::{member, purchase};
use indicatif::{ProgressBar, ProgressBarIter, ProgressStyle};
use jobs::sql;
use rust_decimal::Decimal;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, EntityTrait, Set, TransactionTrait};
use sha2::{Digest, Sha256};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::member::{self as members, Gender, MemberFields};
use crate::service::purchase::{self as purchases, LineItem};
use crate::service::{audit, points, store};

const BATCH: usize = 1000;

/// The text encoding of a CSV file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Encoding {
    /// UTF-8, with or without a byte-order mark.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, a superset of GBK and GB2312: what Excel on Chinese Windows saves.
    #[value(name = "gb18030", alias = "gbk")]
    Gb18030,
}

impl Encoding {
    /// How much of a file decides its encoding when none is given: enough for thousands of rows
    /// without reading a large file twice.
    const SAMPLE: u64 = 1 << 20;

    /// UTF-8 when the start of the file is valid UTF-8 (a character cut at the end of the sample
    /// counts as valid), otherwise GB18030.
    fn detect(file: &mut File) -> std::io::Result<Self> {
        let mut sample = Vec::new();
        file.by_ref().take(Self::SAMPLE).read_to_end(&mut sample)?;
        file.rewind()?;
        Ok(match std::str::from_utf8(&sample) {
            Err(err) if err.error_len().is_some() => Self::Gb18030,
            _ => Self::Utf8,
        })
    }

    /// A streaming decoder to UTF-8. UTF-8 passes through unchanged, so an invalid line is
    /// rejected rather than silently altered; a byte-order mark (UTF-8 or UTF-16) wins over
    /// GB18030.
    fn reader<R: Read>(self, source: R) -> DecodeReaderBytes<R, Vec<u8>> {
        let mut builder = DecodeReaderBytesBuilder::new();
        builder.strip_bom(true);
        match self {
            Self::Utf8 => builder.utf8_passthru(true),
            Self::Gb18030 => builder.encoding(Some(encoding_rs::GB18030)).bom_override(true),
        };
        builder.build(source)
    }
}

/// The rejection of text that is not UTF-8: it names the flag that reads the likely encoding.
const NOT_UTF8: &str = "not valid UTF-8 text; if the file was saved as GBK/GB18030 (e.g. by Excel on \
                        Chinese Windows), import it with --encoding gb18030";

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
    reader: csv::Reader<DecodeReaderBytes<ProgressBarIter<File>, Vec<u8>>>,
    columns: HashMap<String, usize>,
    progress: ProgressBar,
}

/// One data row and its line number in the file.
struct Row {
    line: u64,
    record: csv::StringRecord,
}

impl CsvFile {
    /// Opens a file in `encoding`, or in the one its start shows when `None`.
    fn open(path: &Path, encoding: Option<Encoding>, required: &[&str]) -> anyhow::Result<Self> {
        let cannot_read = |e: std::io::Error| anyhow::anyhow!("cannot read {}: {e}", path.display());
        let mut file = File::open(path).map_err(cannot_read)?;
        let encoding = match encoding {
            Some(encoding) => encoding,
            None => Encoding::detect(&mut file).map_err(cannot_read)?,
        };
        if encoding == Encoding::Gb18030 {
            tracing::info!(file = %path.display(), "reading the file as GB18030");
        }
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        // indicatif draws nothing when stderr is not a terminal.
        let progress = ProgressBar::new(size);
        if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {per_sec} eta {eta}") {
            progress.set_style(style);
        }
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .flexible(true)
            .from_reader(encoding.reader(progress.wrap_read(file)));
        let header = reader.headers().map_err(|err| match err.kind() {
            csv::ErrorKind::Utf8 { .. } => anyhow::anyhow!("{}: the header is {NOT_UTF8}", path.display()),
            _ => anyhow::anyhow!("{}: unreadable header: {err}", path.display()),
        })?;
        let columns: HashMap<String, usize> = header
            .iter()
            .enumerate()
            .map(|(i, name)| (name.to_lowercase(), i))
            .collect();
        if let Some(missing) = required.iter().find(|c| !columns.contains_key(**c)) {
            anyhow::bail!(
                "{}: the header has no {missing:?} column (required: {})",
                path.display(),
                required.join(",")
            );
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
                let line = record.position().map(|p| p.line()).unwrap_or(line);
                Some(Ok(Row { line, record }))
            }
            Ok(false) => None,
            Err(err) if matches!(err.kind(), csv::ErrorKind::Utf8 { .. }) => Some(Err((line, NOT_UTF8.to_owned()))),
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
/// `encoding` is detected when `None`.
pub async fn members(
    db: &DatabaseConnection,
    brand: &Brand,
    path: &Path,
    encoding: Option<Encoding>,
) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, encoding, &["member_no", "name"])?;
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
    let Some(lines) = Lines::of(&batch, |row| row.line) else {
        return Ok(());
    };
    store_members(db, brand, stores, batch, lines, report)
        .await
        .map_err(|err| lines.failed(err))
}

async fn store_members(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<MemberRow>,
    lines: Lines,
    report: &mut Report,
) -> anyhow::Result<()> {
    let numbers: HashSet<&str> = batch
        .iter()
        .flat_map(|row| std::iter::once(row.member_no.as_str()).chain(row.valid.referred_by.as_deref()))
        .collect();
    let known = members_by_number(db, numbers).await?;
    let cli = Viewer::cli();
    let mut new_rows = Vec::new();
    let added_before = report.added;
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
    let on_conflict = OnConflict::column(member::Column::MemberNo).do_nothing().to_owned();
    report.added += sql::insert_chunked(db, new_rows, on_conflict).await?;
    let detail = serde_json::json!({ "fromLine": lines.first, "added": report.added - added_before });
    audit::record(db, &cli, "members.import", None, detail).await?;
    Ok(())
}

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

/// The stored members among these numbers.
async fn members_by_number(
    db: &DatabaseConnection,
    numbers: HashSet<&str>,
) -> anyhow::Result<HashMap<String, member::Model>> {
    let numbers: Vec<&str> = numbers.into_iter().collect();
    let members = sql::find_in(db, member::Entity::find(), member::Column::MemberNo, &numbers).await?;
    Ok(members.into_iter().map(|m| (m.member_no.clone(), m)).collect())
}

/// The file lines a batch spans.
#[derive(Clone, Copy)]
struct Lines {
    first: u64,
    last: u64,
}

impl Lines {
    fn of<T>(batch: &[T], line: impl Fn(&T) -> u64) -> Option<Self> {
        Some(Self {
            first: line(batch.first()?),
            last: line(batch.last()?),
        })
    }

    /// A batch's error names its lines: the batches before it are stored, so the user learns
    /// where the import stopped, and that running it again after a fix is safe.
    fn failed(self, err: anyhow::Error) -> anyhow::Error {
        let (first, last) = (self.first, self.last);
        let cause = one_line(&err);
        anyhow::anyhow!(
            "lines {first}–{last}: {cause} (earlier lines are imported; importing the file again after a fix is safe)"
        )
    }
}

/// An error and its causes on one line, each once: sea-orm and sqlx repeat their source's text
/// in their own.
fn one_line(err: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in err.chain().map(ToString::to_string) {
        if !text.contains(&cause) {
            if !text.is_empty() {
                text.push_str(": ");
            }
            text.push_str(&cause);
        }
    }
    text
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
