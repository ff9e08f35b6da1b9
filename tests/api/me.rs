//! `me` with a member token: progress by the tier rules on a hand-computed fixture (returns
//! netted), points that lapse, the tier's benefits, and self-service edits with their audit.
use chrono::{Datelike, Duration, Months, NaiveDate};
use patron::auth::Role;
use serde_json::json;

use crate::helpers::{first_error, spawn_app, TestApp};

const ME: &str = "{ me { member { memberNo tier pointsBalance }
    tierProgress { spend365 visits365 qualifiesFor qualifiesUntil next { tier spendNeeded visitsNeeded by } }
    lapsingPoints { points lastDay }
    benefits { tier discountPercent freeShipping description(locale: \"en\") } } }";

async fn buy(app: &TestApp, admin: &str, order: &str, day: NaiveDate, amount: &str) {
    let input =
        json!({ "memberNo": "M1", "orderId": order, "occurredAt": format!("{day}T04:00:00Z"), "amount": amount });
    app.ok(
        admin,
        "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
        json!({ "in": input }),
    )
    .await;
}

#[tokio::test]
async fn a_member_sees_their_progress_points_and_benefits_and_edits_their_own_details() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let today = app.brand.today();
    // Born in a leap year, so any day of the year is a birthday.
    let birthday = format!("2000-{}", today.format("%m-%d"));
    let profile = json!({ "email": "m1@example.com", "emailConsent": true, "birthday": birthday });
    app.create_member(&admin, "M1", profile).await;
    let day = |ago: i64| today - Duration::days(ago);
    // Four purchase days, 3,800 net after a return of 200: B (3,000 and 3 days), not A
    // (10,000 and 6 days).
    buy(&app, &admin, "O1", day(300), "500.00").await;
    buy(&app, &admin, "O2", day(200), "1500.00").await;
    buy(&app, &admin, "O3", day(100), "1000.00").await;
    buy(&app, &admin, "O4", day(10), "1000.00").await;
    let refund = json!({ "orderId": "O4", "occurredAt": format!("{}T04:00:00Z", day(5)), "amount": "200.00" });
    app.ok(
        &admin,
        "mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }",
        json!({ "in": refund }),
    )
    .await;
    app.ok(
        &admin,
        "mutation { earnPoints(memberNo: \"M1\", points: 80) { points } }",
        json!({}),
    )
    .await;
    app.ok(
        &admin,
        "mutation { redeemPoints(memberNo: \"M1\", points: 30) { points } }",
        json!({}),
    )
    .await;

    let member = app.token(Role::Member, Some("M1"), None, None).await;
    let me = app.ok(&member, ME, json!({})).await["me"].clone();
    assert_eq!(
        me["member"],
        json!({ "memberNo": "M1", "tier": null, "pointsBalance": 50 })
    );
    // Without another purchase B holds until O2's day leaves the window (day 200 + 365 − 1);
    // A needs 6,200 more and 2 more days before O1's day leaves it.
    assert_eq!(
        me["tierProgress"],
        json!({ "spend365": "3800.00", "visits365": 4, "qualifiesFor": "B",
            "qualifiesUntil": (day(200) + Duration::days(364)).to_string(),
            "next": { "tier": "A", "spendNeeded": "6200.00", "visitsNeeded": 2,
                "by": (day(300) + Duration::days(364)).to_string() } })
    );
    // The 50 points left lapse at the end of the 12th month after this one.
    let first_of_month = today.with_day(1).unwrap();
    let last_day = first_of_month
        .checked_add_months(Months::new(13))
        .unwrap()
        .pred_opt()
        .unwrap();
    assert_eq!(
        me["lapsingPoints"],
        json!([{ "points": 50, "lastDay": last_day.to_string() }])
    );
    // The birthday email, sent, is among the emails the member received.
    app.run_job("birthday", &today.to_string()).await.expect("birthday");
    app.run_job("outbox", &today.to_string()).await.expect("outbox");
    let emails = app
        .ok(&member, "{ me { emailsReceived { kind status } } }", json!({}))
        .await;
    assert_eq!(
        emails["me"]["emailsReceived"],
        json!([{ "kind": "birthday", "status": "sent" }])
    );
    // Before the first nightly run the member has D's benefits; after it, B's.
    assert_eq!(me["benefits"]["tier"], "D");
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    let me = app.ok(&member, ME, json!({})).await["me"].clone();
    assert_eq!(me["member"]["tier"], "B");
    assert_eq!(
        me["benefits"],
        json!({ "tier": "B", "discountPercent": "5", "freeShipping": true,
            "description": "5% off, free shipping and a birthday gift" })
    );

    // Every tier's benefits for any caller; a staff token's `me` has no member part.
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let tiers = app
        .ok(&marketer, "{ tierBenefits { tier description } }", json!({}))
        .await;
    assert_eq!(tiers["tierBenefits"].as_array().map(Vec::len), Some(4));
    assert_eq!(
        tiers["tierBenefits"][0]["description"],
        "全场九折、免运费、生日礼、专属顾问优先服务"
    );
    let staff_me = app.ok(&marketer, ME, json!({})).await;
    assert_eq!(
        staff_me["me"],
        json!({ "member": null, "tierProgress": null, "lapsingPoints": [], "benefits": null })
    );
    let staff_emails = app.ok(&marketer, "{ me { emailsReceived { kind } } }", json!({})).await;
    assert_eq!(staff_emails["me"]["emailsReceived"], json!([]));

    // Self-service: contact details, language and consent, audited; not the name.
    let update = "mutation($in: MemberFields!) { updateMe(input: $in) { memberNo phone locale emailConsent } }";
    let input = json!({ "phone": "13900001111", "locale": "en", "emailConsent": false });
    let updated = app.ok(&member, update, json!({ "in": input })).await;
    assert_eq!(
        updated["updateMe"],
        json!({ "memberNo": "M1", "phone": "13900001111", "locale": "en", "emailConsent": false })
    );
    let renamed = app
        .graphql(&member, update, json!({ "in": { "name": "Someone else" } }))
        .await;
    assert_eq!(first_error(&renamed).0, "FORBIDDEN");
    let audit = app
        .ok(
            &admin,
            "{ auditLog(target: \"M1\", first: 5) { actor action detail } }",
            json!({}),
        )
        .await;
    let entry = &audit["auditLog"][0];
    assert_eq!(
        (entry["actor"].as_str(), entry["action"].as_str()),
        (Some("member:M1"), Some("member.update"))
    );
    assert!(entry["detail"].as_str().unwrap().contains("email_consent"), "{audit}");
}
