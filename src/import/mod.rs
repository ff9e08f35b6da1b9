//! CSV import of members, their own fields' values, purchases and coupon codes (formats in
//! docs/commands.md).
//!
//! Rows are read as a stream (UTF-8 or GB18030, decoded on the fly) and written in batches:
//! a few lookup queries and multi-row inserts per batch, each within both databases' limits.
//! Bad rows are reported by line and skipped; good rows are kept; importing the same file again
//! changes nothing.
use std::fmt;

mod batch;
mod coupon_codes;
mod csv;
mod member_fields;
mod members;
mod purchases;

pub use self::csv::Encoding;
pub use coupon_codes::coupon_codes;
pub use member_fields::member_fields;
pub use members::members;
pub use purchases::purchases;

/// After a large import, the database's statistics of `table`, on either database: the
/// statements that follow (a journey's entry, a campaign's audience) are planned for its new
/// size, not the old one (a plan for a few rows probed a million-row table once per member).
async fn analyze_after(db: &sea_orm::DatabaseConnection, table: &str, report: &Report) -> Result<(), sea_orm::DbErr> {
    use sea_orm::DbBackend;
    let both = [DbBackend::Postgres, DbBackend::Sqlite];
    jobs::sql::analyze_after(db, table, &[], report.added + report.updated, &both).await
}

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
