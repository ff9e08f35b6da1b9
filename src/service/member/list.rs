//! The member list's filters: the SQL condition for what the viewer may see, the search, and
//! how many members match.
use async_graphql::InputObject;
use chrono::NaiveDate;
use entity::member;
use entity::vocabulary::MemberStatus;
use jobs::segments::{self, AsOf, Filter, FilterError, Op};
use rust_decimal::Decimal;
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DbBackend, PaginatorTrait, QueryTrait, Statement};

use super::fields::clearable;
use super::Gender;
use crate::auth::{Role, Viewer};
use crate::error::AppResult;
use crate::service::analytics::{Layer, LoyaltyQuadrant, Tier, ValueQuadrant};
use crate::validate;

/// Filters of the member list. All given filters must match.
#[derive(InputObject, Clone, Debug, Default, serde::Serialize)]
pub struct MemberFilter {
    /// Part of the name or member number (case-insensitive), or a whole phone number or email;
    /// part of a phone or email only where the viewer sees it unmasked.
    pub search: Option<String>,
    pub store_code: Option<String>,
    pub city: Option<String>,
    pub gender: Option<Gender>,
    /// 1–12.
    pub birthday_month: Option<i32>,
    pub joined_from: Option<NaiveDate>,
    pub joined_to: Option<NaiveDate>,
    pub email_consent: Option<bool>,
    /// Only members assigned to the calling associate.
    pub assigned_to_me: Option<bool>,
    /// Include erased records (admins only).
    pub include_erased: Option<bool>,
    /// From the latest analytics run:
    pub tiers: Option<Vec<Tier>>,
    pub min_r_score: Option<i32>,
    pub min_f_score: Option<i32>,
    pub min_m_score: Option<i32>,
    pub loyalty_quadrant: Option<LoyaltyQuadrant>,
    pub value_quadrant: Option<ValueQuadrant>,
    pub layer: Option<Layer>,
    pub declining: Option<bool>,
    pub lapsed: Option<bool>,
    pub min_p_alive: Option<f64>,
    pub max_p_alive: Option<f64>,
    pub min_clv: Option<Decimal>,
    pub min_recency_days: Option<i32>,
    pub max_recency_days: Option<i32>,
}

impl MemberFilter {
    /// Whether the filter picks few members by their profile: a search, the associate's own
    /// members, a birthday month, a joining period.
    pub fn is_narrow(&self) -> bool {
        self.search.as_deref().and_then(clearable).is_some()
            || self.assigned_to_me == Some(true)
            || self.birthday_month.is_some()
            || self.joined_from.is_some()
            || self.joined_to.is_some()
    }
}

/// The SQL condition for a filter, narrowed to what the viewer may see. The profile and
/// analytics filters are conditions of the segment language, compiled by its one compiler.
pub fn condition(viewer: &Viewer, filter: &MemberFilter, today: NaiveDate) -> AppResult<Condition> {
    let mut cond = Condition::all();
    if viewer.role == Role::Associate {
        cond = cond.add(member::Column::StoreId.eq(viewer.store_id.unwrap_or(-1)));
    }
    if !(filter.include_erased == Some(true) && viewer.role == Role::Admin) {
        cond = cond.add(member::Column::Status.eq(MemberStatus::Active));
    }
    if let Some(search) = filter.search.as_deref().and_then(clearable) {
        cond = cond.add(search_condition(viewer, search));
    }
    if filter.assigned_to_me == Some(true) {
        cond = cond.add(member::Column::AssignedAssociateId.eq(viewer.staff_id.unwrap_or(-1)));
    }
    let as_of = AsOf::new(today, today);
    for (name, condition) in segment_conditions(filter) {
        // Named by the list's own field, not the condition's place in a tree.
        let compiled = segments::compile_fields(&condition, name, as_of).map_err(|refused| FilterError {
            path: name.to_owned(),
            ..refused
        })?;
        cond = cond.add(compiled);
    }
    Ok(cond)
}

/// Each given profile and analytics filter as a condition of the segment language, named by
/// the filter's own field.
fn segment_conditions(filter: &MemberFilter) -> Vec<(&'static str, Filter)> {
    use serde_json::Value;
    let words = |words: &[Tier]| Value::from_iter(words.iter().map(|w| w.as_str()));
    let given: [(&str, &str, Op, Option<Value>); 21] = [
        (
            "storeCode",
            "store",
            Op::Eq,
            filter.store_code.as_deref().map(Value::from),
        ),
        ("city", "city", Op::Eq, filter.city.as_deref().map(Value::from)),
        ("gender", "gender", Op::Eq, filter.gender.map(|g| g.as_str().into())),
        (
            "birthdayMonth",
            "birthMonth",
            Op::Eq,
            filter.birthday_month.map(Value::from),
        ),
        (
            "joinedFrom",
            "joinedAt",
            Op::Ge,
            filter.joined_from.map(|d| d.to_string().into()),
        ),
        (
            "joinedTo",
            "joinedAt",
            Op::Le,
            filter.joined_to.map(|d| d.to_string().into()),
        ),
        (
            "emailConsent",
            "emailConsent",
            Op::Eq,
            filter.email_consent.map(Value::from),
        ),
        ("tiers", "tier", Op::In, filter.tiers.as_deref().map(words)),
        ("minRScore", "rScore", Op::Ge, filter.min_r_score.map(Value::from)),
        ("minFScore", "fScore", Op::Ge, filter.min_f_score.map(Value::from)),
        ("minMScore", "mScore", Op::Ge, filter.min_m_score.map(Value::from)),
        (
            "loyaltyQuadrant",
            "loyaltyQuadrant",
            Op::Eq,
            filter.loyalty_quadrant.map(|q| q.as_str().into()),
        ),
        (
            "valueQuadrant",
            "valueQuadrant",
            Op::Eq,
            filter.value_quadrant.map(|q| q.as_str().into()),
        ),
        ("layer", "layer", Op::Eq, filter.layer.map(|l| l.as_str().into())),
        ("declining", "declining", Op::Eq, filter.declining.map(Value::from)),
        ("lapsed", "lapsed", Op::Eq, filter.lapsed.map(Value::from)),
        ("minPAlive", "pAlive", Op::Ge, filter.min_p_alive.map(Value::from)),
        ("maxPAlive", "pAlive", Op::Le, filter.max_p_alive.map(Value::from)),
        (
            "minClv",
            "clv",
            Op::Ge,
            filter.min_clv.map(|clv| clv.to_string().into()),
        ),
        (
            "minRecencyDays",
            "recencyDays",
            Op::Ge,
            filter.min_recency_days.map(Value::from),
        ),
        (
            "maxRecencyDays",
            "recencyDays",
            Op::Le,
            filter.max_recency_days.map(Value::from),
        ),
    ];
    given
        .into_iter()
        .filter_map(|(name, field, op, operand)| Some((name, Filter::field(field, op, operand?))))
        .collect()
}

/// Members whose name or member number contains `search`, or whose phone or email does. A
/// viewer matches a contact's parts only where they see it unmasked (an admin; an associate, the
/// members assigned to them); otherwise only the whole value, as typed on the phone with the
/// member, finds it: a part would rebuild a masked number digit by digit.
fn search_condition(viewer: &Viewer, search: &str) -> Condition {
    let pattern = format!(
        "%{}%",
        search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let like = |column: member::Column| {
        Expr::expr(Func::lower(Expr::col(column))).like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\'))
    };
    let mut cond = Condition::any()
        .add(like(member::Column::Name))
        .add(like(member::Column::MemberNo));
    let parts_of_contacts = Condition::any()
        .add(like(member::Column::Phone))
        .add(like(member::Column::Email));
    match viewer.role {
        Role::Admin => cond = cond.add(parts_of_contacts),
        Role::Associate => {
            let assigned = member::Column::AssignedAssociateId.eq(viewer.staff_id.unwrap_or(-1));
            cond = cond.add(Condition::all().add(assigned).add(parts_of_contacts));
        }
        Role::Marketer | Role::Member => {}
    }
    if let Ok(phone) = validate::phone("search", search) {
        cond = cond.add(member::Column::Phone.eq(phone));
    }
    if let Ok(email) = validate::email("search", search) {
        cond = cond.add(member::Column::Email.eq(email));
    }
    cond
}

/// How many members match: the segment engine's join of members to their latest metrics,
/// which the list's filters read too.
pub async fn count(conn: &impl ConnectionTrait, cond: Condition) -> AppResult<u64> {
    Ok(jobs::segments::members(cond).count(conn).await?)
}

/// The statement whose rows `count` counts, built for `backend`: what a kept count is known by
/// (its SQL and values carry the viewer's scope along with the filter).
pub fn counted(backend: DbBackend, cond: Condition) -> Statement {
    jobs::segments::members(cond).build(backend)
}
