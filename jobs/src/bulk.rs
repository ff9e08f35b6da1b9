//! Writing many rows at once: COPY on PostgreSQL, multi-row INSERTs in one transaction on SQLite.
//! Batch work uses these instead of a statement per member.
use std::fmt::Write;

use sea_orm::sqlx::postgres::{PgConnection, PgCopyIn};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, DbErr, Statement, TransactionTrait, Value};

/// A table and the columns each row gives values for, in order.
#[derive(Clone, Copy)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

impl Table {
    pub const fn new(name: &'static str, columns: &'static [&'static str]) -> Self {
        Self { name, columns }
    }

    /// Appends rows outside any caller's transaction: COPY on PostgreSQL, one transaction of
    /// multi-row INSERTs on SQLite.
    pub async fn append(&self, db: &DatabaseConnection, rows: &[Vec<Value>]) -> Result<(), DbErr> {
        if rows.is_empty() {
            return Ok(());
        }
        if db.get_database_backend() == DbBackend::Postgres {
            let mut conn = db.get_postgres_connection_pool().acquire().await.map_err(copy_error)?;
            let mut copy = self.copy_into(&mut conn, self.name, false).await?;
            copy.send(rows).await?;
            return copy.finish().await;
        }
        let txn = db.begin().await?;
        self.insert(&txn, rows, "").await?;
        txn.commit().await
    }

    /// Starts a COPY into `target` (this table or one shaped like it) on a connection the
    /// caller holds, e.g. inside its transaction. Rows are sent a chunk at a time, so that the
    /// server reads one chunk while the next is prepared and only a chunk is held in memory.
    /// `frozen` writes them as if already vacuumed, for a table the transaction created (see
    /// [`crate::replace`]).
    pub async fn copy_into<'c>(
        &self,
        conn: &'c mut PgConnection,
        target: &str,
        frozen: bool,
    ) -> Result<CopyIn<'c>, DbErr> {
        let copy = conn
            .copy_in_raw(&self.copy_statement(target, frozen))
            .await
            .map_err(copy_error)?;
        Ok(CopyIn(copy))
    }

    /// Multi-row INSERTs through `conn`; `suffix` may add e.g. an `ON CONFLICT` clause. The rows
    /// inserted (those an `ON CONFLICT … DO NOTHING` skipped are not).
    pub async fn insert(&self, conn: &impl ConnectionTrait, rows: &[Vec<Value>], suffix: &str) -> Result<u64, DbErr> {
        self.insert_into(conn, self.name, rows, suffix).await
    }

    /// [`Table::insert`] into `target`, a table shaped like this one.
    pub async fn insert_into(
        &self,
        conn: &impl ConnectionTrait,
        target: &str,
        rows: &[Vec<Value>],
        suffix: &str,
    ) -> Result<u64, DbErr> {
        let backend = conn.get_database_backend();
        let mut inserted = 0;
        for chunk in rows.chunks(crate::sql::rows_per_statement(self.columns.len())) {
            let mut sql = format!("INSERT INTO {target} ({}) VALUES ", self.columns.join(", "));
            let mut n = 0;
            for (r, _) in chunk.iter().enumerate() {
                sql.push_str(if r == 0 { "(" } else { ",(" });
                for c in 0..self.columns.len() {
                    n += 1;
                    if c > 0 {
                        sql.push(',');
                    }
                    match backend {
                        DbBackend::Postgres => {
                            let _ = write!(sql, "${n}");
                        }
                        _ => sql.push('?'),
                    }
                }
                sql.push(')');
            }
            sql.push_str(suffix);
            let values: Vec<Value> = chunk.iter().flatten().cloned().collect();
            inserted += conn
                .execute(Statement::from_sql_and_values(backend, sql, values))
                .await?
                .rows_affected();
        }
        Ok(inserted)
    }

    fn copy_statement(&self, target: &str, frozen: bool) -> String {
        format!(
            "COPY {target} ({}) FROM STDIN WITH (FORMAT csv{})",
            self.columns.join(", "),
            if frozen { ", FREEZE" } else { "" }
        )
    }
}

/// A COPY under way: [`CopyIn::send`] rows, then [`CopyIn::finish`].
pub struct CopyIn<'c>(PgCopyIn<&'c mut PgConnection>);

impl CopyIn<'_> {
    pub async fn send(&mut self, rows: &[Vec<Value>]) -> Result<(), DbErr> {
        self.0.send(csv(rows).as_bytes()).await.map_err(copy_error)?;
        Ok(())
    }

    pub async fn finish(self) -> Result<(), DbErr> {
        self.0.finish().await.map_err(copy_error)?;
        Ok(())
    }
}

fn copy_error(err: sea_orm::sqlx::Error) -> DbErr {
    DbErr::Custom(format!("COPY failed: {err}"))
}

/// Rows in PostgreSQL's CSV COPY format (an unquoted empty field is NULL).
fn csv(rows: &[Vec<Value>]) -> String {
    let mut text = String::with_capacity(rows.len() * 96);
    for row in rows {
        for (i, value) in row.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_csv(&mut text, value);
        }
        text.push('\n');
    }
    text
}

fn push_csv(text: &mut String, value: &Value) {
    let _ = match value {
        Value::Bool(Some(b)) => write!(text, "{b}"),
        Value::TinyInt(Some(n)) => write!(text, "{n}"),
        Value::SmallInt(Some(n)) => write!(text, "{n}"),
        Value::Int(Some(n)) => write!(text, "{n}"),
        Value::BigInt(Some(n)) => write!(text, "{n}"),
        Value::Double(Some(n)) => write!(text, "{n:?}"),
        Value::ChronoDate(Some(d)) => write!(text, "{d}"),
        Value::ChronoDateTimeUtc(Some(t)) => write!(text, "{}", t.to_rfc3339()),
        Value::String(Some(s)) => write!(text, "\"{}\"", s.replace('"', "\"\"")),
        _ => Ok(()),
    };
}
