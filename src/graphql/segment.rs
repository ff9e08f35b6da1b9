//! Segments over GraphQL: the filter input tree, previews, and saved segments.
//!
//! The input types mirror `jobs::segments::Filter` node for node, so an error the compiler
//! reports at `filter.and[2].or[0].value` points at the same place in the request.
use async_graphql::connection::{Connection, ConnectionNameType, Edge, EmptyFields};
use async_graphql::{Context, Enum, InputObject, Json, Object, OneofObject, OutputType, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::{segment, segment_change, segment_refresh};
use jobs::segments as tree;
use jobs::JobContext;
use rust_decimal::Decimal;
use sea_orm::Condition;

use crate::auth::viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::member::Member;
use crate::graphql::{db, page};
use crate::http::list_reads;
use crate::service::analytics::Tier;
use crate::service::audit::AuditTrail;
use crate::service::segment as service;

/// One node of a segment filter: a group, a negation or one condition.
#[derive(OneofObject, Clone, Debug)]
pub enum SegmentFilter {
    /// Every filter holds.
    And(Vec<SegmentFilter>),
    /// At least one filter holds.
    Or(Vec<SegmentFilter>),
    Not(Box<SegmentFilter>),
    /// A profile field or a field of the latest analytics run: `{ field: "tier", op: IN,
    /// values: ["A", "B"] }`. Without a metrics row (never analysed) a metrics field is false.
    Field(FieldCondition),
    /// The birthday is within the next N days (0: today): the lunar one for members who keep a
    /// lunar birthday; 29 February counts as 28 February in common years.
    BirthdayWithin(i32),
    /// The latest analytics run changed the member's tier.
    TierChange(TierChangeCondition),
    /// Bought in a window, optionally in one category or at one store.
    Bought(BoughtCondition),
    /// No purchase at all in the window (true for members who never bought).
    BoughtNothing(TimeWindow),
    /// Member of a saved segment.
    InSegment(ID),
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
#[graphql(remote = "jobs::segments::Op")]
pub enum FilterOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    /// `values: [low, high]`, both included.
    Between,
    In,
    NotIn,
    /// Text contains (case-sensitive); interests include the topic.
    Contains,
    /// The field has no value (or an empty text).
    IsEmpty,
}

/// `field op value`. Operands are JSON: numbers, strings (dates `YYYY-MM-DD`, money a decimal
/// such as `"3000.00"`), booleans; `between`, `in` and `notIn` take `values`.
#[derive(InputObject, Clone, Debug)]
pub struct FieldCondition {
    pub field: String,
    pub op: FilterOp,
    pub value: Option<Json<serde_json::Value>>,
    pub values: Option<Vec<Json<serde_json::Value>>>,
}

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum TierDirection {
    Upgraded,
    Downgraded,
}

/// A tier change of the latest run; every given part must hold.
#[derive(InputObject, Clone, Debug)]
pub struct TierChangeCondition {
    pub direction: Option<TierDirection>,
    pub from: Option<Vec<Tier>>,
    pub to: Option<Vec<Tier>>,
}

/// Bought at least `minCount` times and/or for at least `minAmount` (net of returns) in the
/// window; at least once when neither is given.
#[derive(InputObject, Clone, Debug)]
pub struct BoughtCondition {
    pub category: Option<String>,
    /// Store code.
    pub store: Option<String>,
    pub window: TimeWindow,
    pub min_count: Option<i32>,
    pub min_amount: Option<Decimal>,
}

/// `lastDays: N` — the N days up to and including the as-of date (a purchase exactly N days
/// ago is outside) — or `from` and `to`, both included.
#[derive(InputObject, Clone, Debug)]
pub struct TimeWindow {
    pub last_days: Option<i32>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl SegmentFilter {
    /// The compiler's tree; `path` names this node for errors.
    pub fn to_tree(&self, path: &str) -> AppResult<tree::Filter> {
        let list = |nodes: &[SegmentFilter], at: &str| -> AppResult<Vec<tree::Filter>> {
            let at = format!("{path}.{at}");
            nodes
                .iter()
                .enumerate()
                .map(|(i, n)| n.to_tree(&format!("{at}[{i}]")))
                .collect()
        };
        Ok(match self {
            Self::And(nodes) => tree::Filter::And(list(nodes, "and")?),
            Self::Or(nodes) => tree::Filter::Or(list(nodes, "or")?),
            Self::Not(node) => tree::Filter::Not(Box::new(node.to_tree(&format!("{path}.not"))?)),
            Self::Field(c) => tree::Filter::Field(tree::FieldCondition {
                field: c.field.trim().to_owned(),
                op: c.op.into(),
                value: c.value.clone().map(|v| v.0),
                values: c.values.clone().map(|vs| vs.into_iter().map(|v| v.0).collect()),
            }),
            Self::BirthdayWithin(days) => tree::Filter::BirthdayWithin(*days),
            Self::TierChange(c) => tree::Filter::TierChange(tree::TierChange {
                direction: c.direction.map(|d| match d {
                    TierDirection::Upgraded => tree::Direction::Upgraded,
                    TierDirection::Downgraded => tree::Direction::Downgraded,
                }),
                from: c
                    .from
                    .as_ref()
                    .map(|t| t.iter().map(|t| t.as_str().to_owned()).collect()),
                to: c.to.as_ref().map(|t| t.iter().map(|t| t.as_str().to_owned()).collect()),
            }),
            Self::Bought(b) => tree::Filter::Bought(tree::Bought {
                category: b.category.clone(),
                store: b.store.clone(),
                window: b.window.clone().into(),
                min_count: b.min_count.map(i64::from),
                min_amount: b.min_amount,
            }),
            Self::BoughtNothing(window) => tree::Filter::BoughtNothing(window.clone().into()),
            Self::InSegment(id) => tree::Filter::InSegment(
                id.parse::<i64>()
                    .map_err(|_| AppError::field(&format!("{path}.inSegment"), "not a segment id"))?,
            ),
        })
    }
}

impl From<TimeWindow> for tree::Window {
    fn from(w: TimeWindow) -> Self {
        Self {
            last_days: w.last_days,
            from: w.from,
            to: w.to,
        }
    }
}

/// A field filter conditions can name.
pub struct SegmentField(tree::FieldInfo);

#[Object]
impl SegmentField {
    async fn name(&self) -> &str {
        self.0.name
    }
    /// `int`, `float`, `money` (a decimal amount), `text`, `date`, `bool`, `choice` (one of
    /// `choices`), `topics` (interests: `CONTAINS` one), `age` (whole years) or `store` (a code).
    async fn kind(&self) -> &str {
        self.0.kind
    }
    async fn operators(&self) -> Vec<FilterOp> {
        self.0.ops.iter().map(|op| FilterOp::from(*op)).collect()
    }
    /// The values a `choice` field holds.
    async fn choices(&self) -> &[&str] {
        self.0.choices
    }
    /// The member may have no value (`IS_EMPTY` can hold).
    async fn nullable(&self) -> bool {
        self.0.nullable
    }
}

/// When to evaluate: as of the given date (tests, what-if) or now.
fn as_of_date(ctx: &Context<'_>, given: Option<NaiveDate>) -> async_graphql::Result<tree::AsOf> {
    let today = ctx.data::<JobContext>()?.today();
    Ok(tree::AsOf::new(given.unwrap_or(today), today))
}

/// A saved segment.
pub struct Segment(pub segment::Model);

#[Object]
impl Segment {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// The filter as stored: JSON in the `SegmentFilter` input shape, so it can be edited and
    /// sent back.
    async fn filter(&self) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(serde_json::from_str(&self.0.filter)?))
    }
    /// Who created it and who changed it last.
    async fn created_by(&self) -> &str {
        &self.0.created_by
    }
    async fn updated_by(&self) -> &str {
        &self.0.updated_by
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// When membership was last refreshed (after a nightly run), and its size then.
    async fn last_refreshed_at(&self) -> Option<DateTime<Utc>> {
        self.0.last_refreshed_at
    }
    async fn last_count(&self) -> Option<i64> {
        self.0.last_count
    }
    /// How many members match now (evaluated live).
    async fn count(&self, ctx: &Context<'_>, as_of: Option<NaiveDate>) -> async_graphql::Result<u64> {
        let db = db(ctx)?;
        let filter = service::filter_of(&self.0)?;
        let _turn = list_reads::turn(ctx).await?;
        let condition = service::condition(db, &filter, as_of_date(ctx, as_of)?).await?;
        Ok(service::count(db, condition).await?)
    }
    /// Its members at the last refresh, in member order, contact details masked as `members`
    /// masks them. An export of member data, so audited.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SegmentMemberConnection> {
        let limit = page::page_size(first, 20)?;
        let after_id = after.as_deref().map(page::parse_id_cursor).transpose()?;
        let mut rows = service::members(db(ctx)?, self.0.id, after_id, limit + 1).await?;
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let detail = serde_json::json!({ "segment": self.0.id, "after": after_id, "returned": rows.len() });
        ctx.data::<AuditTrail>()?
            .record(viewer(ctx)?, "segment.members", None, detail);
        let mut connection = SegmentMemberConnection::new(after_id.is_some(), has_next);
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(page::id_cursor(row.id), Member(row))),
        );
        Ok(connection)
    }
    /// Who entered at a refresh at or after `since` (all, without it), newest first. Audited.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn entered(
        &self,
        ctx: &Context<'_>,
        since: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SegmentChangeConnection> {
        changes(ctx, self.0.id, true, since, first, after).await
    }
    /// Who left at a refresh at or after `since` (all, without it), newest first. Audited.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn left(
        &self,
        ctx: &Context<'_>,
        since: Option<DateTime<Utc>>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<SegmentChangeConnection> {
        changes(ctx, self.0.id, false, since, first, after).await
    }
    /// The latest refreshes, newest first: the segment's size over time.
    #[graphql(complexity = "page::cost(first, 30, child_complexity)")]
    async fn refreshes(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<SegmentRefresh>> {
        let limit = page::page_size(first, 30)?;
        let rows = service::refreshes(db(ctx)?, self.0.id, limit).await?;
        Ok(rows.into_iter().map(SegmentRefresh).collect())
    }
}

/// A page of who entered (or left) a segment: an export of member data, so audited.
async fn changes(
    ctx: &Context<'_>,
    segment_id: i64,
    entered: bool,
    since: Option<DateTime<Utc>>,
    first: Option<i32>,
    after: Option<String>,
) -> async_graphql::Result<SegmentChangeConnection> {
    let limit = page::page_size(first, 20)?;
    let cursor = after.as_deref().map(page::parse_time_cursor).transpose()?;
    let mut rows = service::changes(db(ctx)?, segment_id, entered, since, cursor, limit + 1).await?;
    let has_next = rows.len() as u64 > limit;
    rows.truncate(limit as usize);
    let action = if entered { "segment.entered" } else { "segment.left" };
    let detail = serde_json::json!({
        "segment": segment_id, "since": since, "continues": cursor.is_some(), "returned": rows.len()
    });
    ctx.data::<AuditTrail>()?.record(viewer(ctx)?, action, None, detail);
    let mut connection = SegmentChangeConnection::new(cursor.is_some(), has_next);
    connection.edges.extend(
        rows.into_iter()
            .map(|row| Edge::new(page::time_cursor(row.at, row.id), SegmentChange(row))),
    );
    Ok(connection)
}

/// Names a connection type after the segment list it pages.
macro_rules! connection_name {
    ($name:ident, $type_name:literal) => {
        pub struct $name;

        impl ConnectionNameType for $name {
            fn type_name<T: OutputType>() -> String {
                $type_name.to_owned()
            }
        }
    };
}

connection_name!(MembersName, "SegmentMemberConnection");
connection_name!(ChangesName, "SegmentChangeConnection");
pub type SegmentMemberConnection = Connection<String, Member, EmptyFields, EmptyFields, MembersName>;
pub type SegmentChangeConnection = Connection<String, SegmentChange, EmptyFields, EmptyFields, ChangesName>;

/// A member entering or leaving a segment at a refresh.
pub struct SegmentChange(segment_change::Model);

#[Object]
impl SegmentChange {
    /// The member (`null` if no longer on file).
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Member::by_id(ctx, self.0.member_id).await
    }
    /// True when the member entered, false when they left.
    async fn entered(&self) -> bool {
        self.0.entered
    }
    /// The time of the refresh that saw it.
    async fn at(&self) -> DateTime<Utc> {
        self.0.at
    }
    async fn refresh_id(&self) -> ID {
        ID(self.0.refresh_id.to_string())
    }
}

/// One refresh of a segment's membership.
pub struct SegmentRefresh(pub segment_refresh::Model);

#[Object]
impl SegmentRefresh {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn segment_id(&self) -> ID {
        ID(self.0.segment_id.to_string())
    }
    async fn refreshed_at(&self) -> DateTime<Utc> {
        self.0.refreshed_at
    }
    /// The date the filter was evaluated as of.
    async fn as_of(&self) -> NaiveDate {
        self.0.as_of
    }
    /// The job run that refreshed it (`null` when a person asked for it).
    async fn job_run_id(&self) -> Option<ID> {
        self.0.job_run_id.map(|id| ID(id.to_string()))
    }
    /// Who asked: `job:segments` for the nightly refresh, or the staff user.
    async fn requested_by(&self) -> &str {
        &self.0.requested_by
    }
    /// Its size after the refresh, and how many entered and left.
    async fn members(&self) -> i64 {
        self.0.members
    }
    async fn entered(&self) -> i64 {
        self.0.entered
    }
    async fn left(&self) -> i64 {
        self.0.left
    }
}

// A preview's connection type is `SegmentPreview` (the member list's is `MemberConnection`).
connection_name!(PreviewName, "SegmentPreview");
pub type PreviewConnection = Connection<String, Member, PreviewInfo, EmptyFields, PreviewName>;

/// The live size of a preview.
pub struct PreviewInfo {
    condition: Condition,
}

#[Object]
impl PreviewInfo {
    /// How many members match the filter.
    async fn count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let _turn = list_reads::turn(ctx).await?;
        Ok(service::count(db(ctx)?, self.condition.clone()).await?)
    }
}

#[derive(Default)]
pub struct SegmentQuery;

#[Object]
impl SegmentQuery {
    /// Every field a filter condition can name, with the operators that fit it: what a filter
    /// builder offers.
    #[graphql(complexity = "tree::FIELDS.len() * child_complexity")]
    async fn segment_fields(&self) -> Vec<SegmentField> {
        tree::FIELDS.iter().map(|f| SegmentField(f.info())).collect()
    }

    /// Saved segments by name. Marketers and admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn segments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Segment>> {
        let rows = service::list(db(ctx)?).await?;
        Ok(rows.into_iter().map(Segment).collect())
    }

    async fn segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Segment> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "not a segment id"))?;
        Ok(Segment(service::find(db(ctx)?, id).await?))
    }

    /// A filter not yet saved: its live `count` and its members in member order, contact
    /// details masked as `members` masks them. An export of member data, so audited.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn segment_preview(
        &self,
        ctx: &Context<'_>,
        filter: SegmentFilter,
        as_of: Option<NaiveDate>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<PreviewConnection> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let limit = page::page_size(first, 20)?;
        let after_id = after.as_deref().map(page::parse_id_cursor).transpose()?;
        let tree = filter.to_tree(service::ROOT)?;
        let turn = list_reads::turn(ctx).await?;
        let condition = service::condition(db, &tree, as_of_date(ctx, as_of)?).await?;
        let columns = crate::graphql::member::node_columns(ctx);
        let mut rows = service::page(db, condition.clone(), after_id, limit + 1, columns).await?;
        drop(turn);
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let detail = serde_json::json!({ "filter": tree, "after": after_id, "returned": rows.len() });
        ctx.data::<AuditTrail>()?
            .record(viewer, "segment.preview", None, detail);
        let mut connection =
            PreviewConnection::with_additional_fields(after_id.is_some(), has_next, PreviewInfo { condition });
        connection.edges.extend(
            rows.into_iter()
                .map(|row| Edge::new(page::id_cursor(row.id), Member(row))),
        );
        Ok(connection)
    }
}

#[derive(Default)]
pub struct SegmentMutation;

#[Object]
impl SegmentMutation {
    /// Saves a filter under a unique name. Marketers and admins; audited.
    async fn create_segment(
        &self,
        ctx: &Context<'_>,
        name: String,
        description: Option<String>,
        filter: SegmentFilter,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<Segment> {
        let tree = filter.to_tree(service::ROOT)?;
        let (db, viewer, as_of) = (db(ctx)?, viewer(ctx)?, as_of_date(ctx, as_of)?);
        let created = service::create(db, viewer, &name, description.as_deref(), &tree, as_of).await?;
        Ok(Segment(created))
    }

    /// Changes the given parts; an empty description clears it. Marketers and admins; audited.
    async fn update_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        description: Option<String>,
        filter: Option<SegmentFilter>,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<Segment> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "not a segment id"))?;
        let tree = filter.map(|f| f.to_tree(service::ROOT)).transpose()?;
        let (db, viewer, as_of) = (db(ctx)?, viewer(ctx)?, as_of_date(ctx, as_of)?);
        let updated = service::update(
            db,
            viewer,
            id,
            name.as_deref(),
            description.as_deref(),
            tree.as_ref(),
            as_of,
        )
        .await?;
        Ok(Segment(updated))
    }

    /// Refreshes a segment's membership now (the nightly run does every segment), recording
    /// who entered and who left. Marketers and admins; audited.
    async fn refresh_segment(
        &self,
        ctx: &Context<'_>,
        id: ID,
        as_of: Option<NaiveDate>,
    ) -> async_graphql::Result<SegmentRefresh> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "not a segment id"))?;
        let (db, viewer, as_of) = (db(ctx)?, viewer(ctx)?, as_of_date(ctx, as_of)?);
        Ok(SegmentRefresh(service::refresh(db, viewer, id, as_of).await?))
    }

    /// Deletes a segment that no other segment uses. Marketers and admins; audited.
    async fn delete_segment(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<bool> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "not a segment id"))?;
        service::delete(db(ctx)?, viewer(ctx)?, id).await?;
        Ok(true)
    }
}
