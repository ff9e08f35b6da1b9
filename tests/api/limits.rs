//! Request limits, malformed requests, and the statement cost of a page.
use std::io::Write;

use serde_json::json;

use crate::helpers::{first_error, spawn_app, spawn_app_with};

#[tokio::test]
async fn oversized_deep_complex_and_malformed_requests_get_clear_errors() {
    let app = spawn_app().await;
    let admin = app.admin().await;

    let too_big = app
        .graphql(&admin, "{ members(first: 101) { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error(&too_big), ("BAD_USER_INPUT".into(), Some("first".into())));

    let deep = format!(
        "{{ member(memberNo:\"x\") {{ {} memberNo {} }} }}",
        "referredBy {".repeat(12),
        "}".repeat(12)
    );
    let response = app.graphql(&admin, &deep, json!({})).await;
    assert_eq!(first_error(&response).0, "BAD_USER_INPUT");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("deep"),
        "{response}"
    );

    let complex = "{ members(first: 100) { edges { node { memberNo name purchases(first: 100) {
        edges { node { amount orderId kind category occurredAt } } } } } } }";
    let response = app.graphql(&admin, complex, json!({})).await;
    assert_eq!(first_error(&response).0, "BAD_USER_INPUT");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("complex"),
        "{response}"
    );

    let padding = "#".repeat(100 * 1024);
    let (status, body) = app
        .post(
            Some(&admin),
            json!({ "query": format!("{{ me {{ role }} }} {padding}") }).to_string(),
        )
        .await;
    assert_eq!(status, 413);
    assert_eq!(first_error(&body).0, "BAD_USER_INPUT");
    assert!(
        body["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("limit"),
        "{body}"
    );

    let (status, body) = app.post(Some(&admin), "{ not json".to_owned()).await;
    assert_eq!((status, first_error(&body).0.as_str()), (400, "BAD_USER_INPUT"));
    let unknown = app
        .graphql(&admin, "{ member(memberNo:\"x\") { shoeSize } }", json!({}))
        .await;
    assert_eq!(first_error(&unknown).0, "BAD_USER_INPUT");
    let wrong_type = app
        .graphql(
            &admin,
            "query($n:Int){ members(first:$n){ totalCount } }",
            json!({ "n": "ten" }),
        )
        .await;
    assert_eq!(first_error(&wrong_type).0, "BAD_USER_INPUT");

    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.status().as_u16(), 200);
}

/// Tools read the schema with the standard introspection query, whose type references nest
/// deeper than the depth limit on data; naming a data field beside it keeps the limit.
#[tokio::test]
async fn the_schema_is_introspected_deeper_than_data_is_queried() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let type_ref = format!("{} kind name {}", "kind name ofType {".repeat(9), "}".repeat(9));
    let introspection = format!(
        "{{ __schema {{ queryType {{ name }} types {{ name fields {{ name args {{ name type {{ {type_ref} }} }} \
         type {{ {type_ref} }} }} inputFields {{ name type {{ {type_ref} }} }} }} }} }}"
    );
    let schema = app.ok(&admin, &introspection, json!({})).await;
    assert_eq!(schema["__schema"]["queryType"]["name"], "Query");
    let member = schema["__schema"]["types"]
        .as_array()
        .and_then(|types| types.iter().find(|t| t["name"] == "Member"))
        .unwrap_or_else(|| panic!("no Member type in {schema}"));
    assert!(member["fields"]
        .as_array()
        .is_some_and(|f| f.iter().any(|f| f["name"] == "memberNo")));

    let deep_data = format!(
        "{{ __schema {{ queryType {{ name }} }} member(memberNo:\"x\") {{ {} memberNo {} }} }}",
        "referredBy {".repeat(12),
        "}".repeat(12)
    );
    let response = app.graphql(&admin, &deep_data, json!({})).await;
    assert_eq!(first_error(&response).0, "BAD_USER_INPUT", "{response}");
    let (_, anonymous) = app.post(None, json!({ "query": introspection }).to_string()).await;
    assert_eq!(first_error(&anonymous).0, "UNAUTHENTICATED");
}

/// Members, their stores, referrers, associates, balances and last five purchases: the number of
/// SQL statements must not grow with the page.
#[tokio::test]
async fn a_page_of_members_with_purchases_costs_a_constant_number_of_statements() {
    let app = spawn_app().await;
    let mut members = tempfile::NamedTempFile::new().expect("file");
    let mut purchases = tempfile::NamedTempFile::new().expect("file");
    writeln!(members, "member_no,name,store,referred_by").expect("write");
    writeln!(purchases, "member_no,occurred_at,amount,order_id,store").expect("write");
    for i in 0..60 {
        let referrer = if i > 0 { format!("M{:03}", i - 1) } else { String::new() };
        writeln!(members, "M{i:03},Member {i},S{},{referrer}", i % 3).expect("write");
        for day in 1..=7 {
            writeln!(
                purchases,
                "M{i:03},2026-01-{day:02},{}.00,O{i}-{day},S{}",
                10 + day,
                (i + day) % 4
            )
            .expect("write");
        }
    }
    patron::import::members(&app.db, &app.brand, members.path(), None)
        .await
        .expect("members");
    patron::import::purchases(&app.db, &app.brand, purchases.path(), None)
        .await
        .expect("purchases");
    let admin = app.admin().await;
    let assign = "mutation($no:String!){ assignAssociate(memberNo:$no, username:\"associate-S1\"){ memberNo } }";
    app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    for no in ["M001", "M004", "M040"] {
        app.ok(&admin, assign, json!({ "no": no })).await;
    }

    let page = "query($n:Int){ members(first:$n){ edges { node { memberNo store { name } pointsBalance
        assignedAssociate { username } referredBy { memberNo store { code } }
        purchases(first: 5) { edges { node { amount store { code } } } } } } } }";
    let mut costs = Vec::new();
    for size in [5, 50] {
        let before = app.statements.get();
        let data = app.ok(&admin, page, json!({ "n": size })).await;
        costs.push(app.statements.get() - before);
        let edges = data["members"]["edges"].as_array().expect("edges");
        assert_eq!(edges.len(), size as usize);
        assert_eq!(edges[1]["node"]["purchases"]["edges"].as_array().map(Vec::len), Some(5));
        assert_eq!(
            edges[1]["node"]["purchases"]["edges"][0]["node"]["amount"], "17.00",
            "newest first"
        );
        assert_eq!(edges[1]["node"]["referredBy"]["memberNo"], "M000");
        assert_eq!(edges[4]["node"]["assignedAssociate"]["username"], "associate-S1");
    }
    println!("statements for a page of 5: {}, of 50: {}", costs[0], costs[1]);
    // The page, its audit entry, one batch per loader (balances, staff, referrers, purchases),
    // and stores at two depths: nine whatever the size. On a loaded machine a loader's 1 ms
    // batching window can close early and split a depth's stores in two more batches; a
    // statement per member would be 50 or more.
    for cost in costs {
        assert!(cost <= 11, "a page costs {cost} statements");
    }
}

#[tokio::test]
async fn heavy_reads_take_turns_without_waiting_on_each_other() {
    // One turn for the whole server: a list that kept its turn while a count in the same
    // request, or another request, waited for one would never answer.
    let app = spawn_app_with(|settings| settings.max_concurrent_list_reads = Some(1)).await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "name": "李娜", "city": "上海" }))
        .await;
    let query = r#"{
        a: members(first: 5) { totalCount edges { node { memberNo } } }
        b: members(first: 5, filter: { city: "上海" }) { totalCount }
        segmentPreview(filter: { field: { field: "city", op: EQ, value: "上海" } }, first: 5) {
            count edges { node { memberNo } }
        }
    }"#;
    let requests = (0..4).map(|_| app.ok(&admin, query, json!({})));
    let answers = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        futures_util::future::join_all(requests),
    )
    .await
    .expect("every request answered");
    for data in answers {
        assert_eq!(
            (
                &data["a"]["totalCount"],
                &data["b"]["totalCount"],
                &data["segmentPreview"]["count"]
            ),
            (&json!(1), &json!(1), &json!(1))
        );
        assert_eq!(data["segmentPreview"]["edges"][0]["node"]["memberNo"], "M1");
    }
}

/// A list without `first` costs as many rows as it may return (at most a page of 100), so a
/// list nested in it multiplies: every saved segment's members, a page of members' whole tier
/// histories, read past the limit that refuses `members → purchases`.
#[tokio::test]
async fn lists_nested_in_unpaged_lists_are_refused_past_the_complexity_limit() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let nested = [
        "{ segments { members(first: 100) { edges { node { memberNo name tier } } } } }",
        "{ members(first: 100) { edges { node { tierHistory { oldTier newTier reason changedAt } } } } }",
        "{ campaigns { occurrences { id key startedAt audience heldOut queued } } }",
    ];
    for query in nested {
        let response = app.graphql(&admin, query, json!({})).await;
        assert_eq!(first_error(&response).0, "BAD_USER_INPUT", "{query}: {response}");
        let message = response["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("complex"), "{query}: {response}");
    }
    // Smaller pages of the same lists answer.
    app.ok(
        &admin,
        "{ segments { members(first: 20) { edges { node { memberNo } } } } }",
        json!({}),
    )
    .await;
}

/// Every document the console sends (`console/src/lib/queries.ts`), with the largest page it
/// may ask for, passes validation and the depth and complexity limits: any error it meets is a
/// field's (no mutation changes anything: each lacks the arguments it needs).
#[tokio::test]
async fn the_consoles_documents_stay_within_the_limits() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let source = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/console/src/lib/queries.ts"))
        .expect("the console's queries");
    let documents: Vec<&str> = source
        .split("graphql(`")
        .skip(1)
        .filter_map(|rest| rest.split_once("`)").map(|(document, _)| document))
        .collect();
    assert!(documents.len() >= 30, "found {} documents", documents.len());
    for document in documents {
        let response = app.graphql(&admin, document, json!({ "first": 100 })).await;
        let refused = response["errors"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|error| error["path"].as_array().is_none_or(Vec::is_empty));
        assert!(refused.is_none(), "{document}: {response}");
    }
}
