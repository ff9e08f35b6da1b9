//! Members: the customer file. Validation, row-level access, listing, and erasure.
use async_graphql::{Enum, InputObject};
use chrono::{Datelike, NaiveDate, Utc};
use entity::vocabulary::MemberStatus;
use entity::{feedback, member, member_metrics};
use jobs::outreach::suppression;
use rust_decimal::Decimal;
use sea_orm::sea_query::{Alias, BinOper, Expr, Func, SimpleExpr};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, IdenStatic,
    IntoActiveModel, Iterable, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

use crate::auth::{Role, Viewer};
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::analytics::{Layer, LoyaltyQuadrant, Tier, ValueQuadrant};
use crate::service::{audit, staff, store};
use crate::validate;
use jobs::segments::{self, AsOf, FieldCondition, Filter, Op};

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gender {
    Female,
    Male,
    Other,
}

impl Gender {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Female => "female",
            Self::Male => "male",
            Self::Other => "other",
        }
    }

    /// Reads the spellings brands' files use: `female`/`f`/`女`, `male`/`m`/`男`, `other`.
    pub fn parse(text: &str) -> Option<Self> {
        match text.trim().to_lowercase().as_str() {
            "female" | "f" | "女" => Some(Self::Female),
            "male" | "m" | "男" => Some(Self::Male),
            "other" | "o" | "其他" => Some(Self::Other),
            _ => None,
        }
    }
}

/// Profile fields of a member. On create, `name` is required; on update, a field left out stays
/// as it is and an empty string clears a text field.
#[derive(InputObject, Clone, Debug, Default)]
pub struct MemberFields {
    pub name: Option<String>,
    pub gender: Option<Gender>,
    pub birthday: Option<NaiveDate>,
    /// Celebrate the lunar-calendar anniversary of the birthday.
    pub lunar_birthday: Option<bool>,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub joined_at: Option<NaiveDate>,
    /// Home store code.
    pub store_code: Option<String>,
    /// Member number of the member who referred this one.
    pub referred_by: Option<String>,
    pub interests: Option<Vec<String>>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub email_consent: Option<bool>,
    /// Where consent was given or withdrawn, e.g. `store-form`, `app`, `import`.
    pub consent_source: Option<String>,
}

/// Validated fields as a partial row (only the given columns set), plus the references that
/// still need looking up.
pub struct ValidFields {
    pub row: member::ActiveModel,
    pub store_code: Option<String>,
    pub referred_by: Option<String>,
}

/// Checks every given field, without touching the database.
pub fn validate_fields(fields: &MemberFields, today: NaiveDate) -> AppResult<ValidFields> {
    let mut row = <member::ActiveModel as Default>::default();
    if let Some(name) = &fields.name {
        row.name = Set(validate::required_text("name", name, 200)?);
    }
    if let Some(gender) = fields.gender {
        row.gender = Set(Some(gender.as_str().to_owned()));
    }
    if let Some(birthday) = fields.birthday {
        let birthday = validate::birthday("birthday", birthday, today)?;
        row.birthday = Set(Some(birthday));
        row.birth_month = Set(Some(birthday.month() as i16));
        row.birth_day = Set(Some(birthday.day() as i16));
    }
    if let Some(lunar) = fields.lunar_birthday {
        row.lunar_birthday = Set(lunar);
    }
    if let Some(phone) = &fields.phone {
        row.phone = Set(clearable(phone).map(|p| validate::phone("phone", p)).transpose()?);
    }
    if let Some(email) = &fields.email {
        row.email = Set(clearable(email).map(|e| validate::email("email", e)).transpose()?);
    }
    if let Some(address) = &fields.address {
        row.address = Set(clearable(address)
            .map(|a| validate::bounded("address", a, 500))
            .transpose()?);
    }
    if let Some(city) = &fields.city {
        row.city = Set(clearable(city).map(|c| validate::bounded("city", c, 100)).transpose()?);
    }
    if let Some(joined) = fields.joined_at {
        if joined > today {
            return Err(AppError::field(
                "joinedAt",
                format!("joinedAt {joined} is in the future"),
            ));
        }
        row.joined_at = Set(joined);
    }
    if let Some(interests) = &fields.interests {
        let topics: Vec<_> = interests
            .iter()
            .map(|t| t.trim().replace(',', " "))
            .filter(|t| !t.is_empty())
            .collect();
        let joined = topics.join(",");
        row.interests = Set((!joined.is_empty())
            .then(|| validate::bounded("interests", &joined, 500))
            .transpose()?);
    }
    if let Some(locale) = &fields.locale {
        row.locale = Set(validate::locale("locale", locale)?);
    }
    if let Some(tz) = &fields.time_zone {
        row.time_zone = Set(validate::time_zone("timeZone", tz)?);
    }
    if let Some(consent) = fields.email_consent {
        row.email_consent = Set(consent);
    }
    Ok(ValidFields {
        row,
        store_code: fields.store_code.as_deref().and_then(clearable).map(str::to_owned),
        referred_by: fields.referred_by.as_deref().and_then(clearable).map(str::to_owned),
    })
}

/// `None` for an empty string: the way to clear an optional text field.
fn clearable(text: &str) -> Option<&str> {
    Some(text.trim()).filter(|t| !t.is_empty())
}

/// The columns of `changes` that differ from `current`.
pub fn changed_columns(current: &member::Model, changes: &member::ActiveModel) -> Vec<member::Column> {
    let current = current.clone().into_active_model();
    member::Column::iter()
        .filter(|column| match changes.get(*column) {
            ActiveValue::Set(value) => current.get(*column).into_value().as_ref() != Some(&value),
            _ => false,
        })
        .collect()
}

/// Sets consent time and source when consent changes, so the record says when and where.
pub fn stamp_consent(row: &mut member::ActiveModel, source: Option<&str>, default_source: &str) {
    if row.email_consent.is_set() {
        row.consent_at = Set(Some(Utc::now()));
        row.consent_source = Set(Some(
            source
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .unwrap_or(default_source)
                .to_owned(),
        ));
    }
}

/// Consent is for an address: granting it without one is an input error.
fn check_consent(row: &member::ActiveModel, current: Option<&member::Model>) -> AppResult<()> {
    let granted = match &row.email_consent {
        ActiveValue::Set(granted) => *granted,
        _ => current.is_some_and(|m| m.email_consent),
    };
    let email = match &row.email {
        ActiveValue::Set(email) => email.is_some(),
        _ => current.is_some_and(|m| m.email.is_some()),
    };
    if granted && !email {
        return Err(AppError::field("emailConsent", "email consent needs an email address"));
    }
    Ok(())
}

/// Fills in what a new member gets when the input leaves it out.
pub fn with_defaults(mut row: member::ActiveModel, member_no: String, brand: &Brand) -> AppResult<member::ActiveModel> {
    if !row.name.is_set() {
        return Err(AppError::field("name", "name is required for a new member"));
    }
    check_consent(&row, None)?;
    let now = Utc::now();
    row.member_no = Set(member_no);
    let defaults: [(member::Column, sea_orm::Value); 6] = [
        (member::Column::JoinedAt, brand.today().into()),
        (member::Column::LunarBirthday, false.into()),
        (member::Column::Locale, "zh-CN".into()),
        (member::Column::TimeZone, brand.time_zone.name().into()),
        (member::Column::EmailConsent, false.into()),
        (member::Column::Status, MemberStatus::Active.as_str().into()),
    ];
    for (column, value) in defaults {
        if !row.get(column).is_set() {
            row.set(column, value);
        }
    }
    row.created_at = Set(now);
    row.updated_at = Set(now);
    Ok(row)
}

/// Looks up a member by number, or NOT_FOUND.
pub async fn find(conn: &impl ConnectionTrait, member_no: &str) -> AppResult<member::Model> {
    member::Entity::find()
        .filter(member::Column::MemberNo.eq(member_no.trim()))
        .one(conn)
        .await?
        .ok_or_else(|| not_found(member_no))
}

/// A member on file who has not been erased: whom a member token may speak for.
pub async fn find_unerased(conn: &impl ConnectionTrait, member_no: &str) -> AppResult<member::Model> {
    let found = find(conn, member_no).await?;
    if found.status == MemberStatus::Erased {
        return Err(not_found(member_no));
    }
    Ok(found)
}

pub(crate) fn not_found(member_no: &str) -> AppError {
    AppError::NotFound(format!("no member has the number {:?}", member_no.trim()))
}

/// Looks up a member the viewer may see.
pub async fn find_visible(conn: &impl ConnectionTrait, viewer: &Viewer, member_no: &str) -> AppResult<member::Model> {
    let member = find(conn, member_no).await?;
    viewer.check_member_access(member.id, member.store_id, || not_found(member_no))?;
    Ok(member)
}

pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<Vec<member::Model>> {
    Ok(member::Entity::find()
        .filter(member::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?)
}

/// Resolves the store code and referrer of validated fields into ids on the row.
async fn resolve_references(conn: &impl ConnectionTrait, valid: &mut ValidFields) -> AppResult<()> {
    if let Some(code) = &valid.store_code {
        valid.row.store_id = Set(Some(store::id_for_code(conn, "storeCode", code).await?));
    }
    if let Some(referrer) = &valid.referred_by {
        let referrer = find(conn, referrer)
            .await
            .map_err(|_| AppError::field("referredBy", format!("no member has the number {referrer:?}")))?;
        valid.row.referred_by_id = Set(Some(referrer.id));
    }
    Ok(())
}

/// Creates a member. Associates create members of their own store.
pub async fn create(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    member_no: &str,
    fields: MemberFields,
) -> AppResult<member::Model> {
    let member_no = validate::member_no("memberNo", member_no)?;
    let mut valid = validate_fields(&fields, brand.today())?;
    resolve_references(conn, &mut valid).await?;
    if viewer.role == Role::Associate {
        match valid.row.store_id.clone().into_value() {
            Some(sea_orm::Value::BigInt(Some(id))) if Some(id) != viewer.store_id => {
                return Err(AppError::Forbidden(
                    "associates create members of their own store only".into(),
                ))
            }
            _ => valid.row.store_id = Set(viewer.store_id),
        }
    }
    if member::Entity::find()
        .filter(member::Column::MemberNo.eq(&member_no))
        .count(conn)
        .await?
        > 0
    {
        return Err(AppError::field(
            "memberNo",
            format!("a member with the number {member_no:?} already exists"),
        ));
    }
    let mut row = with_defaults(valid.row, member_no.clone(), brand)?;
    stamp_consent(&mut row, fields.consent_source.as_deref(), "api");
    let txn = conn.begin().await?;
    let created = row.insert(&txn).await?;
    audit::record(&txn, viewer, "member.create", Some(&member_no), serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(created)
}

/// Updates the given fields. Members may edit their own profile but not store or referrer;
/// contact details are changed only by those who see them unmasked.
pub async fn update(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    member_no: &str,
    fields: MemberFields,
) -> AppResult<member::Model> {
    let current = find_visible(conn, viewer, member_no).await?;
    ensure_active(&current)?;
    if viewer.role != Role::Admin && (fields.store_code.is_some() || fields.referred_by.is_some()) {
        return Err(AppError::Forbidden(
            "only an admin can change a member's store or referrer".into(),
        ));
    }
    // Birthday gifts and tier dates hang on these: the store confirms them.
    let on_record = fields.name.is_some()
        || fields.gender.is_some()
        || fields.birthday.is_some()
        || fields.lunar_birthday.is_some()
        || fields.joined_at.is_some();
    if viewer.role == Role::Member && on_record {
        return Err(AppError::Forbidden(
            "members change their own contact details, interests, language and consent; ask a store to change name, gender, birthday or joining date".into(),
        ));
    }
    check_contacts_seen(viewer, &current, &fields)?;
    let mut valid = validate_fields(&fields, brand.today())?;
    resolve_references(conn, &mut valid).await?;
    if valid.row.referred_by_id.clone().into_value() == Some(current.id.into()) {
        return Err(AppError::field("referredBy", "a member cannot refer themself"));
    }
    save_changes(conn, viewer, &current, valid.row, fields.consent_source.as_deref()).await
}

/// Refuses a change of phone, email or address the viewer sees masked: they would overwrite
/// what they may not read.
fn check_contacts_seen(viewer: &Viewer, current: &member::Model, fields: &MemberFields) -> AppResult<()> {
    if viewer.sees_contact_details(current.id, current.assigned_associate_id) {
        return Ok(());
    }
    let given = [
        ("phone", &fields.phone),
        ("email", &fields.email),
        ("address", &fields.address),
    ];
    match given.into_iter().find(|(_, value)| value.is_some()) {
        Some((field, _)) => Err(AppError::Forbidden(format!(
            "{field} is masked to you: only an admin or the member's assigned associate can change it"
        ))),
        None => Ok(()),
    }
}

/// A member who moves store leaves their associate, unless the associate works at the new store:
/// the assigned associate sees the member's contact details and calls them.
async fn release_associate_on_move(
    conn: &impl ConnectionTrait,
    current: &member::Model,
    changes: &mut member::ActiveModel,
) -> AppResult<()> {
    let new_store = match &changes.store_id {
        ActiveValue::Set(store) if *store != current.store_id => *store,
        _ => return Ok(()),
    };
    let Some(associate) = current.assigned_associate_id else {
        return Ok(());
    };
    let staff = staff::by_ids(conn, &[associate]).await?;
    let works_there = staff.get(&associate).is_some_and(|s| s.store_id == new_store);
    if !works_there {
        changes.assigned_associate_id = Set(None);
    }
    Ok(())
}

/// Writes the columns of `changes` that differ from `current`, with an audit entry naming them.
pub async fn save_changes(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    current: &member::Model,
    mut changes: member::ActiveModel,
    consent_source: Option<&str>,
) -> AppResult<member::Model> {
    check_consent(&changes, Some(current))?;
    release_associate_on_move(conn, current, &mut changes).await?;
    let changed = changed_columns(current, &changes);
    if changed.is_empty() {
        return Ok(current.clone());
    }
    // Only changed columns are written; consent is stamped only when it really changes.
    for column in member::Column::iter() {
        if !changed.iter().any(|c| c.as_str() == column.as_str()) {
            changes.not_set(column);
        }
    }
    stamp_consent(&mut changes, consent_source, "api");
    changes.id = ActiveValue::Unchanged(current.id);
    changes.updated_at = Set(Utc::now());
    let names: Vec<_> = changed.iter().map(|c| c.as_str()).collect();
    let txn = conn.begin().await?;
    let updated = changes.update(&txn).await?;
    audit::record(
        &txn,
        viewer,
        "member.update",
        Some(&current.member_no),
        serde_json::json!({ "changed": names }),
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

/// Records consent or its withdrawal, with its source.
pub async fn set_email_consent(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
    granted: bool,
    source: Option<&str>,
) -> AppResult<member::Model> {
    let current = find_visible(conn, viewer, member_no).await?;
    ensure_active(&current)?;
    let changes = member::ActiveModel {
        email_consent: Set(granted),
        ..Default::default()
    };
    save_changes(conn, viewer, &current, changes, source).await
}

/// Assigns (or with `None`, unassigns) the associate responsible for a member ("专人负责").
pub async fn assign_associate(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
    username: Option<&str>,
) -> AppResult<member::Model> {
    let current = find(conn, member_no).await?;
    ensure_active(&current)?;
    let associate = match username {
        Some(username) => {
            let staff = staff::by_username(conn, username)
                .await?
                .ok_or_else(|| AppError::field("username", format!("no staff user is called {username:?}")))?;
            if staff.role != Role::Associate.as_str() {
                return Err(AppError::field("username", format!("{username:?} is not an associate")));
            }
            if staff.store_id != current.store_id {
                return Err(AppError::field(
                    "username",
                    format!("{username:?} does not work at this member's store"),
                ));
            }
            Some(staff.id)
        }
        None => None,
    };
    let changes = member::ActiveModel {
        assigned_associate_id: Set(associate),
        ..Default::default()
    };
    save_changes(conn, viewer, &current, changes, None).await
}

/// Refuses a change to an erased member.
pub(crate) fn ensure_active(member: &member::Model) -> AppResult<()> {
    if member.status == MemberStatus::Erased {
        return Err(AppError::input(format!("member {} has been erased", member.member_no)));
    }
    Ok(())
}

/// Erases a member's personal data. Purchases stay, attached to the anonymous record, so brand
/// aggregates do not change; the address goes on the suppression list as a hash so it is never
/// mailed again.
pub async fn erase(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    member_no: &str,
) -> AppResult<member::Model> {
    let current = find(conn, member_no).await?;
    ensure_active(&current)?;
    let txn = conn.begin().await?;
    let anonymous = member::ActiveModel {
        id: ActiveValue::Unchanged(current.id),
        member_no: Set(format!("erased-{}", current.id)),
        name: Set(String::new()),
        gender: Set(None),
        birthday: Set(None),
        birth_month: Set(None),
        birth_day: Set(None),
        lunar_birthday: Set(false),
        phone: Set(None),
        email: Set(None),
        address: Set(None),
        interests: Set(None),
        assigned_associate_id: Set(None),
        email_consent: Set(false),
        consent_source: Set(Some("erasure".to_owned())),
        consent_at: Set(Some(Utc::now())),
        status: Set(MemberStatus::Erased),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let erased = anonymous.update(&txn).await?;
    if let Some(email) = &current.email {
        suppression::suppress(&txn, &[email.as_str()], suppression::ERASED).await?;
    }
    // Free text a person wrote may name them.
    feedback::Entity::update_many()
        .col_expr(feedback::Column::Body, Expr::value(Option::<String>::None))
        .col_expr(feedback::Column::Resolution, Expr::value(Option::<String>::None))
        .filter(feedback::Column::MemberId.eq(current.id))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        viewer,
        "member.erase",
        Some(&current.member_no),
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    Ok(erased)
}

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
        let compiled = segments::compile_fields(&condition, name, as_of)
            .map_err(|problem| AppError::field(name, problem.message))?;
        cond = cond.add(compiled);
    }
    Ok(cond)
}

/// Each given profile and analytics filter as a condition of the segment language, named by
/// the filter's own field.
fn segment_conditions(filter: &MemberFilter) -> Vec<(&'static str, Filter)> {
    let field = |field: &str, op: Op, value: serde_json::Value| {
        Filter::Field(FieldCondition {
            field: field.to_owned(),
            op,
            value: Some(value),
            values: None,
        })
    };
    let mut conditions = Vec::new();
    let mut given = |name: &'static str, condition: Option<Filter>| conditions.extend(condition.map(|c| (name, c)));
    given(
        "storeCode",
        filter
            .store_code
            .as_ref()
            .map(|code| field("store", Op::Eq, code.as_str().into())),
    );
    given(
        "city",
        filter
            .city
            .as_ref()
            .map(|city| field("city", Op::Eq, city.as_str().into())),
    );
    given(
        "gender",
        filter.gender.map(|g| field("gender", Op::Eq, g.as_str().into())),
    );
    given(
        "birthdayMonth",
        filter.birthday_month.map(|m| field("birthMonth", Op::Eq, m.into())),
    );
    given(
        "joinedFrom",
        filter
            .joined_from
            .map(|d| field("joinedAt", Op::Ge, d.to_string().into())),
    );
    given(
        "joinedTo",
        filter
            .joined_to
            .map(|d| field("joinedAt", Op::Le, d.to_string().into())),
    );
    given(
        "emailConsent",
        filter.email_consent.map(|c| field("emailConsent", Op::Eq, c.into())),
    );
    given(
        "tiers",
        filter.tiers.as_ref().map(|tiers| {
            Filter::Field(FieldCondition {
                field: "tier".to_owned(),
                op: Op::In,
                value: None,
                values: Some(tiers.iter().map(|t| t.as_str().into()).collect()),
            })
        }),
    );
    given(
        "minRScore",
        filter.min_r_score.map(|n| field("rScore", Op::Ge, n.into())),
    );
    given(
        "minFScore",
        filter.min_f_score.map(|n| field("fScore", Op::Ge, n.into())),
    );
    given(
        "minMScore",
        filter.min_m_score.map(|n| field("mScore", Op::Ge, n.into())),
    );
    given(
        "loyaltyQuadrant",
        filter
            .loyalty_quadrant
            .map(|q| field("loyaltyQuadrant", Op::Eq, q.as_str().into())),
    );
    given(
        "valueQuadrant",
        filter
            .value_quadrant
            .map(|q| field("valueQuadrant", Op::Eq, q.as_str().into())),
    );
    given("layer", filter.layer.map(|l| field("layer", Op::Eq, l.as_str().into())));
    given(
        "declining",
        filter.declining.map(|d| field("declining", Op::Eq, d.into())),
    );
    given("lapsed", filter.lapsed.map(|l| field("lapsed", Op::Eq, l.into())));
    given(
        "minPAlive",
        filter.min_p_alive.map(|p| field("pAlive", Op::Ge, p.into())),
    );
    given(
        "maxPAlive",
        filter.max_p_alive.map(|p| field("pAlive", Op::Le, p.into())),
    );
    given(
        "minClv",
        filter.min_clv.map(|clv| field("clv", Op::Ge, clv.to_string().into())),
    );
    given(
        "minRecencyDays",
        filter.min_recency_days.map(|d| field("recencyDays", Op::Ge, d.into())),
    );
    given(
        "maxRecencyDays",
        filter.max_recency_days.map(|d| field("recencyDays", Op::Le, d.into())),
    );
    conditions
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

/// How many members match: the segment engine's join of members to their latest metrics,
/// which the list's filters read too.
pub async fn count(conn: &impl ConnectionTrait, cond: Condition) -> AppResult<u64> {
    Ok(jobs::segments::members(cond).count(conn).await?)
}
