//! Input validation shared by the API and the CSV import. Every failure names its field.
use chrono::NaiveDate;
use chrono_tz::Tz;
use email_address::EmailAddress;

use crate::error::{AppError, AppResult};

/// Locales templates are shipped for.
pub const LOCALES: &[&str] = &["zh-CN", "en"];

/// Trims; an empty string means "not given".
pub fn optional_text(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A required, bounded piece of text.
pub fn required_text(field: &str, value: &str, max_chars: usize) -> AppResult<String> {
    let value = value.trim();
    if value.is_empty() {
        return Err(AppError::keyed(
            field,
            "input.required",
            format!("{field} must not be empty"),
        ));
    }
    bounded(field, value, max_chars)
}

/// Rejects text longer than `max_chars` characters.
pub fn bounded(field: &str, value: &str, max_chars: usize) -> AppResult<String> {
    if value.chars().count() > max_chars {
        let message = format!("{field} is longer than {max_chars} characters");
        return Err(AppError::keyed(field, "input.tooLong", message).with("max", max_chars));
    }
    Ok(value.to_owned())
}

/// A member number: the brand's external id, no whitespace inside.
pub fn member_no(field: &str, value: &str) -> AppResult<String> {
    let value = required_text(field, value, 64)?;
    if value.chars().any(char::is_whitespace) {
        let message = format!("{field} must not contain spaces: {value:?}");
        return Err(AppError::keyed(field, "input.spaces", message));
    }
    Ok(value)
}

/// A syntactically valid address with a dotted domain, stored lower-cased.
pub fn email(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim().to_lowercase();
    let dotted_domain = value.rsplit_once('@').is_some_and(|(_, domain)| domain.contains('.'));
    if value.len() > 254 || !dotted_domain || !EmailAddress::is_valid(&value) {
        let message = format!("{field} is not a valid email address: {value:?}");
        return Err(AppError::keyed(field, "input.email", message).with("value", value));
    }
    Ok(value)
}

/// A WeChat openid or unionid: up to 128 letters, digits, `_` and `-` (WeChat's are 28).
pub fn openid(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    let valid = !value.is_empty()
        && value.len() <= 128
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(value.to_owned())
    } else {
        Err(AppError::field(field, format!("{field} is not a WeChat id: {value:?}")))
    }
}

/// E.164 (`+` and 7–15 digits) or a mainland China mobile number as typed (11 digits, `1[3-9]…`).
/// Spaces and dashes are dropped.
pub fn phone(field: &str, value: &str) -> AppResult<String> {
    let compact: String = value.chars().filter(|c| !matches!(c, ' ' | '-' | '(' | ')')).collect();
    let digits = compact.strip_prefix('+').unwrap_or(&compact);
    let all_digits = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    let e164 = compact.starts_with('+') && all_digits && (7..=15).contains(&digits.len()) && !digits.starts_with('0');
    let china_mobile = !compact.starts_with('+')
        && all_digits
        && digits.len() == 11
        && digits.starts_with('1')
        && matches!(digits.as_bytes()[1], b'3'..=b'9');
    if e164 || china_mobile {
        Ok(compact)
    } else {
        let message =
            format!("{field} must be E.164 (e.g. +8613812345678) or an 11-digit China mobile number: {value:?}");
        Err(AppError::keyed(field, "input.phone", message).with("value", value))
    }
}

/// A birthday may not be in the future (nor absurdly far in the past).
pub fn birthday(field: &str, value: NaiveDate, today: NaiveDate) -> AppResult<NaiveDate> {
    if value > today {
        return Err(
            AppError::keyed(field, "input.future", format!("{field} {value} is in the future"))
                .with("value", value.to_string()),
        );
    }
    if value < NaiveDate::from_ymd_opt(1900, 1, 1).unwrap_or(NaiveDate::MIN) {
        return Err(
            AppError::keyed(field, "input.before1900", format!("{field} {value} is before 1900"))
                .with("value", value.to_string()),
        );
    }
    Ok(value)
}

/// A known IANA time zone name, e.g. `Asia/Shanghai`.
pub fn time_zone(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    value.parse::<Tz>().map(|tz| tz.name().to_owned()).map_err(|_| {
        let message = format!("{field} is not a known IANA time zone: {value:?}");
        AppError::keyed(field, "input.timeZone", message).with("value", value)
    })
}

/// One of the shipped locales.
pub fn locale(field: &str, value: &str) -> AppResult<String> {
    let value = value.trim();
    LOCALES
        .iter()
        .find(|l| l.eq_ignore_ascii_case(value))
        .map(|l| (*l).to_owned())
        .ok_or_else(|| {
            AppError::field(
                field,
                format!("{field} must be one of {}: {value:?}", LOCALES.join(", ")),
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_accept_e164_and_china_mobile_as_typed() {
        for ok in ["+8613812345678", "13812345678", "+1 415-555-2671", "+44 20 7946 0958"] {
            assert!(phone("phone", ok).is_ok(), "{ok}");
        }
        for bad in [
            "12345",
            "23812345678",
            "+0123456789",
            "1381234567x",
            "",
            "+86138123456789012",
        ] {
            assert!(phone("phone", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_need_a_dotted_domain() {
        assert_eq!(
            email("email", " Li.Na@Example.COM ").ok().as_deref(),
            Some("li.na@example.com")
        );
        for bad in ["li", "li@", "li@localhost", "a b@example.com", "@example.com"] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn time_zones_are_iana_names() {
        assert!(time_zone("timeZone", "Asia/Shanghai").is_ok());
        assert!(time_zone("timeZone", "Mars/Olympus").is_err());
    }
}
