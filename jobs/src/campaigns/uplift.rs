//! What a campaign earned against its control group (see docs/concepts.md): revenue per member of
//! the sent and held-out groups, the uplift, the incremental revenue with a 95% interval from
//! Welch's standard error, and the same figures adjusted with CUPED.
//!
//! These are statistical estimates over each member's net spend in cents, so they are computed
//! in `f64`; revenue totals (book amounts) are summed exactly in SQL and never pass through here.
use serde::Serialize;

/// The two-sided 95% quantile of the normal distribution. The interval is a large-sample one:
/// with a few dozen members per group or more, Welch's t quantile is within 2% of it.
const Z_95: f64 = 1.959_964;

/// One member of an occurrence: net spend in the attribution window (Y) and expected value at
/// the snapshot (X, the CUPED covariate; 0 for a member never scored).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outcome {
    pub held_out: bool,
    pub spend: f64,
    pub expected: f64,
}

/// Revenue per member of each group and the difference, with its interval.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Estimate {
    pub sent_mean: f64,
    pub held_out_mean: f64,
    /// mean(Y | sent) − mean(Y | held out).
    pub uplift: f64,
    pub standard_error: f64,
    /// uplift × the number sent, and its 95% interval.
    pub incremental: f64,
    pub incremental_low: f64,
    pub incremental_high: f64,
}

/// Both estimates; `None` when either group has fewer than two members (no variance).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Uplift {
    pub raw: Estimate,
    /// Y' = Y − θ (X − mean X), θ = cov(X, Y) / var(X) over both groups.
    pub cuped: Estimate,
    pub theta: f64,
}

/// Two shares (buyers among members, say) and their difference with its 95% interval (the normal
/// approximation, as for the uplift).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct ShareDifference {
    pub treated: f64,
    pub held_out: f64,
    pub difference: f64,
    pub low: f64,
    pub high: f64,
}

/// `None` when either group has fewer than two members.
pub fn share_difference(treated: (i64, i64), held_out: (i64, i64)) -> Option<ShareDifference> {
    let ((hits_a, n_a), (hits_b, n_b)) = (treated, held_out);
    if n_a < 2 || n_b < 2 {
        return None;
    }
    let (p_a, p_b) = (hits_a as f64 / n_a as f64, hits_b as f64 / n_b as f64);
    let standard_error = (p_a * (1.0 - p_a) / n_a as f64 + p_b * (1.0 - p_b) / n_b as f64).sqrt();
    let difference = p_a - p_b;
    Some(ShareDifference {
        treated: p_a,
        held_out: p_b,
        difference,
        low: difference - Z_95 * standard_error,
        high: difference + Z_95 * standard_error,
    })
}

pub fn uplift(outcomes: &[Outcome]) -> Option<Uplift> {
    let theta = theta(outcomes);
    let mean_x = mean(outcomes.iter().map(|o| o.expected));
    let raw = estimate(outcomes, |o| o.spend)?;
    let cuped = estimate(outcomes, |o| o.spend - theta * (o.expected - mean_x))?;
    Some(Uplift { raw, cuped, theta })
}

fn estimate(outcomes: &[Outcome], y: impl Fn(&Outcome) -> f64) -> Option<Estimate> {
    let group = |held_out: bool| -> Vec<f64> { outcomes.iter().filter(|o| o.held_out == held_out).map(&y).collect() };
    let (sent, held) = (group(false), group(true));
    if sent.len() < 2 || held.len() < 2 {
        return None;
    }
    let (sent_mean, held_out_mean) = (mean(sent.iter().copied()), mean(held.iter().copied()));
    let standard_error = (variance(&sent) / sent.len() as f64 + variance(&held) / held.len() as f64).sqrt();
    let uplift = sent_mean - held_out_mean;
    let n = sent.len() as f64;
    Some(Estimate {
        sent_mean,
        held_out_mean,
        uplift,
        standard_error,
        incremental: uplift * n,
        incremental_low: (uplift - Z_95 * standard_error) * n,
        incremental_high: (uplift + Z_95 * standard_error) * n,
    })
}

/// cov(X, Y) / var(X) over everyone; 0 when X does not vary (no adjustment).
fn theta(outcomes: &[Outcome]) -> f64 {
    let mean_x = mean(outcomes.iter().map(|o| o.expected));
    let mean_y = mean(outcomes.iter().map(|o| o.spend));
    let (mut cov, mut var) = (0.0, 0.0);
    for o in outcomes {
        cov += (o.expected - mean_x) * (o.spend - mean_y);
        var += (o.expected - mean_x).powi(2);
    }
    if var > 0.0 {
        cov / var
    } else {
        0.0
    }
}

fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}

/// The sample variance (n − 1).
fn variance(values: &[f64]) -> f64 {
    let m = mean(values.iter().copied());
    values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() as f64 - 1.0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_share_difference_matches_the_hand_computed_interval() {
        // 30 of 100 against 20 of 100: 0.1 ± 1.959964 × √(0.3·0.7/100 + 0.2·0.8/100) = 0.1 ± 0.119220.
        let d = super::share_difference((30, 100), (20, 100)).unwrap();
        assert!((d.difference - 0.1).abs() < 1e-12);
        assert!((d.low - (-0.019_220)).abs() < 1e-5, "{d:?}");
        assert!((d.high - 0.219_220).abs() < 1e-5, "{d:?}");
        assert_eq!(super::share_difference((1, 1), (3, 10)), None);
    }

    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    /// Four sent (Y 100, 0, 50, 250; X 80, 10, 60, 200) and three held out (Y 0, 80, 40; X 20,
    /// 60, 30). By hand: means 100 and 40, uplift 60, SE √(35000/3/4 + 3200/2/3) = √3450 =
    /// 58.736701, incremental 240 ± 4 × 1.959964 × SE. CUPED: θ = 32828.571/24771.429 =
    /// 1.3252595, and the adjusted groups' figures as the Python of the commit computed them.
    #[test]
    fn welch_and_cuped_match_the_hand_computed_fixture() {
        let sent = [(100.0, 80.0), (0.0, 10.0), (50.0, 60.0), (250.0, 200.0)];
        let held = [(0.0, 20.0), (80.0, 60.0), (40.0, 30.0)];
        let outcomes: Vec<Outcome> = sent
            .iter()
            .map(|&(spend, expected)| (false, spend, expected))
            .chain(held.iter().map(|&(spend, expected)| (true, spend, expected)))
            .map(|(held_out, spend, expected)| Outcome {
                held_out,
                spend,
                expected,
            })
            .collect();
        let u = uplift(&outcomes).unwrap();
        assert!(close(u.raw.sent_mean, 100.0) && close(u.raw.held_out_mean, 40.0));
        assert!(close(u.raw.uplift, 60.0) && close(u.raw.incremental, 240.0));
        assert!(close(u.raw.standard_error, 3450f64.sqrt()));
        assert!(close(u.raw.incremental_low, -220.487_274_794) && close(u.raw.incremental_high, 700.487_274_794));
        assert!(close(u.theta, 1.325_259_515_571));
        assert!(close(u.cuped.sent_mean, 71.128_274_839) && close(u.cuped.held_out_mean, 78.495_633_548));
        assert!(close(u.cuped.standard_error, 10.219_716_414));
        assert!(close(u.cuped.incremental_low, -109.590_539_882) && close(u.cuped.incremental_high, 50.651_670_217));
        assert!(
            u.cuped.standard_error < u.raw.standard_error,
            "the covariate narrows the interval"
        );
    }

    #[test]
    fn a_group_of_one_has_no_interval() {
        let one = |held_out| Outcome {
            held_out,
            spend: 1.0,
            expected: 0.0,
        };
        assert_eq!(uplift(&[one(false), one(false), one(true)]), None);
    }
}
