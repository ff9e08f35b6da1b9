//! Authentication, row-level access by role, masking of contact details, and the audit log.
use patron::auth::Role;
use serde_json::json;

use crate::helpers::{first_error, spawn_app, TestApp};

const MEMBER: &str = "query($no:String!){ member(memberNo:$no){ memberNo name phone email address contactMasked } }";

/// Two stores, a member in each, an associate at S1.
async fn two_stores(app: &TestApp) -> String {
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_store(&admin, "S2").await;
    let contact = json!({ "phone": "13812345678", "email": "wang@example.com", "address": "1 Nanjing Rd" });
    let mut s1 = contact.clone();
    s1["storeCode"] = json!("S1");
    app.create_member(&admin, "A1", s1).await;
    let mut s2 = contact;
    s2["storeCode"] = json!("S2");
    app.create_member(&admin, "B1", s2).await;
    admin
}

#[tokio::test]
async fn requests_without_a_valid_token_are_unauthenticated() {
    let app = spawn_app().await;
    let (status, body) = app.post(None, json!({ "query": "{ me { role } }" }).to_string()).await;
    assert_eq!(status, 401);
    assert_eq!(first_error(&body).0, "UNAUTHENTICATED");

    let forged =
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4Iiwicm9sZSI6ImFkbWluIiwiaWF0IjowLCJleHAiOjk5OTk5OTk5OTl9.c2lnbmF0dXJl";
    assert_eq!(
        app.error_code(forged, "{ me { role } }", json!({})).await,
        "UNAUTHENTICATED"
    );

    let other_server = patron::auth::TokenKeys::new(b"another-secret-of-sufficient-length-000000", 1);
    let token = other_server.issue(&patron::auth::Viewer::cli()).expect("token");
    assert_eq!(
        app.error_code(&token, "{ me { role } }", json!({})).await,
        "UNAUTHENTICATED"
    );

    let expired = patron::auth::TokenKeys::new(b"test-secret-that-is-long-enough-for-hs256-0123456789", -1);
    let token = expired.issue(&patron::auth::Viewer::cli()).expect("token");
    let response = app.graphql(&token, "{ me { role } }", json!({})).await;
    assert_eq!(first_error(&response).0, "UNAUTHENTICATED");
    assert!(
        response["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("expired"),
        "{response}"
    );
}

#[tokio::test]
async fn associate_sees_only_members_of_their_own_store() {
    let app = spawn_app().await;
    two_stores(&app).await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;

    let data = app
        .ok(
            &associate,
            "{ members { totalCount edges { node { memberNo } } } }",
            json!({}),
        )
        .await;
    assert_eq!(data["members"]["totalCount"], 1);
    assert_eq!(data["members"]["edges"][0]["node"]["memberNo"], "A1");

    assert_eq!(
        app.error_code(&associate, MEMBER, json!({ "no": "B1" })).await,
        "NOT_FOUND",
        "another store's member is answered as no member at all"
    );
    let filtered = json!({ "f": { "storeCode": "S2" } });
    let data = app
        .ok(
            &associate,
            "query($f:MemberFilter){ members(filter:$f){ totalCount } }",
            filtered,
        )
        .await;
    assert_eq!(
        data["members"]["totalCount"], 0,
        "a store filter cannot widen an associate's view"
    );
}

#[tokio::test]
async fn member_token_sees_only_its_own_member() {
    let app = spawn_app().await;
    two_stores(&app).await;
    let member = app.token(Role::Member, Some("A1"), None, None).await;

    let data = app
        .ok(&member, "{ me { role member { memberNo phone } } }", json!({}))
        .await;
    assert_eq!(data["me"]["role"], "MEMBER");
    assert_eq!(
        data["me"]["member"]["phone"], "13812345678",
        "members see their own contact details"
    );
    assert_eq!(
        app.error_code(&member, MEMBER, json!({ "no": "B1" })).await,
        "NOT_FOUND",
        "another member is answered as no member at all"
    );
    assert_eq!(
        app.error_code(&member, "{ members { totalCount } }", json!({})).await,
        "FORBIDDEN"
    );
    let update = "mutation{ updateMember(memberNo:\"B1\", input:{ city:\"x\" }){ city } }";
    assert_eq!(app.error_code(&member, update, json!({})).await, "NOT_FOUND");
}

#[tokio::test]
async fn marketers_read_masked_members_and_cannot_change_them() {
    let app = spawn_app().await;
    two_stores(&app).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let data = app.ok(&marketer, MEMBER, json!({ "no": "A1" })).await;
    assert_eq!(data["member"]["phone"], "138****5678");
    assert_eq!(data["member"]["email"], "w***@example.com");
    assert_eq!(data["member"]["address"], "***");
    let create = "mutation{ createMember(memberNo:\"X\", input:{ name:\"x\" }){ memberNo } }";
    assert_eq!(app.error_code(&marketer, create, json!({})).await, "FORBIDDEN");
    let points = "mutation{ earnPoints(memberNo:\"A1\", points:5){ points } }";
    assert_eq!(app.error_code(&marketer, points, json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn contact_details_are_shown_only_to_the_assigned_associate() {
    let app = spawn_app().await;
    let admin = two_stores(&app).await;
    let li = app.token(Role::Associate, None, Some("S1"), Some("li")).await;
    let zhang = app.token(Role::Associate, None, Some("S1"), Some("zhang")).await;

    let masked = app.ok(&li, MEMBER, json!({ "no": "A1" })).await;
    assert_eq!(masked["member"]["phone"], "138****5678");
    assert_eq!(masked["member"]["contactMasked"], true);

    let assign =
        "mutation($u:String){ assignAssociate(memberNo:\"A1\", username:$u){ assignedAssociate { username } } }";
    let data = app.ok(&admin, assign, json!({ "u": "li" })).await;
    assert_eq!(data["assignAssociate"]["assignedAssociate"]["username"], "li");
    assert_eq!(
        app.error_code(&li, assign, json!({ "u": "zhang" })).await,
        "FORBIDDEN",
        "only admins assign"
    );

    let shown = app.ok(&li, MEMBER, json!({ "no": "A1" })).await;
    assert_eq!(shown["member"]["phone"], "13812345678");
    assert_eq!(shown["member"]["email"], "wang@example.com");
    let other = app.ok(&zhang, MEMBER, json!({ "no": "A1" })).await;
    assert_eq!(
        other["member"]["phone"], "138****5678",
        "a colleague still sees it masked"
    );
    let admin_view = app.ok(&admin, MEMBER, json!({ "no": "A1" })).await;
    assert_eq!(admin_view["member"]["address"], "1 Nanjing Rd");
}

#[tokio::test]
async fn mutations_and_member_exports_are_audited() {
    let app = spawn_app().await;
    let admin = two_stores(&app).await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    app.ok(&associate, "{ members { totalCount } }", json!({})).await;
    app.ok(
        &associate,
        "mutation{ updateMember(memberNo:\"A1\", input:{ city:\"上海\" }){ city } }",
        json!({}),
    )
    .await;

    let log = app
        .ok(
            &admin,
            "{ auditLog(first: 50) { actor role action target detail } }",
            json!({}),
        )
        .await;
    let entries = log["auditLog"].as_array().expect("entries");
    let find = |action: &str| entries.iter().find(|e| e["action"] == action).cloned();
    let update = find("member.update").expect("update audited");
    assert_eq!(update["role"], "associate");
    assert_eq!(update["target"], "A1");
    assert!(
        update["detail"].as_str().unwrap_or_default().contains("city"),
        "{update}"
    );
    let export = find("members.export").expect("export audited");
    assert_eq!(export["role"], "associate");
    assert_eq!(entries.iter().filter(|e| e["action"] == "member.create").count(), 2);
    assert_eq!(
        app.error_code(&associate, "{ auditLog { action } }", json!({})).await,
        "FORBIDDEN"
    );
}
