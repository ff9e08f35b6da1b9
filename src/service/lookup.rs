//! The member lookup at the till, the API's busiest request: one statement that reads only what
//! the request shows. Every column a row carries costs time on the way out of the database (on
//! SQLite each is copied out on its own), so a lookup that shows a name and a tier reads the
//! name and the tier, not the profile's two dozen columns and the run's thirty.
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, RwLock};

use chrono::{DateTime, NaiveDate};
use entity::vocabulary::{MemberStatus, Tier};
use entity::{member, member_metrics, points_entry};
use sea_orm::sea_query::{Alias, Expr, Query, SimpleExpr, SubQueryStatement};
use sea_orm::{
    ColumnTrait, ColumnType, ConnectionTrait, DbBackend, DbErr, FromQueryResult, IdenStatic, Iterable, ModelTrait,
    QueryResult, QuerySelect, Select, Statement, Value,
};

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::service::member::not_found;
use crate::service::points;

/// Profile columns, one bit each in `member::Column::iter()` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Columns(u64);

impl Columns {
    pub const ALL: Self = Self(u64::MAX);

    /// What every lookup reads: the id and member number, and the store and assigned associate
    /// that access and masking are decided by.
    pub fn essential() -> Self {
        use member::Column::*;
        Self(0).with(&[Id, MemberNo, StoreId, AssignedAssociateId])
    }

    pub fn with(self, columns: &[member::Column]) -> Self {
        columns.iter().fold(self, |set, column| Self(set.0 | bit(*column)))
    }

    fn has(self, column: member::Column) -> bool {
        self.0 & bit(column) != 0
    }

    fn is_all(self) -> bool {
        member::Column::iter().all(|column| self.has(column))
    }

    /// `query` reading only these columns of `members`.
    pub fn select(self, query: Select<member::Entity>) -> Select<member::Entity> {
        let columns = member::Column::iter().filter(|c| self.has(*c));
        query.select_only().columns(columns)
    }
}

/// The column's place in the entity's declaration, which is its `iter()` order.
fn bit(column: member::Column) -> u64 {
    1 << column as u64
}

/// What a lookup reads of the latest run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MetricsRead {
    None,
    Tier,
    All,
}

/// What a lookup reads: profile columns, the latest run's metrics, the points balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct LookupShape {
    pub profile: Columns,
    pub metrics: MetricsRead,
    pub balance: bool,
}

/// A member looked up, with what the lookup read beside the profile.
pub struct Looked {
    /// The profile: columns the shape did not read hold placeholders (`unread_profile`), which
    /// the caller, having chosen the shape from what it shows, never shows.
    pub member: member::Model,
    /// The latest run's tier, when read (`None` before the member's first run).
    pub tier: Option<Tier>,
    /// The latest run's results, when read in full.
    pub metrics: Option<member_metrics::Model>,
    pub balance: Option<i64>,
}

/// A member the viewer may see, read in one statement as `shape` says.
pub async fn look_up(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    member_no: &str,
    shape: LookupShape,
) -> AppResult<Looked> {
    let backend = conn.get_database_backend();
    let statement = Statement::from_sql_and_values(backend, &*lookup_sql(backend, shape), [member_no.trim().into()]);
    let row = conn.query_one(statement).await?.ok_or_else(|| not_found(member_no))?;
    let member = read_profile(&row, shape.profile)?;
    viewer.check_member_access(member.id, member.store_id, || not_found(member_no))?;
    let metrics = match shape.metrics {
        MetricsRead::All => member_metrics::Model::from_query_result_optional(&row, METRICS)?,
        _ => None,
    };
    let tier = match shape.metrics {
        MetricsRead::None => None,
        MetricsRead::Tier => row.try_get::<Option<Tier>>(METRICS, member_metrics::Column::Tier.as_str())?,
        MetricsRead::All => metrics.as_ref().map(|m| m.tier),
    };
    Ok(Looked {
        member,
        tier,
        metrics,
        balance: shape.balance.then(|| row.try_get::<i64>("", BALANCE)).transpose()?,
    })
}

/// Metrics columns come prefixed, never to clash with the profile's names.
const METRICS: &str = "metrics_";
const BALANCE: &str = "points_balance";

/// The lookup's SQL, built once per database and shape (building a statement of fifty columns
/// was a noticeable share of a lookup's time; see docs/benchmarks.md). Few shapes occur: an app
/// asks the same few things.
fn lookup_sql(backend: DbBackend, shape: LookupShape) -> Arc<str> {
    /// By database (PostgreSQL or not) and shape.
    type Built = HashMap<(bool, LookupShape), Arc<str>>;
    static BUILT: LazyLock<RwLock<Built>> = LazyLock::new(Default::default);
    let key = (backend == DbBackend::Postgres, shape);
    if let Some(sql) = BUILT.read().ok().and_then(|built| built.get(&key).cloned()) {
        return sql;
    }
    let sql: Arc<str> = build_sql(backend, shape).into();
    if let Ok(mut built) = BUILT.write() {
        built.insert(key, sql.clone());
    }
    sql
}

fn build_sql(backend: DbBackend, shape: LookupShape) -> String {
    use member::{Column as Profile, Entity as Members};
    use member_metrics::{Column as Run, Entity as Metrics};
    let mut select = Query::select();
    select.from(Members);
    for column in Profile::iter().filter(|c| shape.profile.has(*c)) {
        select.column((Members, column));
    }
    let metrics_columns: Vec<Run> = match shape.metrics {
        MetricsRead::None => vec![],
        MetricsRead::Tier => vec![Run::Tier],
        MetricsRead::All => Run::iter().collect(),
    };
    if !metrics_columns.is_empty() {
        select.left_join(
            Metrics,
            Expr::col((Metrics, Run::MemberId)).equals((Members, Profile::Id)),
        );
    }
    for column in metrics_columns {
        select.expr_as(
            Expr::col((Metrics, column)),
            Alias::new(format!("{METRICS}{}", column.as_str())),
        );
    }
    if shape.balance {
        let sum = Query::select()
            .expr(points::balance_sum())
            .from(points_entry::Entity)
            .and_where(Expr::col((points_entry::Entity, points_entry::Column::MemberId)).equals((Members, Profile::Id)))
            .to_owned();
        select.expr_as(
            SimpleExpr::SubQuery(None, Box::new(SubQueryStatement::SelectStatement(sum))),
            Alias::new(BALANCE),
        );
    }
    select.and_where(match backend {
        DbBackend::Sqlite => Expr::cust_with_expr(SQLITE_UNIQUE_MATCH, Profile::MemberNo.eq("")),
        _ => Profile::MemberNo.eq(""),
    });
    backend.build(&select).sql
}

/// The member number is unique, and saying how selective its term is keeps SQLite from
/// estimating it from its samples of the index (STAT4): a statement whose plan read a bound
/// value is prepared again whenever a new value is bound, which cost the lookup more than
/// executing it (see docs/benchmarks.md). The plan is the same.
/// (`?` stands for the term, as SQLite's placeholder in sea-query's custom expressions.)
const SQLITE_UNIQUE_MATCH: &str = "likelihood(?, 0.000001)";

/// The profile from the row: every column when all were read, else the read ones over
/// placeholders.
pub fn read_profile(row: &QueryResult, columns: Columns) -> Result<member::Model, DbErr> {
    if columns.is_all() {
        return member::Model::from_query_result(row, "");
    }
    let mut profile = unread_profile();
    for column in member::Column::iter().filter(|c| columns.has(*c)) {
        profile.set(column, read_column(row, column)?);
    }
    Ok(profile)
}

/// One profile column as the value its model field takes (read as nullable: a column the
/// schema declares NOT NULL is never null).
fn read_column(row: &QueryResult, column: member::Column) -> Result<Value, DbErr> {
    let name = column.as_str();
    Ok(match column.def().get_column_type() {
        ColumnType::BigInteger => row.try_get::<Option<i64>>("", name)?.into(),
        ColumnType::SmallInteger => row.try_get::<Option<i16>>("", name)?.into(),
        ColumnType::Boolean => row.try_get::<Option<bool>>("", name)?.into(),
        ColumnType::Date => row.try_get::<Option<NaiveDate>>("", name)?.into(),
        ColumnType::TimestampWithTimeZone => row.try_get::<Option<chrono::DateTime<chrono::Utc>>>("", name)?.into(),
        ColumnType::String(_) | ColumnType::Text => row.try_get::<Option<String>>("", name)?.into(),
        other => return Err(DbErr::Type(format!("the lookup cannot read {name} ({other:?}) alone"))),
    })
}

/// A profile of placeholders for the columns a lookup did not read.
fn unread_profile() -> member::Model {
    member::Model {
        id: 0,
        member_no: String::new(),
        name: String::new(),
        gender: None,
        birthday: None,
        birth_month: None,
        birth_day: None,
        lunar_birthday: false,
        phone: None,
        email: None,
        address: None,
        city: None,
        joined_at: NaiveDate::MIN,
        store_id: None,
        assigned_associate_id: None,
        referred_by_id: None,
        interests: None,
        locale: String::new(),
        time_zone: String::new(),
        email_consent: false,
        consent_source: None,
        consent_at: None,
        sms_consent: false,
        wechat_consent: false,
        wechat_openid: None,
        wechat_mini_openid: None,
        wechat_unionid: None,
        muted_topics: None,
        frequency: entity::vocabulary::Frequency::Normal,
        paused_until: None,
        email_confirmation_requested_at: None,
        status: MemberStatus::Active,
        created_at: DateTime::UNIX_EPOCH,
        updated_at: DateTime::UNIX_EPOCH,
    }
}
