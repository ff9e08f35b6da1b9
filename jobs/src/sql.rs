//! Raw SQL that serves both databases, and batch statements that stay within both databases'
//! limits whatever the batch size.
use std::sync::Arc;

use sea_orm::sea_query::OnConflict;
use sea_orm::sqlx::pool::PoolOptions;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    Iterable, QueryFilter, Select, SqlxPostgresConnector, Statement, TryGetable, Value,
};

/// Bound parameters one statement may carry on both databases: SQLite takes 32,766 and
/// PostgreSQL 65,535; the margin leaves room for a query's own few.
pub const MAX_PARAMS: usize = 30_000;

/// How many rows (or keys) of `params_per_row` bound parameters fit in one statement.
pub fn rows_per_statement(params_per_row: usize) -> usize {
    (MAX_PARAMS / params_per_row.max(1)).max(1)
}

/// The rows of `select` whose `column` is one of `values`, one `IN (...)` per chunk that fits
/// a statement. An `IN` list, unlike a chain of `OR`s, does not nest: SQLite refuses
/// expressions more than 1000 deep.
pub async fn find_in<E, V>(
    conn: &impl ConnectionTrait,
    select: Select<E>,
    column: E::Column,
    values: &[V],
) -> Result<Vec<E::Model>, DbErr>
where
    E: EntityTrait,
    V: Into<Value> + Clone,
{
    let mut found = Vec::new();
    for chunk in values.chunks(rows_per_statement(1)) {
        let rows = select
            .clone()
            .filter(column.is_in(chunk.iter().cloned()))
            .all(conn)
            .await?;
        found.extend(rows);
    }
    Ok(found)
}

/// Inserts rows with as few multi-row INSERTs as the parameter limits allow, skipping rows
/// that `on_conflict` skips. Returns how many rows were inserted.
pub async fn insert_chunked<A>(conn: &impl ConnectionTrait, rows: Vec<A>, on_conflict: OnConflict) -> Result<u64, DbErr>
where
    A: ActiveModelTrait,
    <A::Entity as EntityTrait>::Model: IntoActiveModel<A>,
{
    let per_statement = rows_per_statement(<A::Entity as EntityTrait>::Column::iter().count());
    let mut rows = rows.into_iter().peekable();
    let mut inserted = 0;
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(per_statement).collect();
        inserted += A::Entity::insert_many(chunk)
            .on_conflict(on_conflict.clone())
            .exec_without_returning(conn)
            .await?;
    }
    Ok(inserted)
}

/// Turns at writing for the writers of one process. SQLite has one writer at a time, and a
/// second one waits in SQLite's busy handler, which sleeps 1, 2, 5, 10… ms between tries: two
/// busy writers of one process (the dispatcher's claims and its outcome writes) lose much of
/// their time asleep, and every send waiting for its outcome with them. Here the next writer
/// goes in the moment the one before is done. PostgreSQL writers need no turns.
#[derive(Clone)]
pub struct WriteTurns(Option<Arc<tokio::sync::Mutex<()>>>);

impl WriteTurns {
    pub fn new(backend: DbBackend) -> Self {
        Self((backend == DbBackend::Sqlite).then(|| Arc::new(tokio::sync::Mutex::new(()))))
    }

    /// Waits for this writer's turn, which lasts as long as the guard: take it before the
    /// transaction begins and keep it until it commits.
    pub async fn take(&self) -> Option<tokio::sync::OwnedMutexGuard<()>> {
        match &self.0 {
            Some(turn) => Some(Arc::clone(turn).lock_owned().await),
            None => None,
        }
    }
}

/// On PostgreSQL, a connection to `db`'s database, with its settings, for one writer alone: one
/// that writes many small statements in a row (the dispatcher's outcomes). A pool checks a
/// connection with a round trip to the server before each loan, which doubled the round trips
/// of every small write; a connection nobody else borrows needs no check (broken, it fails its
/// writer's next statement). On SQLite the check is a round trip to the connection's thread
/// and the pool is kept: a connection of its own gained unevenly there (0–22% in four pairs of
/// runs), and its memory grew by 50 MiB over 100,000 sends before it levelled off, where the
/// peak is otherwise flat in the audience.
pub fn own_connection(db: &DatabaseConnection) -> Option<DatabaseConnection> {
    let DatabaseConnection::SqlxPostgresPoolConnection(_) = db else {
        return None;
    };
    let options = db.get_postgres_connection_pool().connect_options();
    let pool = PoolOptions::new()
        .max_connections(1)
        .test_before_acquire(false)
        .connect_lazy_with((*options).clone());
    Some(SqlxPostgresConnector::from_sqlx_postgres_pool(pool))
}

/// Rows written at once after which a table's statistics are brought up to date.
pub const ANALYZE_AFTER: u64 = 10_000;

/// After `written` rows went into `table` at once, its statistics, on the databases named in
/// `on` whose plans of the statements that follow depend on them. On PostgreSQL `columns`
/// (none: all of them) narrows the refresh to the columns those plans filter on, and the others
/// wait for autovacuum; SQLite's `ANALYZE` takes no columns. Until autovacuum gets to it (a
/// minute or more), PostgreSQL plans those statements for the table's old size, and a plan for
/// a few rows then scans or sorts the whole table again for each batch (after a holiday email
/// was queued to 100,000 members: a dispatcher's claim sorted every queued row on disk, and its
/// look at the members' recent sends scanned them all). SQLite plans most statements from their
/// indexes; an import refreshes its statistics too (see `import`).
pub async fn analyze_after(
    conn: &impl ConnectionTrait,
    table: &str,
    columns: &[&str],
    written: u64,
    on: &[DbBackend],
) -> Result<(), DbErr> {
    let backend = conn.get_database_backend();
    if written < ANALYZE_AFTER || !on.contains(&backend) {
        return Ok(());
    }
    let target = match backend {
        DbBackend::Postgres if !columns.is_empty() => format!("{table} ({})", columns.join(", ")),
        _ => table.to_owned(),
    };
    conn.execute_unprepared(&format!("ANALYZE {target}")).await?;
    Ok(())
}

/// The first column of every row `statement` gives: ids, visits, versions.
pub async fn first_column<T: TryGetable>(conn: &impl ConnectionTrait, statement: Statement) -> Result<Vec<T>, DbErr> {
    let rows = conn.query_all(statement).await?;
    rows.iter().map(|row| row.try_get_by_index(0)).collect()
}

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

/// A custom expression written with PostgreSQL's `$1, $2…`, in order, for sea-query to place
/// in a larger statement: SQLite's are `?`, bound in the same order.
pub fn custom_expr(backend: DbBackend, sql: &str, values: Vec<Value>) -> sea_orm::sea_query::SimpleExpr {
    let sql = match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => (1..=values.len())
            .rev()
            .fold(sql.to_owned(), |text, n| text.replace(&format!("${n}"), "?")),
    };
    sea_orm::sea_query::Expr::cust_with_values(sql, values)
}

/// Ids written into SQL as literals: they are integers, and a batch can exceed SQLite's limit on
/// bound parameters.
pub fn id_list(ids: impl Iterator<Item = i64>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(",")
}

/// `ids` for an `IN (…)` list, with the values to bind after the statement's first `first − 1`.
/// On PostgreSQL: placeholders `$first…`, padded (by repeating the last id) to a power of four,
/// so that the few statement shapes are prepared once and cached instead of once per call. On
/// SQLite: the ids as literals, nothing bound, because binding is quadratic there (each bound
/// number's name is looked up in a list) and costs more than parsing a list of integers.
pub fn id_placeholders(backend: DbBackend, first: usize, ids: &[i64]) -> (String, Vec<Value>) {
    if backend == DbBackend::Sqlite {
        return (id_list(ids.iter().copied()), Vec::new());
    }
    let mut slots = 1;
    while slots < ids.len() {
        slots *= 4;
    }
    let last = ids.last().copied().unwrap_or(-1);
    let values = (0..slots)
        .map(|n| Value::from(ids.get(n).copied().unwrap_or(last)))
        .collect();
    let list = (first..first + slots)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ");
    (list, values)
}
