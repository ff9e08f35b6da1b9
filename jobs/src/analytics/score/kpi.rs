//! Brand KPIs and the run summary's counts.
use std::collections::BTreeMap;

use chrono::NaiveDate;

use super::purchase::Fits;
use super::{Kpis, Layer, LoyaltyQuadrant, MemberScores, RunSummary, ValueQuadrant};
use crate::analytics::facts::{MemberFacts, Tier};

/// In `Tier`'s declaration order, so `tier as usize` indexes it.
const TIERS: [Tier; 4] = [Tier::A, Tier::B, Tier::C, Tier::D];

/// `part / whole`, 0 when there is no whole.
fn share(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The brand KPIs (see docs/concepts.md), as fractions.
pub(super) fn kpis(facts: &[MemberFacts], as_of: NaiveDate, scratch: &mut Vec<(i64, u32)>) -> Kpis {
    let (mut active, mut repeat) = (0, 0);
    let (mut previously_active, mut churned) = (0, 0);
    let (mut joined, mut referred) = (0, 0);
    scratch.clear();
    for f in facts {
        if f.frequency_365 >= 1 {
            active += 1;
            repeat += u64::from(f.frequency_365 >= 2);
            scratch.push((f.monetary_365_cents, 0));
        }
        if f.frequency_prev_365 >= 1 {
            previously_active += 1;
            churned += u64::from(f.frequency_365 == 0);
        }
        // Joined in the window (D−365, D].
        if (0..365).contains(&(as_of - f.joined_on).num_days()) {
            joined += 1;
            referred += u64::from(f.referred);
        }
    }
    let total: i128 = scratch.iter().map(|v| i128::from(v.0)).sum();
    // The top ceil(20 %) of active members by window spend, by selection rather than a sort.
    let top_n = scratch.len().div_ceil(5);
    let top: i128 = if top_n == 0 {
        0
    } else {
        let (above, nth, _) = scratch.select_nth_unstable_by(top_n - 1, |a, b| b.0.cmp(&a.0));
        above.iter().map(|v| i128::from(v.0)).sum::<i128>() + i128::from(nth.0)
    };
    Kpis {
        active_members: active,
        repurchase_rate: share(repeat, active),
        churn_rate: share(churned, previously_active),
        referral_rate: share(referred, joined),
        top20_revenue_share: if total == 0 { 0.0 } else { top as f64 / total as f64 },
    }
}

/// The run summary: counts per tier, tier move, quadrant and layer, plus the fits and KPIs.
/// Every tier, quadrant and layer has a key (0 if empty); the migration matrix only holds moves
/// that happened.
pub(super) fn summarise(
    facts: &[MemberFacts],
    scores: &[MemberScores],
    as_of: NaiveDate,
    fits: Fits,
    scratch: &mut Vec<(i64, u32)>,
) -> RunSummary {
    let mut tiers = [0u64; 4];
    // Rows: previous tier A–D, then "none".
    let mut migration = [[0u64; 4]; 5];
    let mut loyalty = [0u64; 4];
    let mut value = [0u64; 4];
    let mut layers = [0u64; 3];
    let (mut declining, mut lapsed) = (0, 0);
    for (f, s) in facts.iter().zip(scores) {
        let tier = s.state.tier as usize;
        tiers[tier] += 1;
        migration[f.previous.map_or(4, |p| p.tier as usize)][tier] += 1;
        loyalty[s.loyalty_quadrant as usize] += 1;
        value[s.value_quadrant as usize] += 1;
        layers[s.layer as usize] += 1;
        declining += u64::from(s.declining);
        lapsed += u64::from(s.lapsed);
    }
    let tier_key = |i: usize| TIERS[i].as_str().to_owned();
    let mut tier_migration: BTreeMap<String, BTreeMap<String, u64>> = BTreeMap::new();
    for (from, row) in migration.iter().enumerate() {
        let moves: BTreeMap<String, u64> = (0..4)
            .filter(|&to| row[to] > 0)
            .map(|to| (tier_key(to), row[to]))
            .collect();
        if !moves.is_empty() {
            let from = if from == 4 { "none".to_owned() } else { tier_key(from) };
            tier_migration.insert(from, moves);
        }
    }
    RunSummary {
        members: facts.len() as u64,
        bgnbd: fits.bgnbd,
        gamma_gamma: fits.gamma_gamma,
        kpis: kpis(facts, as_of, scratch),
        tier_distribution: (0..4).map(|i| (tier_key(i), tiers[i])).collect(),
        tier_migration,
        loyalty_quadrants: LoyaltyQuadrant::ALL
            .iter()
            .map(|&q| (q.as_str().to_owned(), loyalty[q as usize]))
            .collect(),
        value_quadrants: ValueQuadrant::ALL
            .iter()
            .map(|&q| (q.as_str().to_owned(), value[q as usize]))
            .collect(),
        layers: Layer::ALL
            .iter()
            .map(|&l| (l.as_str().to_owned(), layers[l as usize]))
            .collect(),
        declining,
        lapsed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::score;
    use super::super::test_support::{buyer, day, never_bought};
    use super::*;
    use crate::analytics::config::AnalyticsConfig;
    use crate::analytics::facts::TierState;

    const AS_OF: &str = "2025-06-30";

    fn window(frequency: u32, spend: i64, frequency_prev: u32) -> MemberFacts {
        MemberFacts {
            frequency_365: frequency,
            monetary_365_cents: spend,
            frequency_prev_365: frequency_prev,
            ..never_bought(0)
        }
    }

    #[test]
    fn repurchase_churn_and_top20_share() {
        // Active (frequency ≥ 1): 6 members, of whom 3 have ≥ 2 days → repurchase 3/6 = 0.5.
        // Previously active: members 0, 1, 6, 7 → of them 6 and 7 bought nothing now → churn 2/4.
        // Top ceil(0.2 × 6) = 2 active by spend: 500 + 300 = 800 of 1 000 → 0.8 (the 300 tie
        // counts once: only two members are taken).
        let facts = [
            window(1, 500, 1),
            window(2, 300, 3),
            window(3, 100, 0),
            window(1, 40, 0),
            window(4, 300, 0),
            window(1, -240, 0),
            window(0, 0, 2),
            window(0, 0, 1),
            window(0, 0, 0),
        ];
        let kpis = kpis(&facts, day(AS_OF), &mut Vec::new());
        assert_eq!(kpis.active_members, 6);
        assert_eq!(kpis.repurchase_rate, 0.5);
        assert_eq!(kpis.churn_rate, 0.5);
        assert_eq!(kpis.top20_revenue_share, 0.8);
    }

    #[test]
    fn top20_rounds_the_member_count_up() {
        // 11 active: ceil(2.2) = 3 members → 10 + 9 + 8 = 27 of Σ 1..=10 + 0 = 55.
        let facts: Vec<_> = (0..=10).map(|m| window(1, m, 0)).collect();
        let kpis = kpis(&facts, day(AS_OF), &mut Vec::new());
        assert_eq!(kpis.top20_revenue_share, 27.0 / 55.0);
    }

    #[test]
    fn referral_rate_counts_members_who_joined_in_the_window() {
        // Window (2024-06-30, 2025-06-30]: joined 2024-07-01 (in, referred), 2025-06-30 (in),
        // 2025-01-15 (in, referred); 2024-06-30 is 365 days back: out, referred or not.
        // → 2 referred of 3 joined.
        let joined = |on: &str, referred: bool| MemberFacts {
            joined_on: day(on),
            referred,
            ..never_bought(0)
        };
        let facts = [
            joined("2024-07-01", true),
            joined("2025-06-30", false),
            joined("2025-01-15", true),
            joined("2024-06-30", true),
        ];
        let kpis = kpis(&facts, day(AS_OF), &mut Vec::new());
        assert_eq!(kpis.referral_rate, 2.0 / 3.0);
    }

    #[test]
    fn kpis_are_zero_without_denominators() {
        assert_eq!(kpis(&[], day(AS_OF), &mut Vec::new()), Kpis::default());
        // Nobody active, previously active or new (joined 2020): all shares 0.
        assert_eq!(kpis(&[never_bought(1)], day(AS_OF), &mut Vec::new()), Kpis::default());
    }

    #[test]
    fn summary_counts_and_migration_matrix() {
        let as_of = day(AS_OF);
        let previous = |tier, below_since: Option<&str>| {
            Some(TierState {
                tier,
                below_since: below_since.map(day),
            })
        };
        // Default thresholds. Qualified tiers and the resulting moves:
        //   0: first run, qualifies C                      → none → C
        //   1: first run, never bought: D                  → none → D
        //   2: was B, qualifies A (upgrade)                → B → A
        //   3: was B, qualifies C for 10 days (kept)       → B → B
        //   4: was B, qualifies D for 30 days (downgrade)  → B → D
        //   5: was C, qualifies C                          → C → C
        let a_member = MemberFacts {
            frequency_365: 6,
            monetary_365_cents: 1_000_000,
            ..buyer(2, "2025-01-01", 6)
        };
        let c_member = |id| MemberFacts {
            frequency_365: 1,
            monetary_365_cents: 1_000,
            ..buyer(id, "2025-06-01", 1)
        };
        let facts = [
            c_member(0),
            never_bought(1),
            MemberFacts {
                previous: previous(Tier::B, None),
                ..a_member
            },
            MemberFacts {
                previous: previous(Tier::B, Some("2025-06-20")),
                ..c_member(3)
            },
            MemberFacts {
                previous: previous(Tier::B, Some("2025-05-31")),
                ..never_bought(4)
            },
            MemberFacts {
                previous: previous(Tier::C, None),
                ..c_member(5)
            },
        ];
        let (scores, summary) = score(&facts, as_of, &AnalyticsConfig::default()).unwrap();
        let tiers: Vec<_> = scores.iter().map(|s| s.state.tier).collect();
        assert_eq!(tiers, [Tier::C, Tier::D, Tier::A, Tier::B, Tier::D, Tier::C]);

        let counts = |pairs: &[(&str, u64)]| -> BTreeMap<String, u64> {
            pairs.iter().map(|&(k, v)| (k.to_owned(), v)).collect()
        };
        assert_eq!(summary.members, 6);
        assert_eq!(
            summary.tier_distribution,
            counts(&[("A", 1), ("B", 1), ("C", 2), ("D", 2)])
        );
        let migration: BTreeMap<String, BTreeMap<String, u64>> = [
            ("B", counts(&[("A", 1), ("B", 1), ("D", 1)])),
            ("C", counts(&[("C", 1)])),
            ("none", counts(&[("C", 1), ("D", 1)])),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(summary.tier_migration, migration);
        // Every quadrant and layer has a key, and each map counts every member once.
        for map in [&summary.loyalty_quadrants, &summary.value_quadrants] {
            assert_eq!(map.len(), 4);
            assert_eq!(map.values().sum::<u64>(), 6);
        }
        assert_eq!(summary.layers.len(), 3);
        assert_eq!(summary.layers.values().sum::<u64>(), 6);
        // Active frequencies [1, 6, 1, 1]: median 1, only the A member is high on loyalty; its
        // spend 10 000.00 is the only one above the spend median 10.00: a true friend.
        assert_eq!(summary.loyalty_quadrants["true_friend"], 1);
        assert_eq!(summary.loyalty_quadrants["stranger"], 5);
    }
}
