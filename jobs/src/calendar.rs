//! The holiday calendar and member birthdays (solar and Chinese lunar) that the holiday and
//! birthday campaigns ask about, and local times in a member's zone: pure date arithmetic, no
//! database.
//!
//! # Conventions
//! - A lunar year is named by the Gregorian year in which it begins, i.e. the year of its Spring
//!   Festival (lunar year 2024 runs from 2024-02-10 to 2025-01-28). Lunar dates late in the year
//!   (months 11 and 12) can therefore fall in January or February of the *next* Gregorian year.
//! - Lunar holidays and lunar birthdays are always kept in the ordinary (non-leap) month of their
//!   number; a leap month never repeats a holiday.
//! - Solar dates work for every year chrono supports; lunar dates only for [`supported_years`].
//!
//! # Lunar calendar library
//! Conversions use the `chinese-lunisolar-calendar` crate (magiclen, MIT, 0.2.x). It was chosen
//! over `lunardate` (GPL-derived table, no release in years), `tyme4rs` (a large almanac whose
//! constructors panic on bad input, built on regex) and ICU4X's `icu_calendar` /
//! `calendrical_calculations` (a data-provider stack, or an internals-only astronomical API)
//! because it is small (a month-length / leap-month table, no runtime astronomy), maintained,
//! fallible everywhere, and documents its range: lunar years 1901 to 2100 (Gregorian
//! 1901-02-19 to 2101-01-28). Before adopting it, the first and last day of each of its 2,473
//! months (leap months included) were compared with the independent astronomical computation of
//! `tyme4rs`: identical from 1958 to 2088. The few differences all come from 13 new moons within
//! 40 minutes of Beijing midnight: 11 before 1958, where `tyme4rs` follows the almanacs printed
//! then and this table modern UTC+8 astronomy (a lunar birthday derived from a birth in such a
//! month may be a day off the family's record), and one each in 2089 and 2097, where ephemerides
//! disagree by minutes.

use std::ops::RangeInclusive;
use std::sync::OnceLock;

use chinese_lunisolar_calendar::{LunisolarDate, MAX_YEAR_IN_SOLAR_CALENDAR, MIN_YEAR_IN_SOLAR_CALENDAR};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// When a holiday falls each year: a Gregorian (solar) or a Chinese lunar month and day.
///
/// Serialised as `{"calendar": "solar" | "lunar", "month": M, "day": D}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "calendar", rename_all = "snake_case")]
pub enum HolidayDate {
    /// Gregorian month (1–12) and day.
    Solar { month: u32, day: u32 },
    /// Chinese lunar month (1–12, the ordinary month, never the leap one) and day (1–30).
    Lunar { month: u32, day: u32 },
}

/// Why a [`HolidayDate`] can never occur.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidHolidayDate {
    #[error("there is no month {0}: months run from 1 to 12")]
    Month(u32),
    #[error("month {month} has no day {day}: it has at most {max} days")]
    Day { month: u32, day: u32, max: u32 },
}

impl HolidayDate {
    /// Checks that the month and day can occur at all (a brand's own dates are checked with this
    /// before they are saved). 29 February is allowed; it occurs in leap years only.
    pub fn validate(&self) -> Result<(), InvalidHolidayDate> {
        const SOLAR_MONTH_DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        let (month, day) = match *self {
            HolidayDate::Solar { month, day } | HolidayDate::Lunar { month, day } => (month, day),
        };
        if !(1..=12).contains(&month) {
            return Err(InvalidHolidayDate::Month(month));
        }
        let max = match self {
            HolidayDate::Solar { .. } => SOLAR_MONTH_DAYS[month as usize - 1],
            HolidayDate::Lunar { .. } => 30,
        };
        if !(1..=max).contains(&day) {
            return Err(InvalidHolidayDate::Day { month, day, max });
        }
        Ok(())
    }

    /// Whether this holiday falls on `day`. Unlike comparing with [`date_in_year`] of
    /// `day.year()`, this also finds a lunar date late in the previous lunar year that falls in
    /// January or February of `day`'s year; the holiday job asks this of "today + lead days".
    pub fn falls_on(&self, day: NaiveDate) -> bool {
        [day.year().saturating_sub(1), day.year()]
            .into_iter()
            .any(|year| date_in_year(self, year) == Some(day))
    }
}

/// A holiday of the outreach calendar, built in or added by the brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    /// Stable identifier (campaign settings and outbox dedupe keys refer to it).
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub date: HolidayDate,
}

/// The built-in holiday calendar (see docs/concepts.md). The keys are stable: settings and dedupe
/// keys use them.
///
/// Solar: new_year 元旦 1/1, valentines 情人节 2/14, womens_day 妇女节 3/8, labour_day 劳动节 5/1,
/// childrens_day 儿童节 6/1, national_day 国庆节 10/1, singles_day 双十一 11/11,
/// christmas 圣诞节 12/25. Lunar: spring_festival 春节 1/1, lantern 元宵节 1/15,
/// dragon_boat 端午节 5/5, qixi 七夕 7/7, mid_autumn 中秋节 8/15, double_ninth 重阳节 9/9.
pub fn builtin_holidays() -> Vec<Holiday> {
    use HolidayDate::{Lunar, Solar};
    #[rustfmt::skip]
    const BUILTIN: [(&str, &str, &str, HolidayDate); 14] = [
        ("new_year",        "元旦",   "New Year's Day",            Solar { month: 1, day: 1 }),
        ("valentines",      "情人节", "Valentine's Day",           Solar { month: 2, day: 14 }),
        ("womens_day",      "妇女节", "International Women's Day", Solar { month: 3, day: 8 }),
        ("labour_day",      "劳动节", "Labour Day",                Solar { month: 5, day: 1 }),
        ("childrens_day",   "儿童节", "Children's Day",            Solar { month: 6, day: 1 }),
        ("national_day",    "国庆节", "National Day",              Solar { month: 10, day: 1 }),
        ("singles_day",     "双十一", "Singles' Day",              Solar { month: 11, day: 11 }),
        ("christmas",       "圣诞节", "Christmas",                 Solar { month: 12, day: 25 }),
        ("spring_festival", "春节",   "Spring Festival",           Lunar { month: 1, day: 1 }),
        ("lantern",         "元宵节", "Lantern Festival",          Lunar { month: 1, day: 15 }),
        ("dragon_boat",     "端午节", "Dragon Boat Festival",      Lunar { month: 5, day: 5 }),
        ("qixi",            "七夕",   "Qixi Festival",             Lunar { month: 7, day: 7 }),
        ("mid_autumn",      "中秋节", "Mid-Autumn Festival",       Lunar { month: 8, day: 15 }),
        ("double_ninth",    "重阳节", "Double Ninth Festival",     Lunar { month: 9, day: 9 }),
    ];
    BUILTIN
        .iter()
        .map(|&(key, name_zh, name_en, date)| Holiday {
            key: key.to_owned(),
            name_zh: name_zh.to_owned(),
            name_en: name_en.to_owned(),
            date,
        })
        .collect()
}

/// The Gregorian date of a holiday in year `year`, or `None` when that date does not exist that
/// year (30 February, 29 February in a common year, lunar day 30 of a 29-day month) or the lunar
/// calendar does not cover `year` (see [`supported_years`]).
///
/// A lunar holiday is taken in the lunar year that begins in `year` (the Spring Festival of
/// `year`), ordinary month. For the built-in lunar holidays (months 1–9) the result always lies
/// in `year`; a brand's lunar date in month 11 or 12 may lie in January/February of `year + 1`
/// (use [`HolidayDate::falls_on`] to ask about a given day).
pub fn date_in_year(date: &HolidayDate, year: i32) -> Option<NaiveDate> {
    match *date {
        HolidayDate::Solar { month, day } => NaiveDate::from_ymd_opt(year, month, day),
        HolidayDate::Lunar { month, day } => {
            let month = u8::try_from(month).ok()?;
            let day = u8::try_from(day).ok()?;
            lunar_to_gregorian(year, month, day)
        }
    }
}

/// The lunar years (named by the Gregorian year they begin in) the lunar conversion covers,
/// inclusive: 1901..=2100, from the calendar library.
pub fn supported_years() -> RangeInclusive<i32> {
    i32::from(MIN_YEAR_IN_SOLAR_CALENDAR)..=i32::from(MAX_YEAR_IN_SOLAR_CALENDAR)
}

/// The first date in Gregorian year `year` on which the member's birthday falls.
///
/// - Solar (`lunar == false`): the birth month and day in `year`; a 29 February birthday falls on
///   28 February in common years. Any year chrono supports.
/// - Lunar (`lunar == true`): the member's lunar month and day of birth are read from `birth`
///   (a birth in a leap month counts as the ordinary month of the same number). Each lunar year
///   has one occurrence: that month and day (day 30 becomes day 29 when the month has 29 days
///   that year). The occurrences of the lunar years beginning in `year - 1` and in `year` are the
///   candidates, and the earliest one that falls in Gregorian `year` is returned.
///
///   Births in lunar months 11–12 fall around the Gregorian new year, so some Gregorian years
///   hold two occurrences (e.g. born lunar 12/5: 2022-01-07 and 2022-12-27) and the next holds
///   none (2023). This returns the earlier of two, and `None` for a year with none; the daily
///   job should use [`is_birthday`], which accepts both. `None` too when `birth` or the
///   candidate lunar years lie outside [`supported_years`].
pub fn birthday_in_year(birth: NaiveDate, lunar: bool, year: i32) -> Option<NaiveDate> {
    birthdays_in_year(birth, lunar, year).into_iter().next()
}

/// Whether the member's (solar or lunar) birthday falls on `date`: true when `date` is an
/// occurrence in `date.year()` as described at [`birthday_in_year`] — for a 29 February solar
/// birthday, 28 February in common years; for a lunar birthday, either occurrence when the year
/// holds two. A lunar birthday thus comes exactly once per lunar year, so "once per member per
/// year" dedupe for lunar birthdays should be keyed by the occurrence date, not its Gregorian
/// year.
pub fn is_birthday(birth: NaiveDate, lunar: bool, date: NaiveDate) -> bool {
    birthdays_in_year(birth, lunar, date.year()).contains(&date)
}

/// The birth dates whose lunar birthday (as [`is_birthday`] reckons it) falls on one of `days`,
/// as inclusive runs in date order: what a query asks of members who keep a lunar birthday.
/// A day in a leap month is nobody's lunar birthday; the last day of a 29-day month is also the
/// birthday of those born on day 30.
pub fn lunar_births_celebrated_on(days: impl IntoIterator<Item = NaiveDate>) -> Vec<(NaiveDate, NaiveDate)> {
    let mut wanted = [[false; 31]; 13];
    for day in days {
        let Ok(lunar) = LunisolarDate::from_date(day) else {
            continue;
        };
        if lunar.to_lunar_month().is_leap_month() {
            continue;
        }
        let (month, date) = (lunar.to_lunar_month().to_u8(), lunar.to_lunar_day().to_u8());
        wanted[usize::from(month)][usize::from(date)] = true;
        let month_ends = day
            .succ_opt()
            .and_then(lunar_month_day)
            .is_some_and(|(_, next)| next == 1);
        if date == 29 && month_ends {
            wanted[usize::from(month)][30] = true;
        }
    }
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    let (first, table) = lunar_table();
    for (birth, (month, day)) in first.iter_days().zip(table) {
        if !wanted[usize::from(*month)][usize::from(*day)] {
            continue;
        }
        match runs.last_mut() {
            Some((_, last)) if last.succ_opt() == Some(birth) => *last = birth,
            _ => runs.push((birth, birth)),
        }
    }
    runs
}

/// The lunar month and day (as [`lunar_month_day`] gives them) of every date the library covers,
/// from its first: worked out once, so a query over birthdays reads a table.
fn lunar_table() -> &'static (NaiveDate, Vec<(u8, u8)>) {
    static TABLE: OnceLock<(NaiveDate, Vec<(u8, u8)>)> = OnceLock::new();
    TABLE.get_or_init(|| {
        let first = NaiveDate::from_ymd_opt(*supported_years().start(), 1, 1)
            .into_iter()
            .flat_map(|start| start.iter_days())
            .take(400)
            .find(|day| lunar_month_day(*day).is_some())
            .unwrap_or_default();
        let table = first.iter_days().map_while(lunar_month_day).collect();
        (first, table)
    })
}

/// Every date in Gregorian `year` on which the birthday falls, earliest first (at most one for a
/// solar birthday, at most two for a lunar one).
fn birthdays_in_year(birth: NaiveDate, lunar: bool, year: i32) -> Vec<NaiveDate> {
    if !lunar {
        return solar_birthday_in_year(birth, year).into_iter().collect();
    }
    let Some((month, day)) = lunar_month_day(birth) else {
        return Vec::new();
    };
    [year.saturating_sub(1), year]
        .into_iter()
        .filter_map(|lunar_year| {
            lunar_to_gregorian(lunar_year, month, day).or_else(|| {
                // Day 30 of a month that has 29 days this year: celebrate on its last day.
                if day == 30 {
                    lunar_to_gregorian(lunar_year, month, 29)
                } else {
                    None
                }
            })
        })
        .filter(|date| date.year() == year)
        .collect()
}

fn solar_birthday_in_year(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    match NaiveDate::from_ymd_opt(year, birth.month(), birth.day()) {
        Some(date) => Some(date),
        None if (birth.month(), birth.day()) == (2, 29) => NaiveDate::from_ymd_opt(year, 2, 28),
        None => None,
    }
}

/// The lunar month (leap months as the ordinary month of that number) and day of `date`.
fn lunar_month_day(date: NaiveDate) -> Option<(u8, u8)> {
    let lunar = LunisolarDate::from_date(date).ok()?;
    Some((lunar.to_lunar_month().to_u8(), lunar.to_lunar_day().to_u8()))
}

/// The Gregorian date of lunar `month`/`day` (ordinary month) of the lunar year beginning in
/// Gregorian `lunar_year`; `None` if out of range or the day does not exist.
fn lunar_to_gregorian(lunar_year: i32, month: u8, day: u8) -> Option<NaiveDate> {
    let year = u16::try_from(lunar_year).ok()?;
    let date = LunisolarDate::from_ymd(year, month, false, day).ok()?;
    Some(date.to_naive_date())
}

/// A wall-clock time in `zone` as UTC; in a daylight-saving gap, the first valid time after it.
pub fn local_time(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    (0..3)
        .find_map(|extra| zone.from_local_datetime(&(local + Duration::hours(extra))).earliest())
        .map(|at| at.with_timezone(&Utc))
        .unwrap_or_else(|| local.and_utc())
}

/// `hour`:00 on `day` in `tz`, as UTC. In a daylight-saving gap, the first valid time after it.
pub fn local_hour(day: NaiveDate, hour: u32, tz: Tz) -> DateTime<Utc> {
    let start = day.and_hms_opt(hour.min(23), 0, 0).unwrap_or_default();
    local_time(start, tz)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_send_hour_in_utc_on_both_sides_of_the_date_line() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 24).unwrap();
        let at = |zone: &str| local_hour(day, 9, zone.parse().unwrap()).to_rfc3339();
        assert_eq!(at("Asia/Shanghai"), "2026-11-24T01:00:00+00:00");
        assert_eq!(at("Pacific/Kiritimati"), "2026-11-23T19:00:00+00:00");
        assert_eq!(at("America/Los_Angeles"), "2026-11-24T17:00:00+00:00");
    }

    #[test]
    fn a_send_hour_in_a_daylight_saving_gap_moves_past_it() {
        // New York skipped 02:00-03:00 on 2026-03-08.
        let day = NaiveDate::from_ymd_opt(2026, 3, 8).unwrap();
        let due = local_hour(day, 2, "America/New_York".parse().unwrap());
        assert_eq!(due.to_rfc3339(), "2026-03-08T07:00:00+00:00");
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn builtin(key: &str) -> HolidayDate {
        builtin_holidays()
            .into_iter()
            .find(|h| h.key == key)
            .unwrap_or_else(|| panic!("no built-in holiday {key}"))
            .date
    }

    #[test]
    fn supported_years_are_the_librarys_lunar_years() {
        assert_eq!(supported_years(), 1901..=2100);
        let spring = builtin("spring_festival");
        assert_eq!(date_in_year(&spring, 1901), Some(ymd(1901, 2, 19)));
        assert_eq!(date_in_year(&spring, 1900), None);
        assert_eq!(date_in_year(&spring, 2101), None);
        assert_eq!(date_in_year(&spring, -5), None);
        assert_eq!(date_in_year(&spring, i32::MAX), None);
        assert_eq!(birthday_in_year(ymd(1990, 1, 27), true, i32::MIN), None, "no overflow");
    }

    #[test]
    fn spring_festival_falls_on_the_published_dates() {
        let spring = builtin("spring_festival");
        // 2033: the year of the leap 11th month ("2033 problem") that simple rules get wrong.
        for (year, expected) in [
            (2020, ymd(2020, 1, 25)),
            (2023, ymd(2023, 1, 22)),
            (2024, ymd(2024, 2, 10)),
            (2025, ymd(2025, 1, 29)),
            (2026, ymd(2026, 2, 17)),
            (2033, ymd(2033, 1, 31)),
            (2034, ymd(2034, 2, 19)),
            (1990, ymd(1990, 1, 27)),
        ] {
            assert_eq!(date_in_year(&spring, year), Some(expected), "spring festival {year}");
        }
        let leap_2033 = LunisolarDate::from_date(ymd(2033, 12, 22)).unwrap().to_lunar_month();
        assert!(
            leap_2033.is_leap_month() && leap_2033.to_u8() == 11,
            "2033 has a leap 11th month"
        );
    }

    #[test]
    fn lunar_holidays_fall_on_the_published_dates() {
        for (key, year, expected) in [
            ("mid_autumn", 2024, ymd(2024, 9, 17)),
            ("mid_autumn", 2025, ymd(2025, 10, 6)),
            ("mid_autumn", 2026, ymd(2026, 9, 25)),
            ("dragon_boat", 2024, ymd(2024, 6, 10)),
            ("dragon_boat", 2025, ymd(2025, 5, 31)),
            ("dragon_boat", 2026, ymd(2026, 6, 19)),
            ("lantern", 2025, ymd(2025, 2, 12)),
            ("qixi", 2025, ymd(2025, 8, 29)),
            ("double_ninth", 2025, ymd(2025, 10, 29)),
            // 2023 has a leap 2nd month: later holidays shift by a whole month.
            ("dragon_boat", 2023, ymd(2023, 6, 22)),
            ("mid_autumn", 2023, ymd(2023, 9, 29)),
            // 2033 has a leap 11th month, after these.
            ("mid_autumn", 2033, ymd(2033, 9, 8)),
        ] {
            assert_eq!(date_in_year(&builtin(key), year), Some(expected), "{key} {year}");
        }
    }

    #[test]
    fn solar_holidays_fall_on_their_date_every_year() {
        for year in [1950, 2000, 2024, 2025, 2100, 2400] {
            assert_eq!(date_in_year(&builtin("new_year"), year), Some(ymd(year, 1, 1)));
            assert_eq!(date_in_year(&builtin("valentines"), year), Some(ymd(year, 2, 14)));
            assert_eq!(date_in_year(&builtin("national_day"), year), Some(ymd(year, 10, 1)));
            assert_eq!(date_in_year(&builtin("singles_day"), year), Some(ymd(year, 11, 11)));
            assert_eq!(date_in_year(&builtin("christmas"), year), Some(ymd(year, 12, 25)));
        }
        let leap_day = HolidayDate::Solar { month: 2, day: 29 };
        assert_eq!(date_in_year(&leap_day, 2024), Some(ymd(2024, 2, 29)));
        assert_eq!(date_in_year(&leap_day, 2025), None);
        assert_eq!(date_in_year(&HolidayDate::Solar { month: 13, day: 1 }, 2025), None);
    }

    #[test]
    fn builtin_keys_are_unique_and_dates_valid() {
        let holidays = builtin_holidays();
        assert_eq!(holidays.len(), 14);
        let mut keys: Vec<_> = holidays.iter().map(|h| h.key.as_str()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), holidays.len(), "duplicate keys");
        for h in &holidays {
            assert_eq!(h.date.validate(), Ok(()), "{}", h.key);
        }
    }

    #[test]
    fn every_builtin_holiday_resolves_in_a_plausible_window_every_supported_year() {
        // Windows: the Spring Festival always lies between 21 January and 20 February; the
        // others are a fixed number of ordinary lunar months after it (a leap month in between
        // pushes them late), so each window is about a month wide.
        let windows = [
            ("spring_festival", (1, 21), (2, 20)),
            ("lantern", (2, 4), (3, 6)),
            ("dragon_boat", (5, 27), (6, 26)),
            ("qixi", (7, 31), (8, 30)),
            ("mid_autumn", (9, 7), (10, 8)),
            ("double_ninth", (10, 1), (11, 1)),
        ];
        let holidays = builtin_holidays();
        for year in supported_years() {
            let spring = date_in_year(&builtin("spring_festival"), year).unwrap();
            for h in &holidays {
                let date =
                    date_in_year(&h.date, year).unwrap_or_else(|| panic!("{} does not resolve in {year}", h.key));
                assert_eq!(date.year(), year, "{} {year} lies in another year", h.key);
                assert!(h.date.falls_on(date), "{} {year}: falls_on({date})", h.key);
                match h.date {
                    HolidayDate::Solar { month, day } => {
                        assert_eq!((date.month(), date.day()), (month, day), "{} {year}", h.key);
                    }
                    HolidayDate::Lunar { month, day } => {
                        // Back-conversion gives the same ordinary lunar month and day.
                        let back = LunisolarDate::from_date(date).unwrap();
                        assert!(!back.to_lunar_month().is_leap_month(), "{} {year}", h.key);
                        assert_eq!(
                            (
                                u32::from(back.to_lunar_month().to_u8()),
                                u32::from(back.to_lunar_day().to_u8())
                            ),
                            (month, day),
                            "{} {year}",
                            h.key
                        );
                        let (_, (from_m, from_d), (to_m, to_d)) =
                            windows.iter().find(|(key, _, _)| *key == h.key).unwrap();
                        let window = ymd(year, *from_m, *from_d)..=ymd(year, *to_m, *to_d);
                        assert!(window.contains(&date), "{} {year} on {date}, outside {window:?}", h.key);
                    }
                }
            }
            let lantern = date_in_year(&builtin("lantern"), year).unwrap();
            assert_eq!((lantern - spring).num_days(), 14, "lantern {year}");
        }
    }

    #[test]
    fn lunar_date_after_the_gregorian_new_year_is_found_by_falls_on() {
        // 腊月廿三 (小年, "Little New Year") of lunar 2024 is 2025-01-22.
        let little_new_year = HolidayDate::Lunar { month: 12, day: 23 };
        assert_eq!(date_in_year(&little_new_year, 2024), Some(ymd(2025, 1, 22)));
        assert!(little_new_year.falls_on(ymd(2025, 1, 22)));
        assert!(!little_new_year.falls_on(ymd(2025, 1, 21)));
        assert!(builtin("new_year").falls_on(ymd(2026, 1, 1)));
        assert!(!builtin("new_year").falls_on(ymd(2026, 1, 2)));
    }

    #[test]
    fn lunar_day_30_exists_only_in_long_months() {
        // Lunar 2024 (Jia-Chen): the 12th month has 29 days, so 12/30 (除夕) does not exist.
        let eve = HolidayDate::Lunar { month: 12, day: 30 };
        assert_eq!(date_in_year(&eve, 2024), None);
        assert_eq!(
            date_in_year(&HolidayDate::Lunar { month: 12, day: 29 }, 2024),
            Some(ymd(2025, 1, 28))
        );
        // Lunar 2023's 12th month has 30 days: its eve is 2024-02-09.
        assert_eq!(date_in_year(&eve, 2023), Some(ymd(2024, 2, 9)));
    }

    #[test]
    fn validate_rejects_dates_that_never_occur() {
        assert_eq!(HolidayDate::Solar { month: 2, day: 29 }.validate(), Ok(()));
        assert_eq!(HolidayDate::Lunar { month: 12, day: 30 }.validate(), Ok(()));
        assert_eq!(
            HolidayDate::Solar { month: 2, day: 30 }.validate(),
            Err(InvalidHolidayDate::Day {
                month: 2,
                day: 30,
                max: 29
            })
        );
        assert_eq!(
            HolidayDate::Solar { month: 4, day: 31 }.validate(),
            Err(InvalidHolidayDate::Day {
                month: 4,
                day: 31,
                max: 30
            })
        );
        assert_eq!(
            HolidayDate::Lunar { month: 1, day: 31 }.validate(),
            Err(InvalidHolidayDate::Day {
                month: 1,
                day: 31,
                max: 30
            })
        );
        assert_eq!(
            HolidayDate::Lunar { month: 13, day: 1 }.validate(),
            Err(InvalidHolidayDate::Month(13))
        );
        assert_eq!(
            HolidayDate::Solar { month: 0, day: 1 }.validate(),
            Err(InvalidHolidayDate::Month(0))
        );
        assert!(HolidayDate::Solar { month: 6, day: 0 }.validate().is_err());
    }

    #[test]
    fn holiday_serialises_with_a_calendar_tag() {
        let h = builtin_holidays().into_iter().find(|h| h.key == "mid_autumn").unwrap();
        let json = serde_json::to_value(&h).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "key": "mid_autumn", "name_zh": "中秋节", "name_en": "Mid-Autumn Festival",
                "date": {"calendar": "lunar", "month": 8, "day": 15}
            })
        );
        let back: Holiday = serde_json::from_value(json).unwrap();
        assert_eq!(back, h);
        let solar: HolidayDate = serde_json::from_str(r#"{"calendar":"solar","month":12,"day":25}"#).unwrap();
        assert_eq!(solar, HolidayDate::Solar { month: 12, day: 25 });
    }

    #[test]
    fn solar_birthday_on_29_february_falls_on_28_february_in_common_years() {
        let birth = ymd(2000, 2, 29);
        assert_eq!(birthday_in_year(birth, false, 2025), Some(ymd(2025, 2, 28)));
        assert_eq!(birthday_in_year(birth, false, 2028), Some(ymd(2028, 2, 29)));
        assert_eq!(
            birthday_in_year(birth, false, 2100),
            Some(ymd(2100, 2, 28)),
            "2100 is common"
        );
        assert!(is_birthday(birth, false, ymd(2025, 2, 28)));
        assert!(!is_birthday(birth, false, ymd(2025, 3, 1)));
        assert!(is_birthday(birth, false, ymd(2028, 2, 29)));
        assert!(
            !is_birthday(birth, false, ymd(2028, 2, 28)),
            "leap year: the real day only"
        );
    }

    #[test]
    fn solar_birthday_is_the_same_month_and_day() {
        let birth = ymd(1985, 12, 31);
        assert_eq!(birthday_in_year(birth, false, 2025), Some(ymd(2025, 12, 31)));
        assert!(is_birthday(birth, false, ymd(2026, 12, 31)));
        assert!(!is_birthday(birth, false, ymd(2026, 1, 1)));
    }

    #[test]
    fn lunar_birthday_on_spring_festival_falls_on_each_spring_festival() {
        // 1990-01-27 is lunar 1990 1/1 (庚午年正月初一).
        let birth = ymd(1990, 1, 27);
        assert_eq!(lunar_month_day(birth), Some((1, 1)));
        let spring = builtin("spring_festival");
        for year in 1902..=2100 {
            let festival = date_in_year(&spring, year);
            assert_eq!(birthday_in_year(birth, true, year), festival, "{year}");
            assert!(is_birthday(birth, true, festival.unwrap()), "{year}");
        }
        assert!(!is_birthday(birth, true, ymd(2025, 1, 27)), "not on the solar birthday");
        assert_eq!(birthday_in_year(birth, true, 2101), None, "outside the library's range");
    }

    #[test]
    fn lunar_birthday_in_the_12th_month_lands_after_the_gregorian_new_year() {
        // 1991-01-20 is lunar 1990 12/5 (庚午年腊月初五): lunar 1991 began on 1991-02-15.
        let birth = ymd(1991, 1, 20);
        assert_eq!(lunar_month_day(birth), Some((12, 5)));
        // Each lunar year's 12/5 lies in January of the following Gregorian year ...
        assert_eq!(
            birthday_in_year(birth, true, 2024),
            Some(ymd(2024, 1, 15)),
            "lunar 2023 12/5"
        );
        assert_eq!(
            birthday_in_year(birth, true, 2025),
            Some(ymd(2025, 1, 4)),
            "lunar 2024 12/5"
        );
        assert_eq!(
            birthday_in_year(birth, true, 2026),
            Some(ymd(2026, 1, 23)),
            "lunar 2025 12/5"
        );
        assert!(is_birthday(birth, true, ymd(2025, 1, 4)));
        assert!(!is_birthday(birth, true, ymd(2025, 1, 20)), "not on the solar birthday");
        // ... except when a short lunar year ends early: lunar 2021's 12/5 is 2022-01-07 and
        // lunar 2022's is 2022-12-27, so 2022 holds two and 2023 none.
        assert_eq!(
            birthday_in_year(birth, true, 2022),
            Some(ymd(2022, 1, 7)),
            "the earlier"
        );
        assert!(is_birthday(birth, true, ymd(2022, 1, 7)));
        assert!(is_birthday(birth, true, ymd(2022, 12, 27)));
        assert_eq!(birthday_in_year(birth, true, 2023), None);
        let in_2023 = ymd(2023, 1, 1).iter_days().take_while(|d| d.year() == 2023);
        assert_eq!(in_2023.filter(|d| is_birthday(birth, true, *d)).count(), 0);
    }

    #[test]
    fn lunar_birthday_comes_once_per_lunar_year() {
        // Whatever the month, is_birthday is true exactly once per lunar year.
        for birth in [ymd(1991, 1, 20), ymd(1990, 12, 16), ymd(1988, 9, 24), ymd(2023, 4, 10)] {
            let (month, _) = lunar_month_day(birth).unwrap();
            for lunar_year in 2000..=2040 {
                let start = date_in_year(&HolidayDate::Lunar { month: 1, day: 1 }, lunar_year).unwrap();
                let end = date_in_year(&HolidayDate::Lunar { month: 1, day: 1 }, lunar_year + 1).unwrap();
                let hits: Vec<_> = start
                    .iter_days()
                    .take_while(|d| *d < end)
                    .filter(|d| is_birthday(birth, true, *d))
                    .collect();
                assert_eq!(
                    hits.len(),
                    1,
                    "born {birth} (month {month}), lunar {lunar_year}: {hits:?}"
                );
            }
        }
    }

    #[test]
    fn lunar_birth_runs_hold_exactly_the_births_celebrated_on_those_days() {
        let in_runs = |runs: &[(NaiveDate, NaiveDate)], birth: NaiveDate| {
            runs.iter().any(|(first, last)| (*first..=*last).contains(&birth))
        };
        // Windows of one and of three days over two years (leap months, 29-day months and the
        // lunar new year among them), against births every 11 days from 1901.
        let births: Vec<NaiveDate> = ymd(1901, 3, 1)
            .iter_days()
            .step_by(11)
            .take_while(|d| d.year() < 2026)
            .collect();
        for start in ymd(2024, 12, 20).iter_days().step_by(5).take(150) {
            for length in [1, 3] {
                let days: Vec<NaiveDate> = start.iter_days().take(length).collect();
                let runs = lunar_births_celebrated_on(days.iter().copied());
                for birth in &births {
                    let celebrated = days.iter().any(|day| is_birthday(*birth, true, *day));
                    assert_eq!(
                        in_runs(&runs, *birth),
                        celebrated,
                        "born {birth}, days from {start}, {length}"
                    );
                }
            }
        }
        // Born on day 30 of a month that has 29 days in 2024: celebrated on its 29th.
        assert!(in_runs(
            &lunar_births_celebrated_on([ymd(2025, 1, 28)]),
            ymd(2024, 2, 9)
        ));
    }

    #[test]
    fn lunar_birthday_in_a_leap_month_falls_in_the_ordinary_month() {
        // 2023-04-10 is lunar 2023 leap 2/20 (闰二月二十); lunar 2024 2/20 is 2024-03-29.
        let birth = ymd(2023, 4, 10);
        let lunar = LunisolarDate::from_date(birth).unwrap();
        assert!(lunar.to_lunar_month().is_leap_month());
        assert_eq!(lunar_month_day(birth), Some((2, 20)));
        assert_eq!(birthday_in_year(birth, true, 2024), Some(ymd(2024, 3, 29)));
        // In the leap year itself: the ordinary 2/20 (2023-03-11), not the leap one.
        assert_eq!(birthday_in_year(birth, true, 2023), Some(ymd(2023, 3, 11)));
        assert!(!is_birthday(birth, true, birth));
    }

    #[test]
    fn lunar_birthday_on_day_30_falls_on_day_29_in_a_short_month() {
        // 2024-02-09 is lunar 2023 12/30 (除夕); lunar 2024's 12th month has 29 days.
        let birth = ymd(2024, 2, 9);
        assert_eq!(lunar_month_day(birth), Some((12, 30)));
        assert_eq!(
            birthday_in_year(birth, true, 2025),
            Some(ymd(2025, 1, 28)),
            "lunar 2024 12/29"
        );
        assert!(is_birthday(birth, true, ymd(2025, 1, 28)));
    }

    #[test]
    fn lunar_birthday_on_day_30_of_a_leap_month_falls_on_day_29_of_the_ordinary_month() {
        // 2017-08-21 is lunar 2017 leap 6/30 (闰六月三十); the ordinary 6th months of 2017 and
        // 2018 have 29 days, so the birthday is their 6/29.
        let birth = ymd(2017, 8, 21);
        assert!(LunisolarDate::from_date(birth)
            .unwrap()
            .to_lunar_month()
            .is_leap_month());
        assert_eq!(lunar_month_day(birth), Some((6, 30)));
        assert_eq!(birthday_in_year(birth, true, 2017), Some(ymd(2017, 7, 22)));
        assert_eq!(birthday_in_year(birth, true, 2018), Some(ymd(2018, 8, 10)));
        assert!(is_birthday(birth, true, ymd(2018, 8, 10)));
        assert!(!is_birthday(birth, true, ymd(2018, 8, 11)), "7/1 is not the birthday");
    }

    #[test]
    fn lunar_birthday_outside_the_library_range_is_none() {
        let birth = ymd(1901, 1, 1); // lunar 1900, before the table starts
        assert_eq!(birthday_in_year(birth, true, 2025), None);
        assert!(!is_birthday(birth, true, ymd(2025, 1, 1)));
    }
}
