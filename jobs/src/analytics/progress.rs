//! A member's progress by the tier rules (thresholds mode; see docs/concepts.md), for the
//! member's own app: which tier today's 365-day window qualifies for, until when it still does
//! without another purchase (purchase days leave the window one by one), and what spend and
//! visits reach the next tier, valid until the window first loses a day.
use chrono::{Duration, NaiveDate};

use super::config::TierPolicy;
use super::facts::Tier;

/// One purchase day in the window: its date and the net spend of its orders (cents).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Day {
    pub date: NaiveDate,
    pub net_cents: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Progress {
    pub spend_cents: i64,
    pub visits: u32,
    /// The tier the window qualifies for today: `A` to `D`.
    pub qualifies_for: Tier,
    /// The last day it still qualifies for that tier if nothing more is bought (`None` for D,
    /// which needs nothing).
    pub qualifies_until: Option<NaiveDate>,
    pub next: Option<Goal>,
}

/// What reaching the next tier takes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Goal {
    pub tier: Tier,
    pub spend_cents: i64,
    pub visits: u32,
    /// Until this day the figures hold; after it the window loses a purchase day and more is
    /// needed (`None`: nothing to lose).
    pub by: Option<NaiveDate>,
}

/// What `tier` takes; `progress` is only asked under `Thresholds`, where every tier has one.
fn thresholds(policy: &TierPolicy, tier: Tier) -> (i64, u32) {
    policy.threshold(tier).unwrap_or((0, 0))
}

/// Progress as of `today` from the purchase days in (today − 365, today]; `None` in percentile
/// mode, where a tier depends on everyone else.
pub fn progress(policy: &TierPolicy, days: &[Day], today: NaiveDate) -> Option<Progress> {
    if matches!(policy, TierPolicy::Percentile { .. }) {
        return None;
    }
    let mut window: Vec<Day> = days
        .iter()
        .copied()
        .filter(|d| d.date > today - Duration::days(365) && d.date <= today && d.net_cents > 0)
        .collect();
    window.sort_by_key(|d| d.date);
    let spend: i64 = window.iter().map(|d| d.net_cents).sum();
    let visits = u32::try_from(window.len()).unwrap_or(u32::MAX);
    let tier = policy.qualify(spend, visits);
    // A day bought on d is in the window through d + 364.
    let leaves = |day: &Day| day.date + Duration::days(365);
    let qualifies_until = (tier != Tier::D).then(|| {
        let (min_spend, min_visits) = thresholds(policy, tier);
        let (mut spend, mut visits) = (spend, visits);
        for day in &window {
            spend -= day.net_cents;
            visits -= 1;
            if spend < min_spend || visits < min_visits {
                return leaves(day) - Duration::days(1);
            }
        }
        today
    });
    let next = Tier::ALL.iter().position(|t| *t == tier).filter(|i| *i > 0).map(|i| {
        let goal = Tier::ALL[i - 1];
        let (min_spend, min_visits) = thresholds(policy, goal);
        Goal {
            tier: goal,
            spend_cents: (min_spend - spend).max(0),
            visits: min_visits.saturating_sub(visits),
            by: window.first().map(|day| leaves(day) - Duration::days(1)),
        }
    });
    Some(Progress {
        spend_cents: spend,
        visits,
        qualifies_for: tier,
        qualifies_until,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> TierPolicy {
        TierPolicy::Thresholds {
            a_spend_cents: 1_000_000,
            a_frequency: 6,
            b_spend_cents: 300_000,
            b_frequency: 3,
        }
    }

    fn day(date: &str, yuan: i64) -> Day {
        Day {
            date: date.parse().unwrap(),
            net_cents: yuan * 100,
        }
    }

    fn date(text: &str) -> NaiveDate {
        text.parse().unwrap()
    }

    #[test]
    fn a_b_member_keeps_b_until_its_third_day_leaves_and_is_told_what_a_takes() {
        let today = date("2026-11-30");
        // 4 days, 4,000 in all; B needs 3,000 and 3 days.
        let days = [
            day("2026-01-10", 500),
            day("2026-03-01", 1500),
            day("2026-06-15", 1000),
            day("2026-11-01", 1000),
        ];
        let p = progress(&policy(), &days, today).unwrap();
        assert_eq!((p.spend_cents, p.visits, p.qualifies_for), (400_000, 4, Tier::B));
        // 10 January leaves on 10 January 2027 (3,500, 3 days: still B); 1 March leaves on
        // 1 March 2027 (2,000: no longer B), so B holds through 28 February 2027.
        assert_eq!(p.qualifies_until, Some(date("2027-02-28")));
        let next = p.next.unwrap();
        assert_eq!((next.tier, next.spend_cents, next.visits), (Tier::A, 600_000, 2));
        assert_eq!(next.by, Some(date("2027-01-09")));
    }

    #[test]
    fn the_window_is_the_last_365_days_and_returns_net_out() {
        let today = date("2026-11-30");
        // 30 November 2025 is outside (today − 365); a fully returned day does not count.
        let days = [day("2025-11-30", 9000), day("2025-12-01", 100), day("2026-05-05", 0)];
        let p = progress(&policy(), &days, today).unwrap();
        assert_eq!((p.spend_cents, p.visits, p.qualifies_for), (10_000, 1, Tier::C));
        assert_eq!(
            p.qualifies_until,
            Some(date("2026-11-30")),
            "1 December 2025 leaves tomorrow"
        );
        let next = p.next.unwrap();
        assert_eq!((next.tier, next.spend_cents, next.visits), (Tier::B, 290_000, 2));
    }

    #[test]
    fn nobody_needs_anything_for_d_and_percentile_mode_has_no_rules_to_show() {
        let p = progress(&policy(), &[], date("2026-11-30")).unwrap();
        assert_eq!((p.qualifies_for, p.qualifies_until), (Tier::D, None));
        assert_eq!(
            p.next.unwrap(),
            Goal {
                tier: Tier::C,
                spend_cents: 0,
                visits: 1,
                by: None
            }
        );
        let percentile = TierPolicy::Percentile {
            a_share: 0.2,
            b_share: 0.3,
        };
        assert_eq!(progress(&percentile, &[], date("2026-11-30")), None);
    }
}
