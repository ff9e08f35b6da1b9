//! When a campaign starts its occurrences.
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, SubsecRound, Utc};
use chrono_tz::Tz;
use croner::Cron;
use entity::campaign;
use serde::{Deserialize, Serialize};

use crate::calendar::local_time;

/// The earliest local time on Earth is UTC+14 (Kiritimati): an occurrence at a local time
/// starts when that time comes there, so its snapshot is taken before anyone's email is due.
const EARLIEST_OFFSET_HOURS: i64 = 14;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Schedule {
    /// Once, at this time in the brand's zone.
    At(NaiveDateTime),
    /// Once, at `time` on `date` in each member's own zone.
    Local { date: NaiveDate, time: NaiveTime },
    /// At every tick of a cron expression with seconds (`0 0 10 * * TUE`), in the brand's zone.
    Cron(String),
    /// Whenever a member enters the campaign's segment, at each refresh.
    OnEntry,
}

/// An occurrence that is due to start: its key, and when its emails are due.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    pub key: String,
    pub at: DueAt,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DueAt {
    /// The same instant for everyone.
    Instant(DateTime<Utc>),
    /// A local time on a date in each member's zone.
    Local { date: NaiveDate, time: NaiveTime },
}

impl DueAt {
    /// When the email is due for a member in `zone`.
    pub fn for_zone(self, zone: Tz) -> DateTime<Utc> {
        match self {
            Self::Instant(at) => at,
            Self::Local { date, time } => local_time(date.and_time(time), zone),
        }
    }
}

impl Schedule {
    /// A campaign's schedule, if it has one that reads.
    pub fn of(campaign: &campaign::Model) -> Option<Self> {
        serde_json::from_str(campaign.schedule.as_deref()?).ok()
    }

    /// Why the schedule cannot work, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Self::Cron(expression) => cron(expression).map(drop),
            _ => Ok(()),
        }
    }

    /// Sends once, not again.
    pub fn is_one_off(&self) -> bool {
        matches!(self, Self::At(_) | Self::Local { .. })
    }

    /// When the next occurrence starts after `now` (a local time: when it first comes anywhere);
    /// `None` when there is none to come or it depends on a refresh.
    pub fn next_start(&self, now: DateTime<Utc>, zone: Tz) -> Option<DateTime<Utc>> {
        let start = match self {
            Self::At(local) => local_time(*local, zone),
            Self::Local { date, time } => earliest(*date, *time),
            // From the whole second: croner keeps the fraction of the time it starts from.
            Self::Cron(expression) => cron(expression)
                .ok()?
                .find_next_occurrence(&now.trunc_subsecs(0).with_timezone(&zone), false)
                .ok()?
                .with_timezone(&Utc),
            Self::OnEntry => return None,
        };
        (start > now).then_some(start)
    }

    /// The occurrence due to start by `now`, if any. Cron ticks count from `since` (when the
    /// campaign was scheduled), or any tick up to `now` on an operator's catch-up (`None`); a
    /// tick already started is refused by the occurrence's unique key.
    pub fn due(&self, now: DateTime<Utc>, since: Option<DateTime<Utc>>, zone: Tz) -> Option<Due> {
        let once = |at: DueAt| Due {
            key: "once".to_owned(),
            at,
        };
        match self {
            Self::At(local) => {
                let at = local_time(*local, zone);
                (now >= at).then(|| once(DueAt::Instant(at)))
            }
            Self::Local { date, time } => (now >= earliest(*date, *time)).then(|| {
                once(DueAt::Local {
                    date: *date,
                    time: *time,
                })
            }),
            Self::Cron(expression) => {
                let tick = cron(expression)
                    .ok()?
                    .find_previous_occurrence(&now.with_timezone(&zone), true)
                    .ok()?
                    .with_timezone(&Utc);
                since.is_none_or(|since| tick >= since).then(|| Due {
                    key: tick.to_rfc3339(),
                    at: DueAt::Instant(tick),
                })
            }
            Self::OnEntry => None,
        }
    }
}

/// `time` on `date` where it comes first (UTC+14).
fn earliest(date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    date.and_time(time).and_utc() - Duration::hours(EARLIEST_OFFSET_HOURS)
}

fn cron(expression: &str) -> Result<Cron, String> {
    crate::schedule::parse_cron(expression)
        .map_err(|e| format!("not a cron expression with seconds ({e}); e.g. \"0 0 10 * * TUE\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn a_local_time_starts_when_it_first_comes_anywhere_and_is_due_in_each_zone() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        let local = Schedule::Local {
            date: "2026-12-08".parse().unwrap(),
            time: "10:00:00".parse().unwrap(),
        };
        assert_eq!(local.due(utc("2026-12-07T19:59:59Z"), None, shanghai), None);
        assert_eq!(
            local.next_start(utc("2026-12-07T19:59:59Z"), shanghai),
            Some(utc("2026-12-07T20:00:00Z"))
        );
        assert_eq!(local.next_start(utc("2026-12-07T20:00:00Z"), shanghai), None);
        let due = local.due(utc("2026-12-07T20:00:00Z"), None, shanghai).unwrap();
        assert_eq!(due.at.for_zone(shanghai), utc("2026-12-08T02:00:00Z"));
        assert_eq!(
            due.at.for_zone("Pacific/Kiritimati".parse().unwrap()),
            utc("2026-12-07T20:00:00Z")
        );
        assert_eq!(
            due.at.for_zone("America/Los_Angeles".parse().unwrap()),
            utc("2026-12-08T18:00:00Z")
        );
    }

    #[test]
    fn cron_ticks_count_from_when_the_campaign_was_scheduled() {
        let zone: Tz = "Asia/Shanghai".parse().unwrap();
        let weekly = Schedule::Cron("0 0 10 * * TUE".to_owned());
        let now = utc("2026-12-08T05:00:00Z"); // Tuesday 13:00 in Shanghai
        let due = weekly.due(now, Some(utc("2026-12-01T00:00:00Z")), zone).unwrap();
        assert_eq!(due.at, DueAt::Instant(utc("2026-12-08T02:00:00Z")));
        assert_eq!(due.key, "2026-12-08T02:00:00+00:00");
        assert_eq!(weekly.due(now, Some(utc("2026-12-08T03:00:00Z")), zone), None);
        assert_eq!(weekly.next_start(now, zone), Some(utc("2026-12-15T02:00:00Z")));
        let a_moment_later = now + Duration::milliseconds(941);
        assert_eq!(
            weekly.next_start(a_moment_later, zone),
            Some(utc("2026-12-15T02:00:00Z"))
        );
        assert!(Schedule::Cron("every tuesday".to_owned()).check().is_err());
    }
}
