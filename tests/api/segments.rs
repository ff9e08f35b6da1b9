//! Segments: the filter language over GraphQL, previews, saved segments, errors and roles.
//!
//! The fixture's analytics runs are as of 2024-12-01, 2025-01-20 and 2025-03-01 (the latest);
//! filters are evaluated as of 2025-03-01 unless a case says otherwise. Windows: the last 60
//! days are 2025-01-01..=2025-03-01 (2024-12-31 is exactly 60 days ago, outside); the last 365
//! days start at 2024-03-02 (2024-03-01 is exactly 365 days ago, outside).
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};
use patron::auth::Role;

const D: &str = "2025-03-01";

const MEMBERS: &str = "member_no,name,gender,birthday,email,city,joined_at,store,email_consent,locale
M1,One,female,1990-05-10,m1@example.com,上海,2023-01-01,S1,true,zh-CN
M2,Two,male,2000-02-29,,上海,2023-01-01,S1,false,en
M3,Three,female,1985-03-02,,北京,2023-01-01,S2,false,zh-CN
M4,Four,other,2010-03-01,,上海,2023-01-01,S2,false,zh-CN
M5,Five,,,,上海,2025-02-01,S1,false,zh-CN
M7,Seven,male,1995-12-31,,上海,2023-01-01,S1,false,zh-CN
M8,Eight,female,1990-01-01,,上海,2023-01-01,S1,false,zh-CN
";

/// Tiers at 2025-03-01: M1 B (5500 net over 3 days), M2 B (C until this run: upgraded), M3 C
/// (B until this run: downgraded after 40 days below), M4 C, M5 D (never bought), M7 A (since
/// the 2025-01-20 run); M8 B but erased; M6 joins after the runs and has no metrics row.
const PURCHASES: &str = "member_no,occurred_at,amount,order_id,store,category,kind
M1,2024-06-01,4000.00,P1,S1,床品,purchase
M1,2024-08-01,1000.00,P2,S1,服装,purchase
M1,2024-10-01,1000.00,P3,S2,服装,purchase
M1,2024-10-05,500.00,P3,S2,服装,return
M2,2024-05-01,5000.00,Q1,S1,床品,purchase
M2,2024-07-01,2000.00,Q2,S1,服装,purchase
M2,2025-02-10,3000.00,Q3,S1,床品,purchase
M3,2024-01-15,4000.00,R1,S2,床品,purchase
M3,2024-05-01,3000.00,R2,S2,床品,purchase
M3,2024-09-01,3000.00,R3,S2,服装,purchase
M4,2024-03-01,800.00,T1,S2,床品,purchase
M4,2024-09-01,500.00,T2,S2,服装,purchase
M7,2024-03-15,2000.00,U1,S1,床品,purchase
M7,2024-05-15,2000.00,U2,S1,床品,purchase
M7,2024-07-15,2000.00,U3,S1,床品,purchase
M7,2024-09-15,2000.00,U4,S1,床品,purchase
M7,2024-11-15,2000.00,U5,S1,床品,purchase
M7,2024-12-31,2000.00,U6,S1,床品,purchase
M8,2024-06-01,4000.00,V1,S1,床品,purchase
M8,2024-08-01,1000.00,V2,S1,服装,purchase
M8,2024-10-01,1000.00,V3,S1,服装,purchase
";

async fn fixture() -> (TestApp, String) {
    let (app, admin) = imported().await;
    for date in ["2024-12-01", "2025-01-20", D] {
        app.run_job("analytics", date).await.expect("analytics run");
    }
    erase_m8(&app, &admin).await;
    // Joins after the runs: no metrics row, no city, store, birthday or purchases.
    app.create_member(&admin, "M6", json!({ "joinedAt": "2025-02-15" }))
        .await;
    (app, admin)
}

async fn erase_m8(app: &TestApp, admin: &str) {
    app.ok(admin, "mutation{ eraseMember(memberNo:\"M8\"){ erased } }", json!({}))
        .await;
}

/// The fixture's members and purchases, before any analytics run.
async fn imported() -> (TestApp, String) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import("members", MEMBERS).await;
    app.import("purchases", PURCHASES).await;
    for (no, interests) in [
        ("M1", json!(["bedding", "tea"])),
        ("M2", json!(["tea"])),
        ("M4", json!(["bed"])),
    ] {
        app.ok(
            &admin,
            "mutation($no:String!, $in:MemberFields!){ updateMember(memberNo:$no, input:$in){ memberNo } }",
            json!({ "no": no, "in": { "interests": interests } }),
        )
        .await;
    }
    app.ok(
        &admin,
        "mutation{ earnPoints(memberNo:\"M1\", points:300){ points } }",
        json!({}),
    )
    .await;
    (app, admin)
}

const PREVIEW: &str = "query($f:SegmentFilter!, $d:NaiveDate, $first:Int, $after:String){
    segmentPreview(filter:$f, asOf:$d, first:$first, after:$after){
        count edges { cursor node { memberNo email } } pageInfo { hasNextPage endCursor } } }";

/// The member numbers a filter selects, sorted; checks the count agrees.
async fn select(app: &TestApp, token: &str, filter: &Value, as_of: &str) -> Vec<String> {
    let data = app
        .ok(token, PREVIEW, json!({ "f": filter, "d": as_of, "first": 100 }))
        .await;
    let preview = &data["segmentPreview"];
    let mut found: Vec<String> = preview["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["memberNo"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(preview["count"].as_u64(), Some(found.len() as u64), "count of {filter}");
    found.sort();
    found
}

fn field(name: &str, op: &str, value: Value) -> Value {
    json!({ "field": { "field": name, "op": op, "value": value } })
}

fn fields(name: &str, op: &str, values: Value) -> Value {
    json!({ "field": { "field": name, "op": op, "values": values } })
}

fn empty(name: &str) -> Value {
    json!({ "field": { "field": name, "op": "IS_EMPTY" } })
}

async fn check(app: &TestApp, token: &str, cases: Vec<(&str, Value, &str, &[&str])>) {
    for (what, filter, as_of, expected) in cases {
        let found = select(app, token, &filter, as_of).await;
        assert_eq!(found, expected, "{what}: {filter} as of {as_of}");
    }
}

#[tokio::test]
async fn profile_conditions_select_the_hand_computed_members() {
    let (app, admin) = fixture().await;
    let cases: Vec<(&str, Value, &str, &[&str])> = vec![
        (
            "city eq",
            field("city", "EQ", json!("上海")),
            D,
            &["M1", "M2", "M4", "M5", "M7"],
        ),
        (
            "city ne leaves out no city",
            field("city", "NE", json!("上海")),
            D,
            &["M3"],
        ),
        (
            "not city eq keeps no city",
            json!({ "not": field("city", "EQ", json!("上海")) }),
            D,
            &["M3", "M6"],
        ),
        ("city is empty", empty("city"), D, &["M6"]),
        ("city contains", field("city", "CONTAINS", json!("北")), D, &["M3"]),
        ("gender", field("gender", "EQ", json!("FEMALE")), D, &["M1", "M3"]),
        (
            "gender in",
            fields("gender", "IN", json!(["male", "other"])),
            D,
            &["M2", "M4", "M7"],
        ),
        ("gender empty", empty("gender"), D, &["M5", "M6"]),
        (
            "store eq",
            field("store", "EQ", json!("S1")),
            D,
            &["M1", "M2", "M5", "M7"],
        ),
        ("store ne", field("store", "NE", json!("S1")), D, &["M3", "M4"]),
        (
            "store not in",
            fields("store", "NOT_IN", json!(["S2"])),
            D,
            &["M1", "M2", "M5", "M7"],
        ),
        ("store empty", empty("store"), D, &["M6"]),
        (
            "interest is a whole topic",
            field("interests", "CONTAINS", json!("bed")),
            D,
            &["M4"],
        ),
        (
            "interest tea",
            field("interests", "CONTAINS", json!("tea")),
            D,
            &["M1", "M2"],
        ),
        ("no interests", empty("interests"), D, &["M3", "M5", "M6", "M7"]),
        ("consent", field("emailConsent", "EQ", json!(true)), D, &["M1"]),
        ("locale", field("locale", "EQ", json!("en")), D, &["M2"]),
        (
            "joined on or after",
            field("joinedAt", "GE", json!("2025-01-01")),
            D,
            &["M5", "M6"],
        ),
        (
            "joined between",
            fields("joinedAt", "BETWEEN", json!(["2025-02-01", "2025-02-14"])),
            D,
            &["M5"],
        ),
        ("points", field("pointsBalance", "GE", json!(100)), D, &["M1"]),
        (
            "no points",
            field("pointsBalance", "EQ", json!(0)),
            D,
            &["M2", "M3", "M4", "M5", "M6", "M7"],
        ),
        ("birth month", field("birthMonth", "EQ", json!(3)), D, &["M3", "M4"]),
        (
            "birth months",
            fields("birthMonth", "IN", json!([2, 12])),
            D,
            &["M2", "M7"],
        ),
        (
            "member no",
            fields("memberNo", "IN", json!(["M1", "M8", "M9"])),
            D,
            &["M1"],
        ),
    ];
    check(&app, &admin, cases).await;
}

#[tokio::test]
async fn age_and_birthdays_count_29_february_as_28_february_in_common_years() {
    let (app, admin) = fixture().await;
    let cases: Vec<(&str, Value, &str, &[&str])> = vec![
        (
            "leap-day baby is 25 on 28 Feb",
            field("age", "EQ", json!(25)),
            "2025-02-28",
            &["M2"],
        ),
        (
            "and still 24 the day before",
            field("age", "EQ", json!(24)),
            "2025-02-27",
            &["M2"],
        ),
        ("15 on the birthday", field("age", "EQ", json!(15)), D, &["M4"]),
        (
            "14 the day before",
            field("age", "LT", json!(15)),
            "2025-02-28",
            &["M4"],
        ),
        ("39 until 2 March", field("age", "EQ", json!(39)), D, &["M3"]),
        ("40 on 2 March", field("age", "EQ", json!(40)), "2025-03-02", &["M3"]),
        ("at least 30", field("age", "GE", json!(30)), D, &["M1", "M3"]),
        ("over 34", field("age", "GT", json!(34)), D, &["M3"]),
        ("at most 25", field("age", "LE", json!(25)), D, &["M2", "M4"]),
        ("between", fields("age", "BETWEEN", json!([20, 30])), D, &["M2", "M7"]),
        ("not 34", field("age", "NE", json!(34)), D, &["M2", "M3", "M4", "M7"]),
        ("ages in", fields("age", "IN", json!([15, 29])), D, &["M4", "M7"]),
        ("no birthday", empty("age"), D, &["M5", "M6"]),
        (
            "birthday today, common year",
            json!({ "birthdayWithin": 0 }),
            "2025-02-28",
            &["M2"],
        ),
        (
            "28 Feb of a leap year is not 29 Feb",
            json!({ "birthdayWithin": 0 }),
            "2024-02-28",
            &[],
        ),
        (
            "29 Feb of a leap year",
            json!({ "birthdayWithin": 0 }),
            "2024-02-29",
            &["M2"],
        ),
        (
            "next three days",
            json!({ "birthdayWithin": 3 }),
            "2025-02-27",
            &["M2", "M3", "M4"],
        ),
        (
            "across the new year",
            json!({ "birthdayWithin": 2 }),
            "2024-12-30",
            &["M7"],
        ),
    ];
    check(&app, &admin, cases).await;
}

#[tokio::test]
async fn analytics_conditions_are_false_without_a_metrics_row() {
    let (app, admin) = fixture().await;
    let cases: Vec<(&str, Value, &str, &[&str])> = vec![
        ("tiers", fields("tier", "IN", json!(["A", "B"])), D, &["M1", "M2", "M7"]),
        ("tier D", field("tier", "EQ", json!("D")), D, &["M5"]),
        (
            "tier not in",
            fields("tier", "NOT_IN", json!(["A", "B", "D"])),
            D,
            &["M3", "M4"],
        ),
        (
            "qualified tier",
            field("qualifiedTier", "EQ", json!("C")),
            D,
            &["M3", "M4"],
        ),
        (
            "last purchase after",
            field("lastPurchase", "GT", json!("2024-12-31")),
            D,
            &["M2"],
        ),
        (
            "first purchase before",
            field("firstPurchase", "LT", json!("2024-03-15")),
            D,
            &["M3", "M4"],
        ),
        ("orders", field("ordersTotal", "GE", json!(4)), D, &["M7"]),
        (
            "lifetime spend",
            field("spendTotal", "GT", json!("9999.99")),
            D,
            &["M2", "M3", "M7"],
        ),
        (
            "value quadrant set",
            fields(
                "valueQuadrant",
                "IN",
                json!(["star", "cash_cow", "question_mark", "dog"]),
            ),
            D,
            &["M1", "M2", "M3", "M4", "M5", "M7"],
        ),
        (
            "tier ne",
            field("tier", "NE", json!("A")),
            D,
            &["M1", "M2", "M3", "M4", "M5"],
        ),
        (
            "not tier eq",
            json!({ "not": field("tier", "EQ", json!("A")) }),
            D,
            &["M1", "M2", "M3", "M4", "M5", "M6"],
        ),
        ("no metrics", empty("tier"), D, &["M6"]),
        (
            "recency at most 60",
            field("recencyDays", "LE", json!(60)),
            D,
            &["M2", "M7"],
        ),
        ("recency under 60", field("recencyDays", "LT", json!(60)), D, &["M2"]),
        ("no recency", empty("recencyDays"), D, &["M5", "M6"]),
        (
            "frequency",
            field("frequency365", "GE", json!(3)),
            D,
            &["M1", "M2", "M7"],
        ),
        (
            "spend nets returns",
            field("monetary365", "EQ", json!("5500.00")),
            D,
            &["M1"],
        ),
        (
            "spend at least",
            field("monetary365", "GE", json!(10000)),
            D,
            &["M2", "M7"],
        ),
        (
            "r score present",
            fields("rScore", "BETWEEN", json!([1, 5])),
            D,
            &["M1", "M2", "M3", "M4", "M7"],
        ),
        (
            "true friend",
            field("loyaltyQuadrant", "EQ", json!("TRUE_FRIEND")),
            D,
            &["M7"],
        ),
        (
            "butterfly",
            field("loyaltyQuadrant", "EQ", json!("butterfly")),
            D,
            &["M2"],
        ),
        (
            "deep care",
            field("loyaltyStrategy", "EQ", json!("DEEP_CARE")),
            D,
            &["M7"],
        ),
        (
            "deep acquisition",
            field("loyaltyStrategy", "EQ", json!("deep_acquisition")),
            D,
            &["M2"],
        ),
        (
            "upgraded in the latest run",
            json!({ "tierChange": { "direction": "UPGRADED" } }),
            D,
            &["M2"],
        ),
        (
            "downgraded",
            json!({ "tierChange": { "direction": "DOWNGRADED" } }),
            D,
            &["M3"],
        ),
        (
            "from C to B",
            json!({ "tierChange": { "from": ["C"], "to": ["B"] } }),
            D,
            &["M2"],
        ),
        ("any change", json!({ "tierChange": {} }), D, &["M2", "M3"]),
    ];
    check(&app, &admin, cases).await;
    // Every field of the run compiles and splits the active members into has / has not.
    for name in [
        "pAlive",
        "expectedPurchases365",
        "clv",
        "expectedValue365",
        "simpleClv",
        "avgOrderValue",
    ] {
        let some = select(&app, &admin, &field(name, "GE", json!(0)), D).await;
        let none = select(&app, &admin, &empty(name), D).await;
        assert_eq!(some.len() + none.len(), 7, "{name}: {some:?} {none:?}");
    }
    for name in ["declining", "lapsed"] {
        let yes = select(&app, &admin, &field(name, "EQ", json!(true)), D).await;
        let no = select(&app, &admin, &field(name, "EQ", json!(false)), D).await;
        assert_eq!(yes.len() + no.len(), 6, "{name}: M6 has no metrics row");
    }
    let layers = select(
        &app,
        &admin,
        &fields("layer", "IN", json!(["loyal", "potential", "floating"])),
        D,
    )
    .await;
    assert_eq!(layers.len(), 6);
}

#[tokio::test]
async fn purchase_windows_include_today_and_exclude_exactly_d_days_ago() {
    let (app, admin) = fixture().await;
    let bought = |b: Value| json!({ "bought": b });
    let cases: Vec<(&str, Value, &str, &[&str])> = vec![
        (
            "bedding in 365 days",
            bought(json!({ "category": "床品", "window": { "lastDays": 365 } })),
            D,
            &["M1", "M2", "M3", "M7"],
        ),
        (
            "366 days reaches 2024-03-01",
            bought(json!({ "category": "床品", "window": { "lastDays": 366 } })),
            D,
            &["M1", "M2", "M3", "M4", "M7"],
        ),
        (
            "between two dates, both included",
            bought(json!({ "category": "床品", "window": { "from": "2024-03-01", "to": "2024-03-15" } })),
            D,
            &["M4", "M7"],
        ),
        (
            "last 60 days",
            bought(json!({ "window": { "lastDays": 60 } })),
            D,
            &["M2"],
        ),
        (
            "last 61 days",
            bought(json!({ "window": { "lastDays": 61 } })),
            D,
            &["M2", "M7"],
        ),
        (
            "today counts",
            bought(json!({ "window": { "lastDays": 1 } })),
            "2025-02-10",
            &["M2"],
        ),
        (
            "nothing in 60 days, never-buyers included",
            json!({ "boughtNothing": { "lastDays": 60 } }),
            D,
            &["M1", "M3", "M4", "M5", "M6", "M7"],
        ),
        (
            "at a store",
            bought(json!({ "store": "S2", "window": { "lastDays": 365 } })),
            D,
            &["M1", "M3", "M4"],
        ),
        (
            "at least 3 times",
            bought(json!({ "minCount": 3, "window": { "lastDays": 365 } })),
            D,
            &["M1", "M2", "M7"],
        ),
        (
            "6 bedding purchases",
            bought(json!({ "category": "床品", "minCount": 6, "window": { "lastDays": 365 } })),
            D,
            &["M7"],
        ),
        (
            "net spend at least 5500",
            bought(json!({ "minAmount": "5500", "window": { "lastDays": 365 } })),
            D,
            &["M1", "M2", "M3", "M7"],
        ),
        (
            "net spend above 5500",
            bought(json!({ "minAmount": "5500.01", "window": { "lastDays": 365 } })),
            D,
            &["M2", "M3", "M7"],
        ),
        (
            "clothing net of the return",
            bought(json!({ "category": "服装", "minAmount": 1500, "window": { "lastDays": 365 } })),
            D,
            &["M1", "M2", "M3"],
        ),
    ];
    check(&app, &admin, cases).await;
}

#[tokio::test]
async fn shanghai_a_and_b_members_who_bought_bedding_this_year_but_not_lately() {
    let (app, admin) = fixture().await;
    let filter = json!({ "and": [
        fields("tier", "IN", json!(["A", "B"])),
        field("city", "EQ", json!("上海")),
        { "bought": { "category": "床品", "window": { "lastDays": 365 } } },
        { "not": { "bought": { "category": "床品", "window": { "lastDays": 60 } } } },
    ] });
    // M2 bought bedding 19 days ago; M7's last was exactly 60 days ago; M8 is erased.
    assert_eq!(select(&app, &admin, &filter, D).await, ["M1", "M7"]);
    let either = json!({ "or": [
        { "and": [field("city", "EQ", json!("北京")), fields("tier", "IN", json!(["C"]))] },
        { "not": { "or": [field("city", "EQ", json!("上海")), empty("city")] } },
        field("locale", "EQ", json!("en")),
    ] });
    assert_eq!(select(&app, &admin, &either, D).await, ["M2", "M3"]);
}

#[tokio::test]
async fn previews_page_by_member_id_and_mask_contacts_for_marketers() {
    let (app, admin) = fixture().await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let filter = field("city", "EQ", json!("上海"));
    let page = |token: String, after: Option<String>| {
        let app = &app;
        let filter = filter.clone();
        async move {
            let vars = json!({ "f": filter, "d": D, "first": 2, "after": after });
            app.ok(&token, PREVIEW, vars).await["segmentPreview"].clone()
        }
    };
    let first = page(marketer.clone(), None).await;
    assert_eq!(first["count"], 5);
    assert_eq!(first["edges"][0]["node"]["memberNo"], "M1");
    assert_eq!(first["edges"][0]["node"]["email"], "m***@example.com");
    assert_eq!(first["pageInfo"]["hasNextPage"], true);
    let cursor = first["pageInfo"]["endCursor"].as_str().map(str::to_owned);
    let second = page(marketer.clone(), cursor).await;
    let numbers: Vec<_> = second["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["memberNo"].clone())
        .collect();
    assert_eq!(numbers, [json!("M4"), json!("M5")]);
    let shown = page(admin.clone(), None).await;
    assert_eq!(shown["edges"][0]["node"]["email"], "m1@example.com");
}

#[tokio::test]
async fn saved_segments_nest_refuse_cycles_and_are_audited() {
    let (app, admin) = fixture().await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let create = "mutation($n:String!, $d:String, $f:SegmentFilter!){
        createSegment(name:$n, description:$d, filter:$f, asOf:\"2025-03-01\"){ id name createdBy updatedBy } }";
    let shanghai = app
        .ok(
            &marketer,
            create,
            json!({ "n": "Shanghai", "f": field("city", "EQ", json!("上海")) }),
        )
        .await["createSegment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let best = json!({ "and": [{ "inSegment": shanghai }, fields("tier", "IN", json!(["A", "B"]))] });
    let best_id = app
        .ok(
            &marketer,
            create,
            json!({ "n": "Shanghai best", "d": "A and B", "f": best }),
        )
        .await["createSegment"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        select(&app, &marketer, &json!({ "inSegment": best_id }), D).await,
        ["M1", "M2", "M7"]
    );
    // A saved filter reads back in the input shape and selects the same members.
    let spender = json!({ "and": [{ "bought": { "minAmount": "5500.01", "window": { "lastDays": 365 } } },
        fields("gender", "NOT_IN", json!(["other"]))] });
    let spender_id = app
        .ok(&marketer, create, json!({ "n": "Spenders", "f": spender }))
        .await["createSegment"]["id"]
        .clone();
    let one = "query($id:ID!){ segment(id:$id){ filter createdBy updatedBy } }";
    let stored = app.ok(&admin, one, json!({ "id": spender_id })).await["segment"]["filter"].clone();
    assert_eq!(select(&app, &admin, &stored, D).await, ["M2", "M3", "M7"], "{stored}");
    app.ok(
        &admin,
        "mutation($id:ID!){ deleteSegment(id:$id) }",
        json!({ "id": spender_id }),
    )
    .await;
    let counted = app
        .ok(
            &admin,
            "{ segments { name description count(asOf:\"2025-03-01\") updatedBy } }",
            json!({}),
        )
        .await;
    assert_eq!(counted["segments"][0]["name"], "Shanghai");
    assert_eq!(counted["segments"][0]["count"], 5);
    assert_eq!(counted["segments"][1]["count"], 3);
    assert_eq!(counted["segments"][1]["description"], "A and B");

    // Shanghai → Shanghai best → Shanghai is a cycle; so is a segment naming itself.
    let update =
        "mutation($id:ID!, $f:SegmentFilter, $n:String){ updateSegment(id:$id, filter:$f, name:$n){ name updatedBy } }";
    for filter in [
        json!({ "inSegment": best_id }),
        json!({ "or": [{ "inSegment": shanghai }] }),
    ] {
        let response = app
            .graphql(&admin, update, json!({ "id": shanghai, "f": filter }))
            .await;
        let (code, path) = first_error(&response);
        assert_eq!(code, "BAD_USER_INPUT", "{response}");
        assert!(path.unwrap_or_default().ends_with("inSegment"), "{response}");
    }
    let taken = app
        .graphql(&admin, update, json!({ "id": best_id, "n": "Shanghai" }))
        .await;
    assert_eq!(
        first_error(&taken),
        ("BAD_USER_INPUT".to_owned(), Some("name".to_owned()))
    );
    let renamed = app.ok(&admin, update, json!({ "id": best_id, "n": "沪 A/B" })).await;
    assert_eq!(renamed["updateSegment"]["name"], "沪 A/B");
    let who = app.ok(&admin, one, json!({ "id": best_id })).await["segment"].clone();
    assert_ne!(
        who["createdBy"], who["updatedBy"],
        "the admin changed the marketer's segment: {who}"
    );

    let delete = "mutation($id:ID!){ deleteSegment(id:$id) }";
    let used = app.graphql(&admin, delete, json!({ "id": shanghai })).await;
    assert_eq!(first_error(&used), ("BAD_USER_INPUT".to_owned(), Some("id".to_owned())));
    app.ok(&marketer, delete, json!({ "id": best_id })).await;
    app.ok(&marketer, delete, json!({ "id": shanghai })).await;
    let missing = app
        .graphql(&admin, PREVIEW, json!({ "f": { "inSegment": shanghai } }))
        .await;
    assert_eq!(
        first_error(&missing),
        ("BAD_USER_INPUT".to_owned(), Some("filter.inSegment".to_owned()))
    );

    let log = app
        .ok(&admin, "{ auditLog(first: 50) { action target } }", json!({}))
        .await;
    let actions: Vec<_> = log["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    for action in ["segment.create", "segment.update", "segment.delete", "segment.preview"] {
        assert!(actions.iter().any(|a| a == action), "{action} in {actions:?}");
    }
}

/// Member numbers of a connection's edges, sorted (`node` a member, or a change's member);
/// an erased member is `erased`.
fn numbers(connection: &Value) -> Vec<String> {
    let mut found: Vec<String> = connection["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let node = &e["node"];
            let member = if node["member"].is_object() {
                &node["member"]
            } else {
                node
            };
            let number = member["memberNo"].as_str().unwrap();
            if number.starts_with("erased-") {
                "erased"
            } else {
                number
            }
            .to_owned()
        })
        .collect();
    found.sort();
    found
}

const HISTORY: &str = "query($id:ID!, $since:DateTime){ segment(id:$id){ lastCount
    members(first:50){ edges { node { memberNo } } }
    entered(since:$since, first:50){ edges { node { at entered member { memberNo } } } }
    left(since:$since, first:50){ edges { node { at entered member { memberNo } } } }
    refreshes { asOf members entered left requestedBy jobRunId } } }";

#[tokio::test]
async fn membership_is_refreshed_with_who_entered_and_who_left() {
    let (app, admin) = imported().await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    for date in ["2024-12-01", "2025-01-20"] {
        app.run_job("analytics", date).await.expect("analytics run");
    }
    let create = "mutation($n:String!, $f:SegmentFilter!){ createSegment(name:$n, filter:$f){ id } }";
    let mut ids = Vec::new();
    for (name, filter) in [
        ("A and B", fields("tier", "IN", json!(["A", "B"]))),
        (
            "Bedding lately",
            json!({ "bought": { "category": "床品", "window": { "lastDays": 60 } } }),
        ),
    ] {
        let created = app.ok(&marketer, create, json!({ "n": name, "f": filter })).await;
        ids.push(created["createSegment"]["id"].as_str().unwrap().to_owned());
    }
    let (best, bedding) = (&ids[0], &ids[1]);
    let history = |id: &String, since: Option<&str>| {
        let vars = json!({ "id": id, "since": since });
        let app = &app;
        let admin = &admin;
        async move { app.ok(admin, HISTORY, vars).await["segment"].clone() }
    };

    // The nightly refresh as of the second run: tiers of 2025-01-20, bedding since 2024-11-22.
    let first = app.run_job("segments", "2025-01-20").await.expect("refresh");
    assert_eq!(first["segments"]["refreshed"], 2, "{first}");
    let seg = history(best, None).await;
    assert_eq!(numbers(&seg["members"]), ["M1", "M3", "M7", "M8"], "{seg}");
    assert_eq!(numbers(&seg["entered"]), ["M1", "M3", "M7", "M8"]);
    assert_eq!(numbers(&seg["left"]), Vec::<String>::new());
    assert_eq!(seg["lastCount"], 4);
    assert_eq!(
        seg["refreshes"][0],
        json!({ "asOf": "2025-01-20", "members": 4, "entered": 4, "left": 0,
                "requestedBy": "job:segments", "jobRunId": seg["refreshes"][0]["jobRunId"] })
    );
    assert!(seg["refreshes"][0]["jobRunId"].is_string(), "{seg}");
    assert_eq!(numbers(&history(bedding, None).await["members"]), ["M7"]);
    let first_at = seg["entered"]["edges"][0]["node"]["at"].as_str().unwrap().to_owned();

    // The third run: M2 is upgraded to B, M3 downgraded to C, M8 erased; M7's last bedding
    // (2024-12-31) falls out of the 60 days, M2's (2025-02-10) falls in.
    app.run_job("analytics", D).await.expect("analytics run");
    erase_m8(&app, &admin).await;
    app.run_job("segments", D).await.expect("refresh");
    let seg = history(best, None).await;
    assert_eq!(numbers(&seg["members"]), ["M1", "M2", "M7"], "{seg}");
    let second_at = seg["entered"]["edges"][0]["node"]["at"].as_str().unwrap().to_owned();
    assert!(second_at > first_at, "newest first: {seg}");
    let since = history(best, Some(&second_at)).await;
    assert_eq!(numbers(&since["entered"]), ["M2"], "{since}");
    assert_eq!(numbers(&since["left"]), ["M3", "erased"], "{since}");
    assert_eq!(since["left"]["edges"][0]["node"]["entered"], false);
    assert_eq!(
        numbers(&seg["entered"]),
        ["M1", "M2", "M3", "M7", "erased"],
        "all entries"
    );
    let sizes: Vec<_> = seg["refreshes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["members"].clone())
        .collect();
    assert_eq!(sizes, [json!(3), json!(4)], "newest first: {seg}");
    // Segments are refreshed side by side, so this one's refresh has its own time.
    let bed_at = history(bedding, None).await["entered"]["edges"][0]["node"]["at"]
        .as_str()
        .unwrap()
        .to_owned();
    let bed = history(bedding, Some(&bed_at)).await;
    assert_eq!(numbers(&bed["members"]), ["M2"]);
    assert_eq!(
        (numbers(&bed["entered"]), numbers(&bed["left"])),
        (vec!["M2".to_owned()], vec!["M7".to_owned()])
    );

    // A refresh on demand with nothing new changes nothing, and is audited.
    let refresh = "mutation($id:ID!, $d:NaiveDate){ refreshSegment(id:$id, asOf:$d){ members entered left requestedBy jobRunId } }";
    let again = app.ok(&marketer, refresh, json!({ "id": best, "d": D })).await["refreshSegment"].clone();
    assert_eq!(again["members"], 3);
    assert_eq!((again["entered"].clone(), again["left"].clone()), (json!(0), json!(0)));
    assert!(
        again["jobRunId"].is_null() && again["requestedBy"].as_str().unwrap().starts_with("staff"),
        "{again}"
    );
    let log = app.ok(&admin, "{ auditLog(first: 5) { action } }", json!({})).await;
    assert_eq!(log["auditLog"][0]["action"], "segment.refresh");

    // Two refreshes of a new segment at once: each evaluates the filter, then they take turns,
    // so everyone enters once, at whichever came first.
    let created = app
        .ok(
            &marketer,
            create,
            json!({ "n": "A and B again", "f": fields("tier", "IN", json!(["A", "B"])) }),
        )
        .await;
    let again_id = created["createSegment"]["id"].as_str().unwrap().to_owned();
    let vars = json!({ "id": again_id, "d": D });
    let (one, other) = tokio::join!(
        app.ok(&marketer, refresh, vars.clone()),
        app.ok(&marketer, refresh, vars)
    );
    let mut entered = [&one, &other].map(|r| r["refreshSegment"]["entered"].as_i64().unwrap());
    entered.sort_unstable();
    assert_eq!(entered, [0, 3], "{one} {other}");
    let seg = history(&again_id, None).await;
    assert_eq!(numbers(&seg["entered"]), ["M1", "M2", "M7"], "{seg}");
    assert_eq!(seg["lastCount"], 3);
    let delete = "mutation($id:ID!){ deleteSegment(id:$id) }";
    app.ok(&marketer, delete, json!({ "id": again_id })).await;

    // A member's segments, by name; only marketing sees them.
    let of = "query($no:String!){ member(memberNo:$no){ segments { name } } }";
    let names = |data: Value| -> Vec<String> {
        let list = data["member"]["segments"].as_array().unwrap().clone();
        list.iter().map(|s| s["name"].as_str().unwrap().to_owned()).collect()
    };
    assert_eq!(
        names(app.ok(&marketer, of, json!({ "no": "M2" })).await),
        ["A and B", "Bedding lately"]
    );
    assert_eq!(names(app.ok(&marketer, of, json!({ "no": "M7" })).await), ["A and B"]);
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    assert_eq!(app.error_code(&associate, of, json!({ "no": "M2" })).await, "FORBIDDEN");
    assert_eq!(
        app.error_code(&associate, refresh, json!({ "id": best })).await,
        "FORBIDDEN"
    );

    // Deleting a segment takes its membership and history with it.
    app.ok(&marketer, delete, json!({ "id": bedding })).await;
    assert_eq!(names(app.ok(&marketer, of, json!({ "no": "M2" })).await), ["A and B"]);
}

/// Evaluated now, each member's own today decides birthdays and ages: in Kiritimati (UTC+14) it
/// is tomorrow in Shanghai's evening, in Pago Pago (UTC−11) still yesterday until Shanghai's
/// 19:00, so at any moment one of them has a date of its own.
#[tokio::test]
async fn evaluated_now_birthdays_and_ages_follow_each_members_own_today() {
    use chrono::{Datelike, Utc};
    let app = spawn_app().await;
    let admin = app.admin().await;
    let zones = ["Asia/Shanghai", "Pacific/Kiritimati", "Pacific/Pago_Pago"];
    let local_days = || {
        let now = Utc::now();
        zones.map(|zone| now.with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap()).date_naive())
    };
    let days = local_days();
    for (i, (zone, today)) in zones.iter().zip(days).enumerate() {
        // Born 30 years before their own today (a 29 February has no such day: nothing to check).
        let Some(born) = today.with_year(today.year() - 30) else {
            return;
        };
        let fields = json!({ "birthday": born.to_string(), "timeZone": zone });
        app.create_member(&admin, &format!("Z{i}"), fields).await;
    }
    assert!(
        days[1] != days[0] || days[2] != days[0],
        "one zone has its own date: {days:?}"
    );
    let now = "query($f:SegmentFilter!){ segmentPreview(filter:$f, first:10){ count } }";
    let birthday = app.ok(&admin, now, json!({ "f": { "birthdayWithin": 0 } })).await;
    let thirty = app.ok(&admin, now, json!({ "f": field("age", "EQ", json!(30)) })).await;
    if local_days() != days {
        eprintln!("a zone's date changed during the test; nothing to check");
        return;
    }
    assert_eq!(
        birthday["segmentPreview"]["count"], 3,
        "everyone's birthday is their own today"
    );
    assert_eq!(
        thirty["segmentPreview"]["count"], 3,
        "everyone turns 30 on their own today"
    );
    // As of a past date, everyone shares it: yesterday in Shanghai is the birthday of those
    // whose own today is that date (Pago Pago before Shanghai's 19:00), and of nobody else.
    let yesterday = days[0].pred_opt().unwrap();
    let past = json!({ "f": { "birthdayWithin": 0 }, "d": yesterday.to_string(), "first": 10 });
    let found = app.ok(&admin, PREVIEW, past).await["segmentPreview"]["count"].clone();
    let expected = days.iter().filter(|d| **d == yesterday).count();
    assert_eq!(found, expected, "as of {yesterday} with own dates {days:?}");
}

#[tokio::test]
async fn only_marketers_and_admins_use_segments() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_member(&admin, "A1", json!({ "storeCode": "S1" })).await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    let member = app.token(Role::Member, Some("A1"), None, None).await;
    let filter = json!({ "f": field("city", "EQ", json!("上海")) });
    for token in [&associate, &member] {
        assert_eq!(
            app.error_code(token, "{ segments { id } }", json!({})).await,
            "FORBIDDEN"
        );
        assert_eq!(app.error_code(token, PREVIEW, filter.clone()).await, "FORBIDDEN");
        let create = "mutation($f:SegmentFilter!){ createSegment(name:\"x\", filter:$f){ id } }";
        assert_eq!(app.error_code(token, create, filter.clone()).await, "FORBIDDEN");
    }
}

#[tokio::test]
async fn bad_filters_name_their_place_in_the_tree() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let mut deep = field("tier", "EQ", json!("A"));
    for _ in 0..8 {
        deep = json!({ "not": deep });
    }
    let cases = [
        (
            json!({ "and": [field("tier", "EQ", json!("A")), { "or": [field("nope", "EQ", json!(1))] }] }),
            "filter.and[1].or[0].field.field",
        ),
        (field("interests", "GT", json!("tea")), "filter.field.op"),
        (field("tier", "EQ", json!("E")), "filter.field.value"),
        (
            json!({ "or": [field("age", "EQ", json!("old"))] }),
            "filter.or[0].field.value",
        ),
        (field("joinedAt", "GE", json!("yesterday")), "filter.field.value"),
        (field("monetary365", "GE", json!("1.001")), "filter.field.value"),
        (fields("age", "BETWEEN", json!([1])), "filter.field.values"),
        (fields("gender", "IN", json!(["male", 3])), "filter.field.values[1]"),
        (field("city", "EQ", json!(null)), "filter.field.value"),
        (json!({ "and": [] }), "filter.and"),
        (json!({ "not": { "or": [] } }), "filter.not.or"),
        (deep, "filter.not.not.not.not.not.not.not.not"),
        (json!({ "bought": { "window": {} } }), "filter.bought.window"),
        (
            json!({ "bought": { "window": { "lastDays": 0 } } }),
            "filter.bought.window.lastDays",
        ),
        (
            json!({ "bought": { "window": { "from": "2025-02-01", "to": "2025-01-01" } } }),
            "filter.bought.window.to",
        ),
        (
            json!({ "bought": { "minAmount": "1.001", "window": { "lastDays": 5 } } }),
            "filter.bought.minAmount",
        ),
        (
            json!({ "bought": { "minCount": 0, "window": { "lastDays": 5 } } }),
            "filter.bought.minCount",
        ),
        (
            json!({ "bought": { "minAmount": "0", "window": { "lastDays": 5 } } }),
            "filter.bought.minAmount",
        ),
        (json!({ "birthdayWithin": 400 }), "filter.birthdayWithin"),
        (
            json!({ "boughtNothing": { "lastDays": -1 } }),
            "filter.boughtNothing.lastDays",
        ),
        (json!({ "inSegment": "42" }), "filter.inSegment"),
    ];
    for (filter, path) in cases {
        let response = app.graphql(&admin, PREVIEW, json!({ "f": filter, "d": D })).await;
        assert_eq!(
            first_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(path.to_owned())),
            "{filter}: {response}"
        );
        // A stable key a client translates, whatever the English says.
        let key = response["errors"][0]["extensions"]["key"].as_str().unwrap_or_default();
        assert!(key.starts_with("segment."), "{filter}: {response}");
    }
    let empty_in = app
        .graphql(&admin, PREVIEW, json!({ "f": fields("tier", "IN", json!([])), "d": D }))
        .await;
    let extensions = &empty_in["errors"][0]["extensions"];
    assert_eq!(
        (&extensions["key"], &extensions["params"]),
        (&json!("segment.valueCount"), &json!({ "op": "IN" })),
        "{empty_in}"
    );
    // Two kinds in one node is not a one-of input.
    let both = json!({ "f": { "and": [field("tier", "EQ", json!("A"))], "birthdayWithin": 3 } });
    assert_eq!(app.error_code(&admin, PREVIEW, both).await, "BAD_USER_INPUT");
}

#[tokio::test]
async fn segment_fields_offer_exactly_the_operators_the_filter_accepts() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let described = app
        .ok(
            &admin,
            "{ segmentFields { name kind operators choices nullable } }",
            json!({}),
        )
        .await;
    let fields_list = described["segmentFields"].as_array().unwrap().clone();
    let tier = fields_list.iter().find(|f| f["name"] == "tier").unwrap();
    assert_eq!(
        (&tier["kind"], &tier["choices"], &tier["nullable"]),
        (&json!("choice"), &json!(["A", "B", "C", "D"]), &json!(true))
    );
    let all = [
        "EQ", "NE", "LT", "LE", "GT", "GE", "BETWEEN", "IN", "NOT_IN", "CONTAINS", "IS_EMPTY",
    ];
    for described in &fields_list {
        let offered: Vec<&str> = described["operators"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|o| o.as_str())
            .collect();
        for op in all {
            let filter =
                json!({ "field": { "field": described["name"], "op": op, "value": "x", "values": ["x", "y"] } });
            let response = app.graphql(&admin, PREVIEW, json!({ "f": filter, "d": D })).await;
            let refused_op = response["errors"][0]["extensions"]["field"] == "filter.field.op";
            assert_eq!(
                refused_op,
                !offered.contains(&op),
                "{} {op}: {response}",
                described["name"]
            );
        }
    }
}

/// A saved segment's members, and who entered or left it, are exports of member data: each read
/// writes its audit entry, as a preview does.
#[tokio::test]
async fn reading_a_saved_segments_members_and_changes_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "city": "上海" })).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let create = "mutation($f:SegmentFilter!){ createSegment(name:\"Shanghai\", filter:$f){ id } }";
    let filter = json!({ "field": { "field": "city", "op": "EQ", "value": "上海" } });
    let created = app.ok(&marketer, create, json!({ "f": filter })).await;
    let id = created["createSegment"]["id"].as_str().unwrap().to_owned();
    let refresh = "mutation($id:ID!){ refreshSegment(id:$id){ members } }";
    app.ok(&marketer, refresh, json!({ "id": id })).await;

    for (list, action, returned) in [
        ("members", "segment.members", 1),
        ("entered", "segment.entered", 1),
        ("left", "segment.left", 0),
    ] {
        let read = format!("query($id:ID!){{ segment(id:$id){{ {list}(first: 5){{ edges {{ cursor }} }} }} }}");
        app.ok(&marketer, &read, json!({ "id": id })).await;
        let log = app
            .ok(&admin, "{ auditLog(first: 5) { role action detail } }", json!({}))
            .await;
        let entry = log["auditLog"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["action"] == action)
            .cloned()
            .unwrap_or_else(|| panic!("no {action} in {log}"));
        assert_eq!(entry["role"], "marketer", "{action}");
        let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
        assert_eq!(detail["segment"].to_string(), id, "{action}: {detail}");
        assert_eq!(detail["returned"], returned, "{action}: {detail}");
    }
}
