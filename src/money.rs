//! Money: `Decimal` in Rust and in the API, integer cents in the database.
use rust_decimal::Decimal;

use crate::error::{AppError, AppResult};

/// Cents as a two-place decimal.
pub fn from_cents(cents: i64) -> Decimal {
    Decimal::new(cents, 2)
}

/// A decimal amount as cents; more than two decimal places is an input error, not a rounding.
pub fn to_cents(field: &str, amount: Decimal) -> AppResult<i64> {
    let scaled = amount.normalize();
    if scaled.scale() > 2 {
        return Err(AppError::field(
            field,
            format!("{field} has more than two decimal places: {amount}"),
        ));
    }
    let cents = scaled * Decimal::ONE_HUNDRED;
    i64::try_from(cents).map_err(|_| AppError::field(field, format!("{field} is out of range: {amount}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::prelude::FromStr;

    #[test]
    fn cents_round_trip_keeps_every_digit() {
        for text in ["0", "0.01", "12.3", "99999999.99", "-45.60"] {
            let amount = Decimal::from_str(text).unwrap_or_default();
            let cents = to_cents("amount", amount).unwrap_or(i64::MIN);
            assert_eq!(from_cents(cents), amount, "{text}");
        }
    }

    #[test]
    fn more_than_two_places_is_rejected() {
        let amount = Decimal::from_str("1.005").unwrap_or_default();
        assert!(to_cents("amount", amount).is_err());
    }
}
