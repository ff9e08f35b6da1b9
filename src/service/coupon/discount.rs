//! What a coupon takes off an order recorded with what the member paid.
//!
//! The till applied the coupon to the order's full amount; Patron records what was paid, so the
//! discount is worked back from it. An amount off A: the order was paid + A. A percentage p
//! capped at C: uncapped, paid = full × (1 − p/100), so the discount is paid × p / (100 − p);
//! capped, it is C, and then that figure is at least C. Either way the discount is the smaller
//! of the two, rounded to the cent. The minimum spend applies to the full amount.
use rust_decimal::{Decimal, RoundingStrategy};

use entity::coupon_definition;
use entity::vocabulary::CouponKind;

/// The discount, in cents, on an order of which `paid_cents` was paid.
pub fn of(definition: &coupon_definition::Model, paid_cents: i64) -> i64 {
    match definition.kind {
        CouponKind::AmountOff => definition.amount_off_cents.unwrap_or(0),
        CouponKind::Gift => 0,
        CouponKind::PercentOff => {
            let percent = Decimal::from(definition.percent_off.unwrap_or(0).clamp(0, 99));
            let uncapped = (Decimal::from(paid_cents) * percent / (Decimal::ONE_HUNDRED - percent))
                .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
            let uncapped = i64::try_from(uncapped).unwrap_or(i64::MAX);
            definition.max_discount_cents.map_or(uncapped, |cap| uncapped.min(cap))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(
        kind: CouponKind,
        amount: Option<i64>,
        percent: Option<i32>,
        cap: Option<i64>,
    ) -> coupon_definition::Model {
        coupon_definition::Model {
            id: 1,
            name: "test".to_owned(),
            kind,
            amount_off_cents: amount,
            percent_off: percent,
            max_discount_cents: cap,
            gift: None,
            min_spend_cents: 0,
            store_codes: None,
            categories: None,
            valid_from: None,
            valid_until: None,
            valid_days: None,
            per_member_limit: None,
            stock: None,
            issued: 0,
            points_price: None,
            imported_codes: false,
            created_by: "test".to_owned(),
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn discounts_are_worked_back_from_what_was_paid() {
        // 20 off a 300.00 order: 280.00 paid.
        assert_eq!(
            of(&definition(CouponKind::AmountOff, Some(2000), None, None), 28000),
            2000
        );
        // 20% off 250.00 = 50.00: 200.00 paid, 200 × 20 / 80 = 50.
        assert_eq!(
            of(&definition(CouponKind::PercentOff, None, Some(20), None), 20000),
            5000
        );
        // 15% off 99.99 = 15.00 (14.9985 at the till, rounded): 84.99 paid, 84.99 × 15 / 85 = 14.998…
        assert_eq!(
            of(&definition(CouponKind::PercentOff, None, Some(15), None), 8499),
            1500
        );
        // 20% off 1,000.00 capped at 100.00: 900.00 paid; uncapped the figure is 225.00.
        assert_eq!(
            of(&definition(CouponKind::PercentOff, None, Some(20), Some(10000)), 90000),
            10000
        );
        assert_eq!(of(&definition(CouponKind::Gift, None, None, None), 12345), 0);
    }
}
