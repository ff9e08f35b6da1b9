//! Demo data and a full analytics run over it: the model fits and the KPIs are sane.
use serde_json::json;

use crate::helpers::spawn_app;

#[tokio::test]
async fn demo_data_is_reproducible_and_the_analytics_run_fits_it() {
    let app = spawn_app().await;
    let summary = patron::demo::generate(&app.db, &app.brand, 3000, 7)
        .await
        .expect("demo");
    assert_eq!(summary.members, 3000);
    assert!(summary.purchases > 10_000, "about ten purchases a member: {summary}");

    let other = spawn_app().await;
    let again = patron::demo::generate(&other.db, &other.brand, 3000, 7)
        .await
        .expect("demo again");
    assert_eq!(
        (again.purchases, again.returns),
        (summary.purchases, summary.returns),
        "same seed, same data"
    );

    let today = app.brand.today().to_string();
    app.run_job("analytics", &today)
        .await
        .expect("analytics over demo data");
    let admin = app.admin().await;
    let run = "{ analyticsRun { members bgnbd { r alpha a b logLikelihood timeUnit } gammaGamma { p q v }
        kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }
        tierDistribution { key count } tierMigration { from to count } loyaltyQuadrants { key count } layers { key count } } }";
    let data = app.ok(&admin, run, json!({})).await["analyticsRun"].clone();
    assert_eq!(data["members"], 3000);
    let fit = &data["bgnbd"];
    assert_eq!(fit["timeUnit"], "days");
    for param in ["r", "alpha", "a", "b"] {
        assert!(
            fit[param].as_f64().is_some_and(|v| v > 0.0 && v.is_finite()),
            "{param}: {fit}"
        );
    }
    assert!(fit["logLikelihood"].as_f64().is_some_and(|ll| ll < 0.0), "{fit}");
    assert!(data["gammaGamma"]["q"].as_f64().is_some_and(|q| q > 1.0), "{data}");
    let kpis = &data["kpis"];
    for kpi in ["repurchaseRate", "churnRate", "referralRate", "top20RevenueShare"] {
        assert!(
            kpis[kpi].as_f64().is_some_and(|v| (0.0..=1.0).contains(&v)),
            "{kpi}: {kpis}"
        );
    }
    // Spend is heavy-tailed: the top fifth carries well over a fifth of revenue.
    assert!(kpis["top20RevenueShare"].as_f64().unwrap_or(0.0) > 0.35, "{kpis}");
    let total: u64 = data["tierDistribution"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["count"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3000);
    let first_run: u64 = data["tierMigration"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["from"] == "none")
        .map(|m| m["count"].as_u64().unwrap())
        .sum();
    assert_eq!(first_run, 3000, "a first run moves everyone from none");

    let top = "{ members(first: 5, orderBy: { field: CLV, direction: DESC }, filter: { tiers: [A, B] }) {
        edges { node { tier metrics { clv pAlive rScore } } } } }";
    let edges = app.ok(&admin, top, json!({})).await["members"]["edges"].clone();
    let clvs: Vec<f64> = edges
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["node"]["metrics"]["clv"]
                .as_str()
                .unwrap_or("0")
                .parse()
                .unwrap_or(0.0)
        })
        .collect();
    assert!(
        !clvs.is_empty() && clvs.windows(2).all(|w| w[0] >= w[1]),
        "ordered by CLV: {clvs:?}"
    );
    assert!(edges
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["node"]["tier"] == "A" || e["node"]["tier"] == "B"));

    // Each quadrant shows its strategy (seed 004).
    let strategies = "{ members(first: 100) { edges { node { metrics {
        loyaltyQuadrant loyaltyStrategy valueQuadrant valueStrategy } } } } }";
    let edges = app.ok(&admin, strategies, json!({})).await["members"]["edges"].clone();
    let expected = |quadrant: &str| match quadrant {
        "TRUE_FRIEND" | "STAR" => "DEEP_CARE",
        "BUTTERFLY" | "QUESTION_MARK" => "DEEP_ACQUISITION",
        "BARNACLE" | "CASH_COW" => "DEEP_MINING",
        _ => "LONG_TERM_CULTIVATION",
    };
    let mut seen = std::collections::HashSet::new();
    for edge in edges.as_array().unwrap() {
        let m = &edge["node"]["metrics"];
        for (quadrant, strategy) in [
            ("loyaltyQuadrant", "loyaltyStrategy"),
            ("valueQuadrant", "valueStrategy"),
        ] {
            let q = m[quadrant].as_str().unwrap();
            assert_eq!(m[strategy], expected(q), "{m}");
            seen.insert(q.to_owned());
        }
    }
    assert!(seen.len() >= 6, "a hundred demo members fill most quadrants: {seen:?}");
}
