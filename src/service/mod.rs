//! Database access, one module per domain; resolvers, the import and the CLI stay thin.
use sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

pub mod analytics;
pub mod audit;
pub mod feedback;
pub mod member;
pub mod points;
pub mod purchase;
pub mod staff;
pub mod store;

/// Builds a raw statement written with PostgreSQL's `$n` placeholders; SQLite reads the same
/// numbers as `?n`, so one text serves both databases.
pub fn raw_statement(conn: &impl ConnectionTrait, sql: &str, values: Vec<Value>) -> Statement {
    let backend = conn.get_database_backend();
    let sql = match backend {
        DbBackend::Sqlite => sql.replace('$', "?"),
        _ => sql.to_owned(),
    };
    Statement::from_sql_and_values(backend, sql, values)
}
