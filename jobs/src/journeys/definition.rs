//! What a journey is: how members enter, what makes them leave, and the steps between, as the
//! marketer writes it (a tree: branches hold their own steps) and as a tick walks it (a flat
//! list of numbered steps, each naming the next).
use chrono::{NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::segments::{Filter, FilterError};

/// Steps a journey may have in all, branches included.
pub const MAX_STEPS: usize = 100;
/// The longest attribution window, in days.
pub const MAX_ATTRIBUTION_DAYS: u32 = 365;

/// A journey as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Definition {
    pub entry: Entry,
    /// Days before a member who entered may enter again; none: once ever.
    #[serde(default)]
    pub reentry_days: Option<u32>,
    #[serde(default)]
    pub exit: Exit,
    /// The control group drawn at entry (1,000 = 10%): recorded, never sent anything.
    #[serde(default)]
    pub holdout_basis_points: u32,
    /// How long after entry a member's purchases count towards what the journey earned.
    #[serde(default = "default_attribution_days")]
    pub attribution_days: u32,
    pub steps: Vec<Step>,
}

fn default_attribution_days() -> u32 {
    30
}

/// How members enter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Entry {
    /// Members who enter a saved segment at one of its refreshes.
    Segment { segment_id: Option<i64> },
    /// Members who match a filter, checked every day.
    Filter { filter: Filter },
    /// Something that happened that day.
    Event { event: EntryEvent },
}

impl Entry {
    /// Checked once a day (a filter, birthdays), not at every tick as events of the day are.
    pub fn is_daily(&self) -> bool {
        matches!(
            self,
            Self::Filter { .. }
                | Self::Event {
                    event: EntryEvent::Birthday
                }
        )
    }
}

/// What happened to a member that starts a journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EntryEvent {
    /// Became a member.
    Joined,
    /// Made a purchase.
    Purchased,
    /// The analytics run changed their tier.
    TierChanged,
    /// Their birthday (the lunar one for those who keep it).
    Birthday,
    /// A complaint of theirs was resolved.
    ComplaintResolved,
}

/// What takes a member out of the journey, checked before every step.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Exit {
    /// Any purchase after entering.
    #[serde(default)]
    pub on_purchase: bool,
    /// Matching this filter.
    #[serde(default)]
    pub filter: Option<Filter>,
}

/// One step as written.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum Step {
    /// A journey message (a campaign of kind `journey`: its templates and channel preference),
    /// with a code of the offer for each member sent to when given.
    Send {
        campaign_id: Option<i64>,
        #[serde(default)]
        offer_id: Option<i64>,
    },
    /// Days and hours; then, when given, until that time of day in the member's zone.
    Wait {
        #[serde(default)]
        days: u32,
        #[serde(default)]
        hours: u32,
        #[serde(default)]
        at: Option<NaiveTime>,
    },
    /// Until the start of a day in the brand's zone.
    WaitUntil { date: Option<NaiveDate> },
    /// Until the event, down `then`; or the timeout, down `timeout`.
    WaitFor {
        event: WaitEvent,
        timeout_days: u32,
        #[serde(default)]
        then: Vec<Step>,
        #[serde(default)]
        timeout: Vec<Step>,
    },
    /// Members matching the filter go down `then`, the others down `otherwise`.
    Branch {
        filter: Filter,
        #[serde(default)]
        then: Vec<Step>,
        #[serde(default)]
        otherwise: Vec<Step>,
    },
    /// A stable random split for an A/B test: each arm takes its share.
    Split { arms: Vec<Arm> },
    /// A code of the offer.
    Coupon { offer_id: Option<i64> },
    /// A call for the member's associate (else the store's pool).
    Task { reason: String, open_days: u32 },
    /// Sets one of the brand's member fields (a tag, a stage) to a value; empty, clears it.
    SetField { key: String, value: String },
    /// Leaves the journey here.
    Exit,
}

/// What a wait for an event waits for, since the member reached the step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum WaitEvent {
    Purchased,
    RedeemedCoupon,
    CompletedTask,
    EnteredSegment { segment_id: Option<i64> },
    LeftSegment { segment_id: Option<i64> },
}

/// One arm of a split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Arm {
    pub name: String,
    /// Its share of the members, in percent; the arms' shares add up to 100.
    pub percent: u32,
    #[serde(default)]
    pub steps: Vec<Step>,
}

/// Where a step leads: another step by number, or the end of the journey.
pub type Target = Option<usize>;

/// A step as a tick walks it: what it does and where each member goes next.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// Where it is written, e.g. `steps[2].then[0]`.
    pub path: String,
    pub action: Action,
    pub next: Target,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Send {
        campaign_id: i64,
        offer_id: Option<i64>,
    },
    Wait {
        days: u32,
        hours: u32,
        at: Option<NaiveTime>,
    },
    WaitUntil {
        date: NaiveDate,
    },
    WaitFor {
        event: WaitEvent,
        timeout_days: u32,
        then: Target,
        timeout: Target,
    },
    Branch {
        filter: Filter,
        then: Target,
        otherwise: Target,
    },
    Split {
        arms: Vec<(String, u32, Target)>,
    },
    Coupon {
        offer_id: i64,
    },
    Task {
        reason: String,
        open_days: u32,
    },
    SetField {
        key: String,
        value: String,
    },
    Exit,
}

impl Action {
    /// Its name in the report.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Send { .. } => "send",
            Self::Wait { .. } => "wait",
            Self::WaitUntil { .. } => "waitUntil",
            Self::WaitFor { .. } => "waitFor",
            Self::Branch { .. } => "branch",
            Self::Split { .. } => "split",
            Self::Coupon { .. } => "coupon",
            Self::Task { .. } => "task",
            Self::SetField { .. } => "setField",
            Self::Exit => "exit",
        }
    }
}

/// A definition's steps, numbered: each list's steps take consecutive numbers, the top list's
/// first (so members enter at step 0), then the lists inside them.
#[derive(Clone, Debug, PartialEq)]
pub struct Flow {
    pub nodes: Vec<Node>,
}

impl Flow {
    /// The flow of a definition that passed [`check`].
    pub fn of(definition: &Definition) -> Self {
        let mut nodes = Vec::new();
        flatten(&definition.steps, "steps", None, &mut nodes);
        Self { nodes }
    }
}

/// Numbers `steps` from the end of `nodes`, the step after the last being `after`; the first.
fn flatten(steps: &[Step], path: &str, after: Target, nodes: &mut Vec<Node>) -> Target {
    if steps.is_empty() {
        return after;
    }
    let first = nodes.len();
    nodes.extend(steps.iter().enumerate().map(|(i, _)| Node {
        path: format!("{path}[{i}]"),
        action: Action::Exit,
        next: None,
    }));
    for (i, step) in steps.iter().enumerate() {
        let next = if i + 1 < steps.len() {
            Some(first + i + 1)
        } else {
            after
        };
        let here = format!("{path}[{i}]");
        let action = match step {
            Step::Send { campaign_id, offer_id } => Action::Send {
                campaign_id: campaign_id.unwrap_or_default(),
                offer_id: *offer_id,
            },
            Step::Wait { days, hours, at } => Action::Wait {
                days: *days,
                hours: *hours,
                at: *at,
            },
            Step::WaitUntil { date } => Action::WaitUntil {
                date: date.unwrap_or_default(),
            },
            Step::WaitFor {
                event,
                timeout_days,
                then,
                timeout,
            } => Action::WaitFor {
                event: event.clone(),
                timeout_days: *timeout_days,
                then: flatten(then, &format!("{here}.then"), next, nodes),
                timeout: flatten(timeout, &format!("{here}.timeout"), next, nodes),
            },
            Step::Branch {
                filter,
                then,
                otherwise,
            } => Action::Branch {
                filter: filter.clone(),
                then: flatten(then, &format!("{here}.then"), next, nodes),
                otherwise: flatten(otherwise, &format!("{here}.otherwise"), next, nodes),
            },
            Step::Split { arms } => Action::Split {
                arms: arms
                    .iter()
                    .enumerate()
                    .map(|(a, arm)| {
                        let target = flatten(&arm.steps, &format!("{here}.arms[{a}].steps"), next, nodes);
                        (arm.name.clone(), arm.percent, target)
                    })
                    .collect(),
            },
            Step::Coupon { offer_id } => Action::Coupon {
                offer_id: offer_id.unwrap_or_default(),
            },
            Step::Task { reason, open_days } => Action::Task {
                reason: reason.clone(),
                open_days: *open_days,
            },
            Step::SetField { key, value } => Action::SetField {
                key: key.clone(),
                value: value.clone(),
            },
            Step::Exit => Action::Exit,
        };
        nodes[first + i].action = action;
        nodes[first + i].next = next;
    }
    Some(first)
}

/// Replaces the first split with an arm called `arm` by that arm's steps: the A/B test is over
/// and the winner is what everyone gets. Whether a split had such an arm.
pub fn promote(steps: &mut Vec<Step>, arm: &str) -> bool {
    for i in 0..steps.len() {
        if let Step::Split { arms } = &mut steps[i] {
            if let Some(a) = arms.iter().position(|a| a.name == arm) {
                let winner = arms.remove(a).steps;
                steps.splice(i..=i, winner);
                return true;
            }
        }
        if inner_lists(&mut steps[i]).into_iter().any(|list| promote(list, arm)) {
            return true;
        }
    }
    false
}

/// The step lists a step holds (a branch's, a wait for an event's, a split's arms').
fn inner_lists(step: &mut Step) -> Vec<&mut Vec<Step>> {
    match step {
        Step::WaitFor { then, timeout, .. } => vec![then, timeout],
        Step::Branch { then, otherwise, .. } => vec![then, otherwise],
        Step::Split { arms } => arms.iter_mut().map(|a| &mut a.steps).collect(),
        _ => Vec::new(),
    }
}

/// Everything that keeps the definition from running, each at its place (`steps[1].days`):
/// what the definition says on its own. What it names in the database (messages and their
/// templates, offers, segments, fields, filters) is checked by [`super::check_references`].
pub fn problems(definition: &Definition) -> Vec<FilterError> {
    let mut problems = Vec::new();
    if definition.reentry_days == Some(0) {
        let message = "a member may enter again after at least 1 day";
        problems.push(refusal("reentryDays", "journey.reentryDays", message));
    }
    if definition.holdout_basis_points > 5_000 {
        let message = "the control group is at most 50% of those who enter";
        problems.push(refusal("holdoutBasisPoints", "journey.holdout", message));
    }
    if !(1..=MAX_ATTRIBUTION_DAYS).contains(&definition.attribution_days) {
        let message = "purchases count for 1 to 365 days after entry";
        problems.push(refusal("attributionDays", "journey.attributionDays", message).with("max", MAX_ATTRIBUTION_DAYS));
    }
    if let Entry::Segment { segment_id: None } = definition.entry {
        problems.push(refusal(
            "entry.segmentId",
            "journey.noSegment",
            "choose the segment members enter from",
        ));
    }
    if definition.steps.is_empty() {
        problems.push(refusal("steps", "journey.noSteps", "a journey needs at least one step"));
    }
    let mut count = 0;
    check_steps(&definition.steps, "steps", &mut count, &mut problems);
    if count > MAX_STEPS {
        let message = "a journey has at most 100 steps";
        problems.push(refusal("steps", "journey.tooManySteps", message).with("max", MAX_STEPS));
    }
    problems
}

fn check_steps(steps: &[Step], path: &str, count: &mut usize, problems: &mut Vec<FilterError>) {
    for (i, step) in steps.iter().enumerate() {
        *count += 1;
        let here = format!("{path}[{i}]");
        let at = |field: &str| format!("{here}.{field}");
        let problem = match step {
            Step::Send { campaign_id: None, .. } => Some(refusal(
                &at("campaignId"),
                "journey.noMessage",
                "choose one of the journey messages",
            )),
            Step::Wait {
                days: 0,
                hours: 0,
                at: None,
            } => Some(refusal(
                &at("days"),
                "journey.emptyWait",
                "a wait needs days, hours or a time of day",
            )),
            Step::WaitUntil { date: None } => {
                Some(refusal(&at("date"), "journey.noDate", "choose the day to wait for"))
            }
            Step::WaitFor {
                event: WaitEvent::EnteredSegment { segment_id: None } | WaitEvent::LeftSegment { segment_id: None },
                ..
            } => Some(refusal(
                &at("event.segmentId"),
                "journey.noSegment",
                "choose the segment to wait for",
            )),
            Step::WaitFor { timeout_days: 0, .. } => {
                let message = "a wait for an event times out after at least 1 day";
                Some(refusal(&at("timeoutDays"), "journey.timeout", message))
            }
            Step::Split { arms } => check_split(arms, &here),
            Step::Coupon { offer_id: None } => Some(refusal(
                &at("offerId"),
                "journey.noOffer",
                "choose the offer this step gives",
            )),
            Step::Task { reason, .. } if reason.trim().is_empty() => Some(refusal(
                &at("reason"),
                "journey.noReason",
                "say why the associate calls",
            )),
            Step::Task { open_days: 0, .. } => Some(refusal(
                &at("openDays"),
                "journey.openDays",
                "a task stays open at least 1 day",
            )),
            Step::SetField { key, .. } if key.trim().is_empty() => Some(refusal(
                &at("key"),
                "journey.noField",
                "choose the member field this step sets",
            )),
            _ => None,
        };
        problems.extend(problem);
        for (name, list) in nested(step, &here) {
            check_steps(list, &name, count, problems);
        }
    }
}

/// The step lists a step holds, with their places.
fn nested<'a>(step: &'a Step, here: &str) -> Vec<(String, &'a [Step])> {
    match step {
        Step::WaitFor { then, timeout, .. } => {
            vec![(format!("{here}.then"), then), (format!("{here}.timeout"), timeout)]
        }
        Step::Branch { then, otherwise, .. } => {
            vec![(format!("{here}.then"), then), (format!("{here}.otherwise"), otherwise)]
        }
        Step::Split { arms } => arms
            .iter()
            .enumerate()
            .map(|(a, arm)| (format!("{here}.arms[{a}].steps"), arm.steps.as_slice()))
            .collect(),
        _ => Vec::new(),
    }
}

fn check_split(arms: &[Arm], here: &str) -> Option<FilterError> {
    if arms.len() < 2 {
        return Some(refusal(
            &format!("{here}.arms"),
            "journey.splitArms",
            "a split needs at least two arms",
        ));
    }
    let total: u32 = arms.iter().map(|arm| arm.percent).sum();
    if total != 100 || arms.iter().any(|arm| arm.percent == 0) {
        let message = "each arm takes a share, and the shares add up to 100%";
        return Some(refusal(&format!("{here}.arms"), "journey.splitShares", message).with("total", total));
    }
    arms.iter().enumerate().find_map(|(a, arm)| {
        let name = arm.name.trim();
        let taken = arms[..a].iter().any(|other| other.name.trim() == name);
        (name.is_empty() || name.len() > 60 || taken).then(|| {
            let message = "each arm needs its own name of up to 60 characters";
            refusal(&format!("{here}.arms[{a}].name"), "journey.armName", message)
        })
    })
}

/// A refusal at `path`, with its key.
pub(super) fn refusal(path: &str, key: &'static str, message: &str) -> FilterError {
    FilterError {
        path: path.to_owned(),
        message: message.to_owned(),
        key,
        params: serde_json::Map::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wait(days: u32) -> Step {
        Step::Wait {
            days,
            hours: 0,
            at: None,
        }
    }

    #[test]
    fn a_flow_numbers_the_top_steps_first_and_joins_branches_to_the_step_after() {
        let definition = Definition {
            entry: Entry::Event {
                event: EntryEvent::Joined,
            },
            reentry_days: None,
            exit: Exit::default(),
            holdout_basis_points: 0,
            attribution_days: 30,
            steps: vec![
                wait(1),
                Step::Branch {
                    filter: Filter::BirthdayWithin(0),
                    then: vec![wait(2), wait(3)],
                    otherwise: vec![],
                },
                Step::Exit,
            ],
        };
        assert_eq!(problems(&definition), []);
        let flow = Flow::of(&definition);
        let next: Vec<Target> = flow.nodes.iter().map(|n| n.next).collect();
        assert_eq!(next, [Some(1), Some(2), None, Some(4), Some(2)]);
        let Action::Branch { then, otherwise, .. } = &flow.nodes[1].action else {
            panic!("step 1 is the branch");
        };
        assert_eq!(
            (*then, *otherwise),
            (Some(3), Some(2)),
            "an empty branch goes on after the branch"
        );
        assert_eq!(flow.nodes[4].path, "steps[1].then[1]");
    }

    #[test]
    fn promoting_an_arm_puts_its_steps_where_the_split_was() {
        let arm = |name: &str, days| Arm {
            name: name.to_owned(),
            percent: 50,
            steps: vec![wait(days)],
        };
        let mut steps = vec![
            wait(1),
            Step::Split {
                arms: vec![arm("A", 2), arm("B", 3)],
            },
            Step::Exit,
        ];
        assert!(!promote(&mut steps.clone(), "C"));
        assert!(promote(&mut steps, "B"));
        assert_eq!(steps, [wait(1), wait(3), Step::Exit]);
    }

    #[test]
    fn what_cannot_run_is_refused_at_its_place() {
        let mut definition: Definition = serde_json::from_value(serde_json::json!({
            "entry": {"type": "event", "event": "purchased"},
            "steps": [{"type": "split", "arms": [
                {"name": "A", "percent": 50, "steps": [{"type": "wait"}]},
                {"name": "B", "percent": 50}
            ]}]
        }))
        .unwrap();
        assert_eq!(definition.attribution_days, 30);
        let places = |definition: &Definition| -> Vec<(String, &'static str)> {
            problems(definition).into_iter().map(|p| (p.path, p.key)).collect()
        };
        assert_eq!(
            places(&definition),
            [("steps[0].arms[0].steps[0].days".to_owned(), "journey.emptyWait")]
        );
        definition.steps = vec![
            Step::Split { arms: vec![] },
            Step::WaitUntil { date: None },
            Step::Coupon { offer_id: None },
            Step::Wait {
                days: 0,
                hours: 0,
                at: None,
            },
        ];
        definition.reentry_days = Some(0);
        let every = [
            "reentryDays",
            "steps[0].arms",
            "steps[1].date",
            "steps[2].offerId",
            "steps[3].days",
        ];
        let found: Vec<String> = places(&definition).into_iter().map(|p| p.0).collect();
        assert_eq!(found, every.map(str::to_owned), "every problem at once");
        definition.steps = vec![];
        assert_eq!(places(&definition)[1].1, "journey.noSteps");
    }
}
