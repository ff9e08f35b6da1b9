//! Segments: a filter tree over members, compiled to one sea-query `Condition` that counts,
//! previews, membership refresh and campaign audiences all share.
//!
//! The compiled condition reads `members` and `member_metrics` (left-joined: a member never
//! analysed has no metrics row), so use it through [`members`] or [`member_ids`].
mod filter;
mod refresh;

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use entity::vocabulary::{MemberFieldKind, MemberStatus};
use entity::{member, member_metrics, segment};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QuerySelect, RelationTrait, Select,
};
use serde::{Deserialize, Serialize};

pub use filter::{FieldInfo, FIELDS, MAX_DEPTH};
pub use refresh::{refresh, refresh_all, RefreshCounts, Requester};

/// One node of a filter tree: a group, a negation, or one condition.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Filter {
    And(Vec<Filter>),
    Or(Vec<Filter>),
    Not(Box<Filter>),
    /// A profile field or a field of the latest analytics run, by its name in [`FIELDS`].
    Field(FieldCondition),
    /// The birthday falls within the next N days (0: today): the lunar one for members who keep
    /// a lunar birthday, as the birthday campaign reckons it; 29 February counting as
    /// 28 February in common years.
    BirthdayWithin(i32),
    /// The latest analytics run changed the member's tier.
    TierChange(TierChange),
    /// Bought at least N times / for at least X in a window (optionally one category or store).
    Bought(Bought),
    /// No purchase at all in the window.
    BoughtNothing(Window),
    /// Member of the saved segment with this id (its filter, expanded).
    InSegment(i64),
}

impl Filter {
    /// `field op operand`; a list operand (BETWEEN, IN, NOT_IN) is the condition's `values`.
    pub fn field(field: &str, op: Op, operand: serde_json::Value) -> Self {
        let (value, values) = match (op, operand) {
            (Op::Between | Op::In | Op::NotIn, serde_json::Value::Array(list)) => (None, Some(list)),
            (_, operand) => (Some(operand), None),
        };
        Self::Field(FieldCondition {
            field: field.to_owned(),
            op,
            value,
            values,
        })
    }
}

/// Stored as GraphQL spells it (`NOT_IN`), so a saved filter reads back as `SegmentFilter` input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Between,
    In,
    NotIn,
    Contains,
    IsEmpty,
}

/// `field op value` (or `values` for `between` and `in`); operands are JSON scalars: numbers,
/// strings (dates as `YYYY-MM-DD`, money as a decimal string or number), booleans.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FieldCondition {
    pub field: String,
    pub op: Op,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<serde_json::Value>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Direction {
    Upgraded,
    Downgraded,
}

/// A tier change written by the latest run, optionally only in one direction or between tiers.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TierChange {
    pub direction: Option<Direction>,
    pub from: Option<Vec<String>>,
    pub to: Option<Vec<String>>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bought {
    pub category: Option<String>,
    /// Store code.
    pub store: Option<String>,
    pub window: Window,
    /// At least this many purchases (rows of kind `purchase`); 1 when neither minimum is given.
    pub min_count: Option<i64>,
    /// At least this net spend (purchases less returns in the window); at most two decimals.
    pub min_amount: Option<Decimal>,
}

/// Either the last `last_days` days up to the as-of date — (D − N, D], so a day exactly N days
/// ago is outside, as in the analytics windows — or the days `from` to `to`, both included.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Window {
    pub last_days: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// When a filter is evaluated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AsOf {
    /// The brand's date, which purchase windows count back from.
    pub date: NaiveDate,
    /// Set when evaluating now: age and birthday conditions then use each member's own today in
    /// their time zone. Unset (a past date, a what-if), everyone shares `date`.
    pub now: Option<DateTime<Utc>>,
}

impl AsOf {
    /// `date`, evaluated now if it is the brand's `today`.
    pub fn new(date: NaiveDate, today: NaiveDate) -> Self {
        Self {
            date,
            now: (date == today).then(Utc::now),
        }
    }
}

/// Why a filter was refused, and where in the tree (e.g. `filter.and[2].or[0].value`): in
/// English, and as a stable key with its parameters, which a client translates.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct FilterError {
    pub path: String,
    pub message: String,
    /// `segment.emptyGroup`, `segment.valueCount`…
    pub key: &'static str,
    pub params: serde_json::Map<String, serde_json::Value>,
}

impl FilterError {
    /// With a parameter of its key's text.
    pub fn with(mut self, name: &str, value: impl Into<serde_json::Value>) -> Self {
        self.params.insert(name.to_owned(), value.into());
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SegmentError {
    #[error(transparent)]
    Invalid(#[from] FilterError),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
}

/// Compiles `filter` (rooted at `path`, e.g. `filter`) as of `as_of`. Saved
/// segments it names are loaded and expanded; `saving` is the id of the segment being saved,
/// so a filter that leads back to it is refused as a cycle. Erased members never match.
pub async fn compile(
    conn: &impl ConnectionTrait,
    filter: &Filter,
    path: &str,
    as_of: AsOf,
    saving: Option<i64>,
) -> Result<Condition, SegmentError> {
    let saved = load_referenced(conn, filter).await?;
    let custom: HashMap<String, MemberFieldKind> = entity::member_field::Entity::find()
        .all(conn)
        .await?
        .into_iter()
        .map(|field| (field.key, field.kind))
        .collect();
    let condition = filter::Compiler::new(as_of, &saved, saving)
        .with_custom_fields(&custom)
        .compile(filter, path)?;
    Ok(everyone().add(condition))
}

/// Compiles a tree that names no saved segment, without [`compile`]'s erased-member guard: for
/// a caller that adds its own (the member list shows admins erased records when asked).
pub fn compile_fields(filter: &Filter, path: &str, as_of: AsOf) -> Result<Condition, FilterError> {
    let compiled = filter::Compiler::new(as_of, &HashMap::new(), None).compile(filter, path)?;
    // Always an `all`: a caller adding its own conditions must not add them to an `any`.
    Ok(Condition::all().add(compiled))
}

/// Every member a filter may match: erased members never do.
pub fn everyone() -> Condition {
    Condition::all().add(Expr::col((member::Entity, member::Column::Status)).eq(MemberStatus::Active.as_str()))
}

/// Members matching a compiled condition (joined to their metrics, which the condition reads).
pub fn members(condition: Condition) -> Select<member::Entity> {
    member::Entity::find()
        .join(sea_orm::JoinType::LeftJoin, member::Relation::Metrics.def())
        .filter(condition)
}

/// `SELECT members.id ...` for a compiled condition: a sub-select for membership refresh and
/// campaign audiences.
pub fn member_ids(condition: Condition) -> SelectStatement {
    matching(condition)
        .column((member::Entity, member::Column::Id))
        .to_owned()
}

/// `SELECT ... FROM members LEFT JOIN member_metrics WHERE condition`, columns left to the caller.
pub fn matching(condition: Condition) -> SelectStatement {
    Query::select()
        .from(member::Entity)
        .left_join(
            member_metrics::Entity,
            Expr::col((member_metrics::Entity, member_metrics::Column::MemberId))
                .equals((member::Entity, member::Column::Id)),
        )
        .cond_where(condition)
        .to_owned()
}

/// Every saved segment `filter` leads to, directly or through other segments, by id.
async fn load_referenced(conn: &impl ConnectionTrait, filter: &Filter) -> Result<HashMap<i64, Filter>, SegmentError> {
    let mut saved = HashMap::new();
    let mut wanted: HashSet<i64> = referenced(filter);
    while !wanted.is_empty() {
        let rows = segment::Entity::find()
            .filter(segment::Column::Id.is_in(wanted.iter().copied()))
            .all(conn)
            .await?;
        wanted.clear();
        for row in rows {
            let tree = parse(&row)?;
            wanted.extend(referenced(&tree).into_iter().filter(|id| !saved.contains_key(id)));
            saved.insert(row.id, tree);
        }
        wanted.retain(|id| !saved.contains_key(id));
    }
    Ok(saved)
}

/// The stored filter of a saved segment.
pub fn parse(row: &segment::Model) -> Result<Filter, SegmentError> {
    serde_json::from_str(&row.filter).map_err(|e| {
        SegmentError::Db(DbErr::Custom(format!(
            "segment {} has an unreadable filter: {e}",
            row.id
        )))
    })
}

/// The ids of the segments a tree names directly.
pub fn referenced(filter: &Filter) -> HashSet<i64> {
    let mut ids = HashSet::new();
    collect(filter, &mut ids);
    ids
}

fn collect(filter: &Filter, ids: &mut HashSet<i64>) {
    match filter {
        Filter::And(nodes) | Filter::Or(nodes) => nodes.iter().for_each(|n| collect(n, ids)),
        Filter::Not(node) => collect(node, ids),
        Filter::InSegment(id) => {
            ids.insert(*id);
        }
        _ => {}
    }
}
