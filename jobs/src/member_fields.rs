//! A brand's own member fields: how a value is read as its field's kind (a number, a day, one of
//! the choices), for the API, the import and a journey's step alike.
use chrono::NaiveDate;
use entity::member_field;
use entity::vocabulary::MemberFieldKind;
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;

use crate::segments::FilterError;

/// The longest value a field holds.
pub const MAX_VALUE_CHARS: usize = 500;

/// A value as stored: its text (a number and a day in their plain forms) and its typed copy.
#[derive(Clone, Debug, PartialEq)]
pub struct Stored {
    pub text: String,
    pub number: Option<f64>,
    pub date: Option<NaiveDate>,
}

/// Reads `value` as `field` holds it, or says why it does not fit (an error about input `at`).
pub fn read(field: &member_field::Model, value: &str, at: &str) -> Result<Stored, FilterError> {
    let text = value.trim();
    let misfit = |key: &'static str, message: String| {
        FilterError {
            path: at.to_owned(),
            message,
            key,
            params: serde_json::Map::new(),
        }
        .with("key", field.key.as_str())
        .with("got", text)
    };
    if text.chars().count() > MAX_VALUE_CHARS {
        let message = format!("{} is longer than {MAX_VALUE_CHARS} characters", field.key);
        return Err(misfit("memberField.tooLong", message).with("max", MAX_VALUE_CHARS));
    }
    let plain = |text: String| Stored {
        text,
        number: None,
        date: None,
    };
    match field.kind {
        MemberFieldKind::Text => Ok(plain(text.to_owned())),
        MemberFieldKind::Number => {
            let number: Decimal = text.parse().map_err(|_| {
                misfit(
                    "memberField.notNumber",
                    format!("{} takes a number, not {text:?}", field.key),
                )
            })?;
            Ok(Stored {
                text: number.normalize().to_string(),
                number: number.to_f64(),
                date: None,
            })
        }
        MemberFieldKind::Date => {
            let day = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                misfit(
                    "memberField.notDay",
                    format!("{} takes a day YYYY-MM-DD, not {text:?}", field.key),
                )
            })?;
            Ok(Stored {
                text: day.to_string(),
                number: None,
                date: Some(day),
            })
        }
        MemberFieldKind::Choice => {
            let words = field.words();
            match words.iter().find(|w| **w == text) {
                Some(word) => Ok(plain((*word).to_owned())),
                None => {
                    let message = format!("{} is one of {}, not {text:?}", field.key, words.join(" | "));
                    Err(misfit("memberField.notChoice", message).with("choices", words.join(" | ")))
                }
            }
        }
    }
}
