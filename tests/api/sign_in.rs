//! Members signed in by the brand's apps (app keys exchanged for member tokens) and revoked
//! tokens: signing out, an admin revoking one token or all of a subject's, and a revocation
//! another replica wrote reaching this one.
use std::time::Duration;

use chrono::Utc;
use patron::auth::Role;
use sea_orm::{ActiveModelTrait, Set};
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const ISSUE: &str =
    "mutation($key: String!, $no: String!) { issueMemberToken(appKey: $key, memberNo: $no) { token role expiresAt } }";
const OWN: &str = "query($no: String!) { member(memberNo: $no) { memberNo } }";

/// `issueMemberToken` as an app's backend sends it: no bearer token.
async fn issue(app: &TestApp, key: &str, member_no: &str) -> (u16, Value) {
    let body = json!({ "query": ISSUE, "variables": { "key": key, "no": member_no } });
    app.post(None, body.to_string()).await
}

async fn member_token(app: &TestApp, key: &str, member_no: &str) -> String {
    let (status, response) = issue(app, key, member_no).await;
    assert_eq!(status, 200, "{response}");
    response["data"]["issueMemberToken"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

/// The HTTP status and error code of reading `member_no` with `token`.
async fn read_own(app: &TestApp, token: &str, member_no: &str) -> (u16, String) {
    let body = json!({ "query": OWN, "variables": { "no": member_no } });
    let (status, response) = app.post(Some(token), body.to_string()).await;
    let code = response["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or("")
        .to_owned();
    (status, code)
}

#[tokio::test]
async fn an_app_key_is_exchanged_for_short_lived_member_tokens_until_it_is_revoked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    app.create_member(&admin, "M2", json!({})).await;
    let create =
        "mutation($n: String!) { createAppKey(name: $n) { key appKey { id name createdBy lastUsedAt revokedAt } } }";
    let created = app.ok(&admin, create, json!({ "n": "Mini program" })).await;
    let key = created["createAppKey"]["key"].as_str().unwrap().to_owned();
    let id = created["createAppKey"]["appKey"]["id"].clone();
    assert!(key.starts_with("patron_app_") && key.len() == 11 + 64, "{key}");
    assert_eq!(created["createAppKey"]["appKey"]["lastUsedAt"], Value::Null);

    // Names are unique; only admins make keys.
    let again = app.graphql(&admin, create, json!({ "n": " Mini program " })).await;
    assert_eq!(first_error(&again), ("BAD_USER_INPUT".into(), Some("name".into())));
    let marketer = app.token(Role::Marketer, None, None, None).await;
    assert_eq!(
        app.error_code(&marketer, create, json!({ "n": "Other" })).await,
        "FORBIDDEN"
    );
    assert_eq!(
        app.error_code(&marketer, "{ appKeys { name } }", json!({})).await,
        "FORBIDDEN"
    );

    // The exchange: a member token for M1 that sees M1 and nobody else, for an hour.
    let (status, issued) = issue(&app, &key, "M1").await;
    assert_eq!(status, 200, "{issued}");
    let issued = &issued["data"]["issueMemberToken"];
    assert_eq!(issued["role"], "MEMBER");
    let expires: chrono::DateTime<Utc> = issued["expiresAt"].as_str().unwrap().parse().unwrap();
    let minutes = (expires - Utc::now()).num_minutes();
    assert!((58..=60).contains(&minutes), "{minutes} minutes");
    let token = issued["token"].as_str().unwrap();
    assert_eq!(read_own(&app, token, "M1").await, (200, String::new()));
    assert_eq!(read_own(&app, token, "M2").await.1, "NOT_FOUND");

    // Listed with its last use, never with the key; the exchange is audited under the app.
    let listed = app
        .ok(&admin, "{ appKeys { name lastUsedAt revokedAt } }", json!({}))
        .await;
    assert_eq!(listed["appKeys"].as_array().map(Vec::len), Some(1));
    assert!(listed["appKeys"][0]["lastUsedAt"].is_string(), "{listed}");
    assert!(!listed.to_string().contains(&key));
    let audit = app
        .ok(
            &admin,
            "{ auditLog(first: 20) { actor role action target } }",
            json!({}),
        )
        .await;
    let actions: Vec<&Value> = audit["auditLog"].as_array().unwrap().iter().collect();
    assert!(
        actions.iter().any(|a| a["action"] == "member_token.issue"
            && a["actor"] == "app:Mini program"
            && a["role"] == "app"
            && a["target"] == "M1"),
        "{audit}"
    );
    assert!(actions.iter().any(|a| a["action"] == "app_key.create"), "{audit}");

    // Bad keys and unknown members; nothing else rides along without a token.
    let (status, wrong) = issue(&app, "patron_app_00", "M1").await;
    assert_eq!((status, first_error(&wrong).0), (200, "UNAUTHENTICATED".into()));
    let (_, unknown) = issue(&app, &key, "NOPE").await;
    assert_eq!(first_error(&unknown).0, "NOT_FOUND");
    let riding = json!({ "query": "mutation($k: String!) { issueMemberToken(appKey: $k, memberNo: \"M1\") { token } createStore(code: \"X\", name: \"X\") { code } }", "variables": { "k": key } });
    assert_eq!(app.post(None, riding.to_string()).await.0, 401);

    // Revoked, the key is refused; a token it gave lives out its hour (or is revoked alone).
    let revoke = "mutation($id: ID!) { revokeAppKey(id: $id) { revokedAt } }";
    let revoked = app.ok(&admin, revoke, json!({ "id": id })).await;
    assert!(revoked["revokeAppKey"]["revokedAt"].is_string());
    let (_, refused) = issue(&app, &key, "M1").await;
    assert_eq!(first_error(&refused).0, "UNAUTHENTICATED");
    assert_eq!(read_own(&app, token, "M1").await, (200, String::new()));
    assert_eq!(
        app.error_code(&admin, revoke, json!({ "id": "999" })).await,
        "NOT_FOUND"
    );
}

#[tokio::test]
async fn revoked_tokens_are_refused_on_every_request_and_on_every_replica() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    let created = app
        .ok(&admin, "mutation { createAppKey(name: \"app\") { key } }", json!({}))
        .await;
    let key = created["createAppKey"]["key"].as_str().unwrap().to_owned();
    let (phone, tablet, laptop) = (
        member_token(&app, &key, "M1").await,
        member_token(&app, &key, "M1").await,
        member_token(&app, &key, "M1").await,
    );

    // Signing out revokes that token only.
    let out = app.ok(&phone, "mutation { signOut }", json!({})).await;
    assert_eq!(out["signOut"], true);
    assert_eq!(read_own(&app, &phone, "M1").await, (401, "UNAUTHENTICATED".into()));
    assert_eq!(read_own(&app, &tablet, "M1").await, (200, String::new()));

    // An admin revokes a leaked token; only admins may, and only this server's tokens.
    let revoke = "mutation($t: String!) { revokeToken(token: $t) }";
    let marketer = app.token(Role::Marketer, None, None, None).await;
    assert_eq!(
        app.error_code(&marketer, revoke, json!({ "t": tablet })).await,
        "FORBIDDEN"
    );
    let garbage = app.graphql(&admin, revoke, json!({ "t": "not.a.token" })).await;
    assert_eq!(first_error(&garbage), ("BAD_USER_INPUT".into(), Some("token".into())));
    app.ok(&admin, revoke, json!({ "t": tablet })).await;
    assert_eq!(read_own(&app, &tablet, "M1").await.0, 401);
    assert_eq!(read_own(&app, &laptop, "M1").await.0, 200);

    // Everything a staff user holds, at once; a token made in a later second works.
    let of = "mutation($u: String) { revokeTokensOf(username: $u) }";
    let staff_token = app.token(Role::Marketer, None, None, None).await;
    app.ok(&admin, of, json!({ "u": "marketer" })).await;
    let (status, _) = app
        .post(
            Some(&staff_token),
            json!({ "query": "{ segments { name } }" }).to_string(),
        )
        .await;
    assert_eq!(status, 401);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fresh = app.token(Role::Marketer, None, None, None).await;
    app.ok(&fresh, "{ segments { name } }", json!({})).await;
    let neither = app.graphql(&admin, "mutation { revokeTokensOf }", json!({})).await;
    assert_eq!(first_error(&neither).0, "BAD_USER_INPUT");

    // A revocation another replica wrote (straight into the table) reaches this one within
    // its reload interval.
    let other_replica = entity::revoked_token::ActiveModel {
        subject: Set(Some("member:M1".to_owned())),
        issued_before: Set(Some(Utc::now())),
        forget_after: Set(Utc::now() + chrono::Duration::hours(2)),
        revoked_by: Set("staff:elsewhere".to_owned()),
        revoked_at: Set(Utc::now()),
        ..Default::default()
    };
    other_replica.insert(&app.db).await.expect("revocation");
    let deadline = std::time::Instant::now() + patron::auth::revoked::RELOAD + Duration::from_secs(2);
    while read_own(&app, &laptop, "M1").await.0 == 200 {
        assert!(
            std::time::Instant::now() < deadline,
            "the other replica's revocation never arrived"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(read_own(&app, &laptop, "M1").await, (401, "UNAUTHENTICATED".into()));
}
