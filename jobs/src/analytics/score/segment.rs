//! Segments: the loyalty × value and value-curve quadrants, layers, and the drift flags.
use chrono::NaiveDate;

use super::purchase::summary;
use super::rank::value_of;
use super::{Layer, LoyaltyQuadrant, MemberScores, ValueQuadrant};
use crate::analytics::config::AnalyticsConfig;
use crate::analytics::facts::MemberFacts;

/// Twice the median of the values in `scratch` (the mean of the two middle values of an even
/// count is then their sum, exact in integers); `None` when there are none. O(n) by selection.
fn twice_median(scratch: &mut [(i64, u32)]) -> Option<i128> {
    let n = scratch.len();
    if n == 0 {
        return None;
    }
    let (below, middle, _) = scratch.select_nth_unstable_by_key(n / 2, |v| v.0);
    let upper = i128::from(middle.0);
    if n % 2 == 1 {
        return Some(2 * upper);
    }
    // n is even and at least 2, so `below` holds the lower middle value as its maximum.
    let lower = below.iter().map(|v| v.0).max()?;
    Some(i128::from(lower) + upper)
}

/// Twice the median of `key` over members with a purchase in the window.
fn median_over_active(
    facts: &[MemberFacts],
    scores: &[MemberScores],
    scratch: &mut Vec<(i64, u32)>,
    key: impl Fn(&MemberFacts, &MemberScores) -> i64,
) -> Option<i128> {
    scratch.clear();
    scratch.extend(
        facts
            .iter()
            .zip(scores)
            .filter(|(f, _)| f.frequency_365 >= 1)
            .map(|(f, s)| (key(f, s), 0)),
    );
    twice_median(scratch)
}

/// "High" is strictly above the median (see docs/concepts.md): a member exactly at it is low,
/// and with nobody to take a median over nobody is high.
fn is_high(twice_median: Option<i128>, value: i64) -> bool {
    twice_median.is_some_and(|m| 2 * i128::from(value) > m)
}

/// Fills quadrants, layer and `lapsed` for every member; needs the model fields filled first.
pub(super) fn apply(
    facts: &[MemberFacts],
    as_of: NaiveDate,
    config: &AnalyticsConfig,
    scores: &mut [MemberScores],
    scratch: &mut Vec<(i64, u32)>,
) {
    let loyalty = |f: &MemberFacts, _: &MemberScores| i64::from(f.frequency_365);
    let value = |f: &MemberFacts, _: &MemberScores| value_of(f, config.value_basis);
    let current = |f: &MemberFacts, _: &MemberScores| f.monetary_365_cents;
    // No model figure counts as no potential.
    let potential = |_: &MemberFacts, s: &MemberScores| s.expected_value_365_cents.unwrap_or(0);
    let loyalty_median = median_over_active(facts, scores, scratch, loyalty);
    let value_median = median_over_active(facts, scores, scratch, value);
    let current_median = median_over_active(facts, scores, scratch, current);
    let potential_median = median_over_active(facts, scores, scratch, potential);
    for (f, s) in facts.iter().zip(scores.iter_mut()) {
        s.loyalty_quadrant = LoyaltyQuadrant::from_high(
            is_high(loyalty_median, loyalty(f, s)),
            is_high(value_median, value(f, s)),
        );
        s.value_quadrant = ValueQuadrant::from_high(
            is_high(current_median, current(f, s)),
            is_high(potential_median, potential(f, s)),
        );
        s.layer = layer(f.purchase_days, s.recency_days, s.p_alive, config.loyal_p_alive);
        // (x, t_x) of the member's purchases; none for facts that contradict themselves.
        let (x, t_x) = summary(f, as_of).map_or((0, 0), |m| (m.x, m.t_x));
        s.lapsed = lapsed(s.recency_days, x, t_x, s.p_alive, config);
    }
}

/// Loyal: at least two purchase days and p_alive at or above the threshold (not without a
/// model). Potential: at most one purchase day, the last within 365 days, or none yet.
/// Floating: everyone else who bought.
pub(super) fn layer(purchase_days: u32, recency_days: Option<i64>, p_alive: Option<f64>, loyal_p_alive: f64) -> Layer {
    if purchase_days >= 2 && p_alive.is_some_and(|p| p >= loyal_p_alive) {
        Layer::Loyal
    } else if purchase_days <= 1 && recency_days.is_none_or(|r| r <= 365) {
        Layer::Potential
    } else {
        Layer::Floating
    }
}

/// Purchase days in the last 90 fell below half the member's quarterly average over the 365
/// days before them: average = prior × 90/365 > 0 and last_90 < average / 2, i.e. in integers
/// (no float edge at the boundary) 730 × last_90 < 90 × prior.
pub(super) fn declining(f: &MemberFacts) -> bool {
    f.days_prior_365 > 0 && 730 * u64::from(f.days_last_90) < 90 * u64::from(f.days_prior_365)
}

/// Lapsed, for members who bought: p_alive below the threshold, or recency beyond
/// max(`lapsed_min_days`, 2 × the mean gap between purchase days), the gap being t_x / x (no
/// gap yet when x = 0).
pub(super) fn lapsed(
    recency_days: Option<i64>,
    x: u32,
    t_x: u32,
    p_alive: Option<f64>,
    config: &AnalyticsConfig,
) -> bool {
    let Some(recency) = recency_days else {
        return false;
    };
    let unlikely_alive = p_alive.is_some_and(|p| p < config.lapsed_p_alive);
    // recency > max(min, 2 t_x / x) ⇔ recency > min and recency × x > 2 t_x (exact in integers).
    let overdue =
        recency > config.lapsed_min_days && (x == 0 || i128::from(recency) * i128::from(x) > 2 * i128::from(t_x));
    unlikely_alive || overdue
}

#[cfg(test)]
mod tests {
    use super::super::own_figures;
    use super::super::test_support::{day, never_bought};
    use super::*;
    use crate::analytics::config::ValueBasis;

    const AS_OF: &str = "2025-06-30";

    /// A member active in the window with this frequency, spend and profit (last purchase
    /// 2025-06-01, so recency 29), and `potential` as the model's expected value.
    fn member(frequency: u32, spend: i64, profit: i64, potential: Option<i64>) -> (MemberFacts, Option<i64>) {
        let f = MemberFacts {
            frequency_365: frequency,
            monetary_365_cents: spend,
            profit_365_cents: profit,
            purchase_days: frequency,
            first_purchase: (frequency > 0).then(|| day("2025-01-01")),
            last_purchase: (frequency > 0).then(|| day("2025-06-01")),
            ..never_bought(0)
        };
        (f, potential)
    }

    fn segmented(members: &[(MemberFacts, Option<i64>)], config: &AnalyticsConfig) -> Vec<MemberScores> {
        let as_of = day(AS_OF);
        let facts: Vec<MemberFacts> = members.iter().map(|m| m.0.clone()).collect();
        let mut scores: Vec<MemberScores> = members
            .iter()
            .map(|(f, potential)| MemberScores {
                expected_value_365_cents: *potential,
                ..own_figures(f, as_of, config)
            })
            .collect();
        apply(&facts, as_of, config, &mut scores, &mut Vec::new());
        scores
    }

    #[test]
    fn loyalty_quadrants_use_the_strict_median() {
        // Active frequencies [1, 2, 3]: median 2; spends [300, 200, 100]: median 200.
        // The member at 2 / 200 sits exactly on both medians: low on both, a stranger.
        // The member without a purchase in the window is low on both too.
        let members = [
            member(1, 300, 0, None),
            member(2, 200, 0, None),
            member(3, 100, 0, None),
            member(0, 0, 0, None),
        ];
        let quadrants: Vec<_> = segmented(&members, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.loyalty_quadrant)
            .collect();
        use LoyaltyQuadrant::*;
        assert_eq!(quadrants, [Butterfly, Stranger, Barnacle, Stranger]);
    }

    #[test]
    fn even_count_median_is_the_mean_of_the_middle_two() {
        // Frequencies [1, 2, 4, 5]: median (2 + 4) / 2 = 3 → 4 and 5 high, 2 low.
        // Spends [10, 20, 21, 40]: median 20.5 → 21 and 40 high, 20 low.
        let members = [
            member(2, 21, 0, None),
            member(4, 20, 0, None),
            member(1, 10, 0, None),
            member(5, 40, 0, None),
        ];
        let quadrants: Vec<_> = segmented(&members, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.loyalty_quadrant)
            .collect();
        use LoyaltyQuadrant::*;
        assert_eq!(quadrants, [Butterfly, Barnacle, Stranger, TrueFriend]);
    }

    #[test]
    fn value_axis_can_be_profit() {
        // Spends [100, 200, 300] (median 200), profits [90, 10, 50] (median 50); frequencies
        // equal, so nobody is high on loyalty. By spend only the 300 member is high; by profit
        // only the member with profit 90.
        let members = [
            member(1, 100, 90, None),
            member(1, 200, 10, None),
            member(1, 300, 50, None),
        ];
        let by_spend: Vec<_> = segmented(&members, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.loyalty_quadrant)
            .collect();
        use LoyaltyQuadrant::*;
        assert_eq!(by_spend, [Stranger, Stranger, Butterfly]);
        let config = AnalyticsConfig {
            value_basis: ValueBasis::Profit,
            ..AnalyticsConfig::default()
        };
        let by_profit: Vec<_> = segmented(&members, &config)
            .iter()
            .map(|s| s.loyalty_quadrant)
            .collect();
        assert_eq!(by_profit, [Butterfly, Stranger, Stranger]);
    }

    #[test]
    fn value_curve_quadrants() {
        // Current (spend) [100, 200, 300, 400]: median 250. Potential [None → 0, 50, 50, 500]:
        // median (50 + 50) / 2 = 50, so 50 is low. Only active members count for the medians;
        // the inactive member's potential 60 is above 50: a question mark.
        let members = [
            member(1, 100, 0, None),
            member(1, 200, 0, Some(50)),
            member(1, 300, 0, Some(50)),
            member(1, 400, 0, Some(500)),
            member(0, 0, 0, Some(60)),
        ];
        let quadrants: Vec<_> = segmented(&members, &AnalyticsConfig::default())
            .iter()
            .map(|s| s.value_quadrant)
            .collect();
        use ValueQuadrant::*;
        assert_eq!(quadrants, [Dog, Dog, CashCow, Star, QuestionMark]);
    }

    #[test]
    fn nobody_is_high_when_nobody_bought_in_the_window() {
        let members = [member(0, 0, 0, Some(1_000)), member(0, 0, 0, None)];
        for s in segmented(&members, &AnalyticsConfig::default()) {
            assert_eq!(
                (s.loyalty_quadrant, s.value_quadrant),
                (LoyaltyQuadrant::Stranger, ValueQuadrant::Dog)
            );
        }
    }

    #[test]
    fn twice_median_of_odd_even_and_empty() {
        let mut odd = [(5, 0), (1, 0), (3, 0)];
        assert_eq!(twice_median(&mut odd), Some(6));
        let mut even = [(7, 0), (1, 0), (4, 0), (2, 0)];
        assert_eq!(twice_median(&mut even), Some(6), "(2 + 4) / 2 = 3");
        assert_eq!(twice_median(&mut []), None);
    }

    #[test]
    fn layers() {
        let cases = [
            (2, Some(10), Some(0.5), Layer::Loyal, "two days, p_alive exactly at 0.5"),
            (2, Some(10), Some(0.49), Layer::Floating, "two days, p_alive just below"),
            (5, Some(10), None, Layer::Floating, "no model: not loyal"),
            (1, Some(365), Some(1.0), Layer::Potential, "one day, 365 days ago"),
            (1, Some(366), Some(1.0), Layer::Floating, "one day, 366 days ago"),
            (0, None, None, Layer::Potential, "never bought"),
        ];
        for (days, recency, p_alive, expected, why) in cases {
            assert_eq!(layer(days, recency, p_alive, 0.5), expected, "{why}");
        }
    }

    #[test]
    fn declining_boundaries() {
        let flag = |prior, last_90| {
            declining(&MemberFacts {
                days_prior_365: prior,
                days_last_90: last_90,
                ..MemberFacts::default()
            })
        };
        // 73 prior days: quarterly average 73 × 90 / 365 = 18, half of it 9.
        assert!(flag(73, 8), "8 < 9");
        assert!(!flag(73, 9), "9 is not below 9");
        // 4 prior days: average 0.986…, half 0.493…: only 0 is below.
        assert!(flag(4, 0));
        assert!(!flag(4, 1));
        // Nothing before: no average to fall below.
        assert!(!flag(0, 0));
    }

    #[test]
    fn lapsed_boundaries() {
        let config = AnalyticsConfig::default();
        let lapsed = |recency, x, t_x, p_alive| lapsed(Some(recency), x, t_x, p_alive, &config);
        // x = 2 over 100 days: gap 50, 2 × gap = 100 > 90 → the limit is 100.
        assert!(!lapsed(100, 2, 100, Some(0.9)));
        assert!(lapsed(101, 2, 100, Some(0.9)));
        // x = 4 over 100 days: gap 25, 2 × gap = 50 < 90 → the limit is 90.
        assert!(!lapsed(90, 4, 100, Some(0.9)));
        assert!(lapsed(91, 4, 100, Some(0.9)));
        // One purchase (x = 0): 90 days alone; p_alive is 1 then.
        assert!(!lapsed(90, 0, 0, Some(1.0)));
        assert!(lapsed(91, 0, 0, Some(1.0)));
        // p_alive below 0.3 lapses a recent buyer; at 0.3 it does not.
        assert!(lapsed(1, 3, 30, Some(0.29)));
        assert!(!lapsed(1, 3, 30, Some(0.3)));
        // Without a model only recency counts.
        assert!(!lapsed(30, 3, 30, None));
        // Never bought: never lapsed.
        assert!(!super::lapsed(None, 0, 0, None, &config));
    }
}
