//! The nightly `points-expiry` job: points expire at the end of the Nth month after the month
//! they were earned in, oldest first. Spending (redemptions, take-backs, earlier expiries) uses
//! the oldest points first, so what is left of the points earned before a cutoff is their sum
//! less everything ever spent, when positive; that is what expires. One `expire` entry per
//! member per day (`expiry:<date>`), written by one statement: a re-run of the day, or a run on
//! a later day before anything more has lapsed, writes nothing.
use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr};

use super::PointsConfig;
use crate::sql::statement;

#[derive(Debug, Default, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Expired {
    /// Members whose points expired.
    pub members: u64,
    /// Points earned before this date (brand time) lapsed by the run's date.
    pub earned_before: Option<NaiveDate>,
}

/// The first day whose points have not lapsed by the end of `as_of`'s day: points earned in
/// month M last until the end of month M + N, so on any day of month M + N + 1 everything earned
/// before month M + 1 has lapsed.
pub fn earned_before(as_of: NaiveDate, months: u32) -> Option<NaiveDate> {
    let first_of_month = as_of.with_day(1)?;
    first_of_month.checked_sub_months(Months::new(months))
}

/// The instant from which points are earned on or after `date`: its midnight in the brand's zone.
pub fn start_of(date: NaiveDate, zone: Tz) -> DateTime<Utc> {
    crate::calendar::local_time(date.and_time(NaiveTime::MIN), zone)
}

/// The last day of `day`'s month: the only day points lapse at the end of.
pub fn last_day_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1)
        .and_then(|first| first.checked_add_months(Months::new(1)))
        .and_then(|next| next.pred_opt())
        .unwrap_or(day)
}

/// The members some of whose points earned before `cutoff` (a placeholder such as `$2`) are
/// not spent: by the oldest-first rule, those points lapse. The job and the notice share it.
pub fn lapsing_members(cutoff: &str) -> String {
    format!(
        "SELECT member_id, lots, debits FROM {} AS totals WHERE lots > debits",
        totals(cutoff)
    )
}

/// Per member: points earned before `cutoff`, and everything ever spent.
fn totals(cutoff: &str) -> String {
    format!(
        "(SELECT member_id,
                 SUM(CASE WHEN points > 0 AND created_at < {cutoff} THEN points ELSE 0 END) AS lots,
                 SUM(CASE WHEN points < 0 THEN -points ELSE 0 END) AS debits
          FROM points_ledger GROUP BY member_id)"
    )
}

/// What of a member's points will lapse, soonest first: the last day they are valid and how
/// many, from the member's ledger (`(written at, points)`), by the same oldest-first rule as
/// the job. Only lapses from `today` on: what lapsed before waits for the night's job.
pub fn upcoming(entries: &[(DateTime<Utc>, i64)], months: u32, zone: Tz, today: NaiveDate) -> Vec<(NaiveDate, i64)> {
    if months == 0 {
        return Vec::new();
    }
    let mut spent: i64 = entries
        .iter()
        .filter(|(_, points)| *points < 0)
        .map(|(_, points)| -points)
        .sum();
    let mut earned_by_month: BTreeMap<NaiveDate, i64> = BTreeMap::new();
    for (at, points) in entries.iter().filter(|(_, points)| *points > 0) {
        let month = at.with_timezone(&zone).date_naive().with_day(1).unwrap_or_default();
        *earned_by_month.entry(month).or_default() += points;
    }
    let mut lapses = Vec::new();
    for (month, earned) in earned_by_month {
        let used = spent.min(earned);
        spent -= used;
        let last_day = month.checked_add_months(Months::new(months)).map(last_day_of_month);
        if let Some(last_day) = last_day.filter(|day| *day >= today && earned > used) {
            lapses.push((last_day, earned - used));
        }
    }
    lapses
}

pub async fn run(
    conn: &impl ConnectionTrait,
    config: &PointsConfig,
    zone: Tz,
    as_of: NaiveDate,
) -> Result<Expired, DbErr> {
    if config.expiry_months == 0 {
        return Ok(Expired::default());
    }
    let Some(cutoff_date) = earned_before(as_of, config.expiry_months) else {
        return Ok(Expired::default());
    };
    // The outer WHERE repeats the inner one for SQLite, which reads `ON CONFLICT` after an
    // `INSERT … SELECT` without a WHERE as a join's `ON`.
    let sql = format!(
        "INSERT INTO points_ledger (member_id, kind, points, reason, reference, staff_id, created_at)
         SELECT member_id, 'expire', CAST(debits - lots AS BIGINT), $1, $2, NULL, $3
         FROM ({}) AS lapsing
         WHERE lots > debits
         ON CONFLICT (member_id, kind, reference) DO NOTHING",
        lapsing_members("$4")
    );
    let values = vec![
        format!("points earned before {cutoff_date} expired").into(),
        format!("expiry:{as_of}").into(),
        Utc::now().into(),
        start_of(cutoff_date, zone).into(),
    ];
    let written = conn.execute(statement(conn, &sql, values)).await?;
    Ok(Expired {
        members: written.rows_affected(),
        earned_before: Some(cutoff_date),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn points_last_to_the_end_of_the_nth_month_after_the_month_they_were_earned_in() {
        // Earned in November 2025, with 12 months: kept through 30 November 2026.
        assert_eq!(earned_before(day("2026-11-30"), 12), Some(day("2025-11-01")));
        assert_eq!(earned_before(day("2026-12-01"), 12), Some(day("2025-12-01")));
        // Across a leap day and short months: earned on 29 February 2024, 1 month → end of March.
        assert_eq!(earned_before(day("2024-03-31"), 1), Some(day("2024-02-01")));
        assert_eq!(earned_before(day("2024-04-01"), 1), Some(day("2024-03-01")));
        assert_eq!(earned_before(day("2025-03-01"), 12), Some(day("2024-03-01")));
    }

    #[test]
    fn upcoming_lapses_spend_the_oldest_points_first() {
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        let ledger = [
            (at("2025-12-10T04:00:00Z"), 100),
            (at("2025-12-31T17:00:00Z"), 40), // 1 January 2026 in Shanghai
            (at("2026-02-10T04:00:00Z"), 60),
            (at("2026-03-01T04:00:00Z"), -120),
        ];
        // December's 100 and 20 of January's 40 are spent.
        assert_eq!(
            upcoming(&ledger, 12, zone, day("2026-11-30")),
            vec![(day("2027-01-31"), 20), (day("2027-02-28"), 60)]
        );
        assert_eq!(upcoming(&ledger, 0, zone, day("2026-11-30")), vec![]);
    }
}
