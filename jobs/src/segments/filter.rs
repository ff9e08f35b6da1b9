//! The one dictionary of filterable fields and the one compiler from a filter tree to SQL.
//!
//! Two-valued logic: a condition on a value the member does not have (no metrics row because
//! the member was never analysed, no birthday, no city) is false, and its `not` is true. So
//! `city ne "上海"` leaves out members without a city while `not { city eq "上海" }` keeps them.
use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use chrono_tz::TZ_VARIANTS;
use entity::vocabulary::{
    FeedbackKind, FeedbackStatus, Gender, Layer, LoyaltyQuadrant, MemberFieldKind, PurchaseKind, Tier, ValueQuadrant,
};
use entity::{feedback, member, member_metrics as metrics, points_entry, purchase, store, tier_change};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, Expr, Func, LikeExpr, Query, SelectStatement, SimpleExpr};
use sea_orm::{Condition, Value};

use super::{AsOf, Bought, Direction, FieldCondition, Filter, FilterError, Op, TierChange, Window};
use crate::calendar;

/// Groups nest at most this deep (the root is depth 1).
pub const MAX_DEPTH: usize = 8;

/// The longest window, in days, of `lastDays` and `birthdayWithin`.
const MAX_DAYS: i32 = 3660;

/// What a field holds, which decides its operators and how operands are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Int,
    /// A whole number from the first to the second, both included (a month, a score).
    Bounded(i64, i64),
    Float,
    /// Cents in SQL; operands are decimal amounts.
    Money,
    Text,
    Date,
    Bool,
    /// One of a fixed set of stored words.
    Choice(&'static [&'static str]),
    /// Comma-separated topics: `contains` one topic.
    Topics,
    /// Whole years at the as-of date, compiled to birthday ranges.
    Age,
    /// Home store, by code.
    Store,
    /// The strategy of the loyalty or value quadrant, compiled to the quadrants that have it.
    LoyaltyStrategy,
    ValueStrategy,
}

/// One filterable field: its name in the API, its SQL expression, what it holds, and whether
/// it can be missing (a nullable column, or any column of the left-joined metrics).
pub struct Field {
    pub name: &'static str,
    expr: fn() -> SimpleExpr,
    kind: Kind,
    nullable: bool,
}

const TIERS: &[&str] = Tier::NAMES;
const GENDERS: &[&str] = Gender::NAMES;
const LOYALTY: &[&str] = LoyaltyQuadrant::NAMES;
const VALUE: &[&str] = ValueQuadrant::NAMES;
const LAYERS: &[&str] = Layer::NAMES;
const STRATEGIES: &[&str] = &["deep_care", "deep_acquisition", "deep_mining", "long_term_cultivation"];

fn m(column: member::Column) -> SimpleExpr {
    Expr::col((member::Entity, column)).into()
}

fn x(column: metrics::Column) -> SimpleExpr {
    Expr::col((metrics::Entity, column)).into()
}

/// A member's points balance: the sum of the ledger, 0 without entries.
fn points_balance() -> SimpleExpr {
    let sum = Query::select()
        .expr(Func::coalesce([
            Expr::col((points_entry::Entity, points_entry::Column::Points)).sum(),
            Expr::val(0i64).into(),
        ]))
        .from(points_entry::Entity)
        .and_where(
            Expr::col((points_entry::Entity, points_entry::Column::MemberId))
                .equals((member::Entity, member::Column::Id)),
        )
        .to_owned();
    scalar(sum)
}

/// The member has a complaint still open.
fn open_complaint() -> SimpleExpr {
    let open = Query::select()
        .expr(Expr::val(1))
        .from(feedback::Entity)
        .and_where(
            Expr::col((feedback::Entity, feedback::Column::MemberId)).equals((member::Entity, member::Column::Id)),
        )
        .and_where(Expr::col((feedback::Entity, feedback::Column::Kind)).eq(FeedbackKind::Complaint))
        .and_where(Expr::col((feedback::Entity, feedback::Column::Status)).eq(FeedbackStatus::Open))
        .to_owned();
    Expr::exists(open)
}

macro_rules! fields {
    ($($name:literal => $expr:expr, $kind:expr, $nullable:literal;)*) => {
        /// Every field a filter can name.
        pub const FIELDS: &[Field] = &[$(Field { name: $name, expr: || $expr, kind: $kind, nullable: $nullable }),*];
    };
}

use member::Column as C;
use metrics::Column as X;

fields! {
    // Profile.
    "memberNo" => m(C::MemberNo), Kind::Text, false;
    "store" => m(C::StoreId), Kind::Store, true;
    "city" => m(C::City), Kind::Text, true;
    "gender" => m(C::Gender), Kind::Choice(GENDERS), true;
    "age" => m(C::Birthday), Kind::Age, true;
    "birthday" => m(C::Birthday), Kind::Date, true;
    "birthMonth" => m(C::BirthMonth), Kind::Bounded(1, 12), true;
    "joinedAt" => m(C::JoinedAt), Kind::Date, false;
    "interests" => m(C::Interests), Kind::Topics, true;
    "emailConsent" => m(C::EmailConsent), Kind::Bool, false;
    "locale" => m(C::Locale), Kind::Text, false;
    "timeZone" => m(C::TimeZone), Kind::Text, false;
    "pointsBalance" => points_balance(), Kind::Int, false;
    // A complaint not yet resolved: a risk (most complainers stay when it is resolved).
    "openComplaint" => open_complaint(), Kind::Bool, false;
    // The latest analytics run (false for a member it has not scored yet).
    "tier" => x(X::Tier), Kind::Choice(TIERS), true;
    "qualifiedTier" => x(X::QualifiedTier), Kind::Choice(TIERS), true;
    "rScore" => x(X::RScore), Kind::Bounded(1, 5), true;
    "fScore" => x(X::FScore), Kind::Bounded(1, 5), true;
    "mScore" => x(X::MScore), Kind::Bounded(1, 5), true;
    "loyaltyQuadrant" => x(X::LoyaltyQuadrant), Kind::Choice(LOYALTY), true;
    "valueQuadrant" => x(X::ValueQuadrant), Kind::Choice(VALUE), true;
    "loyaltyStrategy" => x(X::LoyaltyQuadrant), Kind::LoyaltyStrategy, true;
    "valueStrategy" => x(X::ValueQuadrant), Kind::ValueStrategy, true;
    "layer" => x(X::Layer), Kind::Choice(LAYERS), true;
    "declining" => x(X::Declining), Kind::Bool, true;
    "lapsed" => x(X::Lapsed), Kind::Bool, true;
    "pAlive" => x(X::PAlive), Kind::Float, true;
    "expectedPurchases365" => x(X::ExpectedPurchases365), Kind::Float, true;
    "expectedValue365" => x(X::ExpectedValue365Cents), Kind::Money, true;
    "clv" => x(X::ClvCents), Kind::Money, true;
    "simpleClv" => x(X::SimpleClvCents), Kind::Money, true;
    "recencyDays" => x(X::RecencyDays), Kind::Int, true;
    "frequency365" => x(X::Frequency365), Kind::Int, true;
    "monetary365" => x(X::Monetary365Cents), Kind::Money, true;
    "profit365" => x(X::Profit365Cents), Kind::Money, true;
    "ordersTotal" => x(X::OrdersTotal), Kind::Int, true;
    "spendTotal" => x(X::SpendTotalCents), Kind::Money, true;
    "avgOrderValue" => x(X::AvgOrderValueCents), Kind::Money, true;
    "firstPurchase" => x(X::FirstPurchase), Kind::Date, true;
    "lastPurchase" => x(X::LastPurchase), Kind::Date, true;
}

/// What a filterable field is, for a builder that offers only what fits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldInfo {
    pub name: &'static str,
    /// `int`, `float`, `money`, `text`, `date`, `bool`, `choice`, `topics`, `age` or `store`.
    pub kind: &'static str,
    pub ops: &'static [Op],
    /// The words a `choice` field holds.
    pub choices: &'static [&'static str],
    /// It may be missing (no metrics row yet, no birthday…), so `isEmpty` can be true.
    pub nullable: bool,
}

impl Field {
    pub fn info(&self) -> FieldInfo {
        let (kind, choices) = match self.kind {
            Kind::Int | Kind::Bounded(..) => ("int", &[][..]),
            Kind::Float => ("float", &[][..]),
            Kind::Money => ("money", &[][..]),
            Kind::Text => ("text", &[][..]),
            Kind::Date => ("date", &[][..]),
            Kind::Bool => ("bool", &[][..]),
            Kind::Choice(words) => ("choice", words),
            Kind::Topics => ("topics", &[][..]),
            Kind::Age => ("age", &[][..]),
            Kind::Store => ("store", &[][..]),
            Kind::LoyaltyStrategy | Kind::ValueStrategy => ("choice", STRATEGIES),
        };
        FieldInfo {
            name: self.name,
            kind,
            ops: self.kind.ops(),
            choices,
            nullable: self.nullable,
        }
    }
}

impl Kind {
    fn ops(self) -> &'static [Op] {
        use Op::*;
        match self {
            Kind::Int | Kind::Bounded(..) | Kind::Float | Kind::Money | Kind::Date | Kind::Age => {
                &[Eq, Ne, Lt, Le, Gt, Ge, Between, In, NotIn, IsEmpty]
            }
            Kind::Text => &[Eq, Ne, In, NotIn, Contains, IsEmpty],
            Kind::Choice(_) | Kind::Store | Kind::LoyaltyStrategy | Kind::ValueStrategy => {
                &[Eq, Ne, In, NotIn, IsEmpty]
            }
            Kind::Bool => &[Eq, Ne, IsEmpty],
            Kind::Topics => &[Contains, IsEmpty],
        }
    }
}

/// An operator as the API spells it (`NOT_IN`).
fn op_name(op: Op) -> String {
    serde_json::to_value(op)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// A refusal at `path`: `key` names it for a translation, `message` says it in English.
fn invalid(path: &str, key: &'static str, message: impl Into<String>) -> FilterError {
    FilterError {
        path: path.to_owned(),
        message: message.into(),
        key,
        params: serde_json::Map::new(),
    }
}

/// Each member's own today, for age and birthday conditions: evaluated now, members in zones
/// where it is already tomorrow or still yesterday have theirs; evaluated as of a date, everyone
/// shares it.
struct LocalDays {
    as_of: AsOf,
    /// Other dates and the zones that are at them, in a fixed order; worked out when an age or
    /// birthday condition first asks (going through every zone was a noticeable share of a
    /// preview's time; see docs/benchmarks.md).
    elsewhere: OnceCell<BTreeMap<NaiveDate, Vec<&'static str>>>,
}

impl LocalDays {
    fn new(as_of: AsOf) -> Self {
        Self {
            as_of,
            elsewhere: OnceCell::new(),
        }
    }

    fn elsewhere(&self) -> &BTreeMap<NaiveDate, Vec<&'static str>> {
        self.elsewhere.get_or_init(|| {
            let mut elsewhere: BTreeMap<NaiveDate, Vec<&'static str>> = BTreeMap::new();
            if let Some(now) = self.as_of.now {
                for zone in TZ_VARIANTS {
                    let day = now.with_timezone(&zone).date_naive();
                    if day != self.as_of.date {
                        elsewhere.entry(day).or_default().push(zone.name());
                    }
                }
            }
            elsewhere
        })
    }

    /// `on(day)` for each member's own day: by `members.time_zone` (a name Patron does not
    /// know counts as the brand's zone, as when emails are scheduled).
    fn zoned(&self, on: impl Fn(NaiveDate) -> Condition) -> Condition {
        let (today, elsewhere) = (self.as_of.date, self.elsewhere());
        if elsewhere.is_empty() {
            return on(today);
        }
        let zone = || Expr::col((member::Entity, member::Column::TimeZone));
        let away = elsewhere.values().flatten().copied();
        let mut any = Condition::any().add(Condition::all().add(zone().is_not_in(away)).add(on(today)));
        for (day, zones) in elsewhere {
            any = any.add(Condition::all().add(zone().is_in(zones.iter().copied())).add(on(*day)));
        }
        any
    }
}

/// Compiles one tree; holds the as-of date, the saved segments it may name, and the segments
/// being expanded (to refuse cycles).
pub struct Compiler<'a> {
    as_of: NaiveDate,
    local: LocalDays,
    saved: &'a HashMap<i64, Filter>,
    expanding: Vec<i64>,
    /// The brand's own fields by key: a condition on one compares as its kind holds, and a key
    /// no field has is refused (none are known to a compiler without a database to ask).
    custom: Option<&'a HashMap<String, MemberFieldKind>>,
}

impl<'a> Compiler<'a> {
    pub fn new(as_of: AsOf, saved: &'a HashMap<i64, Filter>, saving: Option<i64>) -> Self {
        Self {
            as_of: as_of.date,
            local: LocalDays::new(as_of),
            saved,
            expanding: saving.into_iter().collect(),
            custom: None,
        }
    }

    /// Checks conditions on the brand's own fields against `fields`.
    pub fn with_custom_fields(mut self, fields: &'a HashMap<String, MemberFieldKind>) -> Self {
        self.custom = Some(fields);
        self
    }

    pub fn compile(&mut self, filter: &Filter, path: &str) -> Result<Condition, FilterError> {
        self.node(filter, path, 1)
    }

    fn node(&mut self, filter: &Filter, path: &str, depth: usize) -> Result<Condition, FilterError> {
        if depth > MAX_DEPTH {
            return Err(invalid(
                path,
                "segment.nestedTooDeep",
                format!("filters nest at most {MAX_DEPTH} deep"),
            )
            .with("max", MAX_DEPTH));
        }
        match filter {
            Filter::And(nodes) => self.group(Condition::all(), nodes, &format!("{path}.and"), depth),
            Filter::Or(nodes) => self.group(Condition::any(), nodes, &format!("{path}.or"), depth),
            Filter::Not(node) => Ok(self.node(node, &format!("{path}.not"), depth + 1)?.not()),
            Filter::Field(c) => field(c, &format!("{path}.field"), &self.local, self.custom),
            Filter::BirthdayWithin(days) => birthday_within(*days, &format!("{path}.birthdayWithin"), &self.local),
            Filter::TierChange(change) => tier_change(change, &format!("{path}.tierChange")),
            Filter::Bought(bought) => self.bought(bought, &format!("{path}.bought")),
            Filter::BoughtNothing(window) => {
                let rows = self.rows(window, None, None, &format!("{path}.boughtNothing"))?;
                let any = only_purchases(rows).expr(Expr::val(1)).to_owned();
                Ok(Condition::all().add(Expr::exists(any)).not())
            }
            Filter::InSegment(id) => self.in_segment(*id, &format!("{path}.inSegment")),
        }
    }

    fn group(
        &mut self,
        group: Condition,
        nodes: &[Filter],
        path: &str,
        depth: usize,
    ) -> Result<Condition, FilterError> {
        if nodes.is_empty() {
            return Err(invalid(path, "segment.emptyGroup", "a group needs at least one filter"));
        }
        nodes.iter().enumerate().try_fold(group, |group, (i, node)| {
            Ok(group.add(self.node(node, &format!("{path}[{i}]"), depth + 1)?))
        })
    }

    /// A saved segment's filter, expanded in place: it applies to the same member row. Its
    /// own depth was checked when it was saved; the chain of segments is limited here.
    fn in_segment(&mut self, id: i64, path: &str) -> Result<Condition, FilterError> {
        if self.expanding.contains(&id) {
            return Err(invalid(path, "segment.cycle", format!("segment {id} leads back to itself")).with("id", id));
        }
        if self.expanding.len() >= MAX_DEPTH {
            return Err(invalid(
                path,
                "segment.nestedTooDeep",
                format!("segments nest at most {MAX_DEPTH} deep"),
            )
            .with("max", MAX_DEPTH));
        }
        let saved = self.saved;
        let Some(filter) = saved.get(&id) else {
            return Err(invalid(path, "segment.noSuchSegment", format!("no segment has the id {id}")).with("id", id));
        };
        self.expanding.push(id);
        // An error inside a saved filter is reported where the caller's tree names it.
        let compiled = self
            .node(filter, &format!("segment[{id}]"), 1)
            .map_err(|e| FilterError {
                path: path.to_owned(),
                message: format!("{}: {}", e.path, e.message),
                ..e
            });
        self.expanding.pop();
        compiled
    }

    fn bought(&self, bought: &Bought, path: &str) -> Result<Condition, FilterError> {
        let (category, store) = (bought.category.as_deref(), bought.store.as_deref());
        let window_path = format!("{path}.window");
        if bought.min_count.is_none() && bought.min_amount.is_none() {
            let mut any = only_purchases(self.rows(&bought.window, category, store, &window_path)?);
            return Ok(Condition::all().add(Expr::exists(any.expr(Expr::val(1)).to_owned())));
        }
        // A threshold: the members whose totals over the window reach it, as one aggregate of
        // the window's rows. (Asked per member, it would probe the purchases of every candidate,
        // far slower at a million members on PostgreSQL; see docs/benchmarks.md.)
        let member_id = (purchase::Entity, purchase::Column::MemberId);
        let mut totals = self
            .window_rows(&bought.window, category, store, &window_path)?
            .column(member_id)
            .group_by_col(member_id)
            .to_owned();
        if let Some(n) = bought.min_count {
            if n < 1 {
                return Err(invalid(
                    &format!("{path}.minCount"),
                    "segment.minCount",
                    "minCount must be at least 1",
                ));
            }
            let is_purchase = Expr::case(
                Expr::col((purchase::Entity, purchase::Column::Kind)).eq(PurchaseKind::Purchase.as_str()),
                1,
            )
            .finally(0);
            let purchases = Expr::expr(SimpleExpr::Case(Box::new(is_purchase))).sum();
            totals.and_having(Expr::expr(purchases).gte(n));
        }
        if let Some(amount) = bought.min_amount {
            let at_least = |key, message| invalid(&format!("{path}.minAmount"), key, message);
            let cents = cents(amount)
                .ok_or_else(|| at_least("segment.minAmountDecimals", "minAmount has more than two decimals"))?;
            if cents <= 0 {
                return Err(at_least("segment.minAmountPositive", "minAmount must be more than 0"));
            }
            // Net: returns in the window count against the spend.
            let net = Expr::col((purchase::Entity, purchase::Column::AmountCents)).sum();
            totals.and_having(Expr::expr(net).gte(cents));
        }
        Ok(Condition::all().add(Expr::col((member::Entity, member::Column::Id)).in_subquery(totals)))
    }

    /// The member's purchase and return rows in the window (`path` names the window), in a
    /// category and at a store when given; the caller chooses what to select.
    fn rows(
        &self,
        window: &Window,
        category: Option<&str>,
        store: Option<&str>,
        path: &str,
    ) -> Result<SelectStatement, FilterError> {
        let mut rows = self.window_rows(window, category, store, path)?;
        rows.and_where(
            Expr::col((purchase::Entity, purchase::Column::MemberId)).equals((member::Entity, member::Column::Id)),
        );
        Ok(rows)
    }

    /// Every member's purchase and return rows in the window, in a category and at a store when
    /// given.
    fn window_rows(
        &self,
        window: &Window,
        category: Option<&str>,
        store: Option<&str>,
        path: &str,
    ) -> Result<SelectStatement, FilterError> {
        let (from, to) = self.window(window, path)?;
        let day = || Expr::col((purchase::Entity, purchase::Column::OccurredOn));
        let mut rows = Query::select()
            .from(purchase::Entity)
            .and_where(day().gte(from))
            .and_where(day().lte(to))
            .to_owned();
        if let Some(category) = category.map(str::trim) {
            rows.and_where(Expr::col((purchase::Entity, purchase::Column::Category)).eq(category));
        }
        if let Some(code) = store.map(str::trim) {
            rows.and_where(Expr::col((purchase::Entity, purchase::Column::StoreId)).in_subquery(store_ids(&[code])));
        }
        Ok(rows)
    }

    /// The first and last day of a window, both included.
    fn window(&self, window: &Window, path: &str) -> Result<(NaiveDate, NaiveDate), FilterError> {
        match (window.last_days, window.from, window.to) {
            (Some(days), None, None) => {
                if !(1..=MAX_DAYS).contains(&days) {
                    let message = format!("lastDays must be 1–{MAX_DAYS}");
                    return Err(invalid(&format!("{path}.lastDays"), "segment.lastDays", message).with("max", MAX_DAYS));
                }
                Ok((self.as_of - Duration::days(i64::from(days) - 1), self.as_of))
            }
            (None, Some(from), Some(to)) if from <= to => Ok((from, to)),
            (None, Some(_), Some(_)) => Err(invalid(
                &format!("{path}.to"),
                "segment.toBeforeFrom",
                "to is before from",
            )),
            _ => Err(invalid(
                path,
                "segment.window",
                "give either lastDays, or both from and to",
            )),
        }
    }
}

/// Purchases, not returns.
fn only_purchases(mut rows: SelectStatement) -> SelectStatement {
    rows.and_where(Expr::col((purchase::Entity, purchase::Column::Kind)).eq(PurchaseKind::Purchase.as_str()));
    rows
}

/// A one-column select used as a scalar value.
fn scalar(select: SelectStatement) -> SimpleExpr {
    SimpleExpr::SubQuery(None, Box::new(select.into_sub_query_statement()))
}

/// `SELECT id FROM stores WHERE code IN (...)`: the filter stays one statement, and an unknown
/// code simply matches no store.
fn store_ids(codes: &[&str]) -> SelectStatement {
    Query::select()
        .column((store::Entity, store::Column::Id))
        .from(store::Entity)
        .and_where(Expr::col((store::Entity, store::Column::Code)).is_in(codes.iter().map(|c| c.to_string())))
        .to_owned()
}

fn field(
    c: &FieldCondition,
    path: &str,
    local: &LocalDays,
    custom: Option<&HashMap<String, MemberFieldKind>>,
) -> Result<Condition, FilterError> {
    if let Some(key) = c.field.strip_prefix(CUSTOM) {
        let kind = match custom.and_then(|fields| fields.get(key)) {
            Some(MemberFieldKind::Number) => Kind::Float,
            Some(MemberFieldKind::Date) => Kind::Date,
            Some(MemberFieldKind::Text | MemberFieldKind::Choice) => Kind::Text,
            None => {
                let message = format!("no member field is called {key:?}");
                let refused = invalid(&format!("{path}.field"), "segment.noSuchField", message);
                return Err(refused.with("field", c.field.as_str()));
            }
        };
        return condition(&c.field, kind, custom_value(key, kind), true, c, path, local);
    }
    let Some(field) = FIELDS.iter().find(|f| f.name == c.field) else {
        let names: Vec<_> = FIELDS.iter().map(|f| f.name).collect();
        let message = format!(
            "no field is called {:?}; fields: {}, or {CUSTOM}<key> of the brand's own",
            c.field,
            names.join(", ")
        );
        return Err(invalid(&format!("{path}.field"), "segment.noSuchField", message).with("field", c.field.as_str()));
    };
    condition(field.name, field.kind, (field.expr)(), field.nullable, c, path, local)
}

/// The prefix of the brand's own member fields: `custom.family`.
pub const CUSTOM: &str = "custom.";

/// The member's value of the field `key`, in the column `kind` compares: none when they have
/// none (or no field has the key).
fn custom_value(key: &str, kind: Kind) -> SimpleExpr {
    use entity::member_field_value::Column as V;
    let v = Alias::new("cv");
    let column = match kind {
        Kind::Float => V::NumberValue,
        Kind::Date => V::DateValue,
        _ => V::Value,
    };
    let value = Query::select()
        .column((v.clone(), column))
        .from_as(entity::member_field_value::Entity, v.clone())
        .inner_join(
            entity::member_field::Entity,
            Expr::col((entity::member_field::Entity, entity::member_field::Column::Id)).equals((v.clone(), V::FieldId)),
        )
        .and_where(Expr::col((v, V::MemberId)).equals((member::Entity, member::Column::Id)))
        .and_where(Expr::col((entity::member_field::Entity, entity::member_field::Column::Key)).eq(key))
        .to_owned();
    scalar(value)
}

/// `c` on a field called `name`, of `kind`, whose value is `expr`.
fn condition(
    name: &str,
    kind: Kind,
    expr: SimpleExpr,
    nullable: bool,
    c: &FieldCondition,
    path: &str,
    local: &LocalDays,
) -> Result<Condition, FilterError> {
    if !kind.ops().contains(&c.op) {
        let takes: Vec<_> = kind.ops().iter().map(|op| op_name(*op)).collect();
        let message = format!(
            "{} does not apply to {name}; it takes {}",
            op_name(c.op),
            takes.join(", ")
        );
        let refused = invalid(&format!("{path}.op"), "segment.opNotApplicable", message);
        return Err(refused
            .with("op", op_name(c.op))
            .with("field", name)
            .with("takes", takes.join(", ")));
    }
    let operands = Operands::read(kind, c, path)?;
    if c.op == Op::IsEmpty {
        let empty = Condition::any().add(Expr::expr(expr.clone()).is_null());
        return Ok(match kind {
            Kind::Text | Kind::Topics => empty.add(Expr::expr(expr).eq("")),
            _ => empty,
        });
    }
    let test = test(kind, c.op, operands.0, expr.clone(), local);
    Ok(if nullable {
        Condition::all().add(Expr::expr(expr).is_not_null()).add(test)
    } else {
        test
    })
}

/// `expr op operands` for a field of `kind` that has a value.
fn test(kind: Kind, op: Op, operands: Vec<(Value, String)>, expr: SimpleExpr, local: &LocalDays) -> Condition {
    match kind {
        Kind::Age => local.zoned(|day| age(op, &operands, day)),
        Kind::Store => store(op, &operands, expr),
        Kind::Topics => topic(&operands, expr),
        Kind::Text if op == Op::Contains => {
            let text = operands.first().map(|(_, t)| t.as_str()).unwrap_or_default();
            Condition::all().add(Expr::expr(expr).like(LikeExpr::new(pattern(text, "%", "%")).escape('\\')))
        }
        Kind::LoyaltyStrategy | Kind::ValueStrategy => {
            let quadrants = operands.iter().flat_map(|v| quadrants(kind, v)).collect();
            let op = match op {
                Op::Eq | Op::In => Op::In,
                _ => Op::NotIn,
            };
            compare(expr, op, quadrants)
        }
        _ => compare(expr, op, operands.into_iter().map(|(v, _)| v).collect()),
    }
}

/// The operands of a condition, read as the field's kind, with their original text.
struct Operands(Vec<(Value, String)>);

impl Operands {
    fn read(kind: Kind, c: &FieldCondition, path: &str) -> Result<Self, FilterError> {
        let (needed, values): (&str, Vec<(String, &serde_json::Value)>) = match c.op {
            Op::IsEmpty => return Ok(Self(Vec::new())),
            Op::Between | Op::In | Op::NotIn => {
                let values = c.values.as_ref().ok_or_else(|| {
                    let op = op_name(c.op);
                    invalid(
                        &format!("{path}.values"),
                        "segment.needsValues",
                        format!("{op} needs values"),
                    )
                    .with("op", op)
                })?;
                let listed = values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| (format!("{path}.values[{i}]"), v));
                ("values", listed.collect())
            }
            _ => {
                let value = c.value.as_ref().ok_or_else(|| {
                    let op = op_name(c.op);
                    invalid(
                        &format!("{path}.value"),
                        "segment.needsValue",
                        format!("{op} needs a value"),
                    )
                    .with("op", op)
                })?;
                ("value", vec![(format!("{path}.value"), value)])
            }
        };
        let count_ok = match c.op {
            Op::Between => values.len() == 2,
            Op::In | Op::NotIn => !values.is_empty() && values.len() <= 1000,
            _ => true,
        };
        if !count_ok {
            let op = op_name(c.op);
            let message = format!("{op} takes two values (BETWEEN) or 1–1000 (IN, NOT_IN)");
            return Err(invalid(&format!("{path}.{needed}"), "segment.valueCount", message).with("op", op));
        }
        let read = values
            .into_iter()
            .map(|(at, v)| operand(kind, v, &at))
            .collect::<Result<_, _>>()?;
        Ok(Self(read))
    }
}

/// One JSON operand as an SQL value of the field's kind.
fn operand(kind: Kind, json: &serde_json::Value, path: &str) -> Result<(Value, String), FilterError> {
    let text = json.as_str().map(str::trim).map(str::to_owned);
    // The key names what was expected; `got` is the operand as sent.
    let wrong = |key: &'static str, what: &str| {
        invalid(path, key, format!("expected {what}, not {json}")).with("got", json.to_string())
    };
    let value: Value = match kind {
        Kind::Int | Kind::Age => json
            .as_i64()
            .ok_or_else(|| wrong("segment.expectedWholeNumber", "a whole number"))?
            .into(),
        Kind::Bounded(low, high) => json
            .as_i64()
            .filter(|n| (low..=high).contains(n))
            .ok_or_else(|| {
                wrong("segment.expectedRange", &format!("a whole number from {low} to {high}"))
                    .with("low", low)
                    .with("high", high)
            })?
            .into(),
        Kind::Float => json
            .as_f64()
            .ok_or_else(|| wrong("segment.expectedNumber", "a number"))?
            .into(),
        Kind::Money => money_cents(json)
            .ok_or_else(|| wrong("segment.expectedAmount", "an amount with at most two decimals"))?
            .into(),
        Kind::Date => text
            .as_deref()
            .and_then(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").ok())
            .ok_or_else(|| wrong("segment.expectedDate", "a date YYYY-MM-DD"))?
            .into(),
        Kind::Bool => json
            .as_bool()
            .ok_or_else(|| wrong("segment.expectedBool", "true or false"))?
            .into(),
        Kind::Text | Kind::Topics | Kind::Store => text
            .clone()
            .ok_or_else(|| wrong("segment.expectedText", "a string"))?
            .into(),
        Kind::Choice(words) => choose(words, text.as_deref())
            .ok_or_else(|| wrong("segment.expectedChoice", &words.join(" | ")).with("choices", words.join(" | ")))?
            .into(),
        Kind::LoyaltyStrategy | Kind::ValueStrategy => choose(STRATEGIES, text.as_deref())
            .ok_or_else(|| {
                wrong("segment.expectedChoice", &STRATEGIES.join(" | ")).with("choices", STRATEGIES.join(" | "))
            })?
            .into(),
    };
    Ok((value, text.unwrap_or_else(|| json.to_string())))
}

/// The stored word for `text`, accepting the GraphQL enum spelling (`TRUE_FRIEND`) too.
fn choose(words: &[&'static str], text: Option<&str>) -> Option<&'static str> {
    let text = text?;
    words.iter().copied().find(|w| w.eq_ignore_ascii_case(text))
}

/// An amount (a JSON number or decimal string, read from its decimal text, never through a
/// float) as cents.
fn money_cents(json: &serde_json::Value) -> Option<i64> {
    let text = match json {
        serde_json::Value::String(s) => s.trim().to_owned(),
        serde_json::Value::Number(n) => n.to_string(),
        _ => return None,
    };
    cents(Decimal::from_str(&text).ok()?)
}

/// An amount as cents; `None` beyond two decimals (no rounding) or out of range.
fn cents(amount: Decimal) -> Option<i64> {
    let amount = amount.normalize();
    if amount.scale() > 2 {
        return None;
    }
    i64::try_from(amount * Decimal::ONE_HUNDRED).ok()
}

fn compare(expr: SimpleExpr, op: Op, values: Vec<Value>) -> Condition {
    let e = || Expr::expr(expr.clone());
    let first = || values.first().cloned().unwrap_or(Value::Int(None));
    let cond = Condition::all();
    match op {
        Op::Eq => cond.add(e().eq(first())),
        Op::Ne => cond.add(e().ne(first())),
        Op::Lt => cond.add(e().lt(first())),
        Op::Le => cond.add(e().lte(first())),
        Op::Gt => cond.add(e().gt(first())),
        Op::Ge => cond.add(e().gte(first())),
        Op::Between => cond
            .add(e().gte(first()))
            .add(e().lte(values.get(1).cloned().unwrap_or(Value::Int(None)))),
        Op::In => cond.add(e().is_in(values)),
        Op::NotIn => cond.add(e().is_not_in(values)),
        Op::Contains | Op::IsEmpty => cond,
    }
}

fn store(op: Op, codes: &[(Value, String)], expr: SimpleExpr) -> Condition {
    let codes: Vec<&str> = codes.iter().map(|(_, t)| t.as_str()).collect();
    let within = Expr::expr(expr).in_subquery(store_ids(&codes));
    match op {
        Op::Eq | Op::In => Condition::all().add(within),
        _ => Condition::all().add(within).not(),
    }
}

/// `interests` holds `a,b,c`: the topic alone, first, last or in the middle.
fn topic(topics: &[(Value, String)], expr: SimpleExpr) -> Condition {
    let topic = topics.first().map(|(_, t)| t.as_str()).unwrap_or_default();
    let like = |p: String| Expr::expr(expr.clone()).like(LikeExpr::new(p).escape('\\'));
    Condition::any()
        .add(Expr::expr(expr.clone()).eq(topic))
        .add(like(pattern(topic, "", ",%")))
        .add(like(pattern(topic, "%,", "")))
        .add(like(pattern(topic, "%,", ",%")))
}

/// A LIKE pattern with the text's own `%`, `_` and `\` escaped.
fn pattern(text: &str, before: &str, after: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("{before}{escaped}{after}")
}

fn quadrants(kind: Kind, strategy: &(Value, String)) -> Vec<Value> {
    let wanted = strategy.1.to_ascii_lowercase();
    if kind == Kind::LoyaltyStrategy {
        let all = LoyaltyQuadrant::ALL.iter().copied();
        all.filter(|q| q.strategy().as_str() == wanted)
            .map(|q| q.as_str().into())
            .collect()
    } else {
        let all = ValueQuadrant::ALL.iter().copied();
        all.filter(|q| q.strategy().as_str() == wanted)
            .map(|q| q.as_str().into())
            .collect()
    }
}

/// Age conditions as birthday ranges: the column keeps its index and both databases agree.
fn age(op: Op, operands: &[(Value, String)], as_of: NaiveDate) -> Condition {
    let years: Vec<i64> = operands
        .iter()
        .filter_map(|(v, _)| match v {
            Value::BigInt(Some(n)) => Some(*n),
            _ => None,
        })
        .map(|n| n.clamp(0, 200))
        .collect();
    let n = years.first().copied().unwrap_or(0);
    let range = |lo: Option<i64>, hi: Option<i64>| age_range(lo, hi, as_of);
    match op {
        Op::Eq => range(Some(n), Some(n)),
        Op::Ne => range(Some(n), Some(n)).not(),
        Op::Lt => range(None, Some(n - 1)),
        Op::Le => range(None, Some(n)),
        Op::Gt => range(Some(n + 1), None),
        Op::Ge => range(Some(n), None),
        Op::Between => range(Some(n), years.get(1).copied()),
        Op::In => years
            .iter()
            .fold(Condition::any(), |any, y| any.add(range(Some(*y), Some(*y)))),
        _ => years
            .iter()
            .fold(Condition::any(), |any, y| any.add(range(Some(*y), Some(*y))))
            .not(),
    }
}

/// Members aged `lo` to `hi` whole years (both included) at `as_of`.
fn age_range(lo: Option<i64>, hi: Option<i64>, as_of: NaiveDate) -> Condition {
    let birthday = || Expr::col((member::Entity, member::Column::Birthday));
    let mut cond = Condition::all();
    if let Some(lo) = lo {
        cond = cond.add(birthday().lte(born_by(as_of, lo)));
    }
    if let Some(hi) = hi {
        cond = cond.add(birthday().gt(born_by(as_of, hi + 1)));
    }
    cond
}

/// The latest birth date of someone at least `years` old on `day`. A 29 February birthday
/// counts as 28 February in common years, so on 28 February of a common year those born on
/// 29 February have had theirs too.
fn born_by(day: NaiveDate, years: i64) -> NaiveDate {
    let year = day.year() - i32::try_from(years).unwrap_or(0);
    if day.month() == 2 && day.day() == 28 && !is_leap(day.year()) {
        if let Some(leap_day) = NaiveDate::from_ymd_opt(year, 2, 29) {
            return leap_day;
        }
    }
    NaiveDate::from_ymd_opt(year, day.month(), day.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 2, 28))
        .unwrap_or(NaiveDate::MIN)
}

fn is_leap(year: i32) -> bool {
    NaiveDate::from_ymd_opt(year, 2, 29).is_some()
}

/// Birthdays on the days from each member's today to `days` later.
fn birthday_within(days: i32, path: &str, local: &LocalDays) -> Result<Condition, FilterError> {
    if !(0..=366).contains(&days) {
        return Err(invalid(
            path,
            "segment.birthdayWithin",
            "birthdayWithin must be 0–366 days",
        ));
    }
    Ok(local.zoned(|today| birthdays(today, days)))
}

/// Birthdays on the days `as_of` to `as_of + days`, as [`calendar::is_birthday`] reckons them:
/// a solar birthday as (month, day range) tests on the stored month and day columns, in a
/// common year 28 February also taking 29 February birthdays; a lunar one as ranges of birth
/// dates whose lunar month and day come round on those days.
fn birthdays(as_of: NaiveDate, days: i32) -> Condition {
    let window = || as_of.iter_days().take(usize::try_from(days).unwrap_or(0) + 1);
    let mut month_days = BTreeSet::new();
    for day in window() {
        month_days.insert((day.month(), day.day()));
        if day.month() == 2 && day.day() == 28 && !is_leap(day.year()) {
            month_days.insert((2, 29));
        }
    }
    let mut runs: Vec<(u32, u32, u32)> = Vec::new();
    for (month, day) in month_days {
        match runs.last_mut() {
            Some((m, _, last)) if *m == month && *last + 1 == day => *last = day,
            _ => runs.push((month, day, day)),
        }
    }
    let col = |c: member::Column| Expr::col((member::Entity, c));
    let solar = runs.into_iter().fold(Condition::any(), |any, (month, first, last)| {
        any.add(
            Condition::all()
                .add(col(C::BirthMonth).eq(month as i32))
                .add(col(C::BirthDay).between(first as i32, last as i32)),
        )
    });
    let lunar = calendar::lunar_births_celebrated_on(window())
        .into_iter()
        .fold(Condition::any(), |any, (first, last)| {
            any.add(col(C::Birthday).between(first, last))
        });
    Condition::any()
        .add(Condition::all().add(col(C::LunarBirthday).eq(false)).add(solar))
        .add(Condition::all().add(col(C::LunarBirthday).eq(true)).add(lunar))
}

/// A change the latest run wrote: the run of the member's metrics. Each run replaces the metrics
/// table whole, so every metrics row carries that one run's id, and the condition reads the run's
/// few changes off `tier_history`'s run index rather than probing every member's history. A
/// first tier (no old tier) is neither an upgrade nor a downgrade; A is best, so an upgrade goes
/// to an earlier letter.
fn tier_change(change: &TierChange, path: &str) -> Result<Condition, FilterError> {
    let col = |c: tier_change::Column| Expr::col((Alias::new("tc"), c));
    let tiers = |list: &Option<Vec<String>>, at: &str| -> Result<Option<Vec<&'static str>>, FilterError> {
        list.as_ref()
            .map(|list| {
                list.iter()
                    .enumerate()
                    .map(|(i, t)| {
                        choose(TIERS, Some(t.as_str())).ok_or_else(|| {
                            invalid(
                                &format!("{path}.{at}[{i}]"),
                                "segment.notATier",
                                format!("{t:?} is not a tier"),
                            )
                            .with("tier", t.as_str())
                        })
                    })
                    .collect()
            })
            .transpose()
    };
    let from = tiers(&change.from, "from")?;
    let to = tiers(&change.to, "to")?;
    let latest_run = Query::select()
        .column(X::RunId)
        .from(metrics::Entity)
        .limit(1)
        .to_owned();
    let mut rows = Query::select()
        .column((Alias::new("tc"), tier_change::Column::MemberId))
        .from_as(tier_change::Entity, Alias::new("tc"))
        .and_where(col(tier_change::Column::RunId).in_subquery(latest_run))
        .and_where(col(tier_change::Column::OldTier).is_not_null())
        .to_owned();
    match change.direction {
        Some(Direction::Upgraded) => {
            rows.and_where(col(tier_change::Column::NewTier).lt(col(tier_change::Column::OldTier)));
        }
        Some(Direction::Downgraded) => {
            rows.and_where(col(tier_change::Column::NewTier).gt(col(tier_change::Column::OldTier)));
        }
        None => {}
    }
    if let Some(from) = from {
        rows.and_where(col(tier_change::Column::OldTier).is_in(from));
    }
    if let Some(to) = to {
        rows.and_where(col(tier_change::Column::NewTier).is_in(to));
    }
    Ok(Condition::all().add(Expr::col((member::Entity, member::Column::Id)).in_subquery(rows)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn born_by_counts_29_february_as_28_february_in_common_years() {
        assert_eq!(born_by(date("2023-02-28"), 23), date("2000-02-29"));
        assert_eq!(born_by(date("2024-02-29"), 1), date("2023-02-28"));
        assert_eq!(born_by(date("2024-02-28"), 4), date("2020-02-28"));
        assert_eq!(born_by(date("2024-06-01"), 30), date("1994-06-01"));
    }

    #[test]
    fn operands_are_bound_not_written_into_the_sql() {
        use sea_orm::sea_query::PostgresQueryBuilder;
        let tree: Filter = serde_json::from_value(serde_json::json!({ "and": [
            { "field": { "field": "city", "op": "EQ", "value": "上海'; --" } },
            { "bought": { "category": "床品", "window": { "lastDays": 30 } } },
        ] }))
        .unwrap();
        let saved = HashMap::new();
        let as_of = AsOf {
            date: date("2025-03-01"),
            now: None,
        };
        let cond = Compiler::new(as_of, &saved, None).compile(&tree, "filter").unwrap();
        let (sql, values) = super::super::member_ids(cond).build(PostgresQueryBuilder);
        assert!(!sql.contains("上海") && !sql.contains("床品"), "{sql}");
        assert!(values.0.contains(&Value::from("上海'; --")), "{values:?}");
    }

    #[test]
    fn money_is_read_from_its_decimal_text() {
        assert_eq!(money_cents(&serde_json::json!("3000.10")), Some(300_010));
        assert_eq!(money_cents(&serde_json::json!(12.5)), Some(1250));
        assert_eq!(money_cents(&serde_json::json!("1.005")), None);
    }
}
