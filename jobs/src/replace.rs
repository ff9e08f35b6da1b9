//! Replacing a derived table whole, inside the caller's transaction: the new rows go into a
//! successor table without indexes (`<table>_next`, shaped like the table), its indexes are
//! built once over the loaded rows, and it takes the table's name and index names.
//!
//! At a million rows this is several times faster than updating every row in place, where each
//! row rewrites every index entry it touches one at a time. Readers see the old rows until the
//! commit; on PostgreSQL they wait only for the rename itself.
//!
//! Only for tables nothing refers to (no foreign keys, views or triggers on them) whose rows
//! are all rewritten anyway. Grants on the table are not carried over: the tables Patron
//! replaces belong to the user it connects as.
use std::time::Duration;

use sea_orm::sqlx::postgres::PgConnection;
use sea_orm::sqlx::{self, Executor};
use sea_orm::{ConnectionTrait, DbErr, Statement};

/// The successor's name while it is being filled.
pub fn successor(table: &str) -> String {
    format!("{table}_next")
}

/// How long one attempt at taking the table from its readers may wait on PostgreSQL, and how
/// many attempts there are: readers queue behind a waiting rename, so it waits briefly and tries
/// again rather than stalling them behind a long query.
const LOCK_WAIT: &str = "2s";
const LOCK_ATTEMPTS: u32 = 30;

fn pg_error(err: sqlx::Error) -> DbErr {
    DbErr::Custom(format!("replacing a table: {err}"))
}

/// Creates the empty successor of `table` on PostgreSQL: its columns, defaults and checks, no
/// indexes. Rows COPYed into it `FREEZE` need no vacuuming afterwards.
pub async fn create_postgres(conn: &mut PgConnection, table: &str) -> Result<(), DbErr> {
    let next = successor(table);
    conn.execute(
        format!("CREATE TABLE {next} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING STORAGE)")
            .as_str(),
    )
    .await
    .map_err(pg_error)?;
    Ok(())
}

/// Builds the table's indexes on its filled successor, then puts the successor in its place.
pub async fn swap_postgres(conn: &mut PgConnection, table: &str) -> Result<(), DbErr> {
    let next = successor(table);
    let indexes: Vec<(String, String, bool, bool)> = sqlx::query_as(
        "SELECT i.relname::text, pg_get_indexdef(i.oid), x.indisunique, x.indisprimary
         FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
         WHERE x.indrelid = $1::regclass ORDER BY i.relname",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await
    .map_err(pg_error)?;
    for (name, definition, unique, _) in &indexes {
        let (_, method) = definition
            .split_once(" USING ")
            .ok_or_else(|| DbErr::Custom(format!("index {name} has no method: {definition}")))?;
        let unique = if *unique { "UNIQUE " } else { "" };
        conn.execute(format!("CREATE {unique}INDEX {name}_next ON {next} USING {method}").as_str())
            .await
            .map_err(pg_error)?;
    }
    lock_postgres(conn, table).await?;
    conn.execute(format!("DROP TABLE {table}; ALTER TABLE {next} RENAME TO {table}").as_str())
        .await
        .map_err(pg_error)?;
    for (name, _, _, primary) in &indexes {
        let rename = if *primary {
            format!("ALTER TABLE {table} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name}_next")
        } else {
            format!("ALTER INDEX {name}_next RENAME TO {name}")
        };
        conn.execute(rename.as_str()).await.map_err(pg_error)?;
    }
    Ok(())
}

/// Takes `table` from its readers, waiting at most `LOCK_WAIT` at a time.
async fn lock_postgres(conn: &mut PgConnection, table: &str) -> Result<(), DbErr> {
    for attempt in 1..=LOCK_ATTEMPTS {
        conn.execute(format!("SAVEPOINT take_table; SET LOCAL lock_timeout = '{LOCK_WAIT}'").as_str())
            .await
            .map_err(pg_error)?;
        match conn
            .execute(format!("LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE").as_str())
            .await
        {
            Ok(_) => {
                conn.execute("SET LOCAL lock_timeout = 0; RELEASE SAVEPOINT take_table")
                    .await
                    .map_err(pg_error)?;
                return Ok(());
            }
            Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("55P03") => {
                tracing::info!(table, attempt, "readers hold the table; trying again");
                conn.execute("ROLLBACK TO SAVEPOINT take_table")
                    .await
                    .map_err(pg_error)?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(e) => return Err(pg_error(e)),
        }
    }
    Err(DbErr::Custom(format!(
        "{table} stayed in use by long queries for {LOCK_ATTEMPTS} attempts of {LOCK_WAIT}; its new rows were not saved"
    )))
}

/// Creates the empty successor of `table` on SQLite, from the table's own definition: its
/// primary key comes with it, its other indexes do not.
pub async fn create_sqlite(txn: &impl ConnectionTrait, table: &str) -> Result<(), DbErr> {
    let definition = sqlite_schema(txn, "table", table).await?;
    let columns = definition
        .first()
        .and_then(|sql| sql.find('(').map(|at| &sql[at..]))
        .ok_or_else(|| DbErr::Custom(format!("no definition of table {table}")))?;
    execute(txn, format!("CREATE TABLE {} {columns}", successor(table))).await
}

/// Puts the filled successor in the table's place on SQLite, then builds the table's indexes
/// under their own names (SQLite cannot rename an index).
pub async fn swap_sqlite(txn: &impl ConnectionTrait, table: &str) -> Result<(), DbErr> {
    let indexes = sqlite_schema(txn, "index", table).await?;
    execute(txn, format!("DROP TABLE {table}")).await?;
    execute(txn, format!("ALTER TABLE {} RENAME TO {table}", successor(table))).await?;
    for index in indexes {
        execute(txn, index).await?;
    }
    Ok(())
}

/// The statements that created `table` or, for `kind` "index", its own indexes (not the ones
/// its constraints imply, which come with the table).
async fn sqlite_schema(txn: &impl ConnectionTrait, kind: &str, table: &str) -> Result<Vec<String>, DbErr> {
    let rows = txn
        .query_all(Statement::from_sql_and_values(
            txn.get_database_backend(),
            "SELECT sql FROM sqlite_master WHERE type = ? AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
            [kind.into(), table.into()],
        ))
        .await?;
    rows.iter().map(|row| row.try_get("", "sql")).collect()
}

async fn execute(txn: &impl ConnectionTrait, sql: String) -> Result<(), DbErr> {
    txn.execute(Statement::from_string(txn.get_database_backend(), sql))
        .await?;
    Ok(())
}
