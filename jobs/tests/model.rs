//! Purchase-model engine against published results and simulated data.

// Test code: a panic is how a failure is reported.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod sim;

use jobs::model::{
    bgnbd, discounted_clv, gamma_gamma, group_customers, group_spend, BgNbdParams, ClvSettings, GammaGammaParams,
    RfmGroup, SpendGroup,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Published CDNOW BG/NBD estimates (Fader, Hardie & Lee 2005, section 5).
const CDNOW_BGNBD: BgNbdParams = BgNbdParams {
    r: 0.243,
    alpha: 4.414,
    a: 0.793,
    b: 2.426,
};

/// One CDNOW customer: (x, t_x, T in weeks, mean repeat-purchase value).
fn cdnow() -> Vec<(u32, f64, f64, f64)> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cdnow_customers_summary_with_transactions.csv"
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("ID,x,t_x,T,zbar"));
    let rows: Vec<_> = lines
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            (
                f[1].parse().unwrap(),
                f[2].parse().unwrap(),
                f[3].parse().unwrap(),
                f[4].parse().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows.len(), 2357);
    rows
}

fn cdnow_groups() -> Vec<RfmGroup> {
    group_customers(cdnow().into_iter().map(|(x, t_x, t, _)| (x, t_x, t)))
}

fn assert_close(name: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() <= tol, "{name}: got {got}, want {want} ± {tol}");
}

#[test]
fn cdnow_bgnbd_reproduces_published_fit() {
    let groups = cdnow_groups();
    assert!(groups.len() < 2357, "identical customers are grouped");
    let fit = bgnbd::fit(&groups).unwrap();
    let p = fit.params;
    // Published to three decimals (and LL to one).
    assert_close("r", p.r, 0.243, 0.001);
    assert_close("alpha", p.alpha, 4.414, 0.002);
    assert_close("a", p.a, 0.793, 0.001);
    assert_close("b", p.b, 2.426, 0.002);
    assert_close("log-likelihood", fit.log_likelihood, -9582.4, 0.05);
    // The published point is (to rounding) the maximum.
    let at_published = CDNOW_BGNBD.log_likelihood(&groups).unwrap();
    assert!(at_published <= fit.log_likelihood);
    assert_close("LL at published params", at_published, -9582.4, 0.1);
}

#[test]
fn cdnow_gamma_gamma_reproduces_published_fit() {
    // Fitted on the 946 customers with a repeat purchase, on their mean
    // repeat-purchase value.
    let spend: Vec<(u32, f64)> = cdnow()
        .into_iter()
        .filter(|&(x, ..)| x > 0)
        .map(|(x, _, _, m)| (x, m))
        .collect();
    assert_eq!(spend.len(), 946);
    let fit = gamma_gamma::fit(&group_spend(spend)).unwrap();
    let p = fit.params;
    // Published as p = 6.25, q = 3.74, γ = 15.44; the fixture's means are
    // rounded to cents, hence a little more than rounding slack on v.
    assert_close("p", p.p, 6.25, 0.006);
    assert_close("q", p.q, 3.74, 0.006);
    assert_close("v", p.v, 15.44, 0.011);
    assert!(fit.log_likelihood.is_finite());
}

#[test]
fn cdnow_worked_example_from_the_paper() {
    // Section 5: a customer with x = 2, t_x = 30.43, T = 38.86 weeks is
    // expected to make 1.226 purchases in the next 39 weeks.
    let e = CDNOW_BGNBD.expected_purchases(39.0, 2, 30.43, 38.86).unwrap();
    assert_close("E[Y(39)]", e, 1.226, 0.0005);

    // P(alive) by hand: odds of being dead = a/(b+x−1) · ((α+T)/(α+t_x))^(r+x)
    //   a/(b+1)           = 0.793 / 3.426         = 0.231465
    //   (α+T)/(α+t_x)     = 43.274 / 34.844       = 1.241935
    //   1.241935^2.243    = 1.625789
    //   odds              = 0.231465 · 1.625789   = 0.376314
    //   P(alive) = 1 / 1.376314 = 0.726579
    assert_close("P(alive)", CDNOW_BGNBD.p_alive(2, 30.43, 38.86), 0.726579, 1e-6);
    // No repeat purchase: the customer cannot have dropped out yet.
    assert_eq!(CDNOW_BGNBD.p_alive(0, 0.0, 38.86), 1.0);
    // A long silence after frequent buying makes death likely.
    assert!(CDNOW_BGNBD.p_alive(20, 5.0, 38.86) < 0.01);

    // Unconditional: more purchases over a longer horizon, none over none.
    let e39 = CDNOW_BGNBD.expected_purchases_new(39.0).unwrap();
    let e78 = CDNOW_BGNBD.expected_purchases_new(78.0).unwrap();
    assert!(0.0 < e39 && e39 < e78, "{e39} {e78}");
    assert_eq!(CDNOW_BGNBD.expected_purchases_new(0.0), Ok(0.0));

    // Gamma-Gamma, by hand for the same customer (mean value $22.35):
    // p(v + x m)/(p x + q − 1) = 6.25 · (15.44 + 44.70) / (12.5 + 2.74) = 24.6637
    let gg = GammaGammaParams {
        p: 6.25,
        q: 3.74,
        v: 15.44,
    };
    let value = gg.conditional_expected_value(2, 22.35).unwrap();
    assert_close("E[M]", value, 24.6637, 1e-4);

    // CLV with no discounting over 39 weeks is value × E[Y(39)].
    let settings = ClvSettings {
        days_per_time_unit: 7.0,
        ..ClvSettings::new(273.0, 0.0)
    };
    let clv = discounted_clv(&CDNOW_BGNBD, 2, 30.43, 38.86, value, &settings).unwrap();
    assert_close("CLV", clv, value * e, 1e-9);
}

#[test]
fn bgnbd_recovers_simulated_parameters() {
    let truth = (0.24, 4.4, 0.79, 2.43);
    let mut rng = ChaCha8Rng::seed_from_u64(2005);
    // Ages spread over 30 to 80 weeks, on a 1/7-week (daily) grid.
    let customers =
        sim::simulate_bgnbd(&mut rng, truth, 20_000, |rng| f64::from(rng.gen_range(210..=560)) / 7.0).unwrap();
    let groups = group_customers(customers.iter().map(|c| (c.x, c.t_x, c.t)));
    let fit = bgnbd::fit(&groups).unwrap();
    let p = fit.params;
    // About four standard deviations of the estimates over repeated
    // simulations at this size (measured: r 0.0035, α 0.1, a 0.03, b 0.14).
    assert_close("r", p.r, truth.0, 0.015);
    assert_close("alpha", p.alpha, truth.1, 0.4);
    assert_close("a", p.a, truth.2, 0.12);
    assert_close("b", p.b, truth.3, 0.55);
    // The fit beats the truth on its own data, but not by much.
    let at_truth = BgNbdParams {
        r: truth.0,
        alpha: truth.1,
        a: truth.2,
        b: truth.3,
    }
    .log_likelihood(&groups)
    .unwrap();
    assert!(fit.log_likelihood >= at_truth && fit.log_likelihood - at_truth < 20.0);
}

#[test]
fn gamma_gamma_recovers_simulated_parameters() {
    let truth = (6.25, 3.74, 15.44);
    let mut rng = ChaCha8Rng::seed_from_u64(1999);
    let spend: Vec<SpendGroup> = (0..20_000)
        .map(|_| {
            let x = rng.gen_range(1..=8);
            let m_x = sim::simulate_mean_spend(&mut rng, truth, x).unwrap();
            SpendGroup { x, m_x, weight: 1.0 }
        })
        .collect();
    let fit = gamma_gamma::fit(&spend).unwrap();
    let p = fit.params;
    // About four standard deviations of the estimates over repeated
    // simulations at this size (measured: p 0.4, q 0.055, v 1.1). p and v
    // trade off along a ridge; their combination, the population mean
    // p·v/(q−1), is much better determined (0.27).
    assert_close("p", p.p, truth.0, 1.6);
    assert_close("q", p.q, truth.1, 0.22);
    assert_close("v", p.v, truth.2, 4.4);
    let mean = p.p * p.v / (p.q - 1.0);
    assert_close("population mean", mean, truth.0 * truth.2 / (truth.1 - 1.0), 1.1);
}
