//! Offers: a coupon definition, codes issued within its stock and per-member limit, redeemed
//! once with an order (its discount worked back from what was paid), refused with a reason
//! (mistyped, already used, wrong store, below the minimum spend, outside its days), given back
//! by a full return; and exactly once under concurrency on two replicas.
use chrono::{Days, NaiveDate};
use futures_util::future::join_all;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::campaigns::{a_minute_ago, app_with_sink};
use crate::helpers::{first_error, spawn_app, TestApp};
use crate::smtp::SmtpSink;

const DEFINE: &str = "mutation($in: CouponDefinitionInput!) { defineCoupon(input: $in) { id issued } }";
const ISSUE: &str = "mutation($d: ID!, $no: String!, $ref: String) {
    issueCoupon(definitionId: $d, memberNo: $no, reference: $ref) { code state validFrom validUntil } }";
const REDEEM: &str = "mutation($code: String!, $order: String!) {
    redeemCoupon(code: $code, orderId: $order) { code state orderId discount } }";
const COUPON: &str = "query($code: String!) { coupon(code: $code) { state orderId discount member { memberNo } } }";

async fn define(app: &TestApp, admin: &str, input: Value) -> String {
    let data = app.ok(admin, DEFINE, json!({ "in": input })).await;
    data["defineCoupon"]["id"].as_str().unwrap().to_owned()
}

async fn issue(app: &TestApp, admin: &str, definition: &str, member_no: &str) -> Value {
    let data = app.ok(admin, ISSUE, json!({ "d": definition, "no": member_no })).await;
    data["issueCoupon"].clone()
}

async fn buy(app: &TestApp, admin: &str, member_no: &str, order: &str, day: NaiveDate, store: &str, amount: &str) {
    let input = json!({
        "memberNo": member_no, "orderId": order, "occurredAt": format!("{day}T04:00:00Z"),
        "amount": amount, "storeCode": store,
    });
    app.ok(
        admin,
        "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
        json!({ "in": input }),
    )
    .await;
}

/// The first error's field and message.
async fn refused(app: &TestApp, token: &str, query: &str, variables: Value) -> (String, String) {
    let response = app.graphql(token, query, variables).await;
    let (code, field) = first_error(&response);
    assert_eq!(code, "BAD_USER_INPUT", "{response}");
    let message = response["errors"][0]["message"].as_str().unwrap_or_default().to_owned();
    (field.unwrap_or_default(), message)
}

#[tokio::test]
async fn a_coupon_is_redeemed_once_within_its_rules_and_a_full_return_gives_it_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for store in ["SH01", "BJ01"] {
        app.create_store(&admin, store).await;
    }
    app.create_member(&admin, "M1", json!({ "storeCode": "SH01" })).await;
    let today = app.brand.today();
    let autumn = define(
        &app,
        &admin,
        json!({
            "name": "Autumn 20% off", "kind": "PERCENT_OFF", "percentOff": 20, "maxDiscount": "100.00",
            "minSpend": "200.00", "storeCodes": ["SH01"], "validDays": 30, "perMemberLimit": 2,
        }),
    )
    .await;

    let first = issue(&app, &admin, &autumn, "M1").await;
    let code = first["code"].as_str().unwrap().to_owned();
    assert_eq!(code.len(), 13, "{code}");
    assert_eq!(first["state"], "VALID");
    assert_eq!(first["validFrom"], today.to_string());
    assert_eq!(first["validUntil"], (today + Days::new(29)).to_string());

    // 900.00 paid: uncapped 900 × 20 / 80 = 225.00, capped at 100.00.
    buy(&app, &admin, "M1", "O1", today, "SH01", "900.00").await;
    let typed = code.to_lowercase().replace('-', " ");
    let redeemed = app.ok(&admin, REDEEM, json!({ "code": typed, "order": "O1" })).await;
    assert_eq!(
        redeemed["redeemCoupon"],
        json!({ "code": code, "state": "REDEEMED", "orderId": "O1", "discount": "100.00" })
    );
    // Again with the same order: nothing changes; with another: refused.
    let again = app.ok(&admin, REDEEM, json!({ "code": code, "order": "O1" })).await;
    assert_eq!(again["redeemCoupon"]["discount"], "100.00");
    buy(&app, &admin, "M1", "O2", today, "SH01", "300.00").await;
    let (field, message) = refused(&app, &admin, REDEEM, json!({ "code": code, "order": "O2" })).await;
    assert_eq!(field, "code");
    assert!(
        message.contains("already redeemed") && message.contains("O1"),
        "{message}"
    );

    // The second code: not with an order that took one, not at another store, not below the
    // minimum spend (150.00 paid: 187.50 before the discount, under 200.00).
    let second = issue(&app, &admin, &autumn, "M1").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let (field, _) = refused(&app, &admin, REDEEM, json!({ "code": second, "order": "O1" })).await;
    assert_eq!(field, "orderId");
    buy(&app, &admin, "M1", "O3", today, "BJ01", "500.00").await;
    let (field, message) = refused(&app, &admin, REDEEM, json!({ "code": second, "order": "O3" })).await;
    assert_eq!(field, "code");
    assert!(message.contains("SH01") && message.contains("BJ01"), "{message}");
    buy(&app, &admin, "M1", "O4", today, "SH01", "150.00").await;
    let (field, message) = refused(&app, &admin, REDEEM, json!({ "code": second, "order": "O4" })).await;
    assert_eq!(field, "orderId");
    assert!(message.contains("200.00") && message.contains("187.50"), "{message}");
    // 200.00 paid: 200 × 20 / 80 = 50.00 off a 250.00 order.
    buy(&app, &admin, "M1", "O5", today, "SH01", "200.00").await;
    let redeemed = app.ok(&admin, REDEEM, json!({ "code": second, "order": "O5" })).await;
    assert_eq!(redeemed["redeemCoupon"]["discount"], "50.00");

    // Two codes per member at most; a mistyped code is not looked up.
    let (field, _) = refused(&app, &admin, ISSUE, json!({ "d": autumn, "no": "M1" })).await;
    assert_eq!(field, "memberNo");
    let mut typo: Vec<char> = code.chars().collect();
    typo[0] = if typo[0] == 'A' { 'B' } else { 'A' };
    let typo: String = typo.into_iter().collect();
    let (field, _) = refused(&app, &admin, COUPON, json!({ "code": typo })).await;
    assert_eq!(field, "code");
    // A well-formed code nobody holds is not found.
    let unissued = jobs::coupons::code::generate();
    let response = app.graphql(&admin, COUPON, json!({ "code": unissued })).await;
    assert_eq!(first_error(&response).0, "NOT_FOUND", "{response}");

    // A partial return keeps the coupon used; a full return gives it back.
    let give_back = |order: &str, amount: &str| json!({ "in": { "orderId": order, "occurredAt": format!("{today}T06:00:00Z"), "amount": amount } });
    const RETURN: &str = "mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }";
    app.ok(&admin, RETURN, give_back("O5", "100.00")).await;
    app.ok(&admin, RETURN, give_back("O1", "900.00")).await;
    let first_now = app.ok(&admin, COUPON, json!({ "code": code })).await;
    assert_eq!(
        first_now["coupon"],
        json!({ "state": "VALID", "orderId": null, "discount": null, "member": { "memberNo": "M1" } })
    );
    let second_now = app.ok(&admin, COUPON, json!({ "code": second })).await;
    assert_eq!(second_now["coupon"]["state"], "REDEEMED");
    // Given back, it is redeemed again like any valid code.
    let redeemed = app.ok(&admin, REDEEM, json!({ "code": code, "order": "O2" })).await;
    assert_eq!(redeemed["redeemCoupon"]["discount"], "75.00");

    // The member sees their own coupons in their app.
    let member = app.token(patron::auth::Role::Member, Some("M1"), None, None).await;
    let mine = app
        .ok(&member, "{ me { member { coupons { code state } } } }", json!({}))
        .await;
    let states: Vec<&str> = mine["me"]["member"]["coupons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["REDEEMED", "REDEEMED"]);

    // What the offer cost and brought: 75.00 + 50.00 off; orders O2 (300.00) and O5 (200.00,
    // 100.00 of it returned); nothing left outstanding.
    let report = app.ok(&admin, REPORT, json!({})).await;
    assert_eq!(
        report["couponDefinitions"][0]["report"],
        json!({
            "issued": 2, "redeemed": 2, "expired": 0, "outstanding": 0, "redemptionRate": 1.0,
            "discounts": "125.00", "revenue": "400.00", "liability": "0.00",
        })
    );
}

const REPORT: &str = "{ couponDefinitions { name report {
    issued redeemed expired outstanding redemptionRate discounts revenue liability } } }";

#[tokio::test]
async fn an_offer_says_what_is_wrong_with_it_and_its_days_hold() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    app.create_member(&admin, "M1", json!({})).await;
    let today = app.brand.today();
    let base = json!({ "name": "Gift", "kind": "GIFT", "gift": "A tote bag", "validDays": 7 });
    let with = |changes: Value| {
        let mut input = base.clone();
        input
            .as_object_mut()
            .unwrap()
            .extend(changes.as_object().unwrap().clone());
        json!({ "in": input })
    };
    for (changes, field) in [
        (json!({ "kind": "PERCENT_OFF", "percentOff": 100 }), "percentOff"),
        (json!({ "kind": "AMOUNT_OFF" }), "amountOff"),
        (json!({ "gift": " " }), "gift"),
        (json!({ "validDays": null }), "validDays"),
        (
            json!({ "validFrom": "2026-12-10", "validUntil": "2026-12-01" }),
            "validUntil",
        ),
        (json!({ "storeCodes": ["NOPE"] }), "storeCodes"),
        (json!({ "stock": 0 }), "stock"),
    ] {
        assert_eq!(refused(&app, &admin, DEFINE, with(changes)).await.0, field);
    }
    define(&app, &admin, base.clone()).await;
    assert_eq!(refused(&app, &admin, DEFINE, with(json!({}))).await.0, "name");

    // A window that starts next week: issued now, upcoming, not redeemable with today's order.
    let next_week = today + Days::new(7);
    let later = define(
        &app,
        &admin,
        json!({ "name": "Next week", "kind": "AMOUNT_OFF", "amountOff": "20", "validFrom": next_week, "validUntil": next_week + Days::new(6) }),
    )
    .await;
    let coupon = issue(&app, &admin, &later, "M1").await;
    let gift =
        app.ok(&admin, "{ couponDefinitions { id name } }", json!({})).await["couponDefinitions"][1]["id"].clone();
    issue(&app, &admin, gift.as_str().unwrap(), "M1").await;
    let yesterday = today - Days::new(1);
    let lapse = format!(
        "UPDATE coupons SET valid_from = '{yesterday}', valid_until = '{yesterday}' WHERE definition_id = {}",
        gift.as_str().unwrap()
    );
    app.db.execute_unprepared(&lapse).await.unwrap();
    // The upcoming code could still take 20.00 off; the lapsed gift nothing.
    let reports = app.ok(&admin, REPORT, json!({})).await;
    assert_eq!(
        reports["couponDefinitions"],
        json!([
            { "name": "Next week", "report": {
                "issued": 1, "redeemed": 0, "expired": 0, "outstanding": 1, "redemptionRate": 0.0,
                "discounts": "0.00", "revenue": "0.00", "liability": "20.00" } },
            { "name": "Gift", "report": {
                "issued": 1, "redeemed": 0, "expired": 1, "outstanding": 0, "redemptionRate": 0.0,
                "discounts": "0.00", "revenue": "0.00", "liability": null } },
        ])
    );
    assert_eq!(
        (coupon["state"].as_str(), coupon["validFrom"].as_str()),
        (Some("UPCOMING"), Some(next_week.to_string().as_str()))
    );
    buy(&app, &admin, "M1", "O1", today, "SH01", "80.00").await;
    let (field, message) = refused(&app, &admin, REDEEM, json!({ "code": coupon["code"], "order": "O1" })).await;
    assert_eq!(field, "code");
    assert!(message.contains(&next_week.to_string()), "{message}");
    // An offer for one category: an order in another is refused, one in it takes the code.
    let bedding = define(
        &app,
        &admin,
        json!({ "name": "Bedding", "kind": "AMOUNT_OFF", "amountOff": "10", "categories": ["床品"], "validDays": 7 }),
    )
    .await;
    let code = issue(&app, &admin, &bedding, "M1").await["code"].clone();
    let record = "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }";
    for (order, category) in [("C1", "美妆"), ("C2", "床品")] {
        let input = json!({ "memberNo": "M1", "orderId": order, "occurredAt": format!("{today}T04:00:00Z"),
            "amount": "90.00", "category": category });
        app.ok(&admin, record, json!({ "in": input })).await;
    }
    let (field, message) = refused(&app, &admin, REDEEM, json!({ "code": code, "order": "C1" })).await;
    assert_eq!(field, "code");
    assert!(message.contains("床品") && message.contains("美妆"), "{message}");
    let redeemed = app.ok(&admin, REDEEM, json!({ "code": code, "order": "C2" })).await;
    assert_eq!(redeemed["redeemCoupon"]["discount"], "10.00");

    // An offer whose last day has passed issues nothing.
    let over = define(
        &app,
        &admin,
        json!({ "name": "Over", "kind": "AMOUNT_OFF", "amountOff": "20", "validUntil": today - Days::new(1) }),
    )
    .await;
    let (field, message) = refused(&app, &admin, ISSUE, json!({ "d": over, "no": "M1" })).await;
    assert_eq!(field, "definitionId");
    assert!(message.contains("ended"), "{message}");
}

#[tokio::test]
async fn twenty_redemptions_of_one_code_on_two_replicas_succeed_once_and_stock_holds() {
    let app = spawn_app().await;
    let replica = app.replica().await;
    let admin = app.admin().await;
    let addresses = [app.address.clone(), replica];
    app.create_store(&admin, "SH01").await;
    let today = app.brand.today();
    let offer = define(
        &app,
        &admin,
        json!({ "name": "Ten off", "kind": "AMOUNT_OFF", "amountOff": "10", "validDays": 30, "stock": 5 }),
    )
    .await;
    app.create_member(&admin, "M0", json!({})).await;
    let code = issue(&app, &admin, &offer, "M0").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    for n in 0..20 {
        buy(&app, &admin, "M0", &format!("R{n}"), today, "SH01", "50.00").await;
    }
    let attempts = (0..20).map(|n| {
        let (app, address, admin, code) = (&app, &addresses[n % 2], &admin, &code);
        async move {
            let variables = json!({ "code": code, "order": format!("R{n}") });
            app.graphql_at(address, admin, REDEEM, variables).await
        }
    });
    let answers = join_all(attempts).await;
    let won: Vec<&Value> = answers.iter().filter(|a| a.get("errors").is_none()).collect();
    assert_eq!(won.len(), 1, "{answers:?}");
    for lost in answers.iter().filter(|a| a.get("errors").is_some()) {
        assert_eq!(
            first_error(lost),
            ("BAD_USER_INPUT".to_owned(), Some("code".to_owned())),
            "{lost}"
        );
    }
    let order = won[0]["data"]["redeemCoupon"]["orderId"].clone();
    let stored = app.ok(&admin, COUPON, json!({ "code": code })).await;
    assert_eq!(stored["coupon"]["orderId"], order);

    // Stock 5, one issued: of 20 members asking at once on both replicas, 4 get a code.
    for n in 1..=20 {
        app.create_member(&admin, &format!("M{n}"), json!({})).await;
    }
    let asks = (1..=20).map(|n| {
        let (app, address, admin, offer) = (&app, &addresses[n % 2], &admin, &offer);
        async move {
            let variables = json!({ "d": offer, "no": format!("M{n}") });
            app.graphql_at(address, admin, ISSUE, variables).await
        }
    });
    let answers = join_all(asks).await;
    let issued = answers.iter().filter(|a| a.get("errors").is_none()).count();
    assert_eq!(issued, 4, "{answers:?}");
    let definitions = app
        .ok(&admin, "{ couponDefinitions { issued stock } }", json!({}))
        .await;
    assert_eq!(definitions["couponDefinitions"], json!([{ "issued": 5, "stock": 5 }]));
}

#[tokio::test]
async fn points_buy_rewards_never_below_zero_under_concurrency_on_two_replicas() {
    let app = spawn_app().await;
    let replica = app.replica().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    app.ok(
        &admin,
        "mutation { earnPoints(memberNo: \"M1\", points: 100, reason: \"welcome\") { id } }",
        json!({}),
    )
    .await;
    let tote = define(
        &app,
        &admin,
        json!({ "name": "Tote bag", "kind": "GIFT", "gift": "A tote bag", "validDays": 90, "pointsPrice": 30, "stock": 10 }),
    )
    .await;
    define(
        &app,
        &admin,
        json!({ "name": "Fifty off", "kind": "AMOUNT_OFF", "amountOff": "50", "validDays": 30, "pointsPrice": 500 }),
    )
    .await;
    let plain = define(
        &app,
        &admin,
        json!({ "name": "Plain", "kind": "AMOUNT_OFF", "amountOff": "5", "validDays": 30 }),
    )
    .await;
    let names = |data: &Value| -> Vec<String> {
        data["rewards"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let member = app.token(patron::auth::Role::Member, Some("M1"), None, None).await;
    let everything = app.ok(&member, "{ rewards { name pointsPrice } }", json!({})).await;
    assert_eq!(names(&everything), ["Tote bag", "Fifty off"]);
    let affordable = app
        .ok(&member, "{ rewards(memberNo: \"M1\") { name } }", json!({}))
        .await;
    assert_eq!(names(&affordable), ["Tote bag"]);

    // 100 points, 30 a tote bag: of ten purchases at once on two replicas, three go through.
    const BUY: &str = "mutation($d: ID!) { redeemReward(definitionId: $d, memberNo: \"M1\") { code state } }";
    let addresses = [app.address.clone(), replica];
    let buys = (0..10).map(|n| {
        let (app, address, member, tote) = (&app, &addresses[n % 2], &member, &tote);
        async move { app.graphql_at(address, member, BUY, json!({ "d": tote })).await }
    });
    let answers = join_all(buys).await;
    let bought = answers.iter().filter(|a| a.get("errors").is_none()).count();
    assert_eq!(bought, 3, "{answers:?}");
    for refused in answers.iter().filter(|a| a.get("errors").is_some()) {
        assert_eq!(
            first_error(refused),
            ("BAD_USER_INPUT".to_owned(), Some("points".to_owned())),
            "{refused}"
        );
    }
    let after = app
        .ok(
            &admin,
            "{ member(memberNo: \"M1\") { pointsBalance coupons { code state definition { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(after["member"]["pointsBalance"], 10);
    assert_eq!(after["member"]["coupons"].as_array().unwrap().len(), 3);
    let definitions = app.ok(&admin, "{ couponDefinitions { name issued } }", json!({})).await;
    assert!(
        definitions["couponDefinitions"]
            .as_array()
            .unwrap()
            .contains(&json!({ "name": "Tote bag", "issued": 3 })),
        "{definitions}"
    );
    // At the till, the code comes with the order: a gift takes nothing off; recording the order
    // again changes nothing; a coupon that does not apply records no order.
    let gift = after["member"]["coupons"][0]["code"].as_str().unwrap().to_owned();
    let now = chrono::Utc::now().to_rfc3339();
    let with_code = |order: &str, amount: &str| {
        json!({ "in": { "memberNo": "M1", "orderId": order, "occurredAt": now,
            "amount": amount, "couponCode": gift } })
    };
    const RECORD: &str = "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { orderId } }";
    for _ in 0..2 {
        app.ok(&admin, RECORD, with_code("G1", "88.00")).await;
    }
    let (field, _) = refused(&app, &admin, RECORD, with_code("G2", "50.00")).await;
    assert_eq!(field, "code");
    let orders = "{ member(memberNo: \"M1\") { purchases { edges { node { orderId } } } } }";
    let orders = app.ok(&admin, orders, json!({})).await;
    assert_eq!(
        orders["member"]["purchases"]["edges"].as_array().unwrap().len(),
        1,
        "{orders}"
    );
    let used = app.ok(&admin, COUPON, json!({ "code": gift })).await["coupon"].clone();
    assert_eq!(
        (
            used["state"].as_str(),
            used["orderId"].as_str(),
            used["discount"].as_str()
        ),
        (Some("REDEEMED"), Some("G1"), Some("0.00"))
    );

    let nothing_left = app
        .ok(&member, "{ rewards(memberNo: \"M1\") { name } }", json!({}))
        .await;
    assert!(names(&nothing_left).is_empty());
    let (field, _) = refused(&app, &member, BUY, json!({ "d": plain })).await;
    assert_eq!(field, "definitionId");
}

#[tokio::test]
async fn a_campaign_gives_each_recipient_one_code_in_their_email_and_the_held_out_none() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for i in 0..20 {
        let fields =
            json!({ "email": format!("m{i}@example.com"), "emailConsent": true, "consentSource": "store-form" });
        app.create_member(&admin, &format!("C{i:02}"), fields).await;
    }
    let offer = define(
        &app,
        &admin,
        json!({ "name": "Come back", "kind": "AMOUNT_OFF", "amountOff": "20", "minSpend": "100", "validDays": 14 }),
    )
    .await;
    let input = json!({ "name": "Autumn offer", "allMembers": true, "holdoutShare": "0.5",
        "couponDefinitionId": offer, "schedule": { "at": a_minute_ago(&app) } });
    let created = app
        .ok(
            &admin,
            "mutation($in: CampaignInput!) { createCampaign(input: $in) { id templateKind coupon { name } } }",
            json!({ "in": input }),
        )
        .await["createCampaign"]
        .clone();
    assert_eq!(created["coupon"]["name"], "Come back");
    let template = json!({ "kind": created["templateKind"], "locale": "zh-CN", "subject": "给 {{ member.name }} 的券",
        "text": "{% if coupon %}券码 {{ coupon.code }}，满 {{ coupon.min_spend }} 减 {{ coupon.amount_off }}，{{ coupon.valid_until }} 前有效{% endif %}\n退订: {{ unsubscribe_url }}",
        "html": "<p>{% if coupon %}{{ coupon.code }}{% endif %}</p><a href=\"{{ unsubscribe_url }}\">退订</a>" });
    app.ok(
        &admin,
        "mutation($in: TemplateInput!) { saveEmailTemplate(input: $in) }",
        json!({ "in": template }),
    )
    .await;
    let schedule = "mutation($id: ID!) { scheduleCampaign(id: $id) { status } }";
    app.ok(&admin, schedule, json!({ "id": created["id"] })).await;
    let today = app.jobs.today().to_string();
    app.run_job("campaigns", &today).await.expect("campaigns job");

    // One code for each member sent to, none for the held out.
    let sql = "SELECT m.member_no, r.held_out, COUNT(c.id) AS codes FROM campaign_recipients r \
               JOIN members m ON m.id = r.member_id LEFT JOIN coupons c ON c.member_id = r.member_id \
               GROUP BY m.member_no, r.held_out ORDER BY m.member_no";
    let backend = app.db.get_database_backend();
    let rows = app.db.query_all(Statement::from_string(backend, sql)).await.unwrap();
    let mut sent_to = Vec::new();
    for row in &rows {
        let (no, held_out, codes): (String, bool, i64) = (
            row.try_get("", "member_no").unwrap(),
            row.try_get("", "held_out").unwrap(),
            row.try_get("", "codes").unwrap(),
        );
        assert_eq!(codes, i64::from(!held_out), "{no}");
        if !held_out {
            sent_to.push(no);
        }
    }
    assert_eq!(rows.len(), 20);
    assert!(
        (4..=16).contains(&sent_to.len()),
        "about half of 20 sent to: {}",
        sent_to.len()
    );
    let definitions = app.ok(&admin, "{ couponDefinitions { issued } }", json!({})).await;
    assert_eq!(definitions["couponDefinitions"][0]["issued"], sent_to.len());

    // Each email carries its member's own code and its terms.
    app.run_job("outbox", &today).await.expect("dispatch");
    let emails = sink.messages();
    assert_eq!(emails.len(), sent_to.len());
    let last_day = app.brand.today() + Days::new(13);
    let mut codes = Vec::new();
    for no in &sent_to {
        let held = app
            .ok(
                &admin,
                "query($no: String!) { member(memberNo: $no) { email coupons { code } } }",
                json!({ "no": no }),
            )
            .await;
        let (email, code) = (
            held["member"]["email"].as_str().unwrap(),
            held["member"]["coupons"][0]["code"].as_str().unwrap(),
        );
        let message = emails
            .iter()
            .find(|m| m.rcpt_to.iter().any(|to| to == email))
            .expect("an email");
        let text = message.text.as_deref().unwrap_or_default();
        assert!(
            text.contains(&format!("券码 {code}，满 100.00 减 20.00，{last_day} 前有效")),
            "{text}"
        );
        codes.push((no.clone(), code.to_owned()));
    }

    // Everyone buys: those sent to 150.00 with their code (130.00 paid), the held out 100.00. The
    // uplift is 30.00 a member; net of the 20.00 each code took off, the offer earned 10.00 a
    // member sent to, exactly (no variance within a group).
    let now = chrono::Utc::now().to_rfc3339();
    for i in 0..20 {
        let no = format!("C{i:02}");
        let code = codes.iter().find(|(member, _)| *member == no).map(|(_, code)| code);
        let amount = if code.is_some() { "130.00" } else { "100.00" };
        app.record_purchase(&admin, &no, &format!("P{i}"), &now, amount).await;
        if let Some(code) = code {
            app.ok(&admin, REDEEM, json!({ "code": code, "order": format!("P{i}") }))
                .await;
        }
    }
    let report = "query($id: ID!) { campaign(id: $id) { occurrences { report {
        discounts uplift { incrementalRevenue } netIncremental { revenue low high } } } } }";
    let report = app.ok(&admin, report, json!({ "id": created["id"] })).await;
    let sent = sent_to.len();
    assert_eq!(
        report["campaign"]["occurrences"][0]["report"],
        json!({
            "discounts": format!("{}.00", 20 * sent),
            "uplift": { "incrementalRevenue": format!("{}.00", 30 * sent) },
            "netIncremental": { "revenue": format!("{}.00", 10 * sent), "low": format!("{}.00", 10 * sent), "high": format!("{}.00", 10 * sent) },
        })
    );
}

#[tokio::test]
async fn codes_imported_from_the_pos_are_issued_once_each_in_import_order() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for no in ["M1", "M2", "M3"] {
        app.create_member(&admin, no, json!({})).await;
    }
    let pos = define(
        &app,
        &admin,
        json!({ "name": "POS voucher", "kind": "AMOUNT_OFF", "amountOff": "15", "validDays": 30, "importedCodes": true,
            "pointsPrice": 10 }),
    )
    .await;
    const IMPORT: &str = "mutation($d: ID!, $codes: [String!]!) {
        importCouponCodes(definitionId: $d, codes: $codes) { added unchanged rejected { line message } } }";
    let codes = json!(["POS-0001", "pos-0002", "bad code", "POS-0001"]);
    let report = app.ok(&admin, IMPORT, json!({ "d": pos, "codes": codes })).await;
    assert_eq!(report["importCouponCodes"]["added"], 2);
    assert_eq!(report["importCouponCodes"]["unchanged"], 1);
    assert_eq!(report["importCouponCodes"]["rejected"][0]["line"], 3, "{report}");
    let again = app.ok(&admin, IMPORT, json!({ "d": pos, "codes": ["POS-0002"] })).await;
    assert_eq!(
        (
            again["importCouponCodes"]["added"].as_u64(),
            again["importCouponCodes"]["unchanged"].as_u64()
        ),
        (Some(0), Some(1))
    );
    // A file of any size goes through the command line's importer, a batch at a time.
    let mut file = tempfile::NamedTempFile::new().unwrap();
    std::io::Write::write_all(&mut file, b"code\nPOS-0003\nPOS 0004\n").unwrap();
    let id: i64 = pos.parse().unwrap();
    let report = patron::import::coupon_codes(&app.db, id, file.path(), None)
        .await
        .unwrap();
    assert_eq!((report.added, report.rejected.len()), (1, 1), "{report}");
    assert_eq!(report.rejected[0].0, 3, "{report}");
    let left = "{ couponDefinitions { importedCodes codesLeft } }";
    let left = app.ok(&admin, left, json!({})).await;
    assert_eq!(
        left["couponDefinitions"][0],
        json!({ "importedCodes": true, "codesLeft": 3 })
    );
    let rewards = app.ok(&admin, "{ rewards { name } }", json!({})).await;
    assert_eq!(rewards["rewards"], json!([{ "name": "POS voucher" }]));

    // Issued in import order, shown as imported, found however it is typed; then none left.
    let issued: Vec<Value> = [
        issue(&app, &admin, &pos, "M1").await,
        issue(&app, &admin, &pos, "M2").await,
        issue(&app, &admin, &pos, "M3").await,
    ]
    .into();
    let codes: Vec<&str> = issued.iter().map(|c| c["code"].as_str().unwrap()).collect();
    assert_eq!(codes, ["POS-0001", "POS-0002", "POS-0003"]);
    let found = app.ok(&admin, COUPON, json!({ "code": " pos-0002 " })).await;
    assert_eq!(found["coupon"]["member"]["memberNo"], "M2");
    let (field, message) = refused(&app, &admin, ISSUE, json!({ "d": pos, "no": "M1" })).await;
    assert_eq!(field, "definitionId");
    assert!(message.contains("no imported codes left"), "{message}");
    // Its list spent, the reward is out of the catalogue.
    let rewards = app.ok(&admin, "{ rewards { name } }", json!({})).await;
    assert_eq!(rewards["rewards"], json!([]));

    // A code is one offer's; an offer that makes its own codes takes none.
    let other = define(
        &app,
        &admin,
        json!({ "name": "Other POS", "kind": "GIFT", "gift": "A mug", "validDays": 30, "importedCodes": true }),
    )
    .await;
    let taken = app
        .ok(&admin, IMPORT, json!({ "d": other, "codes": ["POS-0001"] }))
        .await;
    let message = taken["importCouponCodes"]["rejected"][0]["message"]
        .as_str()
        .unwrap_or_default();
    assert!(message.contains("another offer"), "{taken}");
    let own = define(
        &app,
        &admin,
        json!({ "name": "Own codes", "kind": "GIFT", "gift": "A pen", "validDays": 30 }),
    )
    .await;
    let (field, _) = refused(&app, &admin, IMPORT, json!({ "d": own, "codes": ["X1"] })).await;
    assert_eq!(field, "definitionId");
}

#[tokio::test]
async fn an_imported_purchase_redeems_its_coupon_and_an_imported_full_return_gives_it_back() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    app.create_member(&admin, "M1", json!({ "storeCode": "SH01" })).await;
    let offer = define(
        &app,
        &admin,
        json!({ "name": "Twenty off", "kind": "AMOUNT_OFF", "amountOff": "20", "minSpend": "100", "validDays": 30 }),
    )
    .await;
    let first = issue(&app, &admin, &offer, "M1").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let second = issue(&app, &admin, &offer, "M1").await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let today = app.brand.today();
    // Line 2 redeems the first code (120.00 paid, 140.00 before the discount); line 3 is below
    // the minimum spend (70.00) and line 4 repeats a code another order took: neither order is
    // recorded; line 5 names no coupon.
    let file = format!(
        "member_no,order_id,occurred_at,amount,coupon\n\
         M1,P1,{today},120.00,{first}\n\
         M1,P2,{today},50.00,{second}\n\
         M1,P3,{today},300.00,{}\n\
         M1,P4,{today},30.00,NOPE-0000\n",
        first.to_lowercase()
    );
    let csv = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(csv.path(), &file).unwrap();
    let import = || patron::import::purchases(&app.db, &app.brand, csv.path(), None);
    let report = import().await.unwrap();
    assert_eq!(report.added, 1, "{report}");
    let lines: Vec<u64> = report.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [3, 4, 5], "{report}");
    assert!(report.rejected[0].1.contains("100.00"), "{report}");
    assert!(report.rejected[1].1.contains("line 2"), "{report}");
    let orders = "{ member(memberNo: \"M1\") { purchases { edges { node { orderId } } } } }";
    let orders = app.ok(&admin, orders, json!({})).await;
    assert_eq!(
        orders["member"]["purchases"]["edges"].as_array().unwrap().len(),
        1,
        "{orders}"
    );
    let used = app.ok(&admin, COUPON, json!({ "code": first })).await;
    assert_eq!(
        (used["coupon"]["orderId"].as_str(), used["coupon"]["discount"].as_str()),
        (Some("P1"), Some("20.00"))
    );
    // Importing the file again changes nothing.
    let again = import().await.unwrap();
    assert_eq!(
        (again.added, again.unchanged, again.rejected.len()),
        (0, 1, 3),
        "{again}"
    );

    // A full return, imported, gives the first code back; the second was never used.
    let returned = format!("member_no,order_id,occurred_at,amount,kind\nM1,P1,{today},120.00,return\n");
    assert_eq!(app.import("purchases", &returned).await.added, 1);
    for code in [&first, &second] {
        let now = app.ok(&admin, COUPON, json!({ "code": code })).await;
        assert_eq!(
            (now["coupon"]["state"].as_str(), now["coupon"]["orderId"].as_str()),
            (Some("VALID"), None)
        );
    }
}

#[tokio::test]
async fn the_birthday_gift_goes_to_the_tiers_whose_benefits_include_it() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = app.jobs.today();
    let mut members = String::from("member_no,name,email,email_consent,birthday\n");
    for i in 0..6 {
        members.push_str(&format!(
            "G{i},G{i},g{i}@example.com,true,1990-{}\n",
            today.format("%m-%d")
        ));
    }
    app.import("members", &members).await;
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    // By the default benefits, tiers A, B and C have a birthday gift and D has none.
    let tiers = "UPDATE member_metrics SET tier = CASE WHEN member_id IN \
                 (SELECT id FROM members WHERE member_no IN ('G0', 'G1', 'G2')) THEN 'A' ELSE 'D' END";
    app.db.execute_unprepared(tiers).await.unwrap();
    let gift = define(
        &app,
        &admin,
        json!({ "name": "Birthday gift", "kind": "GIFT", "gift": "A scarf", "validDays": 30 }),
    )
    .await;
    let birthday = app.builtin_campaign(&admin, "BIRTHDAY").await;
    let update = "mutation($id: ID!, $in: CampaignInput!) { updateCampaign(id: $id, input: $in) { coupon { name } } }";
    let input = json!({ "couponDefinitionId": gift, "holdoutShare": "0" });
    app.ok(&admin, update, json!({ "id": birthday, "in": input })).await;

    let counts = app.run_job("birthday", &today.to_string()).await.expect("birthday job");
    assert_eq!(counts["queued"], 6, "{counts}");
    let held = "query($no: String!) { member(memberNo: $no) { coupons { definition { name } } } }";
    for i in 0..6 {
        let coupons = app.ok(&admin, held, json!({ "no": format!("G{i}") })).await;
        let count = coupons["member"]["coupons"].as_array().unwrap().len();
        assert_eq!(count, usize::from(i < 3), "G{i}: {coupons}");
    }
}

#[tokio::test]
async fn a_reminder_goes_before_an_unused_coupon_lapses_and_not_once_it_is_redeemed() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    for no in ["R1", "R2", "R3"] {
        let fields = json!({ "email": format!("{}@example.com", no.to_lowercase()), "emailConsent": true,
            "consentSource": "store-form" });
        app.create_member(&admin, no, fields).await;
    }
    // Four days from issue, today included: the last day is three days ahead, the reminder's
    // default lead.
    let offer = define(
        &app,
        &admin,
        json!({ "name": "Twenty off", "kind": "AMOUNT_OFF", "amountOff": "20", "validDays": 4 }),
    )
    .await;
    let code = |coupon: Value| coupon["code"].as_str().unwrap().to_owned();
    let codes = [
        code(issue(&app, &admin, &offer, "R1").await),
        code(issue(&app, &admin, &offer, "R2").await),
        code(issue(&app, &admin, &offer, "R3").await),
    ];
    let today = app.jobs.today();
    buy(&app, &admin, "R2", "O2", today, "SH01", "80.00").await;
    app.ok(&admin, REDEEM, json!({ "code": codes[1], "order": "O2" })).await;
    app.without_holdout(&admin, "COUPON_EXPIRY").await;

    // R2 redeemed theirs: the job queues R1 and R3; R3 redeems before the send and gets none.
    let counts = app
        .run_job("coupon-expiry-notice", &today.to_string())
        .await
        .expect("reminders");
    assert_eq!(counts["queued"], 2, "{counts}");
    buy(&app, &admin, "R3", "O3", today, "SH01", "80.00").await;
    app.ok(&admin, REDEEM, json!({ "code": codes[2], "order": "O3" })).await;
    app.run_job("outbox", &today.to_string()).await.expect("dispatch");
    let emails = sink.messages();
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(emails[0].rcpt_to, ["r1@example.com"]);
    let text = emails[0].text.as_deref().unwrap_or_default();
    let last_day = today + Days::new(3);
    assert!(
        text.contains(&codes[0]) && text.contains(&last_day.to_string()) && text.contains("减 20.00"),
        "{text}"
    );
    // The email shows the code as a QR image the server draws, which scans back to the code.
    // As minijinja escapes an attribute's slashes.
    let html = emails[0].html.as_deref().unwrap_or_default().replace("&#x2f;", "/");
    let src = html
        .split("<img src=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default();
    let path = src
        .split_once("/codes/")
        .map(|(_, path)| format!("/codes/{path}"))
        .unwrap_or_default();
    let image = app.client.get(format!("{}{path}", app.address)).send().await.unwrap();
    assert_eq!(image.status(), 200, "{src}");
    assert_eq!(image.headers()["content-type"], "image/png");
    let scanned = read_qr(&image.bytes().await.unwrap());
    assert_eq!(scanned, codes[0].replace('-', ""));
    let forged = path.replacen(&codes[0].replace('-', ""), &codes[2].replace('-', ""), 1);
    let refused = app.client.get(format!("{}{forged}", app.address)).send().await.unwrap();
    assert_eq!(refused.status(), 404, "{forged}");

    // Run again the same day: nobody is reminded twice.
    let again = app
        .run_job("coupon-expiry-notice", &today.to_string())
        .await
        .expect("reminders");
    assert_eq!(again["queued"], 0, "{again}");
}

/// What a PNG's QR symbol says.
fn read_qr(png: &[u8]) -> String {
    let mut reader = png::Decoder::new(std::io::Cursor::new(png)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let frame = reader.next_frame(&mut pixels).unwrap();
    let (width, height) = (frame.width as usize, frame.height as usize);
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| pixels[y * width + x]);
    let grids = image.detect_grids();
    assert_eq!(grids.len(), 1, "one QR symbol");
    grids[0].decode().unwrap().1
}
