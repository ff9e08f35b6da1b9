//! Tier qualification by thresholds, and the grace period before a downgrade.
use chrono::NaiveDate;

use super::TierChange;
use crate::analytics::config::TierPolicy;
use crate::analytics::facts::{MemberFacts, Tier, TierState};

/// The tier `f` qualifies for under a `Thresholds` policy, evaluated top-down (the percentile
/// policy ranks members against each other instead; see `rank::percentile_tiers`).
pub(super) fn qualify_by_thresholds(f: &MemberFacts, policy: &TierPolicy) -> Tier {
    policy.qualify(f.monetary_365_cents, f.frequency_365)
}

/// The tier state after this run, and the change to record, if any. Upgrades apply at once; a
/// downgrade only once the member has qualified below their tier for `grace_days` (counted from
/// `below_since`, the first run that found them below), and then to the tier they qualify for.
pub(super) fn next_state(
    previous: Option<TierState>,
    qualified: Tier,
    as_of: NaiveDate,
    grace_days: i64,
) -> (TierState, Option<TierChange>) {
    let settled = |tier| TierState {
        tier,
        below_since: None,
    };
    let Some(previous) = previous else {
        let change = TierChange {
            old: None,
            new: qualified,
            reason: "first run".to_owned(),
        };
        return (settled(qualified), Some(change));
    };
    let current = previous.tier;
    // `Tier` orders A < B < C < D: smaller is better.
    if qualified < current {
        let change = TierChange {
            old: Some(current),
            new: qualified,
            reason: format!("upgrade: qualifies for {}", qualified.as_str()),
        };
        return (settled(qualified), Some(change));
    }
    if qualified == current {
        return (settled(current), None);
    }
    let below_since = previous.below_since.unwrap_or(as_of);
    let days_below = (as_of - below_since).num_days();
    if days_below >= grace_days {
        let change = TierChange {
            old: Some(current),
            new: qualified,
            reason: format!("downgrade after {days_below} days below {}", current.as_str()),
        };
        (settled(qualified), Some(change))
    } else {
        let kept = TierState {
            tier: current,
            below_since: Some(below_since),
        };
        (kept, None)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{buyer, day};
    use super::*;

    fn state(tier: Tier, below_since: Option<&str>) -> Option<TierState> {
        Some(TierState {
            tier,
            below_since: below_since.map(day),
        })
    }

    #[test]
    fn thresholds_hold_at_exact_boundaries() {
        // Default policy: A ≥ 10 000.00 and ≥ 6 days, B ≥ 3 000.00 and ≥ 3 days, C ≥ 1 day.
        let policy = crate::analytics::config::AnalyticsConfig::default().tier_policy;
        let cases = [
            (1_000_000, 6, Tier::A, "both A thresholds met exactly"),
            (999_999, 6, Tier::B, "one cent short of A spend"),
            (1_000_000, 5, Tier::B, "one day short of A frequency"),
            (300_000, 3, Tier::B, "both B thresholds met exactly"),
            (299_999, 10, Tier::C, "one cent short of B spend"),
            (5_000_000, 2, Tier::C, "one day short of B frequency"),
            (1, 1, Tier::C, "a single purchase day"),
            (0, 0, Tier::D, "no purchase in the window"),
        ];
        for (spend, frequency, expected, why) in cases {
            let f = MemberFacts {
                monetary_365_cents: spend,
                frequency_365: frequency,
                ..buyer(1, "2025-01-01", frequency.max(1))
            };
            assert_eq!(qualify_by_thresholds(&f, &policy), expected, "{why}");
        }
    }

    #[test]
    fn first_run_takes_the_qualified_tier() {
        let (state, change) = next_state(None, Tier::B, day("2025-06-30"), 30);
        assert_eq!(
            state,
            TierState {
                tier: Tier::B,
                below_since: None
            }
        );
        let change = change.unwrap();
        assert_eq!(
            (change.old, change.new, change.reason.as_str()),
            (None, Tier::B, "first run")
        );
    }

    #[test]
    fn downgrade_waits_for_the_grace_period() {
        let as_of = day("2025-06-30");
        // Below B since 2025-06-01: 29 days, one short of the 30-day grace → kept, clock kept.
        let (kept, change) = next_state(state(Tier::B, Some("2025-06-01")), Tier::C, as_of, 30);
        assert_eq!(
            kept,
            TierState {
                tier: Tier::B,
                below_since: Some(day("2025-06-01"))
            }
        );
        assert_eq!(change, None);
        // Since 2025-05-31: 30 days → downgraded to the tier qualified for (D, not just one step).
        let (down, change) = next_state(state(Tier::B, Some("2025-05-31")), Tier::D, as_of, 30);
        assert_eq!(
            down,
            TierState {
                tier: Tier::D,
                below_since: None
            }
        );
        let change = change.unwrap();
        assert_eq!(
            (change.old, change.new, change.reason.as_str()),
            (Some(Tier::B), Tier::D, "downgrade after 30 days below B")
        );
    }

    #[test]
    fn first_day_below_starts_the_clock() {
        let as_of = day("2025-06-30");
        let (kept, change) = next_state(state(Tier::A, None), Tier::B, as_of, 30);
        assert_eq!(
            kept,
            TierState {
                tier: Tier::A,
                below_since: Some(as_of)
            }
        );
        assert_eq!(change, None);
        // With no grace at all the first day below is already enough.
        let (down, _) = next_state(state(Tier::A, None), Tier::B, as_of, 0);
        assert_eq!(
            down,
            TierState {
                tier: Tier::B,
                below_since: None
            }
        );
    }

    #[test]
    fn qualifying_again_during_grace_resets_the_clock() {
        let as_of = day("2025-06-30");
        // Back at their own tier: kept, clock cleared, nothing to record.
        let (same, change) = next_state(state(Tier::B, Some("2025-06-10")), Tier::B, as_of, 30);
        assert_eq!(
            same,
            TierState {
                tier: Tier::B,
                below_since: None
            }
        );
        assert_eq!(change, None);
        // Above it: upgraded at once, clock cleared.
        let (up, change) = next_state(state(Tier::B, Some("2025-06-10")), Tier::A, as_of, 30);
        assert_eq!(
            up,
            TierState {
                tier: Tier::A,
                below_since: None
            }
        );
        let change = change.unwrap();
        assert_eq!(
            (change.old, change.new, change.reason.as_str()),
            (Some(Tier::B), Tier::A, "upgrade: qualifies for A")
        );
    }
}
