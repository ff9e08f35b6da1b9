//! The coupon codes importer: a list of codes from the brand's POS, added to an offer that
//! issues imported codes, a batch at a time.
use std::path::Path;

use sea_orm::DatabaseConnection;

use super::csv::CsvFile;
use super::{Encoding, Report};
use crate::auth::Viewer;
use crate::service::coupon::imported::{self, BATCH};

/// Adds the file's `code` column to offer `definition_id`'s codes. `encoding` is detected when
/// `None`.
pub async fn coupon_codes(
    db: &DatabaseConnection,
    definition_id: i64,
    path: &Path,
    encoding: Option<Encoding>,
) -> anyhow::Result<Report> {
    let definition = imported::importing(db, definition_id)
        .await
        .map_err(|err| anyhow::anyhow!(err.message()))?;
    let mut csv = CsvFile::open(path, encoding, &["code"])?;
    let mut report = Report::default();
    let mut batch = Vec::with_capacity(BATCH);
    let viewer = Viewer::cli();
    while let Some(row) = csv.next_row() {
        match row {
            Ok(row) => batch.push((row.line, csv.cell(&row, "code").unwrap_or_default().to_owned())),
            Err(rejection) => report.rejected.push(rejection),
        }
        if batch.len() >= BATCH {
            imported::add(db, &viewer, &definition, std::mem::take(&mut batch), &mut report).await?;
        }
    }
    imported::add(db, &viewer, &definition, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    Ok(report)
}
