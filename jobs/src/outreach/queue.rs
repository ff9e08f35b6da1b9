//! The birthday, holiday, win-back and points-expiry jobs: who gets which email, due when. Each adds one outbox
//! row per member and occurrence under a unique dedupe key, so running a job twice, or on two
//! replicas at once, queues nothing twice. Members are read in pages by id: memory does not grow
//! with the audience.
use std::collections::HashMap;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use sea_orm::{ConnectionTrait, DbErr, Value};
use serde::Serialize;

use super::calendar::is_birthday;
use super::holidays;
use crate::bulk::Table;
use crate::campaigns::{builtin, local_time, Builtin};
use crate::sql::statement;
use crate::JobContext;

pub const QUEUED: &str = "queued";

/// When queued emails become due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// At the send hour of the day in each member's time zone, outside their quiet hours.
    Scheduled,
    /// At once: an operator's explicit catch-up is not held by quiet hours.
    Now,
}

/// What one occurrence of a campaign queued.
#[derive(Debug, Serialize)]
pub struct Occurrence {
    pub kind: &'static str,
    pub occurrence: String,
    /// Members who qualified.
    pub candidates: u64,
    /// Of them, kept back as the campaign's control group.
    pub held_out: u64,
    /// Rows new in the outbox (the rest were queued by an earlier run).
    pub queued: u64,
}

/// The outbox's columns as every queueing job writes them.
pub(crate) const OUTBOX: Table = Table::new(
    "outbox",
    &[
        "dedupe_key",
        "kind",
        "occurrence",
        "member_id",
        "holiday_key",
        "due_at",
        "hold_quiet_hours",
        "status",
        "attempts",
        "job_run_id",
        "created_at",
        "campaign_id",
        "priority",
    ],
);

/// Members read per page.
const PAGE: u64 = 5_000;

/// Who may get marketing email at all; the dispatcher checks again (and the suppression list)
/// at send time.
const REACHABLE: &str = "m.status = 'active' AND m.email_consent AND m.email IS NOT NULL";

/// Members whose birthday falls on `as_of` + the days early (the birthday campaign's, else the
/// configured `birthday_days_early`) in their own time zone.
/// 29 February birthdays fall on 28 February in common years; lunar birthdays for members who
/// asked for them. The occurrence is the birthday's date, so a lunar birthday that comes twice in
/// one Gregorian year is greeted twice, once per lunar year.
pub async fn birthday(ctx: &JobContext, as_of: NaiveDate, timing: Timing, run_id: i64) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, "birthday", &ctx.outreach.config).await?;
    let days_early = settings.days_before(ctx.outreach.config.birthday_days_early);
    let day = as_of + Duration::days(i64::from(days_early));
    let leap_day_too = if day.month() == 2 && day.day() == 28 && NaiveDate::from_ymd_opt(day.year(), 2, 29).is_none() {
        29
    } else {
        day.day()
    };
    let campaign = Campaign {
        kind: "birthday",
        occurrence: day.to_string(),
        holiday_key: None,
        filter: "m.birthday IS NOT NULL AND (m.lunar_birthday OR (m.birth_month = $2 AND m.birth_day IN ($3, $4)))",
        values: vec![
            i16::try_from(day.month()).unwrap_or_default().into(),
            i16::try_from(day.day()).unwrap_or_default().into(),
            i16::try_from(leap_day_too).unwrap_or_default().into(),
        ],
        accept: &|member: &Candidate| member.birthday.is_some_and(|born| is_birthday(born, member.lunar, day)),
    };
    enqueue(ctx, &settings, &campaign, as_of, timing, run_id).await
}

/// Every reachable member, for each enabled holiday that is its lead time away from `as_of`.
pub async fn holiday(
    ctx: &JobContext,
    as_of: NaiveDate,
    timing: Timing,
    run_id: i64,
) -> Result<Vec<Occurrence>, DbErr> {
    let settings = Builtin::load(&ctx.db, "holiday", &ctx.outreach.config).await?;
    let calendar = holidays::load(&ctx.db, settings.days_before(ctx.outreach.config.holiday_days_before)).await?;
    let mut occurrences = Vec::new();
    for brand_holiday in calendar.iter().filter(|h| h.enabled) {
        let date = as_of + Duration::days(i64::from(brand_holiday.days_before));
        if !brand_holiday.holiday.date.falls_on(date) {
            continue;
        }
        let key = brand_holiday.holiday.key.as_str();
        let campaign = Campaign {
            kind: "holiday",
            occurrence: format!("{key}:{date}"),
            holiday_key: Some(key),
            filter: "TRUE",
            values: Vec::new(),
            accept: &|_| true,
        };
        occurrences.push(enqueue(ctx, &settings, &campaign, as_of, timing, run_id).await?);
    }
    Ok(occurrences)
}

/// Lapsed members who bought at least `winback_min_orders` times and had no win-back email in the
/// cooldown.
pub async fn winback(ctx: &JobContext, as_of: NaiveDate, timing: Timing, run_id: i64) -> Result<Occurrence, DbErr> {
    let settings = Builtin::load(&ctx.db, "winback", &ctx.outreach.config).await?;
    let config = &ctx.outreach.config;
    let cooldown_start = as_of - Duration::days(i64::from(config.winback_cooldown_days));
    let campaign = Campaign {
        kind: "winback",
        occurrence: as_of.to_string(),
        holiday_key: None,
        filter: "EXISTS (SELECT 1 FROM member_metrics mm \
                   WHERE mm.member_id = m.id AND mm.lapsed AND mm.orders_total >= $2) \
                 AND NOT EXISTS (SELECT 1 FROM outbox o \
                   WHERE o.member_id = m.id AND o.kind = 'winback' AND o.occurrence > $3)",
        values: vec![
            i32::try_from(config.winback_min_orders).unwrap_or(i32::MAX).into(),
            cooldown_start.to_string().into(),
        ],
        accept: &|_| true,
    };
    enqueue(ctx, &settings, &campaign, as_of, timing, run_id).await
}

/// Points-expiry notices: on the day `days_before` ahead of a month's last day, every member
/// with points that lapse at the end of it (by the expiry rule: points earned before the first
/// of the month N months back, less everything spent, oldest first). Other days queue nothing:
/// points lapse only at a month's end.
pub async fn points_expiry(
    ctx: &JobContext,
    as_of: NaiveDate,
    timing: Timing,
    run_id: i64,
) -> Result<Occurrence, DbErr> {
    use crate::campaigns::POINTS_EXPIRY;
    use crate::points::expiry;
    let settings = Builtin::load(&ctx.db, POINTS_EXPIRY, &ctx.outreach.config).await?;
    let last_day = as_of + Duration::days(i64::from(settings.days_before(ctx.points.notice_days_before)));
    let earned_before = (ctx.points.expiry_months > 0 && last_day == expiry::last_day_of_month(last_day))
        .then(|| expiry::earned_before(last_day + Duration::days(1), ctx.points.expiry_months))
        .flatten();
    let Some(earned_before) = earned_before else {
        return Ok(Occurrence {
            kind: POINTS_EXPIRY,
            occurrence: last_day.to_string(),
            candidates: 0,
            held_out: 0,
            queued: 0,
        });
    };
    let filter = format!(
        "m.id IN (SELECT member_id FROM ({}) AS lapsing)",
        expiry::lapsing_members("$2")
    );
    let campaign = Campaign {
        kind: POINTS_EXPIRY,
        occurrence: last_day.to_string(),
        holiday_key: None,
        filter: &filter,
        values: vec![expiry::start_of(earned_before, ctx.time_zone).into()],
        accept: &|_| true,
    };
    enqueue(ctx, &settings, &campaign, as_of, timing, run_id).await
}

struct Campaign<'a> {
    kind: &'static str,
    occurrence: String,
    holiday_key: Option<&'a str>,
    /// SQL over `members m`, with placeholders from `$2` for `values`.
    filter: &'a str,
    values: Vec<Value>,
    /// A last check in Rust for what SQL cannot decide (lunar birthdays).
    accept: &'a (dyn Fn(&Candidate) -> bool + Sync),
}

struct Candidate {
    id: i64,
    time_zone: String,
    birthday: Option<NaiveDate>,
    lunar: bool,
    /// The latest run's expected value, which the campaign report adjusts by.
    expected_value_cents: Option<i64>,
}

/// Queues one occurrence: each member it is for is recorded as a recipient of the built-in
/// campaign, and those not held out get an outbox row.
async fn enqueue(
    ctx: &JobContext,
    settings: &Builtin,
    campaign: &Campaign<'_>,
    day: NaiveDate,
    timing: Timing,
    run_id: i64,
) -> Result<Occurrence, DbErr> {
    let db = &ctx.db;
    let mut occurrence = Occurrence {
        kind: campaign.kind,
        occurrence: campaign.occurrence.clone(),
        candidates: 0,
        held_out: 0,
        queued: 0,
    };
    if !settings.is_on() {
        return Ok(occurrence);
    }
    let narrowed_filter;
    let filter = match settings.segment_id() {
        // The marketer narrowed the audience to a segment (its membership at the last refresh).
        Some(segment_id) => {
            narrowed_filter = format!(
                "({}) AND m.id IN (SELECT sm.member_id FROM segment_members sm WHERE sm.segment_id = {segment_id})",
                campaign.filter
            );
            narrowed_filter.as_str()
        }
        None => campaign.filter,
    };
    let before = queued_rows(db, campaign).await?;
    let occurrence_id = settings.occurrence(db, &campaign.occurrence, run_id).await?;
    let mut due = DueTimes::new(settings.send_time, ctx.time_zone, day, timing);
    let mut after_id = 0_i64;
    loop {
        let page = read_page(db, filter, &campaign.values, after_id).await?;
        let Some(last) = page.last() else { break };
        after_id = last.id;
        let (mut recipients, mut rows) = (Vec::new(), Vec::new());
        for member in page.iter().filter(|member| (campaign.accept)(member)) {
            let due_at = due.at(&member.time_zone);
            let held_out = settings.holds_out(member.id);
            if let Some(occurrence_id) = occurrence_id {
                recipients.push(settings.recipient(
                    occurrence_id,
                    member.id,
                    held_out,
                    due_at,
                    member.expected_value_cents,
                ));
            }
            occurrence.candidates += 1;
            if held_out {
                occurrence.held_out += 1;
            } else {
                rows.push(outbox_row(campaign, settings, member, due_at, timing, run_id));
            }
        }
        builtin::record(db, &recipients).await?;
        OUTBOX.insert(db, &rows, " ON CONFLICT (dedupe_key) DO NOTHING").await?;
    }
    if let Some(occurrence_id) = occurrence_id {
        builtin::tally(db, occurrence_id).await?;
    }
    occurrence.queued = queued_rows(db, campaign).await? - before;
    Ok(occurrence)
}

async fn read_page(
    db: &impl ConnectionTrait,
    filter: &str,
    values: &[Value],
    after_id: i64,
) -> Result<Vec<Candidate>, DbErr> {
    let sql = format!(
        "SELECT m.id, m.time_zone, m.birthday, m.lunar_birthday, x.expected_value_365_cents FROM members m \
         LEFT JOIN member_metrics x ON x.member_id = m.id \
         WHERE {REACHABLE} AND m.id > $1 AND ({filter}) ORDER BY m.id LIMIT {PAGE}"
    );
    let mut parameters: Vec<Value> = vec![after_id.into()];
    parameters.extend(values.iter().cloned());
    let rows = db.query_all(statement(db, &sql, parameters)).await?;
    rows.iter()
        .map(|row| {
            Ok(Candidate {
                id: row.try_get("", "id")?,
                time_zone: row.try_get("", "time_zone")?,
                birthday: row.try_get("", "birthday")?,
                lunar: row.try_get("", "lunar_birthday")?,
                expected_value_cents: row.try_get("", "expected_value_365_cents")?,
            })
        })
        .collect()
}

fn outbox_row(
    campaign: &Campaign<'_>,
    settings: &Builtin,
    member: &Candidate,
    due_at: DateTime<Utc>,
    timing: Timing,
    run_id: i64,
) -> Vec<Value> {
    vec![
        format!("{}:{}:{}", campaign.kind, campaign.occurrence, member.id).into(),
        campaign.kind.into(),
        campaign.occurrence.clone().into(),
        member.id.into(),
        campaign.holiday_key.map(str::to_owned).into(),
        due_at.into(),
        (timing == Timing::Scheduled).into(),
        QUEUED.into(),
        0_i32.into(),
        run_id.into(),
        Utc::now().into(),
        settings.campaign_id().into(),
        settings.priority().into(),
    ]
}

async fn queued_rows(db: &impl ConnectionTrait, campaign: &Campaign<'_>) -> Result<u64, DbErr> {
    let row = db
        .query_one(statement(
            db,
            "SELECT COUNT(*) AS n FROM outbox WHERE kind = $1 AND occurrence = $2",
            vec![campaign.kind.into(), campaign.occurrence.clone().into()],
        ))
        .await?;
    let n: i64 = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    Ok(u64::try_from(n).unwrap_or(0))
}

/// Due times per time zone: the send time of the day in the member's zone (the brand's zone when
/// theirs is not a known name), or now.
struct DueTimes {
    day: NaiveDate,
    send_time: NaiveTime,
    brand_zone: Tz,
    timing: Timing,
    now: DateTime<Utc>,
    by_zone: HashMap<String, DateTime<Utc>>,
}

impl DueTimes {
    fn new(send_time: NaiveTime, brand_zone: Tz, day: NaiveDate, timing: Timing) -> Self {
        Self {
            day,
            send_time,
            brand_zone,
            timing,
            now: Utc::now(),
            by_zone: HashMap::new(),
        }
    }

    fn at(&mut self, zone: &str) -> DateTime<Utc> {
        if self.timing == Timing::Now {
            return self.now;
        }
        if let Some(due) = self.by_zone.get(zone) {
            return *due;
        }
        let tz = zone.parse::<Tz>().unwrap_or(self.brand_zone);
        let due = local_time(self.day.and_time(self.send_time), tz);
        self.by_zone.insert(zone.to_owned(), due);
        due
    }
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
}
