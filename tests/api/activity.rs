//! Purchases and returns, feedback, points — including concurrent redemptions.
use patron::auth::Role;
use serde_json::json;

use crate::helpers::{first_error, spawn_app};

#[tokio::test]
async fn recording_the_same_order_twice_changes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    // In nanoseconds, finer than PostgreSQL keeps: the stored time is still the same order's.
    let at = "2026-03-01T10:00:00.123456789+08:00";
    let first = app.record_purchase(&admin, "M1", "O-1", at, "199.90").await;
    let again = app.record_purchase(&admin, "M1", "O-1", at, "199.90").await;
    assert_eq!(
        first["data"], again["data"],
        "the same order id returns the stored purchase"
    );
    assert_eq!(first["data"]["recordPurchase"]["amount"], "199.90");

    let changed = app
        .record_purchase(&admin, "M1", "O-1", "2026-03-01T10:00:00+08:00", "99.00")
        .await;
    assert_eq!(first_error(&changed), ("BAD_USER_INPUT".into(), Some("orderId".into())));
    let negative = app
        .record_purchase(&admin, "M1", "O-2", "2026-03-01T10:00:00+08:00", "-5")
        .await;
    assert_eq!(first_error(&negative), ("BAD_USER_INPUT".into(), Some("amount".into())));
    let fractional = app
        .record_purchase(&admin, "M1", "O-3", "2026-03-01T10:00:00+08:00", "1.005")
        .await;
    assert_eq!(
        first_error(&fractional),
        ("BAD_USER_INPUT".into(), Some("amount".into()))
    );
    let unknown = app
        .record_purchase(&admin, "NOPE", "O-4", "2026-03-01T10:00:00+08:00", "5")
        .await;
    assert_eq!(first_error(&unknown).0, "NOT_FOUND");

    let purchases = app
        .ok(
            &admin,
            "{ member(memberNo:\"M1\"){ purchases { edges { node { orderId } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        purchases["member"]["purchases"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
}

#[tokio::test]
async fn a_return_is_negative_linked_and_at_most_the_order() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    app.record_purchase(&admin, "M1", "O-1", "2026-03-01T10:00:00Z", "300.00")
        .await;
    let record = "mutation($in:ReturnInput!){ recordReturn(input:$in){ orderId kind amount } }";
    let too_much = app
        .graphql(
            &admin,
            record,
            json!({ "in": { "orderId": "O-1", "occurredAt": "2026-03-02T10:00:00Z", "amount": "300.01" } }),
        )
        .await;
    assert_eq!(first_error(&too_much), ("BAD_USER_INPUT".into(), Some("amount".into())));
    let unknown = app
        .graphql(
            &admin,
            record,
            json!({ "in": { "orderId": "O-9", "occurredAt": "2026-03-02T10:00:00Z", "amount": "1" } }),
        )
        .await;
    assert_eq!(first_error(&unknown), ("BAD_USER_INPUT".into(), Some("orderId".into())));
    // Recorded from another member's card, the order is refused rather than returned.
    app.create_member(&admin, "M2", json!({})).await;
    let elsewhere =
        json!({ "in": { "orderId": "O-1", "memberNo": "M2", "occurredAt": "2026-03-02T10:00:00Z", "amount": "1" } });
    let refused = app.graphql(&admin, record, elsewhere).await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".into(), Some("memberNo".into()))
    );
    let returned = app
        .ok(
            &admin,
            record,
            json!({ "in": { "orderId": "O-1", "memberNo": "M1", "occurredAt": "2026-03-02T10:00:00Z", "amount": "120.50" } }),
        )
        .await;
    assert_eq!(
        returned["recordReturn"],
        json!({ "orderId": "O-1", "kind": "return", "amount": "-120.50" })
    );

    let list = app
        .ok(
            &admin,
            "{ member(memberNo:\"M1\"){ purchases { edges { node { kind amount } } } } }",
            json!({}),
        )
        .await;
    let kinds: Vec<_> = list["member"]["purchases"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["kind"].clone())
        .collect();
    assert_eq!(kinds, [json!("return"), json!("purchase")], "newest first");
}

#[tokio::test]
async fn feedback_is_recorded_then_resolved() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "S1" })).await;
    let member = app.token(Role::Member, Some("M1"), None, None).await;
    let record = "mutation($in:FeedbackInput!){ recordFeedback(input:$in){ id kind score status } }";
    let complaint = app
        .ok(
            &member,
            record,
            json!({ "in": { "memberNo": "M1", "kind": "COMPLAINT", "body": "zip broke" } }),
        )
        .await;
    assert_eq!(complaint["recordFeedback"]["status"], "open");
    let no_score = app
        .graphql(
            &member,
            record,
            json!({ "in": { "memberNo": "M1", "kind": "SATISFACTION" } }),
        )
        .await;
    assert_eq!(first_error(&no_score), ("BAD_USER_INPUT".into(), Some("score".into())));
    let bad_score = app
        .graphql(
            &member,
            record,
            json!({ "in": { "memberNo": "M1", "kind": "SATISFACTION", "score": 6 } }),
        )
        .await;
    assert_eq!(first_error(&bad_score), ("BAD_USER_INPUT".into(), Some("score".into())));

    let id = complaint["recordFeedback"]["id"].clone();
    let resolve =
        "mutation($id:ID!){ resolveFeedback(id:$id, resolution:\"replaced the zip\"){ status resolution resolvedAt } }";
    assert_eq!(app.error_code(&member, resolve, json!({ "id": id })).await, "FORBIDDEN");
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    let resolved = app.ok(&associate, resolve, json!({ "id": id })).await;
    assert_eq!(resolved["resolveFeedback"]["status"], "resolved");
    assert_eq!(
        app.error_code(&associate, resolve, json!({ "id": id })).await,
        "BAD_USER_INPUT",
        "resolving twice"
    );
    assert_eq!(
        app.error_code(&associate, resolve, json!({ "id": "999" })).await,
        "NOT_FOUND"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_redemptions_never_take_the_balance_below_zero() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    app.ok(
        &admin,
        "mutation{ earnPoints(memberNo:\"M1\", points:100, reference:\"welcome\"){ points } }",
        json!({}),
    )
    .await;
    let redeem = "mutation{ redeemPoints(memberNo:\"M1\", points:30){ points } }";
    let attempts = (0..12).map(|_| app.graphql(&admin, redeem, json!({})));
    let responses = futures_util::future::join_all(attempts).await;
    let succeeded = responses.iter().filter(|r| r.get("errors").is_none()).count();
    for failed in responses.iter().filter(|r| r.get("errors").is_some()) {
        assert_eq!(
            first_error(failed),
            ("BAD_USER_INPUT".into(), Some("points".into())),
            "{failed}"
        );
    }
    assert_eq!(succeeded, 3, "100 points cover three redemptions of 30");
    let balance = app
        .ok(
            &admin,
            "{ member(memberNo:\"M1\"){ pointsBalance pointsLedger(first: 20) { edges { node { kind points } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(balance["member"]["pointsBalance"], 10);
    assert_eq!(
        balance["member"]["pointsLedger"]["edges"].as_array().map(Vec::len),
        Some(4)
    );
}

#[tokio::test]
async fn points_references_apply_once_and_adjustments_are_for_admins() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "S1" })).await;
    let earn = "mutation{ earnPoints(memberNo:\"M1\", points:50, reference:\"order-7\"){ id points } }";
    let first = app.ok(&admin, earn, json!({})).await;
    let again = app.ok(&admin, earn, json!({})).await;
    assert_eq!(first, again, "the same reference is applied once");
    assert_eq!(
        app.error_code(
            &admin,
            "mutation{ earnPoints(memberNo:\"M1\", points:0){ id } }",
            json!({})
        )
        .await,
        "BAD_USER_INPUT"
    );

    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    let adjust = "mutation{ adjustPoints(memberNo:\"M1\", points:-20, reason:\"correction\"){ points } }";
    assert_eq!(app.error_code(&associate, adjust, json!({})).await, "FORBIDDEN");
    app.ok(&admin, adjust, json!({})).await;
    let below = "mutation{ adjustPoints(memberNo:\"M1\", points:-31, reason:\"too much\"){ points } }";
    assert_eq!(app.error_code(&admin, below, json!({})).await, "BAD_USER_INPUT");
    let member = app.token(Role::Member, Some("M1"), None, None).await;
    app.ok(
        &member,
        "mutation{ redeemPoints(memberNo:\"M1\", points:30){ points } }",
        json!({}),
    )
    .await;
    let data = app.ok(&member, "{ me { member { pointsBalance } } }", json!({})).await;
    assert_eq!(data["me"]["member"]["pointsBalance"], 0);
}

#[tokio::test]
async fn an_associate_records_purchases_only_at_their_own_store() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for store in ["S1", "S2"] {
        app.create_store(&admin, store).await;
    }
    app.create_member(&admin, "P1", json!({ "storeCode": "S1" })).await;
    app.create_member(&admin, "P2", json!({ "storeCode": "S2" })).await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    let record = "mutation($in:PurchaseInput!){ recordPurchase(input:$in){ orderId store { code } } }";
    let purchase = |no: &str, order: &str, store: Option<&str>| {
        let mut input = json!({ "memberNo": no, "orderId": order, "occurredAt": "2026-03-01T10:00:00+08:00",
            "amount": "10.00" });
        if let Some(store) = store {
            input["storeCode"] = json!(store);
        }
        json!({ "in": input })
    };

    let elsewhere = app.graphql(&associate, record, purchase("P1", "O-1", Some("S2"))).await;
    assert_eq!(first_error(&elsewhere).0, "FORBIDDEN", "{elsewhere}");
    let not_theirs = app.graphql(&associate, record, purchase("P2", "O-2", Some("S1"))).await;
    assert!(not_theirs["data"].is_null(), "{not_theirs}");
    let recorded = "{ a: member(memberNo:\"P1\"){ purchases { edges { cursor } } }
        b: member(memberNo:\"P2\"){ purchases { edges { cursor } } } }";
    let none = app.ok(&admin, recorded, json!({})).await;
    assert_eq!(
        (&none["a"]["purchases"]["edges"], &none["b"]["purchases"]["edges"]),
        (&json!([]), &json!([]))
    );

    for (order, store) in [("O-3", Some("S1")), ("O-4", None)] {
        let own = app.ok(&associate, record, purchase("P1", order, store)).await;
        assert_eq!(own["recordPurchase"]["store"]["code"], "S1", "{order}");
    }
    let by_admin = app.ok(&admin, record, purchase("P1", "O-5", Some("S2"))).await;
    assert_eq!(by_admin["recordPurchase"]["store"]["code"], "S2");
}
