//! Reading CSV files: the encoding (given or detected), the header's columns, rows with their
//! line numbers, and the text of cells as dates, times, numbers and yes/no.
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use chrono::{DateTime, NaiveDate, Utc};
use encoding_rs_io::{DecodeReaderBytes, DecodeReaderBytesBuilder};
use indicatif::{ProgressBar, ProgressBarIter, ProgressStyle};
use rust_decimal::Decimal;

use crate::brand::Brand;
use crate::error::{AppError, AppResult};

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

/// A CSV file read row by row, with its columns found by header name.
pub(super) struct CsvFile {
    reader: csv::Reader<DecodeReaderBytes<ProgressBarIter<File>, Vec<u8>>>,
    columns: HashMap<String, usize>,
    pub(super) progress: ProgressBar,
}

/// One data row and its line number in the file.
pub(super) struct Row {
    pub(super) line: u64,
    record: csv::StringRecord,
}

impl CsvFile {
    /// Opens a file in `encoding`, or in the one its start shows when `None`.
    pub(super) fn open(path: &Path, encoding: Option<Encoding>, required: &[&str]) -> anyhow::Result<Self> {
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
    pub(super) fn next_row(&mut self) -> Option<Result<Row, (u64, String)>> {
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

    /// The header's column names (lowercased), in no particular order.
    pub(super) fn column_names(&self) -> impl Iterator<Item = &str> {
        self.columns.keys().map(String::as_str)
    }

    /// The trimmed cell of `column`, `None` when absent or empty.
    pub(super) fn cell<'r>(&self, row: &'r Row, column: &str) -> Option<&'r str> {
        self.columns
            .get(column)
            .and_then(|i| row.record.get(*i))
            .filter(|v| !v.is_empty())
    }
}

pub(super) fn parse_date(field: &str, text: &str) -> AppResult<NaiveDate> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| DateTime::parse_from_rfc3339(text).map(|t| t.date_naive()))
        .map_err(|_| AppError::field(field, format!("{field} {text:?} is not a date like 2026-03-01")))
}

/// A date (that day in the brand's time zone) or an RFC 3339 time.
pub(super) fn parse_time(field: &str, text: &str, brand: &Brand) -> AppResult<DateTime<Utc>> {
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

pub(super) fn parse_decimal(field: &str, text: &str) -> AppResult<Decimal> {
    text.parse::<Decimal>()
        .map_err(|_| AppError::field(field, format!("{field} {text:?} is not a number")))
}

pub(super) fn parse_bool(field: &str, text: &str) -> AppResult<bool> {
    match text.to_lowercase().as_str() {
        "true" | "yes" | "y" | "1" | "是" => Ok(true),
        "false" | "no" | "n" | "0" | "否" => Ok(false),
        _ => Err(AppError::field(field, format!("{field} {text:?} is not true or false"))),
    }
}
