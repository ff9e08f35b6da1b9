//! The analytics run's tables, shaped for the segments that read them every night.
//!
//! Tier changes by run (`tier_history.run_id`): a segment on the latest run's upgrades or
//! downgrades reads that run's few changes instead of probing every member's history, and a
//! re-run of a date deletes its earlier changes without reading the whole table.
//!
//! On SQLite, `member_metrics` keyed by its member id as the rowid (`INTEGER PRIMARY KEY`; a
//! `bigint` key is a separate unique index beside a hidden rowid): a segment looks each member's
//! metrics up in one B-tree instead of two, and the nightly run no longer builds that extra
//! index. Its member key stops being checked, as on PostgreSQL since migration 8: only the
//! analytics run writes the table, with member ids it has just read. The run replaces the table
//! from its own definition, so the shape holds from night to night.
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::{drop_index, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum TierHistory {
    Table,
}

const BY_RUN: &str = "idx_tier_history_run";

/// The metrics table's key and member check as the earlier migrations made them, and as this one
/// makes them.
const BIGINT_KEY: &str = r#""member_id" bigint NOT NULL PRIMARY KEY"#;
const ROWID_KEY: &str = r#""member_id" integer NOT NULL PRIMARY KEY"#;
const MEMBER_CHECK: &str = r#", FOREIGN KEY ("member_id") REFERENCES "members" ("id") "#;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index(TierHistory::Table, BY_RUN, &["run_id", "member_id"]))
            .await?;
        if manager.get_database_backend() == DbBackend::Sqlite {
            rebuild_metrics(manager, BIGINT_KEY, ROWID_KEY, false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Sqlite {
            rebuild_metrics(manager, ROWID_KEY, BIGINT_KEY, true).await?;
        }
        drop_index(manager, TierHistory::Table, BY_RUN).await
    }
}

/// Rebuilds SQLite's `member_metrics` with its key `from` made `to`, its member id checked or
/// not, keeping its rows and indexes.
async fn rebuild_metrics(manager: &SchemaManager<'_>, from: &str, to: &str, checked: bool) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let schema = |kind: &str| {
        Statement::from_string(
            DbBackend::Sqlite,
            format!("SELECT sql FROM sqlite_master WHERE type = '{kind}' AND tbl_name = 'member_metrics' AND sql IS NOT NULL"),
        )
    };
    let definitions = |rows: Vec<sea_orm_migration::sea_orm::QueryResult>| {
        rows.iter()
            .map(|row| row.try_get::<String>("", "sql"))
            .collect::<Result<Vec<_>, _>>()
    };
    let table = definitions(conn.query_all(schema("table")).await?)?;
    let indexes = definitions(conn.query_all(schema("index")).await?)?;
    let Some(rebuilt) = table.first().and_then(|sql| rekeyed(sql, from, to, checked)) else {
        return Err(DbErr::Migration(format!(
            "member_metrics has an unexpected definition: {table:?}"
        )));
    };
    let rebuilt = rebuilt.replacen(
        r#"CREATE TABLE "member_metrics""#,
        "CREATE TABLE member_metrics_rebuilt",
        1,
    );
    // One script on one connection, in one savepoint: each statement must see the schema the
    // one before left, which another connection of the pool, still reading, may not.
    let script = [
        "SAVEPOINT rebuild_metrics".to_owned(),
        rebuilt,
        "INSERT INTO member_metrics_rebuilt SELECT * FROM member_metrics".to_owned(),
        "DROP TABLE member_metrics".to_owned(),
        "ALTER TABLE member_metrics_rebuilt RENAME TO member_metrics".to_owned(),
    ]
    .into_iter()
    .chain(indexes)
    // Dropping the table dropped its planner statistics too.
    .chain([
        "ANALYZE member_metrics".to_owned(),
        "RELEASE rebuild_metrics".to_owned(),
    ])
    .collect::<Vec<_>>()
    .join(";\n");
    conn.execute_unprepared(&script).await?;
    Ok(())
}

/// A table definition with its key `from` made `to` and the member check dropped or added;
/// `None` when it has no key `from`.
fn rekeyed(definition: &str, from: &str, to: &str, checked: bool) -> Option<String> {
    if !definition.contains(from) {
        return None;
    }
    let unchecked = definition.replacen(from, to, 1).replacen(MEMBER_CHECK, " ", 1);
    if !checked {
        return Some(unchecked);
    }
    let end = unchecked.rfind(')')?;
    Some(format!(
        "{}{MEMBER_CHECK}{}",
        unchecked[..end].trim_end(),
        &unchecked[end..]
    ))
}
