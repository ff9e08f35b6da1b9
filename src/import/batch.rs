//! What both importers share to write a batch of rows: its size, the lines it spans (named in
//! its error), the stores and members its rows refer to.
use std::collections::{HashMap, HashSet};

use entity::member;
use jobs::sql;
use sea_orm::{DatabaseConnection, EntityTrait};

use crate::error::AppResult;
use crate::service::store;

pub(super) const BATCH: usize = 1000;

/// The stored members among these numbers.
pub(super) async fn members_by_number(
    db: &DatabaseConnection,
    numbers: HashSet<&str>,
) -> anyhow::Result<HashMap<String, member::Model>> {
    let numbers: Vec<&str> = numbers.into_iter().collect();
    let members = sql::find_in(db, member::Entity::find(), member::Column::MemberNo, &numbers).await?;
    Ok(members.into_iter().map(|m| (m.member_no.clone(), m)).collect())
}

/// The file lines a batch spans.
#[derive(Clone, Copy)]
pub(super) struct Lines {
    pub(super) first: u64,
    last: u64,
}

impl Lines {
    pub(super) fn of<T>(batch: &[T], line: impl Fn(&T) -> u64) -> Option<Self> {
        Some(Self {
            first: line(batch.first()?),
            last: line(batch.last()?),
        })
    }

    /// A batch's error names its lines: the batches before it are stored, so the user learns
    /// where the import stopped, and that running it again after a fix is safe.
    pub(super) fn failed(self, err: anyhow::Error) -> anyhow::Error {
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
pub(super) struct StoreCache(HashMap<String, i64>);

impl StoreCache {
    pub(super) async fn id(&mut self, db: &DatabaseConnection, code: &str) -> AppResult<i64> {
        if let Some(id) = self.0.get(code) {
            return Ok(*id);
        }
        let id = store::ensure(db, code).await?;
        self.0.insert(code.to_owned(), id);
        Ok(id)
    }
}
