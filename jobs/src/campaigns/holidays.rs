//! The brand's holiday calendar: the built-in holidays, changed (re-dated, disabled, another lead
//! time) or extended by the brand's rows in `holidays`.
use entity::holiday;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

use crate::calendar::{builtin_holidays, Holiday, HolidayDate};

/// A holiday as this brand keeps it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrandHoliday {
    pub holiday: Holiday,
    pub enabled: bool,
    /// Days before the holiday its email goes out.
    pub days_before: u32,
    /// One of the shipped holidays (possibly changed by the brand).
    pub builtin: bool,
}

impl BrandHoliday {
    /// The holiday's name in a member's locale.
    pub fn name(&self, locale: &str) -> &str {
        if locale.starts_with("zh") {
            &self.holiday.name_zh
        } else {
            &self.holiday.name_en
        }
    }
}

/// Every holiday of the brand, built-in ones first, then the brand's own by key.
pub async fn load(conn: &impl ConnectionTrait, default_days_before: u32) -> Result<Vec<BrandHoliday>, DbErr> {
    let rows = holiday::Entity::find().all(conn).await?;
    Ok(merge(rows, default_days_before))
}

fn merge(mut rows: Vec<holiday::Model>, default_days_before: u32) -> Vec<BrandHoliday> {
    rows.sort_by(|a, b| a.key.cmp(&b.key));
    let mut holidays: Vec<BrandHoliday> = builtin_holidays()
        .into_iter()
        .map(|holiday| BrandHoliday {
            holiday,
            enabled: true,
            days_before: default_days_before,
            builtin: true,
        })
        .collect();
    for row in rows {
        let brand = from_row(&row, default_days_before);
        match holidays.iter_mut().find(|h| h.holiday.key == row.key) {
            Some(builtin) => *builtin = BrandHoliday { builtin: true, ..brand },
            None => holidays.push(brand),
        }
    }
    holidays
}

fn from_row(row: &holiday::Model, default_days_before: u32) -> BrandHoliday {
    let (month, day) = (
        u32::try_from(row.month).unwrap_or(0),
        u32::try_from(row.day).unwrap_or(0),
    );
    let date = if row.calendar == "lunar" {
        HolidayDate::Lunar { month, day }
    } else {
        HolidayDate::Solar { month, day }
    };
    BrandHoliday {
        holiday: Holiday {
            key: row.key.clone(),
            name_zh: row.name_zh.clone(),
            name_en: row.name_en.clone(),
            date,
        },
        enabled: row.enabled,
        days_before: row
            .days_before
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(default_days_before),
        builtin: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    fn row(key: &str, calendar: &str, month: i16, day: i16, enabled: bool) -> holiday::Model {
        holiday::Model {
            key: key.to_owned(),
            name_zh: format!("{key}-zh"),
            name_en: format!("{key}-en"),
            calendar: calendar.to_owned(),
            month,
            day,
            enabled,
            days_before: Some(7),
            updated_at: Utc::now(),
        }
    }

    #[test]
    fn brand_rows_change_builtins_and_add_their_own() {
        let holidays = merge(
            vec![
                row("store_anniversary", "solar", 9, 18, true),
                row("valentines", "solar", 2, 14, false),
                row("qixi", "lunar", 7, 8, true),
            ],
            3,
        );
        assert_eq!(holidays.len(), builtin_holidays().len() + 1);
        let find = |key: &str| holidays.iter().find(|h| h.holiday.key == key).unwrap();
        assert!(!find("valentines").enabled && find("valentines").builtin);
        assert_eq!(find("qixi").holiday.date, HolidayDate::Lunar { month: 7, day: 8 });
        assert_eq!(find("qixi").days_before, 7);
        assert_eq!(find("new_year").days_before, 3);
        let own = holidays.last().unwrap();
        assert_eq!((own.holiday.key.as_str(), own.builtin), ("store_anniversary", false));
        assert_eq!(own.name("zh-CN"), "store_anniversary-zh");
        assert_eq!(own.name("en"), "store_anniversary-en");
    }
}
