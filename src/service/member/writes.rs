//! Changing members: create, update, consent, the assigned associate, and erasure; each change
//! with its audit entry.
use chrono::Utc;
use entity::vocabulary::{Channel, MemberStatus};
use entity::{feedback, member};
use jobs::outreach::suppression::{self, Suppressions};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, IdenStatic, Iterable, PaginatorTrait,
    QueryFilter, Set, TransactionTrait,
};

use super::fields::{changed_columns, check_consent, stamp_consent, validate_fields, with_defaults};
use super::find::{find, find_visible};
use super::{MemberFields, ValidFields};
use crate::auth::{Role, Viewer};
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::{audit, confirmation, consent, staff, store};
use crate::validate;

/// Resolves the store code and referrer of validated fields into ids on the row.
async fn resolve_references(conn: &impl ConnectionTrait, valid: &mut ValidFields) -> AppResult<()> {
    if let Some(code) = &valid.store_code {
        valid.row.store_id = Set(Some(store::id_for_code(conn, "storeCode", code).await?));
    }
    if let Some(referrer) = &valid.referred_by {
        let referrer = find(conn, referrer).await.map_err(|_| {
            let message = format!("no member has the number {referrer:?}");
            AppError::keyed("referredBy", "member.noSuchReferrer", message).with("memberNo", referrer.as_str())
        })?;
        valid.row.referred_by_id = Set(Some(referrer.id));
    }
    Ok(())
}

/// Creates a member. Associates create members of their own store, and become their associate.
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
        // The associate who enrols a member looks after them (专人负责), and so goes on seeing
        // the contact details they just typed.
        valid.row.assigned_associate_id = Set(viewer.staff_id);
    }
    if member::Entity::find()
        .filter(member::Column::MemberNo.eq(&member_no))
        .count(conn)
        .await?
        > 0
    {
        let message = format!("a member with the number {member_no:?} already exists");
        return Err(AppError::keyed("memberNo", "member.numberTaken", message).with("memberNo", member_no));
    }
    let mut row = with_defaults(valid.row, member_no.clone(), brand)?;
    let asked = confirmation::hold(brand, None, &mut row, fields.consent_source.as_deref());
    stamp_consent(&mut row, fields.consent_source.as_deref(), "api");
    let consents = consent::changes(&row);
    let txn = conn.begin().await?;
    let created = row.insert(&txn).await?;
    let source = fields.consent_source.as_deref().unwrap_or("api");
    consent::record(&txn, created.id, &consents, source, fields.consent_wording.as_deref()).await?;
    if let Some(asked_at) = asked {
        confirmation::queue(&txn, created.id, asked_at).await?;
    }
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
        return Err(AppError::keyed(
            "referredBy",
            "member.selfReferral",
            "a member cannot refer themself",
        ));
    }
    let consent = Consent {
        source: fields.consent_source.as_deref(),
        wording: fields.consent_wording.as_deref(),
    };
    save_changes(conn, brand, viewer, &current, valid.row, consent).await
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

/// Where a change of consent comes from, and the wording the member was shown.
#[derive(Clone, Copy, Debug, Default)]
pub struct Consent<'a> {
    pub source: Option<&'a str>,
    pub wording: Option<&'a str>,
}

/// Writes the columns of `changes` that differ from `current`, with an audit entry naming them
/// and a consent record for each channel whose consent changed; email consent waits for the
/// member's confirmation under the brand's double opt-in.
pub async fn save_changes(
    conn: &(impl ConnectionTrait + TransactionTrait),
    brand: &Brand,
    viewer: &Viewer,
    current: &member::Model,
    mut changes: member::ActiveModel,
    given: Consent<'_>,
) -> AppResult<member::Model> {
    check_consent(&changes, Some(current))?;
    release_associate_on_move(conn, current, &mut changes).await?;
    let asked = confirmation::hold(brand, Some(current), &mut changes, given.source);
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
    stamp_consent(&mut changes, given.source, "api");
    let consents = consent::changes(&changes);
    changes.id = ActiveValue::Unchanged(current.id);
    changes.updated_at = Set(Utc::now());
    let names: Vec<_> = changed.iter().map(|c| c.as_str()).collect();
    let txn = conn.begin().await?;
    let updated = changes.update(&txn).await?;
    let source = given.source.unwrap_or("api");
    consent::record(&txn, current.id, &consents, source, given.wording).await?;
    if let Some(asked_at) = asked {
        confirmation::queue(&txn, current.id, asked_at).await?;
    }
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
    brand: &Brand,
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
    let consent = Consent { source, wording: None };
    save_changes(conn, brand, viewer, &current, changes, consent).await
}

/// Assigns (or with `None`, unassigns) the associate responsible for a member ("专人负责").
pub async fn assign_associate(
    conn: &(impl ConnectionTrait + TransactionTrait),
    brand: &Brand,
    viewer: &Viewer,
    member_no: &str,
    username: Option<&str>,
) -> AppResult<member::Model> {
    let current = find(conn, member_no).await?;
    ensure_active(&current)?;
    let associate = match username {
        Some(username) => {
            let staff = staff::by_username(conn, username).await?.ok_or_else(|| {
                let message = format!("no staff user is called {username:?}");
                AppError::keyed("username", "staff.noSuchUser", message).with("username", username)
            })?;
            if staff.role != Role::Associate.as_str() {
                let message = format!("{username:?} is not an associate");
                return Err(AppError::keyed("username", "staff.notAssociate", message).with("username", username));
            }
            if staff.store_id != current.store_id {
                let message = format!("{username:?} does not work at this member's store");
                return Err(
                    AppError::keyed("username", "member.associateOtherStore", message).with("username", username)
                );
            }
            Some(staff.id)
        }
        None => None,
    };
    let changes = member::ActiveModel {
        assigned_associate_id: Set(associate),
        ..Default::default()
    };
    save_changes(conn, brand, viewer, &current, changes, Consent::default()).await
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
        email_confirmation_requested_at: Set(None),
        sms_consent: Set(false),
        wechat_consent: Set(false),
        wechat_openid: Set(None),
        wechat_mini_openid: Set(None),
        wechat_unionid: Set(None),
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
    if let Some(phone) = &current.phone {
        Suppressions::PHONE
            .suppress(&txn, &[phone.as_str()], suppression::ERASED)
            .await?;
    }
    let withdrawn: Vec<(Channel, bool)> = [
        (Channel::Email, current.email_consent),
        (Channel::Sms, current.sms_consent),
        (Channel::Wechat, current.wechat_consent),
    ]
    .into_iter()
    .filter(|(_, given)| *given)
    .map(|(channel, _)| (channel, false))
    .collect();
    consent::record(&txn, current.id, &withdrawn, "erasure", None).await?;
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
