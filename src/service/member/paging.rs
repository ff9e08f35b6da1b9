//! Pages of the member list: its orders and keyset paging, read with each member's sort value.
use async_graphql::{Enum, InputObject};
use chrono::NaiveDate;
use entity::{member, member_metrics};
use sea_orm::sea_query::{Alias, BinOper, Expr, SimpleExpr};
use sea_orm::{Condition, ConnectionTrait, FromQueryResult, Iterable};

use crate::error::{AppError, AppResult};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum MemberOrderField {
    #[default]
    MemberNo,
    Name,
    JoinedAt,
    Birthday,
    CreatedAt,
    Tier,
    RecencyDays,
    Frequency365,
    Monetary365,
    PAlive,
    Clv,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, Default, serde::Serialize)]
pub enum SortDirection {
    #[default]
    Asc,
    Desc,
}

#[derive(InputObject, Clone, Copy, Debug, Default, serde::Serialize)]
pub struct MemberOrder {
    pub field: MemberOrderField,
    #[graphql(default)]
    pub direction: SortDirection,
}

/// A member of a list page with the value it is ordered by (for its keyset cursor).
pub struct Listed {
    pub member: member::Model,
    pub key: serde_json::Value,
}

/// One page of members in `order`, after the row whose sort value and id are `after`. Keyset
/// paging: page 500 costs what page 1 costs, and rows added meanwhile neither repeat nor skip
/// rows. Members without a value come last, ordered by id; they are read by a second statement
/// only when the page reaches them, so each statement's order is a plain index order.
///
/// Ordered by a metric, a broad filter (a city, tiers) is fastest read off the metric's index
/// until a page is full; a `narrow` one (see `MemberFilter::is_narrow`) from the few members it
/// picks. PostgreSQL weighs the two itself; SQLite's planner starts from any filter's index and
/// sorts everything it matched (for Shanghai's A and B members, far slower than reading off
/// the index; see docs/benchmarks.md), so there the order's table is put first unless `narrow`.
pub async fn page(
    conn: &impl ConnectionTrait,
    cond: Condition,
    order: MemberOrder,
    after: Option<(serde_json::Value, i64)>,
    limit: u64,
    narrow: bool,
) -> AppResult<Vec<Listed>> {
    let key = SortKey::of(order.field);
    let metrics_first = key.metric && !narrow && conn.get_database_backend() == sea_orm::DbBackend::Sqlite;
    let (direction, past, reached) = match order.direction {
        SortDirection::Asc => (sea_orm::Order::Asc, BinOper::GreaterThan, BinOper::GreaterThanOrEqual),
        SortDirection::Desc => (sea_orm::Order::Desc, BinOper::SmallerThan, BinOper::SmallerThanOrEqual),
    };
    let compare =
        |column: &SimpleExpr, op: BinOper, value: sea_orm::Value| Expr::expr(column.clone()).binary(op, value);
    let member_id: SimpleExpr = Expr::col((member::Entity, member::Column::Id)).into();
    let mut rows = Vec::new();
    let mut tail_after = None;
    match after {
        Some((serde_json::Value::Null, id)) => tail_after = Some(id),
        after => {
            let mut valued = cond.clone().add(Expr::expr(key.column.clone()).is_not_null());
            if let Some((value, id)) = after {
                let value = key.kind.value(&value)?;
                // `reached` repeats what the `any` implies, as a range the index can seek to.
                valued = valued.add(compare(&key.column, reached, value.clone())).add(
                    Condition::any()
                        .add(compare(&key.column, past, value))
                        .add(compare(&key.tie, past, id.into())),
                );
            }
            let ordered = [
                (key.column.clone(), direction.clone()),
                (key.tie.clone(), direction.clone()),
            ];
            rows = fetch(conn, valued, &key, &ordered, limit, metrics_first).await?;
        }
    }
    if key.nullable && (rows.len() as u64) < limit {
        let mut empty = cond.add(Expr::expr(key.column.clone()).is_null());
        if let Some(id) = tail_after {
            empty = empty.add(compare(&member_id, past, id.into()));
        }
        let ordered = [(member_id, direction)];
        rows.extend(fetch(conn, empty, &key, &ordered, limit - rows.len() as u64, false).await?);
    }
    Ok(rows)
}

/// Members matching `cond` in `order`, with their sort values. `metrics_first` makes SQLite
/// walk the metric's order index and look each member up (see `page`).
async fn fetch(
    conn: &impl ConnectionTrait,
    cond: Condition,
    key: &SortKey,
    order: &[(SimpleExpr, sea_orm::Order)],
    limit: u64,
    metrics_first: bool,
) -> AppResult<Vec<Listed>> {
    use sea_orm::sea_query::{JoinType, Query};
    let joined = Expr::col((member::Entity, member::Column::Id))
        .equals((member_metrics::Entity, member_metrics::Column::MemberId));
    let mut query = Query::select();
    query
        .columns(member::Column::iter().map(|column| (member::Entity, column)))
        .expr_as(key.kind.readable(key.column.clone()), Alias::new(SORT_VALUE))
        .cond_where(cond)
        .limit(limit);
    if metrics_first {
        query
            .from(member_metrics::Entity)
            .join(JoinType::CrossJoin, member::Entity, joined);
    } else {
        query
            .from(member::Entity)
            .join(JoinType::LeftJoin, member_metrics::Entity, joined);
    }
    for (column, direction) in order {
        query.order_by_expr(column.clone(), direction.clone());
    }
    let rows = conn.query_all(conn.get_database_backend().build(&query)).await?;
    rows.iter()
        .map(|row| {
            Ok(Listed {
                member: member::Model::from_query_result(row, "")?,
                key: key.kind.read(row)?,
            })
        })
        .collect()
}

const SORT_VALUE: &str = "sort_value";

/// What a member list is ordered by: the column, the id that breaks ties (the same table's, so
/// one index serves both), whether members may lack a value, and the type of its values.
struct SortKey {
    column: SimpleExpr,
    tie: SimpleExpr,
    nullable: bool,
    kind: KeyKind,
    /// A column of the latest run's metrics.
    metric: bool,
}

impl SortKey {
    fn of(field: MemberOrderField) -> Self {
        use member::Column as P;
        use member_metrics::Column as M;
        let profile = |column: P, nullable, kind| Self {
            column: Expr::col((member::Entity, column)).into(),
            tie: Expr::col((member::Entity, P::Id)).into(),
            nullable,
            kind,
            metric: false,
        };
        // Every metric is missing for members who joined after the last run.
        let metric = |column: M, kind| Self {
            column: Expr::col((member_metrics::Entity, column)).into(),
            tie: Expr::col((member_metrics::Entity, M::MemberId)).into(),
            nullable: true,
            kind,
            metric: true,
        };
        match field {
            MemberOrderField::MemberNo => profile(P::MemberNo, false, KeyKind::Text),
            MemberOrderField::Name => profile(P::Name, false, KeyKind::Text),
            MemberOrderField::JoinedAt => profile(P::JoinedAt, false, KeyKind::Date),
            MemberOrderField::Birthday => profile(P::Birthday, true, KeyKind::Date),
            MemberOrderField::CreatedAt => profile(P::Id, false, KeyKind::Integer),
            MemberOrderField::Tier => metric(M::Tier, KeyKind::Text),
            MemberOrderField::RecencyDays => metric(M::RecencyDays, KeyKind::Integer),
            MemberOrderField::Frequency365 => metric(M::Frequency365, KeyKind::Integer),
            MemberOrderField::Monetary365 => metric(M::Monetary365Cents, KeyKind::Integer),
            MemberOrderField::PAlive => metric(M::PAlive, KeyKind::Real),
            MemberOrderField::Clv => metric(M::ClvCents, KeyKind::Integer),
        }
    }
}

/// How sort values are read from a row and travel in a cursor (as JSON).
#[derive(Clone, Copy)]
enum KeyKind {
    Text,
    Date,
    Integer,
    Real,
}

impl KeyKind {
    /// The selected expression: integers of either width read as 64-bit.
    fn readable(self, column: SimpleExpr) -> SimpleExpr {
        match self {
            Self::Integer => Expr::expr(column).cast_as(Alias::new("BIGINT")),
            _ => column,
        }
    }

    fn read(self, row: &sea_orm::QueryResult) -> AppResult<serde_json::Value> {
        Ok(match self {
            Self::Text => serde_json::json!(row.try_get::<Option<String>>("", SORT_VALUE)?),
            Self::Date => serde_json::json!(row.try_get::<Option<NaiveDate>>("", SORT_VALUE)?),
            Self::Integer => serde_json::json!(row.try_get::<Option<i64>>("", SORT_VALUE)?),
            Self::Real => serde_json::json!(row.try_get::<Option<f64>>("", SORT_VALUE)?),
        })
    }

    /// A cursor's sort value as an SQL value, or an input error if it is not of this kind.
    fn value(self, json: &serde_json::Value) -> AppResult<sea_orm::Value> {
        let value = match self {
            Self::Text => json.as_str().map(|t| t.to_owned().into()),
            Self::Date => json.as_str().and_then(|t| t.parse::<NaiveDate>().ok()).map(Into::into),
            Self::Integer => json.as_i64().map(Into::into),
            Self::Real => json.as_f64().map(Into::into),
        };
        value.ok_or_else(|| AppError::field("after", "after is not a cursor this list returned"))
    }
}
