//! Fixture builders shared by the score modules' tests.
#![allow(clippy::unwrap_used)] // a panic is how a test reports failure

use chrono::NaiveDate;

use crate::analytics::facts::MemberFacts;

pub(super) fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

/// A member who joined on 2020-01-01 and never bought.
pub(super) fn never_bought(member_id: i64) -> MemberFacts {
    MemberFacts {
        member_id,
        joined_on: day("2020-01-01"),
        ..MemberFacts::default()
    }
}

/// A member with `purchase_days` purchase days of 100.00 each, the first and the last on
/// `first` (tests move `last_purchase` as they need). Window fields are left at 0.
pub(super) fn buyer(member_id: i64, first: &str, purchase_days: u32) -> MemberFacts {
    MemberFacts {
        purchase_days,
        orders_total: purchase_days,
        spend_total_cents: 10_000 * i64::from(purchase_days),
        first_day_spend_cents: 10_000,
        first_purchase: Some(day(first)),
        last_purchase: Some(day(first)),
        ..never_bought(member_id)
    }
}
