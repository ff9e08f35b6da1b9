//! Creating, updating, validating, filtering and paging members.
use patron::auth::Role;
use sea_orm::ConnectionTrait;
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const CREATE: &str = "mutation($no:String!, $in:MemberFields!){ createMember(memberNo:$no, input:$in){ memberNo } }";
const UPDATE: &str = "mutation($no:String!, $in:MemberFields!){ updateMember(memberNo:$no, input:$in){ memberNo } }";

#[tokio::test]
async fn create_member_rejects_each_invalid_field_by_name() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let tomorrow = (app.brand.today() + chrono::Duration::days(1)).to_string();
    let cases: &[(&str, Value, &str)] = &[
        ("bad email", json!({ "name": "a", "email": "not-an-email" }), "email"),
        (
            "email without domain dot",
            json!({ "name": "a", "email": "a@localhost" }),
            "email",
        ),
        ("short phone", json!({ "name": "a", "phone": "12345" }), "phone"),
        ("landline-like", json!({ "name": "a", "phone": "23812345678" }), "phone"),
        (
            "future birthday",
            json!({ "name": "a", "birthday": tomorrow }),
            "birthday",
        ),
        (
            "unknown zone",
            json!({ "name": "a", "timeZone": "Asia/Atlantis" }),
            "timeZone",
        ),
        ("unknown locale", json!({ "name": "a", "locale": "fr" }), "locale"),
        ("blank name", json!({ "name": "  " }), "name"),
        ("missing name", json!({ "city": "上海" }), "name"),
        (
            "unknown store",
            json!({ "name": "a", "storeCode": "NOPE" }),
            "storeCode",
        ),
        (
            "unknown referrer",
            json!({ "name": "a", "referredBy": "NOPE" }),
            "referredBy",
        ),
    ];
    for (case, input, field) in cases {
        let response = app.graphql(&admin, CREATE, json!({ "no": "M1", "in": input })).await;
        let (code, got_field) = first_error(&response);
        assert_eq!(code, "BAD_USER_INPUT", "{case}: {response}");
        assert_eq!(got_field.as_deref(), Some(*field), "{case}: {response}");
    }
    let response = app
        .graphql(&admin, CREATE, json!({ "no": "has space", "in": { "name": "a" } }))
        .await;
    assert_eq!(
        first_error(&response),
        ("BAD_USER_INPUT".into(), Some("memberNo".into()))
    );
    let data = app.ok(&admin, "{ members { totalCount } }", json!({})).await;
    assert_eq!(data["members"]["totalCount"], 0, "no rejected input was stored");
}

#[tokio::test]
async fn member_round_trips_every_profile_field() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_member(&admin, "REF", json!({})).await;
    let input = json!({
        "name": "王小明", "gender": "MALE", "birthday": "1992-02-29", "lunarBirthday": true,
        "phone": "+86 138-1234-5678", "email": "Xiao.Ming@Example.COM", "address": "南京西路1号", "city": "上海",
        "joinedAt": "2024-05-01", "storeCode": "S1", "referredBy": "REF", "interests": ["女装", "鞋履"],
        "locale": "en", "timeZone": "Europe/Berlin", "emailConsent": true, "consentSource": "store-form"
    });
    app.ok(&admin, CREATE, json!({ "no": "M1", "in": input })).await;
    let query = "{ member(memberNo:\"M1\"){ name gender birthday lunarBirthday phone email address city joinedAt
        store { code } referredBy { memberNo } interests locale timeZone emailConsent consentSource consentAt status } }";
    let member = app.ok(&admin, query, json!({})).await["member"].clone();
    assert_eq!(member["gender"], "MALE");
    assert_eq!(member["birthday"], "1992-02-29");
    assert_eq!(member["phone"], "+8613812345678", "spaces and dashes are dropped");
    assert_eq!(member["email"], "xiao.ming@example.com");
    assert_eq!(member["store"]["code"], "S1");
    assert_eq!(member["referredBy"]["memberNo"], "REF");
    assert_eq!(member["interests"], json!(["女装", "鞋履"]));
    assert_eq!(member["timeZone"], "Europe/Berlin");
    assert_eq!(member["consentSource"], "store-form");
    assert!(member["consentAt"].is_string());
    assert_eq!(member["status"], "active");

    let update =
        "mutation{ updateMember(memberNo:\"M1\", input:{ city:\"北京\", phone:\"\" }){ city phone consentAt } }";
    let updated = app.ok(&admin, update, json!({})).await["updateMember"].clone();
    assert_eq!(updated["city"], "北京");
    assert!(updated["phone"].is_null(), "an empty string clears a field");
    assert_eq!(
        updated["consentAt"], member["consentAt"],
        "consent time moves only when consent changes"
    );

    let withdraw = "mutation{ setEmailConsent(memberNo:\"M1\", granted:false, source:\"unsubscribe-desk\"){ emailConsent consentSource } }";
    let data = app.ok(&admin, withdraw, json!({})).await;
    assert_eq!(
        data["setEmailConsent"],
        json!({ "emailConsent": false, "consentSource": "unsubscribe-desk" })
    );
    let duplicate = app
        .graphql(&admin, CREATE, json!({ "no": "M1", "in": { "name": "again" } }))
        .await;
    assert_eq!(
        first_error(&duplicate),
        ("BAD_USER_INPUT".into(), Some("memberNo".into()))
    );
    let missing = app
        .graphql(&admin, "{ member(memberNo:\"NOPE\"){ name } }", json!({}))
        .await;
    assert_eq!(first_error(&missing).0, "NOT_FOUND");
}

#[tokio::test]
async fn members_filter_order_and_page() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_store(&admin, "S2").await;
    let people = [
        (
            "M1",
            "Alice Wang",
            "female",
            "1990-03-05",
            "Shanghai",
            "S1",
            "2024-01-10",
            true,
            "13800000001",
        ),
        (
            "M2",
            "Bob Li",
            "male",
            "1985-03-20",
            "Beijing",
            "S2",
            "2024-06-01",
            false,
            "13800000002",
        ),
        (
            "M3",
            "Carol Zhang",
            "female",
            "1999-11-11",
            "Shanghai",
            "S2",
            "2025-02-14",
            true,
            "13800000003",
        ),
        (
            "M4",
            "Dan Wang",
            "male",
            "2000-07-07",
            "Shanghai",
            "S1",
            "2025-08-08",
            false,
            "13800000004",
        ),
    ];
    for (no, name, gender, birthday, city, store, joined, consent, phone) in people {
        let fields = json!({
            "name": name, "gender": gender.to_uppercase(), "birthday": birthday, "city": city, "storeCode": store,
            "joinedAt": joined, "emailConsent": consent, "phone": phone, "email": format!("{}@example.com", no.to_lowercase())
        });
        app.create_member(&admin, no, fields).await;
    }
    let list = "query($f:MemberFilter, $o:MemberOrder, $first:Int, $after:String){
        members(filter:$f, orderBy:$o, first:$first, after:$after){
            totalCount edges { cursor node { memberNo } } pageInfo { hasNextPage endCursor } } }";
    let numbers = |data: &Value| -> Vec<String> {
        data["members"]["edges"]
            .as_array()
            .map(|edges| {
                edges
                    .iter()
                    .map(|e| e["node"]["memberNo"].as_str().unwrap_or_default().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let cases: &[(&str, Value, &[&str])] = &[
        ("name search, any case", json!({ "search": "WANG" }), &["M1", "M4"]),
        ("phone search", json!({ "search": "0003" }), &["M3"]),
        ("email search", json!({ "search": "m2@" }), &["M2"]),
        ("store", json!({ "storeCode": "S2" }), &["M2", "M3"]),
        ("city", json!({ "city": "Shanghai" }), &["M1", "M3", "M4"]),
        ("gender", json!({ "gender": "MALE" }), &["M2", "M4"]),
        ("birthday month", json!({ "birthdayMonth": 3 }), &["M1", "M2"]),
        (
            "joined range",
            json!({ "joinedFrom": "2024-06-01", "joinedTo": "2025-02-14" }),
            &["M2", "M3"],
        ),
        ("consent", json!({ "emailConsent": true }), &["M1", "M3"]),
        (
            "combined",
            json!({ "city": "Shanghai", "gender": "FEMALE", "storeCode": "S1" }),
            &["M1"],
        ),
        ("wildcards are literal", json!({ "search": "%" }), &[]),
    ];
    for (case, filter, expected) in cases {
        let data = app.ok(&admin, list, json!({ "f": filter })).await;
        assert_eq!(numbers(&data), *expected, "{case}");
        assert_eq!(data["members"]["totalCount"], expected.len(), "{case}");
    }
    let by_name_desc = app
        .ok(&admin, list, json!({ "o": { "field": "NAME", "direction": "DESC" } }))
        .await;
    assert_eq!(numbers(&by_name_desc), ["M4", "M3", "M2", "M1"]);
    let by_joined = app.ok(&admin, list, json!({ "o": { "field": "BIRTHDAY" } })).await;
    assert_eq!(numbers(&by_joined), ["M2", "M1", "M3", "M4"]);

    let first = app.ok(&admin, list, json!({ "first": 3 })).await;
    assert_eq!(numbers(&first), ["M1", "M2", "M3"]);
    assert_eq!(first["members"]["pageInfo"]["hasNextPage"], true);
    let cursor = first["members"]["pageInfo"]["endCursor"].clone();
    let second = app.ok(&admin, list, json!({ "first": 3, "after": cursor })).await;
    assert_eq!(numbers(&second), ["M4"]);
    assert_eq!(second["members"]["pageInfo"]["hasNextPage"], false);

    let bad_month = app.graphql(&admin, list, json!({ "f": { "birthdayMonth": 13 } })).await;
    assert_eq!(
        first_error(&bad_month),
        ("BAD_USER_INPUT".into(), Some("birthdayMonth".into()))
    );
    let bad_cursor = app.graphql(&admin, list, json!({ "after": "garbage" })).await;
    assert_eq!(
        first_error(&bad_cursor),
        ("BAD_USER_INPUT".into(), Some("after".into()))
    );
}

/// Lapsed repeat buyers L1–L4 of store S1, each assigned to S1's associate, whose token this
/// returns: the analytics run of 2026-11-01 puts them on that associate's call list.
async fn assigned_lapsed_members(app: &TestApp, admin: &str) -> String {
    app.import(
        "members",
        "member_no,name,phone,email,store\n\
         L1,Member L1,13800000001,l1@example.com,S1\nL2,Member L2,13800000002,l2@example.com,S1\n\
         L3,Member L3,13800000003,l3@example.com,S1\nL4,Member L4,13800000004,l4@example.com,S1\n\
         R1,Regular,13800000009,r1@example.com,S3\n",
    )
    .await;
    let mut purchases = "member_no,occurred_at,amount,order_id\n".to_owned();
    for no in ["L1", "L2", "L3", "L4"] {
        purchases += &format!("{no},2025-01-10,100,{no}-a\n{no},2025-02-10,100,{no}-b\n");
    }
    purchases += "R1,2026-09-01,100,r-a\nR1,2026-10-01,100,r-b\nR1,2026-10-25,100,r-c\n";
    app.import("purchases", &purchases).await;
    app.run_job("analytics", "2026-11-01").await.expect("analytics");
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    let assign = "mutation($no:String!){ assignAssociate(memberNo:$no, username:\"associate-S1\"){ memberNo } }";
    for no in ["L1", "L2", "L3", "L4"] {
        app.ok(admin, assign, json!({ "no": no })).await;
    }
    associate
}

/// The member numbers on an associate's call list, sorted, and whether each one's contact
/// details are masked.
async fn call_list(app: &TestApp, associate: &str) -> Vec<(String, bool)> {
    let data = app
        .ok(associate, "{ myCallList { memberNo contactMasked } }", json!({}))
        .await;
    let mut listed: Vec<_> = data["myCallList"]
        .as_array()
        .expect("list")
        .iter()
        .map(|m| (m["memberNo"].as_str().unwrap().to_owned(), m["contactMasked"] == true))
        .collect();
    listed.sort();
    listed
}

#[tokio::test]
async fn a_member_who_moves_store_leaves_an_associate_of_the_old_store() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let old_store = assigned_lapsed_members(&app, &admin).await;
    let new_store = app.token(Role::Associate, None, Some("S2"), None).await;
    let everyone: Vec<_> = ["L1", "L2", "L3", "L4"].map(|no| (no.to_owned(), false)).into();
    assert_eq!(call_list(&app, &old_store).await, everyone);
    // L3 was assigned to S2's associate by an older release, before it moves there.
    app.db
        .execute_unprepared(
            "UPDATE members SET assigned_associate_id = \
             (SELECT id FROM staff_users WHERE username = 'associate-S2') WHERE member_no = 'L3'",
        )
        .await
        .expect("legacy assignment");

    // An admin moves L1 and L3; an import moves L2.
    app.ok(&admin, UPDATE, json!({ "no": "L1", "in": { "storeCode": "S2" } }))
        .await;
    app.ok(&admin, UPDATE, json!({ "no": "L3", "in": { "storeCode": "S2" } }))
        .await;
    app.import("members", "member_no,name,store\nL2,Member L2,S2\n").await;

    let profile = "query($no:String!){ member(memberNo:$no){ store { code } assignedAssociate { username } } }";
    for (no, associate) in [
        ("L1", None),
        ("L2", None),
        ("L3", Some("associate-S2")),
        ("L4", Some("associate-S1")),
    ] {
        let member = app.ok(&admin, profile, json!({ "no": no })).await["member"].clone();
        assert_eq!(
            member["assignedAssociate"]["username"].as_str(),
            associate,
            "{no}: {member}"
        );
    }
    assert_eq!(call_list(&app, &old_store).await, [("L4".to_owned(), false)]);
    let unassigned_or_own = [("L1", true), ("L2", true), ("L3", false)].map(|(no, masked)| (no.to_owned(), masked));
    assert_eq!(call_list(&app, &new_store).await, unassigned_or_own);
}

#[tokio::test]
async fn reading_the_call_list_is_audited() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let associate = assigned_lapsed_members(&app, &admin).await;
    assert_eq!(call_list(&app, &associate).await.len(), 4);
    let log = app
        .ok(
            &admin,
            "{ auditLog(first: 10) { actor role action detail } }",
            json!({}),
        )
        .await;
    let entry = log["auditLog"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|e| e["action"] == "call_list.export")
        .cloned()
        .unwrap_or_else(|| panic!("no call_list.export in {log}"));
    assert_eq!(entry["role"], "associate");
    let detail: Value = serde_json::from_str(entry["detail"].as_str().unwrap()).unwrap();
    assert_eq!(detail["returned"], 4);
}

#[tokio::test]
async fn an_associate_changes_contact_details_only_of_members_assigned_to_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    let contacts = json!({ "phone": "13800138000", "email": "c1@example.com", "address": "上海路 1 号" });
    let mut fields = contacts.clone();
    fields["storeCode"] = json!("S1");
    app.create_member(&admin, "C1", fields).await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;

    let changes = [
        ("phone", "13900139000"),
        ("email", "new@example.com"),
        ("address", ""),
        ("phone", ""),
    ];
    for (field, value) in changes {
        let response = app
            .graphql(&associate, UPDATE, json!({ "no": "C1", "in": { field: value } }))
            .await;
        assert_eq!(first_error(&response).0, "FORBIDDEN", "{field}: {response}");
        let message = response["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(field), "{field}: {message}");
    }
    let read = "{ member(memberNo:\"C1\"){ phone email address city } }";
    let unchanged = app.ok(&admin, read, json!({})).await["member"].clone();
    assert_eq!(
        (&unchanged["phone"], &unchanged["email"], &unchanged["address"]),
        (&contacts["phone"], &contacts["email"], &contacts["address"])
    );
    // The rest of the profile is theirs to keep up, and contacts once the member is theirs.
    app.ok(&associate, UPDATE, json!({ "no": "C1", "in": { "city": "上海" } }))
        .await;
    let assign = "mutation{ assignAssociate(memberNo:\"C1\", username:\"associate-S1\"){ memberNo } }";
    app.ok(&admin, assign, json!({})).await;
    app.ok(
        &associate,
        UPDATE,
        json!({ "no": "C1", "in": { "phone": "13900139000" } }),
    )
    .await;
    let changed = app.ok(&admin, read, json!({})).await["member"].clone();
    assert_eq!(
        (&changed["phone"], &changed["city"]),
        (&json!("13900139000"), &json!("上海"))
    );
    // A member the associate enrols is theirs at once: they see and keep up what they typed.
    let enrol = "mutation($in: MemberFields!) { createMember(memberNo: \"C2\", input: $in) { memberNo } }";
    let input = json!({ "name": "New", "phone": "13700137000" });
    app.ok(&associate, enrol, json!({ "in": input })).await;
    let theirs = "{ member(memberNo:\"C2\"){ phone assignedAssociate { username } store { code } } }";
    assert_eq!(
        app.ok(&associate, theirs, json!({})).await["member"],
        json!({ "phone": "13700137000", "assignedAssociate": { "username": "associate-S1" }, "store": { "code": "S1" } })
    );
}

const TOTAL: &str = "query($f:MemberFilter){ members(first:1, filter:$f){ totalCount } }";

async fn total(app: &TestApp, token: &str, filter: Value) -> Value {
    app.ok(token, TOTAL, json!({ "f": filter })).await["members"]["totalCount"].clone()
}

#[tokio::test]
async fn total_count_counts_what_a_mutation_wrote_at_once() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let shanghai = json!({ "city": "上海" });
    app.create_member(&admin, "M1", shanghai.clone()).await;
    assert_eq!(total(&app, &admin, shanghai.clone()).await, 1);
    assert_eq!(total(&app, &admin, shanghai.clone()).await, 1, "asked again, kept");

    app.create_member(&admin, "M2", shanghai.clone()).await;
    assert_eq!(
        total(&app, &admin, shanghai.clone()).await,
        2,
        "a member created through the API is counted by the next request"
    );
    app.ok(&admin, UPDATE, json!({ "no": "M1", "in": { "city": "北京" } }))
        .await;
    assert_eq!(
        total(&app, &admin, shanghai.clone()).await,
        1,
        "a member who moved away"
    );
    assert_eq!(total(&app, &admin, json!({ "city": "北京" })).await, 1);
}

#[tokio::test]
async fn total_count_is_counted_for_each_viewers_scope() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_store(&admin, "S2").await;
    for (no, store) in [("A1", "S1"), ("B1", "S2"), ("B2", "S2")] {
        app.create_member(&admin, no, json!({ "storeCode": store, "city": "上海" }))
            .await;
    }
    let s1 = app.token(Role::Associate, None, Some("S1"), None).await;
    let s2 = app.token(Role::Associate, None, Some("S2"), None).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    // The same request, one after another, each answered for its own viewer.
    for (viewer, token, expected) in [
        ("associate of S1", &s1, 1),
        ("admin", &admin, 3),
        ("associate of S2", &s2, 2),
        ("marketer", &marketer, 3),
        ("associate of S1 again", &s1, 1),
    ] {
        for filter in [json!({}), json!({ "city": "上海" })] {
            assert_eq!(total(&app, token, filter.clone()).await, expected, "{viewer}, {filter}");
        }
    }
}

#[tokio::test]
async fn total_count_sees_writes_outside_the_api_once_its_count_expires_or_a_mutation_runs() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "city": "上海" })).await;
    let asked = std::time::Instant::now();
    assert_eq!(total(&app, &admin, json!({})).await, 1);

    // An import is another process's write, as `patron import` is: the count is kept.
    app.import("members", "member_no,name,city\nM2,王芳,上海\n").await;
    let kept = total(&app, &admin, json!({})).await;
    if asked.elapsed() < patron::http::list_counts::KEPT_FOR {
        assert_eq!(kept, 1, "kept for {:?}", patron::http::list_counts::KEPT_FOR);
    }
    let list = app
        .ok(&admin, "{ members { edges { node { memberNo } } } }", json!({}))
        .await;
    assert_eq!(
        list["members"]["edges"].as_array().map(Vec::len),
        Some(2),
        "pages are read afresh"
    );

    // Any mutation forgets the kept counts.
    app.create_store(&admin, "S1").await;
    assert_eq!(total(&app, &admin, json!({})).await, 2);
}
