//! Who a marketing message may reach: an active member who gave email consent and has an
//! address. Audiences are narrowed by it when an occurrence starts, and the dispatcher asks it
//! again at send time, when consent may have been withdrawn since.
use entity::member;
use entity::vocabulary::MemberStatus;
use sea_orm::sea_query::Expr;
use sea_orm::Condition;

/// The rule over `members`, for an audience.
pub fn condition() -> Condition {
    Condition::all()
        .add(Expr::col((member::Entity, member::Column::Status)).eq(MemberStatus::Active.as_str()))
        .add(Expr::col((member::Entity, member::Column::EmailConsent)).eq(true))
        .add(Expr::col((member::Entity, member::Column::Email)).is_not_null())
}

/// Why the member may not be reached now, if they may not.
pub fn barred(status: MemberStatus, consent: bool, has_address: bool) -> Option<&'static str> {
    if status != MemberStatus::Active {
        Some("the member was erased")
    } else if !consent {
        Some("no email consent")
    } else if !has_address {
        Some("no email address")
    } else {
        None
    }
}
