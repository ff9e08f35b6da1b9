//! Membership refresh: each saved segment's filter is evaluated in the database and compared
//! with its stored membership, set-based; who entered and who left is written as history.
//!
//! Several segments are refreshed at once, one per core. Each writes in one transaction that
//! starts by writing the segment's row, which makes refreshes of one segment take turns (a row
//! lock on PostgreSQL, the write lock on SQLite), so two replicas or a marketer's refresh during
//! the nightly one never record a change twice: each compares with the membership as the turn
//! before it left it. On SQLite, where that lock is the whole database's, a refresh evaluates
//! its filter before its turn, reading only (see [`Matches`]).
//!
//! In its turn the matching ids go into a temporary table: who entered and who left are then
//! two anti-joins on primary keys, and the new size is that table's.
use chrono::{DateTime, Utc};
use entity::{member, segment, segment_change as change, segment_member as membership, segment_refresh};
use futures_util::{StreamExt, TryStreamExt};
use sea_orm::sea_query::{Alias, ColumnDef, Expr, InsertStatement, Order, Query, SelectStatement, SimpleExpr, Table};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, Set, StreamTrait, TransactionTrait,
};
use serde::Serialize;

use super::{compile, member_ids, parse, AsOf, SegmentError};

/// Who asked for a refresh: the job run that does it, or a person.
#[derive(Clone, Debug)]
pub struct Requester {
    pub job_run_id: Option<i64>,
    /// The audit log's actor (`staff:3`), or `job:segments`.
    pub actor: String,
}

/// What the refresh of every saved segment did.
#[derive(Debug, Default, Serialize)]
pub struct RefreshCounts {
    /// Segments refreshed.
    pub refreshed: u64,
    pub entered: u64,
    pub left: u64,
    /// Segments whose filter no longer compiles (named in the log); their membership stays.
    pub failed: u64,
    /// (segment id, refresh id) of each refresh that someone entered at, for the campaigns
    /// sent on entry.
    #[serde(skip)]
    pub refreshes: Vec<(i64, i64)>,
}

/// Refreshes every saved segment as of `as_of`, as many at once as the machine has cores (at
/// most four): evaluating a filter is one core's work. A core that finishes a segment takes the
/// next at once, whatever the others are still doing; the refreshes that someone entered at are
/// reported in segment order.
pub async fn refresh_all(db: &DatabaseConnection, as_of: AsOf, requester: &Requester) -> Result<RefreshCounts, DbErr> {
    let at_once = std::thread::available_parallelism().map_or(1, |cores| cores.get().min(4));
    let ids: Vec<i64> = segment::Entity::find()
        .order_by_asc(segment::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let mut refreshes = std::pin::pin!(futures_util::stream::iter(ids)
        .map(|id| async move { (id, refresh(db, id, as_of, requester).await) })
        .buffer_unordered(at_once));
    let mut counts = RefreshCounts::default();
    while let Some((id, refreshed)) = refreshes.next().await {
        match refreshed {
            Ok(Some(done)) => {
                if done.entered > 0 {
                    counts.refreshes.push((id, done.id));
                }
                counts.refreshed += 1;
                counts.entered += done.entered as u64;
                counts.left += done.left as u64;
            }
            Ok(None) => {} // deleted meanwhile
            Err(SegmentError::Invalid(error)) => {
                tracing::warn!(segment = id, %error, "segment filter no longer compiles; membership kept");
                counts.failed += 1;
            }
            Err(SegmentError::Db(error)) => return Err(error),
        }
    }
    counts.refreshes.sort_unstable();
    Ok(counts)
}

/// Refreshes one segment's membership; `None` if it does not exist.
pub async fn refresh(
    db: &DatabaseConnection,
    segment_id: i64,
    as_of: AsOf,
    requester: &Requester,
) -> Result<Option<segment_refresh::Model>, SegmentError> {
    let started = std::time::Instant::now();
    loop {
        let Some(row) = segment::Entity::find_by_id(segment_id).one(db).await? else {
            return Ok(None);
        };
        let condition = compile(db, &parse(&row)?, &format!("segment[{segment_id}]"), as_of, None).await?;
        let matches = Matches::before_turn(db, member_ids(condition)).await?;
        let evaluated = started.elapsed();
        let txn = db.begin().await?;
        // The turn-taking write (see the module comment).
        let now = Utc::now();
        segment::Entity::update_many()
            .col_expr(segment::Column::LastRefreshedAt, Expr::val(now).into())
            .filter(segment::Column::Id.eq(segment_id))
            .exec(&txn)
            .await?;
        let turn = started.elapsed();
        let Some(current) = segment::Entity::find_by_id(segment_id).one(&txn).await? else {
            return Ok(None);
        };
        if current.filter != row.filter {
            continue; // edited since it was evaluated: evaluate the new filter
        }
        let refresh = record(&txn, segment_id, now, as_of, requester, matches).await?;
        txn.commit().await?;
        // Where a refresh's time goes: evaluating the filter (on SQLite), waiting for the turn,
        // or filling and comparing with the membership (each figure counts from the start).
        tracing::debug!(segment = segment_id, refresh.members, refresh.entered, refresh.left, ?evaluated, ?turn, compared = ?started.elapsed(), "segment refreshed");
        return Ok(Some(refresh));
    }
}

/// Records one refresh in the segment's turn: who entered and who left, the membership that
/// follows, and the refresh's row with its counts.
async fn record(
    txn: &DatabaseTransaction,
    segment_id: i64,
    at: DateTime<Utc>,
    as_of: AsOf,
    requester: &Requester,
    matches: Matches,
) -> Result<segment_refresh::Model, DbErr> {
    let refresh = segment_refresh::ActiveModel {
        segment_id: Set(segment_id),
        job_run_id: Set(requester.job_run_id),
        requested_by: Set(requester.actor.clone()),
        as_of: Set(as_of.date),
        refreshed_at: Set(at),
        members: Set(0),
        entered: Set(0),
        left: Set(0),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let history = History {
        segment_id,
        refresh_id: refresh.id,
        at,
    };
    let members = Matching::fill(txn, matches).await? as i64;
    let entered = history.record_entered(txn).await?;
    let left = history.record_left(txn).await?;
    history.apply(txn).await?;
    Matching::drop(txn).await?;
    segment::Entity::update_many()
        .col_expr(segment::Column::LastCount, Expr::val(members).into())
        .filter(segment::Column::Id.eq(segment_id))
        .exec(txn)
        .await?;
    segment_refresh::ActiveModel {
        id: sea_orm::ActiveValue::Unchanged(refresh.id),
        members: Set(members),
        entered: Set(entered as i64),
        left: Set(left as i64),
        ..Default::default()
    }
    .update(txn)
    .await
}

/// A segment's matching members, as its refresh carries them into its turn.
enum Matches {
    /// Read before the turn: on SQLite the turn is the database's one write lock, which other
    /// segments' refreshes hold meanwhile, and reading never waits for it.
    Read(Vec<i64>),
    /// The select of their ids, run in the turn: on PostgreSQL the turn locks only the
    /// segment's row, and the ids need not leave the server.
    ToSelect(Box<SelectStatement>),
}

impl Matches {
    async fn before_turn(db: &DatabaseConnection, mut select: SelectStatement) -> Result<Self, DbErr> {
        if db.get_database_backend() != DbBackend::Sqlite {
            return Ok(Self::ToSelect(Box::new(select)));
        }
        // In id order, SQLite walks the members by their key rather than through the city
        // index, and each member's metrics and purchases are then looked up in key order too,
        // page after page instead of all over the table (docs/benchmarks.md).
        select.order_by((member::Entity, member::Column::Id), Order::Asc);
        let statement = db.get_database_backend().build(&select);
        tracing::trace!(%statement, "evaluating a segment");
        let ids = db
            .stream(statement)
            .await?
            .and_then(|row| async move { row.try_get_by_index::<i64>(0) })
            .try_collect()
            .await?;
        Ok(Self::Read(ids))
    }
}

/// The changes of one refresh of one segment.
struct History {
    segment_id: i64,
    refresh_id: i64,
    at: DateTime<Utc>,
}

impl History {
    /// Matching members not yet in the segment entered.
    async fn record_entered(&self, conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
        let already = Query::select()
            .expr(Expr::val(1))
            .from(membership::Entity)
            .and_where(Expr::col((membership::Entity, membership::Column::SegmentId)).eq(self.segment_id))
            .and_where(Expr::col((membership::Entity, membership::Column::MemberId)).equals(Matching::member_id()))
            .to_owned();
        let newcomers = Query::select()
            .from(Matching::table())
            .and_where(Expr::exists(already).not())
            .to_owned();
        self.insert(conn, newcomers, Expr::col(Matching::member_id()).into(), true)
            .await
    }

    /// Members of the segment that no longer match left.
    async fn record_left(&self, conn: &impl ConnectionTrait) -> Result<u64, DbErr> {
        let member = (membership::Entity, membership::Column::MemberId);
        let still = Query::select()
            .expr(Expr::val(1))
            .from(Matching::table())
            .and_where(Expr::col(Matching::member_id()).equals(member))
            .to_owned();
        let leavers = Query::select()
            .from(membership::Entity)
            .and_where(Expr::col((membership::Entity, membership::Column::SegmentId)).eq(self.segment_id))
            .and_where(Expr::exists(still).not())
            .to_owned();
        self.insert(conn, leavers, Expr::col(member).into(), false).await
    }

    /// `INSERT INTO segment_changes ... SELECT` one change for each `member_id` of `rows` (a
    /// select with no columns yet).
    async fn insert(
        &self,
        conn: &impl ConnectionTrait,
        mut rows: SelectStatement,
        member_id: SimpleExpr,
        entered: bool,
    ) -> Result<u64, DbErr> {
        rows.expr(Expr::val(self.segment_id))
            .expr(member_id)
            .expr(Expr::val(self.refresh_id))
            .expr(Expr::val(entered))
            .expr(Expr::val(self.at));
        let insert = Query::insert()
            .into_table(change::Entity)
            .columns([
                change::Column::SegmentId,
                change::Column::MemberId,
                change::Column::RefreshId,
                change::Column::Entered,
                change::Column::At,
            ])
            .select_from(rows)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        exec(conn, &insert).await
    }

    /// Brings the stored membership in line with the changes just recorded.
    async fn apply(&self, conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let changed = |entered: bool| {
            Query::select()
                .column(change::Column::MemberId)
                .from(change::Entity)
                .and_where(Expr::col(change::Column::RefreshId).eq(self.refresh_id))
                .and_where(Expr::col(change::Column::Entered).eq(entered))
                .to_owned()
        };
        membership::Entity::delete_many()
            .filter(membership::Column::SegmentId.eq(self.segment_id))
            .filter(membership::Column::MemberId.in_subquery(changed(false)))
            .exec(conn)
            .await?;
        let mut entered = changed(true);
        entered.clear_selects();
        entered
            .column(change::Column::SegmentId)
            .column(change::Column::MemberId)
            .column(change::Column::At);
        let insert: InsertStatement = Query::insert()
            .into_table(membership::Entity)
            .columns([
                membership::Column::SegmentId,
                membership::Column::MemberId,
                membership::Column::Since,
            ])
            .select_from(entered)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        exec(conn, &insert).await.map(drop)
    }
}

async fn exec(conn: &impl ConnectionTrait, insert: &InsertStatement) -> Result<u64, DbErr> {
    let statement = conn.get_database_backend().build(insert);
    Ok(conn.execute(statement).await?.rows_affected())
}

/// The temporary table of the members who match the filter being refreshed, on the
/// transaction's connection. Created and dropped inside the transaction, so a failed refresh
/// leaves none behind on either database.
struct Matching;

impl Matching {
    const TABLE: &'static str = "segment_matching";
    const MEMBER_ID: &'static str = "member_id";

    fn table() -> Alias {
        Alias::new(Self::TABLE)
    }

    fn member_id() -> (Alias, Alias) {
        (Self::table(), Alias::new(Self::MEMBER_ID))
    }

    /// Creates the table and fills it with the matching members; returns how many. Ids read
    /// before are written as literals: they are integers, and binding is quadratic on SQLite
    /// (see `sql::id_placeholders`).
    async fn fill(conn: &impl ConnectionTrait, matches: Matches) -> Result<u64, DbErr> {
        let create = Table::create()
            .table(Self::table())
            .temporary()
            .col(
                ColumnDef::new(Self::member_id().1)
                    .big_integer()
                    .not_null()
                    .primary_key(),
            )
            .to_owned();
        conn.execute(conn.get_database_backend().build(&create)).await?;
        match matches {
            Matches::ToSelect(select) => {
                let insert = Query::insert()
                    .into_table(Self::table())
                    .columns([Self::member_id().1])
                    .select_from(*select)
                    .map_err(|e| DbErr::Custom(e.to_string()))?
                    .to_owned();
                exec(conn, &insert).await
            }
            Matches::Read(ids) => {
                for chunk in ids.chunks(10_000) {
                    let rows: Vec<String> = chunk.iter().map(|id| format!("({id})")).collect();
                    let insert = format!(
                        "INSERT INTO {} ({}) VALUES {}",
                        Self::TABLE,
                        Self::MEMBER_ID,
                        rows.join(",")
                    );
                    conn.execute_unprepared(&insert).await?;
                }
                Ok(ids.len() as u64)
            }
        }
    }

    async fn drop(conn: &impl ConnectionTrait) -> Result<(), DbErr> {
        let statement = Table::drop().table(Self::table()).to_owned();
        conn.execute(conn.get_database_backend().build(&statement))
            .await
            .map(|_| ())
    }
}
