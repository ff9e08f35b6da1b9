//! Journeys: a member followed over days, across channels, offers and people — a win-back email,
//! a week's wait, an SMS with an offer if they have not come back, two more weeks, then a call
//! from their associate.
//!
//! Each member's place is a row of `journey_positions` (a visit: the step they are on and when
//! it is due), and the `journeys` job moves them along set-based, a step of a version at a
//! time, so a million members waiting cost nothing until their step is due. A tick first lets
//! members in (see [`entry`]), then takes out those who meet the exit criteria, then runs every
//! step that is due, again until nobody moves (a send followed by a coupon runs both at once).
//!
//! A step runs at most once per member and visit, whatever crashes and replicas do: the job
//! runs under its lease; a send is a campaign occurrence per step and visit, whose recipients
//! and outbox keys refuse a second message; a coupon is issued under a reference per step and
//! visit, which gives a member one code; a task has an occasion per step and visit, which the
//! tasks table refuses twice; and a step's run and the members' move to the next step are
//! written in one transaction.
pub mod definition;
mod entry;
mod references;
pub mod report;
pub mod shipped;
mod walk;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::journey_position::{Column as P, Entity as Positions};
use entity::vocabulary::{JourneyPositionStatus as Status, JourneyStatus};
use entity::{journey, journey_version};
use sea_orm::sea_query::{CaseStatement, Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter};
use serde::Serialize;

pub use definition::{Action, Definition, Flow, Step};
pub use references::check_references;

use crate::calendar::local_time;
use crate::points::expiry::start_of;
use crate::segments::SegmentError;
use crate::sql::{first_column, id_list, statement};
use crate::JobContext;

/// Positions updated per statement when a split names them.
const IDS_PER_STATEMENT: usize = 10_000;

/// What one tick did.
#[derive(Debug, Default, Serialize)]
pub struct Counts {
    pub entered: u64,
    /// Of those who entered, kept back as the control group.
    pub held_out: u64,
    /// Taken out by the exit criteria.
    pub exited: u64,
    /// Members who left each kind of step.
    pub moved: BTreeMap<&'static str, u64>,
    /// Messages new in the outbox.
    pub queued: u64,
    pub coupons: u64,
    pub tasks: u64,
}

/// One run of the job: the moment it counts as, and the day.
pub struct Tick<'a> {
    pub ctx: &'a JobContext,
    /// Everything due by now is done; for an operator's run of a past day, the end of that day.
    pub now: DateTime<Utc>,
    pub as_of: NaiveDate,
    /// Messages wait for the member's quiet hours to end (an operator's catch-up does not).
    pub hold_quiet_hours: bool,
    pub run_id: Option<i64>,
}

/// A published version, read.
struct Version {
    journey_id: i64,
    id: i64,
    definition: Definition,
    flow: Flow,
}

/// The `journeys` job: entries into every live journey, then every member on the way moved on.
pub async fn run(tick: &Tick<'_>) -> Result<Counts, DbErr> {
    let mut counts = Counts::default();
    let live = journey::Entity::find()
        .filter(journey::Column::Status.eq(JourneyStatus::Live))
        .all(&tick.ctx.db)
        .await?;
    let zones = Zones::new(tick.ctx.time_zone);
    // Each version read once a tick: the current ones for entries, kept for the walk.
    let mut versions = HashMap::new();
    for journey in &live {
        let Some(id) = journey.version_id else { continue };
        if let Some(version) = load(&tick.ctx.db, id).await? {
            let_in(tick, journey, &version, &zones, &mut counts).await?;
            versions.insert(id, version);
        }
    }
    let live: Vec<i64> = live.iter().map(|j| j.id).collect();
    for version_id in on_the_way(&tick.ctx.db, &live).await? {
        let version = match versions.remove(&version_id) {
            Some(version) => version,
            None => match load(&tick.ctx.db, version_id).await? {
                Some(version) => version,
                None => continue,
            },
        };
        walk::Walk {
            tick,
            version: &version,
            zones: &zones,
        }
        .run(&mut counts)
        .await?;
    }
    Ok(counts)
}

/// Lets members into the journey's current version: at every tick for the day's events, once a
/// brand day for a filter or birthdays.
async fn let_in(
    tick: &Tick<'_>,
    journey: &journey::Model,
    version: &Version,
    zones: &Zones,
    counts: &mut Counts,
) -> Result<(), DbErr> {
    let daily = version.definition.entry.is_daily();
    if daily && journey.entries_checked_on.is_some_and(|day| day >= tick.as_of) {
        return Ok(());
    }
    match entry::enter(tick, version, zones).await {
        Ok((entered, held_out)) => {
            counts.entered += entered;
            counts.held_out += held_out;
        }
        Err(SegmentError::Db(e)) => return Err(e),
        Err(SegmentError::Invalid(error)) => {
            tracing::warn!(journey = journey.id, %error, "journey entry does not compile; nobody enters")
        }
    }
    if daily {
        journey::Entity::update_many()
            .col_expr(journey::Column::EntriesCheckedOn, Expr::value(tick.as_of))
            .filter(journey::Column::Id.eq(journey.id))
            .exec(&tick.ctx.db)
            .await?;
    }
    Ok(())
}

/// A version and its flow; `None` when missing or unreadable (logged).
async fn load(conn: &impl ConnectionTrait, id: i64) -> Result<Option<Version>, DbErr> {
    let Some(row) = journey_version::Entity::find_by_id(id).one(conn).await? else {
        return Ok(None);
    };
    match serde_json::from_str::<Definition>(&row.definition) {
        Ok(definition) => Ok(Some(Version {
            journey_id: row.journey_id,
            id,
            flow: Flow::of(&definition),
            definition,
        })),
        Err(error) => {
            tracing::error!(version = id, %error, "journey version does not read; its members wait");
            Ok(None)
        }
    }
}

/// The versions of live journeys with members on a step.
async fn on_the_way(conn: &impl ConnectionTrait, journeys: &[i64]) -> Result<Vec<i64>, DbErr> {
    if journeys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT DISTINCT version_id FROM journey_positions WHERE status = '{}' AND journey_id IN ({}) ORDER BY version_id",
        Status::Active,
        id_list(journeys.iter().copied())
    );
    first_column(conn, statement(conn, &sql, Vec::new())).await
}

/// The time zones members have (one that does not parse is the brand's): read at most once a
/// tick, and only when a step waits until a time of day, since it reads every member.
struct Zones {
    brand: Tz,
    read: tokio::sync::OnceCell<Vec<(String, Tz)>>,
}

impl Zones {
    fn new(brand: Tz) -> Self {
        Self {
            brand,
            read: tokio::sync::OnceCell::new(),
        }
    }

    async fn get(&self, conn: &impl ConnectionTrait) -> Result<&[(String, Tz)], DbErr> {
        let read = self.read.get_or_try_init(|| async {
            let sql = "SELECT DISTINCT time_zone FROM members";
            let rows = conn.query_all(statement(conn, sql, Vec::new())).await?;
            rows.iter()
                .map(|row| {
                    let name: String = row.try_get_by_index(0)?;
                    let zone = name.parse().unwrap_or(self.brand);
                    Ok::<_, DbErr>((name, zone))
                })
                .collect()
        });
        Ok(read.await?.as_slice())
    }
}

fn col(column: P) -> Expr {
    Expr::col((Positions, column))
}

/// When a member who reaches `target` is next due, given their zone (`zone`: SQL naming it).
async fn arrival(
    conn: &impl ConnectionTrait,
    flow: &Flow,
    target: definition::Target,
    now: DateTime<Utc>,
    zones: &Zones,
    zone: SimpleExpr,
) -> Result<SimpleExpr, DbErr> {
    let Some(node) = target else {
        return Ok(Expr::val(now).into());
    };
    let brand = zones.brand;
    Ok(match &flow.nodes[node].action {
        Action::Wait { days, hours, at } => {
            let after = now + Duration::days(i64::from(*days)) + Duration::hours(i64::from(*hours));
            let Some(time) = at else {
                return Ok(Expr::val(after).into());
            };
            let mut case = CaseStatement::new();
            for (name, tz) in zones.get(conn).await? {
                case = case.case(
                    zone.clone().eq(name.as_str()),
                    Expr::val(first_local(after, *time, *tz)),
                );
            }
            case.finally(Expr::val(first_local(after, *time, brand))).into()
        }
        Action::WaitUntil { date } => Expr::val(start_of(*date, brand).max(now)).into(),
        Action::WaitFor { timeout_days, .. } => Expr::val(now + Duration::days(i64::from(*timeout_days))).into(),
        _ => Expr::val(now).into(),
    })
}

/// The first `time` of day in `zone` at or after `after`.
fn first_local(after: DateTime<Utc>, time: chrono::NaiveTime, zone: Tz) -> DateTime<Utc> {
    let day = after.with_timezone(&zone).date_naive();
    let at = local_time(day.and_time(time), zone);
    if at < after {
        local_time((day + Duration::days(1)).and_time(time), zone)
    } else {
        at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_until_a_time_of_day_ends_at_its_next_coming_in_the_members_zone() {
        let shanghai: Tz = "Asia/Shanghai".parse().unwrap();
        let ten = chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap();
        let at = |text: &str| text.parse::<DateTime<Utc>>().unwrap();
        // 09:00 in Shanghai: 10:00 the same day; 11:00: 10:00 the next.
        assert_eq!(
            first_local(at("2026-12-05T01:00:00Z"), ten, shanghai),
            at("2026-12-05T02:00:00Z")
        );
        assert_eq!(
            first_local(at("2026-12-05T03:00:00Z"), ten, shanghai),
            at("2026-12-06T02:00:00Z")
        );
        // New York, on the day daylight saving ends: 10:00 EST.
        let new_york: Tz = "America/New_York".parse().unwrap();
        assert_eq!(
            first_local(at("2026-11-01T12:00:00Z"), ten, new_york),
            at("2026-11-01T15:00:00Z")
        );
    }
}
