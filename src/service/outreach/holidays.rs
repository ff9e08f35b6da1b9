//! The brand's holiday calendar: the built-in holidays with the brand's changes, their dates,
//! and saving a holiday.
use async_graphql::{Enum, InputObject};
use chrono::{NaiveDate, Utc};
use entity::holiday;
use jobs::calendar::{date_in_year, supported_years, HolidayDate};
use jobs::campaigns::builtin::holiday_calendar;
use jobs::campaigns::holidays::BrandHoliday;
use jobs::outreach::Outreach;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CalendarKind {
    Solar,
    Lunar,
}

/// A brand's own holiday, or a change to a built-in one (same key).
#[derive(InputObject, Debug)]
pub struct HolidayInput {
    /// Stable key, lower case with underscores, e.g. `store_anniversary`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub calendar: CalendarKind,
    pub month: i32,
    pub day: i32,
    #[graphql(default = true)]
    pub enabled: bool,
    /// Days before the holiday its email goes out; the configured default when omitted.
    pub days_before: Option<i32>,
}

pub async fn holidays(conn: &impl ConnectionTrait, outreach: &Outreach) -> AppResult<Vec<BrandHoliday>> {
    Ok(holiday_calendar(conn, &outreach.config).await?)
}

/// A holiday's date in `year`, with the calendar's coverage checked for lunar ones.
pub fn holiday_date(holiday: &BrandHoliday, year: i32) -> AppResult<Option<NaiveDate>> {
    if matches!(holiday.holiday.date, HolidayDate::Lunar { .. }) && !supported_years().contains(&year) {
        let years = supported_years();
        return Err(AppError::field(
            "year",
            format!("lunar dates are known for {} to {} only", years.start(), years.end()),
        ));
    }
    Ok(date_in_year(&holiday.holiday.date, year))
}

/// Adds a holiday, or changes (re-dates, renames, disables) one with the same key.
pub async fn save_holiday(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    input: HolidayInput,
) -> AppResult<()> {
    let key = input.key.trim();
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::field(
            "key",
            "use 1 to 64 lower-case letters, digits or underscores",
        ));
    }
    for (field, name) in [("nameZh", &input.name_zh), ("nameEn", &input.name_en)] {
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(AppError::field(field, "give a name of 1 to 100 characters"));
        }
    }
    let (month, day) = (
        u32::try_from(input.month).unwrap_or(0),
        u32::try_from(input.day).unwrap_or(0),
    );
    let date = match input.calendar {
        CalendarKind::Solar => HolidayDate::Solar { month, day },
        CalendarKind::Lunar => HolidayDate::Lunar { month, day },
    };
    date.validate().map_err(|err| AppError::field("day", err.to_string()))?;
    if input.days_before.is_some_and(|d| !(0..=60).contains(&d)) {
        return Err(AppError::field(
            "daysBefore",
            "send between 0 and 60 days before the holiday",
        ));
    }
    let row = holiday::ActiveModel {
        key: Set(key.to_owned()),
        name_zh: Set(input.name_zh.trim().to_owned()),
        name_en: Set(input.name_en.trim().to_owned()),
        calendar: Set(match input.calendar {
            CalendarKind::Solar => "solar",
            CalendarKind::Lunar => "lunar",
        }
        .to_owned()),
        month: Set(i16::try_from(input.month).unwrap_or_default()),
        day: Set(i16::try_from(input.day).unwrap_or_default()),
        enabled: Set(input.enabled),
        days_before: Set(input.days_before.and_then(|d| i16::try_from(d).ok())),
        updated_at: Set(Utc::now()),
    };
    let txn = conn.begin().await?;
    holiday::Entity::insert(row)
        .on_conflict(
            OnConflict::column(holiday::Column::Key)
                .update_columns([
                    holiday::Column::NameZh,
                    holiday::Column::NameEn,
                    holiday::Column::Calendar,
                    holiday::Column::Month,
                    holiday::Column::Day,
                    holiday::Column::Enabled,
                    holiday::Column::DaysBefore,
                    holiday::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let detail = serde_json::json!({ "calendar": format!("{:?}", input.calendar), "month": input.month,
        "day": input.day, "enabled": input.enabled, "daysBefore": input.days_before });
    audit::record(&txn, viewer, "holiday.save", Some(key), detail).await?;
    txn.commit().await?;
    Ok(())
}
