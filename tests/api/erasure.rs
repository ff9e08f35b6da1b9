//! Erasure: personal data goes, anonymous purchase history stays, the address is suppressed.
use entity::purchase;
use sea_orm::{EntityTrait, PaginatorTrait};
use serde_json::json;

use crate::helpers::{first_error, spawn_app};

#[tokio::test]
async fn erasing_a_member_removes_pii_keeps_purchases_and_suppresses_the_address() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let fields = json!({ "name": "李娜", "email": "Li.Na@example.com", "phone": "13812345678", "birthday": "1990-01-01",
        "address": "南京西路1号", "emailConsent": true });
    app.create_member(&admin, "M1", fields).await;
    app.record_purchase(&admin, "M1", "O-1", "2026-01-01T10:00:00Z", "88.00")
        .await;
    let feedback =
        "mutation{ recordFeedback(input:{ memberNo:\"M1\", kind:COMPLAINT, body:\"call me on 13812345678\" }){ id } }";
    app.ok(&admin, feedback, json!({})).await;

    let erase = "mutation{ eraseMember(memberNo:\"M1\"){ id erased } }";
    let marketer = app.token(patron::auth::Role::Marketer, None, None, None).await;
    assert_eq!(app.error_code(&marketer, erase, json!({})).await, "FORBIDDEN");
    let erased = app.ok(&admin, erase, json!({})).await;
    let anonymous_no = erased["eraseMember"]["id"].as_str().expect("new number").to_owned();
    assert!(anonymous_no.starts_with("erased-"));

    let gone = app
        .graphql(&admin, "{ member(memberNo:\"M1\"){ name } }", json!({}))
        .await;
    assert_eq!(
        first_error(&gone).0,
        "NOT_FOUND",
        "the member number no longer finds anyone"
    );
    let query = "query($no:String!){ member(memberNo:$no){ name email phone birthday address emailConsent status
        purchases { edges { node { amount } } } feedback { edges { node { body } } } } }";
    let record = app.ok(&admin, query, json!({ "no": anonymous_no })).await["member"].clone();
    assert_eq!(record["name"], "");
    for field in ["email", "phone", "birthday", "address"] {
        assert!(record[field].is_null(), "{field} must be erased: {record}");
    }
    assert_eq!(record["emailConsent"], false);
    assert_eq!(record["status"], "erased");
    assert_eq!(
        record["purchases"]["edges"][0]["node"]["amount"], "88.00",
        "purchase aggregates stay"
    );
    assert!(
        record["feedback"]["edges"][0]["node"]["body"].is_null(),
        "free text may name the person"
    );
    assert_eq!(purchase::Entity::find().count(&app.db).await.expect("count"), 1);

    assert!(jobs::outreach::suppression::is_suppressed(&app.db, "li.na@EXAMPLE.com")
        .await
        .expect("lookup"));
    let listed = app.ok(&admin, "{ members { totalCount } }", json!({})).await;
    assert_eq!(
        listed["members"]["totalCount"], 0,
        "erased records leave the member list"
    );
    let again = app
        .graphql(
            &admin,
            "mutation($no:String!){ eraseMember(memberNo:$no){ id } }",
            json!({ "no": anonymous_no }),
        )
        .await;
    assert_eq!(first_error(&again).0, "BAD_USER_INPUT");
}
