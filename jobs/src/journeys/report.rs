//! What a journey did and earned: how many are on each step now and went through it (by day),
//! and each entrant's net spend in their attribution window, for those who went through it, for
//! each A/B arm, and for the control group drawn at entry.
use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use entity::vocabulary::JourneyPositionStatus as Status;
use sea_orm::{ConnectionTrait, DbErr};
use serde::Serialize;

use super::{load, Flow};
use crate::campaigns::report::Group;
use crate::campaigns::uplift::{self, share_difference, Estimate, Outcome, ShareDifference, Uplift};
use crate::sql::statement;

#[derive(Debug, Default, Serialize)]
pub struct Report {
    pub entered: i64,
    pub held_out: i64,
    /// On a step now.
    pub active: i64,
    pub done: i64,
    pub exited: i64,
    /// Entries by the brand's day.
    pub entries_by_day: Vec<DayCount>,
    /// Every version's steps, the newest version first.
    pub steps: Vec<StepCount>,
    /// Those who went through the journey (every status but held out).
    pub treated: Group,
    pub control: Group,
    pub uplift: Option<Uplift>,
    /// The share who bought, treated against control.
    pub conversion: Option<ShareDifference>,
    pub arms: Vec<ArmReport>,
    /// The A/B arm with the most revenue per member, against the runner-up.
    pub leader: Option<Leader>,
}

/// The leading arm: revenue per member against the runner-up's, with its interval. Once the
/// interval is above zero (`clears`) the arm may be promoted.
#[derive(Debug, Serialize)]
pub struct Leader {
    pub name: String,
    pub runner_up: String,
    /// `sent` is the leader, `held_out` the runner-up.
    pub against_runner_up: Estimate,
    pub clears: bool,
}

#[derive(Debug, Serialize)]
pub struct DayCount {
    pub date: NaiveDate,
    pub count: i64,
}

/// One step of one version.
#[derive(Debug, Serialize)]
pub struct StepCount {
    pub version: i32,
    pub node: usize,
    /// Where it is written (`steps[2].then[0]`).
    pub path: String,
    pub kind: &'static str,
    /// Members on it now.
    pub waiting: i64,
    /// Members who went through it, in all and by day.
    pub passed: i64,
    pub passed_by_day: Vec<DayCount>,
}

/// One arm of the journey's splits (the last split a member passed), against the control group.
#[derive(Debug, Serialize)]
pub struct ArmReport {
    pub name: String,
    pub group: Group,
    pub uplift: Option<Uplift>,
}

/// The report of journey `journey_id`, days counted in `zone`.
pub async fn report(conn: &impl ConnectionTrait, journey_id: i64, zone: Tz) -> Result<Report, DbErr> {
    let mut report = Report::default();
    statuses(conn, journey_id, zone, &mut report).await?;
    report.steps = steps(conn, journey_id, zone).await?;
    earnings(conn, journey_id, &mut report).await?;
    Ok(report)
}

/// Counts by status, and entries by day (a tick's entrants share its moment, so the rows are few).
async fn statuses(conn: &impl ConnectionTrait, journey_id: i64, zone: Tz, report: &mut Report) -> Result<(), DbErr> {
    let sql = "SELECT status, entered_at, COUNT(*) AS n FROM journey_positions WHERE journey_id = $1 GROUP BY status, entered_at";
    let mut by_day = BTreeMap::new();
    for row in conn.query_all(statement(conn, sql, vec![journey_id.into()])).await? {
        let n: i64 = row.try_get("", "n")?;
        let at: DateTime<Utc> = row.try_get("", "entered_at")?;
        *by_day.entry(at.with_timezone(&zone).date_naive()).or_insert(0) += n;
        report.entered += n;
        match row.try_get::<Status>("", "status")? {
            Status::Active => report.active += n,
            Status::HeldOut => report.held_out += n,
            Status::Done => report.done += n,
            Status::Exited => report.exited += n,
        }
    }
    report.entries_by_day = days(by_day);
    Ok(())
}

fn days(counts: BTreeMap<NaiveDate, i64>) -> Vec<DayCount> {
    counts
        .into_iter()
        .map(|(date, count)| DayCount { date, count })
        .collect()
}

/// Every version's steps: who is on each, and who went through it by day.
async fn steps(conn: &impl ConnectionTrait, journey_id: i64, zone: Tz) -> Result<Vec<StepCount>, DbErr> {
    let sql = "SELECT id, number FROM journey_versions WHERE journey_id = $1 ORDER BY number DESC";
    let versions = conn.query_all(statement(conn, sql, vec![journey_id.into()])).await?;
    let mut steps = Vec::new();
    for row in versions {
        let (id, number): (i64, i32) = (row.try_get("", "id")?, row.try_get("", "number")?);
        let Some(version) = load(conn, id).await? else { continue };
        let waiting = waiting(conn, id).await?;
        let passed = passed(conn, id, zone).await?;
        steps.extend(counted(number, &version.flow, &waiting, passed));
    }
    Ok(steps)
}

fn counted<'a>(
    number: i32,
    flow: &'a Flow,
    waiting: &'a BTreeMap<usize, i64>,
    mut passed: BTreeMap<usize, BTreeMap<NaiveDate, i64>>,
) -> impl Iterator<Item = StepCount> + 'a {
    let mut by_node: Vec<BTreeMap<NaiveDate, i64>> = (0..flow.nodes.len())
        .map(|n| passed.remove(&n).unwrap_or_default())
        .collect();
    flow.nodes.iter().enumerate().map(move |(node, step)| {
        let by_day = std::mem::take(&mut by_node[node]);
        StepCount {
            version: number,
            node,
            path: step.path.clone(),
            kind: step.action.kind(),
            waiting: waiting.get(&node).copied().unwrap_or(0),
            passed: by_day.values().sum(),
            passed_by_day: days(by_day),
        }
    })
}

async fn waiting(conn: &impl ConnectionTrait, version_id: i64) -> Result<BTreeMap<usize, i64>, DbErr> {
    let sql = format!(
        "SELECT node, COUNT(*) AS n FROM journey_positions WHERE version_id = $1 AND status = '{}' GROUP BY node",
        Status::Active
    );
    let mut waiting = BTreeMap::new();
    for row in conn.query_all(statement(conn, &sql, vec![version_id.into()])).await? {
        let node: i32 = row.try_get("", "node")?;
        waiting.insert(usize::try_from(node).unwrap_or_default(), row.try_get("", "n")?);
    }
    Ok(waiting)
}

/// Step runs by node and day (a tick's runs share its moment, so the rows are few).
async fn passed(
    conn: &impl ConnectionTrait,
    version_id: i64,
    zone: Tz,
) -> Result<BTreeMap<usize, BTreeMap<NaiveDate, i64>>, DbErr> {
    let sql = "SELECT r.node, r.ran_at, COUNT(*) AS n FROM journey_step_runs r \
               JOIN journey_positions p ON p.id = r.position_id \
               WHERE p.version_id = $1 GROUP BY r.node, r.ran_at";
    let mut passed: BTreeMap<usize, BTreeMap<NaiveDate, i64>> = BTreeMap::new();
    for row in conn.query_all(statement(conn, sql, vec![version_id.into()])).await? {
        let node: i32 = row.try_get("", "node")?;
        let at: DateTime<Utc> = row.try_get("", "ran_at")?;
        *passed
            .entry(usize::try_from(node).unwrap_or_default())
            .or_default()
            .entry(at.with_timezone(&zone).date_naive())
            .or_insert(0) += row.try_get::<i64>("", "n")?;
    }
    Ok(passed)
}

/// Each entrant's net spend and orders in their window, grouped: treated, control, and by arm.
async fn earnings(conn: &impl ConnectionTrait, journey_id: i64, report: &mut Report) -> Result<(), DbErr> {
    let sql = "SELECT p.status, p.arm, COALESCE(p.expected_value_cents, 0) AS expected, \
                 CAST(COALESCE(SUM(pu.amount_cents), 0) AS BIGINT) AS spend, \
                 SUM(CASE WHEN pu.kind = 'purchase' THEN 1 ELSE 0 END) AS orders \
               FROM journey_positions p \
               LEFT JOIN purchases pu ON pu.member_id = p.member_id \
                 AND pu.occurred_at > p.entered_at AND pu.occurred_at <= p.window_ends_at \
               WHERE p.journey_id = $1 \
               GROUP BY p.id, p.status, p.arm, p.expected_value_cents";
    let mut outcomes = Vec::new();
    let mut arms: BTreeMap<String, (Group, Vec<Outcome>)> = BTreeMap::new();
    for row in conn.query_all(statement(conn, sql, vec![journey_id.into()])).await? {
        let held_out = row.try_get::<Status>("", "status")? == Status::HeldOut;
        let spend: i64 = row.try_get("", "spend")?;
        let orders: i64 = row.try_get::<Option<i64>>("", "orders")?.unwrap_or(0);
        let outcome = Outcome {
            held_out,
            spend: spend as f64,
            expected: row.try_get::<i64>("", "expected")? as f64,
        };
        if held_out {
            &mut report.control
        } else {
            &mut report.treated
        }
        .add(spend, orders);
        if let Some(arm) = row.try_get::<Option<String>>("", "arm")?.filter(|_| !held_out) {
            let (group, arm_outcomes) = arms.entry(arm).or_default();
            group.add(spend, orders);
            arm_outcomes.push(outcome);
        }
        outcomes.push(outcome);
    }
    report.uplift = uplift::uplift(&outcomes);
    report.conversion = share_difference(
        (report.treated.buyers, report.treated.members),
        (report.control.buyers, report.control.members),
    );
    report.leader = leader(&arms);
    let control: Vec<Outcome> = outcomes.iter().copied().filter(|o| o.held_out).collect();
    report.arms = arms
        .into_iter()
        .map(|(name, (group, mut arm_outcomes))| {
            arm_outcomes.extend(control.iter().copied());
            ArmReport {
                name,
                group,
                uplift: uplift::uplift(&arm_outcomes),
            }
        })
        .collect();
    Ok(())
}

/// The two arms with the most revenue per member, compared as treated (the leader) against
/// held out (the runner-up); `None` with fewer than two arms of two members each.
fn leader(arms: &BTreeMap<String, (Group, Vec<Outcome>)>) -> Option<Leader> {
    let per_member = |g: &Group| g.revenue_cents as f64 / g.members.max(1) as f64;
    let mut ranked: Vec<(&String, &(Group, Vec<Outcome>))> = arms.iter().collect();
    ranked.sort_by(|a, b| per_member(&b.1 .0).total_cmp(&per_member(&a.1 .0)));
    let [(name, (_, first)), (runner_up, (_, second)), ..] = ranked.as_slice() else {
        return None;
    };
    let mut outcomes: Vec<Outcome> = first.iter().map(|o| Outcome { held_out: false, ..*o }).collect();
    outcomes.extend(second.iter().map(|o| Outcome { held_out: true, ..*o }));
    let estimate = uplift::uplift(&outcomes)?.raw;
    Some(Leader {
        name: (*name).clone(),
        runner_up: (*runner_up).clone(),
        clears: estimate.incremental_low > 0.0,
        against_runner_up: estimate,
    })
}
