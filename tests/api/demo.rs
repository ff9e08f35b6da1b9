//! Demo data and a full analytics run over it: the model fits and the KPIs are sane.
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

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

    // Each quadrant shows its strategy.
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

/// Keyset paging over demo data after a run: every page of an order, read while members are
/// added, gives each member once, in the order one plain SQL statement gives (members without
/// a value last, by id). New members without metrics come at the end; a member added before
/// the position reached does not shift later pages.
#[tokio::test]
async fn member_pages_follow_their_order_while_members_are_added() {
    let app = spawn_app().await;
    patron::demo::generate(&app.db, &app.brand, 600, 11)
        .await
        .expect("demo");
    app.run_job("analytics", &app.brand.today().to_string())
        .await
        .expect("analytics");
    let admin = app.admin().await;
    let list = "query($o:MemberOrder, $after:String){ members(first:70, orderBy:$o, after:$after,
        filter:{ city:\"上海\" }){ edges { cursor node { memberNo } } pageInfo { hasNextPage endCursor } } }";
    let orders = [
        (
            json!({ "field": "CLV", "direction": "DESC" }),
            "mm.clv_cents DESC, m.id DESC",
        ),
        (
            json!({ "field": "RECENCY_DAYS", "direction": "ASC" }),
            "mm.recency_days, m.id",
        ),
        (json!({ "field": "NAME", "direction": "ASC" }), "m.name, m.id"),
    ];
    for (round, (order, sql_order)) in orders.iter().enumerate() {
        let first = app.ok(&admin, list, json!({ "o": order })).await;
        let mut seen = numbers(&first);
        // After page 1: a member named to come first (before the position reached) and one
        // to come last; neither has metrics yet.
        let early = format!("AA{round}");
        let late = format!("NEW{round}");
        app.create_member(&admin, &early, json!({ "name": "Aaron", "city": "上海" }))
            .await;
        app.create_member(&admin, &late, json!({ "name": "龥", "city": "上海" }))
            .await;
        let mut page = first;
        while page["members"]["pageInfo"]["hasNextPage"] == true {
            let after = page["members"]["pageInfo"]["endCursor"].clone();
            page = app.ok(&admin, list, json!({ "o": order, "after": after })).await;
            seen.extend(numbers(&page));
        }
        let mut expected = by_sql(&app, sql_order).await;
        if order["field"] == "NAME" {
            expected.retain(|no| *no != early);
        }
        assert_eq!(seen, expected, "{order}");
        assert!(
            seen.contains(&late),
            "{order}: a member added beyond the position is listed"
        );
    }
    let by_name = app
        .ok(&admin, list, json!({ "o": { "field": "NAME", "direction": "ASC" } }))
        .await;
    let cursor = by_name["members"]["pageInfo"]["endCursor"].clone();
    let clv = json!({ "field": "CLV", "direction": "DESC" });
    let refused = app.graphql(&admin, list, json!({ "o": clv, "after": cursor })).await;
    assert_eq!(first_error(&refused), ("BAD_USER_INPUT".into(), Some("after".into())));
}

fn numbers(page: &Value) -> Vec<String> {
    page["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["memberNo"].as_str().unwrap().to_owned())
        .collect()
}

/// Shanghai members in `order`, members without a value last by id, as one statement.
async fn by_sql(app: &TestApp, order: &str) -> Vec<String> {
    let key = order.split(' ').next().unwrap().trim_end_matches(',');
    let direction = if order.contains("DESC") { "DESC" } else { "ASC" };
    let sql = format!(
        "SELECT m.member_no FROM members m LEFT JOIN member_metrics mm ON mm.member_id = m.id
         WHERE m.city = '上海' AND m.status = 'active'
         ORDER BY CASE WHEN {key} IS NULL THEN 1 ELSE 0 END, {order}, m.id {direction}"
    );
    let rows = app
        .db
        .query_all(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| r.try_get::<String>("", "member_no").unwrap())
        .collect()
}

/// A lookup reads only the columns of the fields it selects: each field of `Member` looked up
/// alone shows what the member list (which reads whole rows) shows, for an admin and for an
/// associate (whose masking and access use columns every lookup reads), with metrics, points,
/// referrers and feedback from demo data and a member without a run.
#[tokio::test]
async fn each_member_field_looked_up_alone_shows_what_the_list_shows() {
    let app = spawn_app().await;
    patron::demo::generate(&app.db, &app.brand, 150, 5).await.expect("demo");
    app.run_job("analytics", &app.brand.today().to_string())
        .await
        .expect("analytics");
    let admin = app.admin().await;
    let profile = json!({ "name": "Lin", "city": "上海", "phone": "13800001234", "email": "lin@example.com",
        "birthday": "1992-02-29", "gender": "FEMALE", "interests": ["床品", "香氛"], "storeCode": "SH01", "address": "静安区",
        "emailConsent": true });
    app.create_member(&admin, "NORUN", profile).await;
    let types = app
        .ok(&admin, "{ __type(name: \"Member\") { fields { name args { name } type { kind ofType { kind ofType { kind ofType { kind } } } } } } }", json!({}))
        .await;
    let fields: Vec<String> = types["__type"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let name = f["name"].as_str().unwrap();
            let object = f.to_string().contains("\"OBJECT\"");
            if object {
                format!("{name} {{ __typename }}")
            } else {
                name.to_owned()
            }
        })
        .collect();
    assert!(fields.len() > 25, "{fields:?}");
    let associate = app.token(patron::auth::Role::Associate, None, Some("SH01"), None).await;
    let assign = "mutation { assignAssociate(memberNo: \"NORUN\", username: \"associate-SH01\") { memberNo } }";
    app.ok(&admin, assign, json!({})).await;
    app.ok(
        &admin,
        "mutation { earnPoints(memberNo: \"NORUN\", points: 40) { points } }",
        json!({}),
    )
    .await;
    // A segment preview reads only the columns its nodes select too: each field alone, for
    // every Shanghai member of the page, shows what the member list shows.
    let all = fields.join(" ");
    let list = app
        .ok(
            &admin,
            &format!("{{ members(first: 100, filter: {{ city: \"上海\" }}) {{ edges {{ node {{ {all} }} }} }} }}"),
            json!({}),
        )
        .await;
    let listed: std::collections::HashMap<String, Value> = list["members"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["node"]["memberNo"].as_str().unwrap().to_owned(), e["node"].clone()))
        .collect();
    for field in &fields {
        let query = format!("{{ segmentPreview(filter: {{ field: {{ field: \"city\", op: EQ, value: \"上海\" }} }}, first: 100) {{ edges {{ node {{ memberNo {field} }} }} }} }}");
        let preview = app.ok(&admin, &query, json!({})).await;
        let name = field.split(' ').next().unwrap();
        let nodes = preview["segmentPreview"]["edges"].as_array().unwrap();
        let compared = nodes
            .iter()
            .filter(|e| listed.contains_key(e["node"]["memberNo"].as_str().unwrap()));
        let mut count = 0;
        for edge in compared {
            let no = edge["node"]["memberNo"].as_str().unwrap();
            assert_eq!(edge["node"][name], listed[no][name], "preview {no}: {field}");
            count += 1;
        }
        assert!(count > 5, "{field}: {count} compared");
    }
    for token in [&admin, &associate] {
        // Segments are for marketers and admins.
        let fields: Vec<&String> = fields
            .iter()
            .filter(|f| token == &admin || !f.starts_with("segments"))
            .collect();
        let all = fields.iter().map(|f| f.as_str()).collect::<Vec<_>>().join(" ");
        let list = app
            .ok(
                token,
                &format!(
                    "{{ members(first: 100, filter: {{ storeCode: \"SH01\" }}) {{ edges {{ node {{ {all} }} }} }} }}"
                ),
                json!({}),
            )
            .await;
        let nodes = list["members"]["edges"].as_array().unwrap();
        assert!(
            nodes.len() > 5 && nodes.iter().any(|e| e["node"]["memberNo"] == "NORUN"),
            "{list}"
        );
        let referred = nodes.iter().filter(|e| !e["node"]["referredBy"].is_null()).take(1);
        let without_run = nodes.iter().filter(|e| e["node"]["memberNo"] == "NORUN");
        let picked = nodes.iter().take(5).chain(referred).chain(without_run);
        for edge in picked {
            let node = &edge["node"];
            let no = node["memberNo"].as_str().unwrap();
            for field in &fields {
                let query = format!("query($no: String!) {{ member(memberNo: $no) {{ {field} }} }}");
                let alone = app.ok(token, &query, json!({ "no": no })).await;
                let name = field.split(' ').next().unwrap();
                assert_eq!(alone["member"][name], node[name], "{no}: {field}");
            }
        }
    }
}
