//! Raw SQL that serves both databases.
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

/// Builds a statement written with PostgreSQL's `$n` placeholders; SQLite reads the same numbers
/// as `?n`, so one text serves both databases.
pub fn statement(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}

/// Ids written into SQL as literals: they are integers, and a batch can exceed SQLite's limit on
/// bound parameters.
pub fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}
