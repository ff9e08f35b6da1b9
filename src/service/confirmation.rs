//! Double opt-in for email, when the brand turns it on (`PATRON_OUTREACH__DOUBLE_OPT_IN`): email
//! consent given in the app, in store or on the preference page takes effect once the member
//! confirms it from a link emailed to that address, so nobody is signed up for marketing with an
//! address that is not theirs. The confirmation goes through the outbox like every email (sent
//! once, whatever crashes); confirming records the consent with the confirmation page's wording.
use chrono::{DateTime, Duration, Utc};
use entity::vocabulary::{CampaignKind, MemberStatus, OutboxStatus};
use entity::{member, outbox};
use jobs::outreach::links::SignedLinks;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue, ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::AppResult;
use crate::service::consent;
use crate::service::member::{self as members, Consent};

/// What confirming means, as the confirmation page says it: recorded with the consent.
pub const WORDING: &str = "我确认愿意通过此邮箱接收营销邮件。I confirm I want marketing emails at this address.";

/// A request made again sooner than this (the box ticked again) sends no second email: the link
/// already sent stands.
const RESEND_AFTER: Duration = Duration::hours(1);

/// Holds back the email consent `changes` would give until the member confirms it, under double
/// opt-in: consent asked for, or kept while the address changes, stays off and the request is
/// noted instead. Withdrawing consent withdraws a pending request. Returns when the member asked,
/// for `queue` once the row is written.
pub fn hold(
    brand: &Brand,
    current: Option<&member::Model>,
    changes: &mut member::ActiveModel,
    source: Option<&str>,
) -> Option<DateTime<Utc>> {
    let touched = changes.email.is_set() || changes.email_consent.is_set();
    if !touched || !brand.double_opt_in || matches!(source, Some(consent::IMPORT | consent::DOUBLE_OPT_IN)) {
        return None;
    }
    let consenting = current.is_some_and(|m| m.email_consent);
    let pending = current.and_then(|m| m.email_confirmation_requested_at);
    let new_address = match &changes.email {
        ActiveValue::Set(Some(email)) => current.is_none_or(|m| m.email.as_ref() != Some(email)),
        _ => false,
    };
    let wanted = match changes.email_consent {
        ActiveValue::Set(wanted) => wanted,
        _ => consenting || pending.is_some(),
    };
    if !wanted {
        if pending.is_some() {
            changes.email_confirmation_requested_at = Set(None);
        }
        return None;
    }
    if consenting && !new_address {
        return None;
    }
    changes.email_consent = Set(false);
    let now = Utc::now();
    if !new_address && pending.is_some_and(|at| now - at < RESEND_AFTER) {
        return None;
    }
    // Whole milliseconds: the link names the request by them.
    let asked_at = DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now);
    changes.email_confirmation_requested_at = Set(Some(asked_at));
    Some(asked_at)
}

/// Queues the confirmation email of the request `member_id` made at `asked_at`.
pub async fn queue(conn: &impl ConnectionTrait, member_id: i64, asked_at: DateTime<Utc>) -> AppResult<()> {
    let kind = CampaignKind::EmailConfirmation;
    let occurrence = asked_at.timestamp_millis().to_string();
    let now = Utc::now();
    let row = outbox::ActiveModel {
        dedupe_key: Set(format!("{kind}:{occurrence}:{member_id}")),
        kind: Set(kind),
        occurrence: Set(occurrence),
        member_id: Set(member_id),
        due_at: Set(now),
        hold_quiet_hours: Set(false),
        status: Set(OutboxStatus::Queued),
        attempts: Set(0),
        created_at: Set(now),
        priority: Set(0),
        channels: Set("email".to_owned()),
        ..Default::default()
    };
    outbox::Entity::insert(row)
        .on_conflict(OnConflict::column(outbox::Column::DedupeKey).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Where a confirmation link stands.
pub enum Standing {
    /// The member's request, awaiting this confirmation.
    Pending(Box<member::Model>),
    /// Confirmed already (a second click).
    Confirmed,
    /// Forged, expired, for another address, withdrawn or replaced by a newer request.
    Invalid,
}

/// What a confirmation token is worth now.
pub async fn standing(conn: &impl ConnectionTrait, links: &SignedLinks, token: &str) -> AppResult<Standing> {
    let Some(claim) = SignedLinks::confirmation(token) else {
        return Ok(Standing::Invalid);
    };
    let Some(member) = member::Entity::find_by_id(claim.member_id).one(conn).await? else {
        return Ok(Standing::Invalid);
    };
    let genuine = member.status == MemberStatus::Active
        && member
            .email
            .as_deref()
            .is_some_and(|email| links.confirms(&claim, email, Utc::now()));
    let asked = member.email_confirmation_requested_at.map(|at| at.timestamp_millis());
    Ok(match (genuine, asked == Some(claim.asked_at.timestamp_millis())) {
        (true, true) => Standing::Pending(Box::new(member)),
        (true, false) if member.email_consent => Standing::Confirmed,
        _ => Standing::Invalid,
    })
}

/// Gives the email consent a pending request asked for, recorded as the member's own change
/// with the confirmation page's wording.
pub async fn confirm(
    conn: &(impl ConnectionTrait + TransactionTrait),
    brand: &Brand,
    member: &member::Model,
) -> AppResult<member::Model> {
    let changes = member::ActiveModel {
        email_consent: Set(true),
        email_confirmation_requested_at: Set(None),
        ..Default::default()
    };
    let consent = Consent {
        source: Some(consent::DOUBLE_OPT_IN),
        wording: Some(WORDING),
    };
    members::save_changes(conn, brand, &Viewer::member(member), member, changes, consent).await
}
