//! A member's preferences, "fewer" before "none": the page every message links to and the
//! member's app set the topics they want, how often and their channels, and the dispatcher
//! keeps to them.
use entity::member;
use patron::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::campaigns::app_with_sink;
use crate::helpers::TestApp;
use crate::smtp::SmtpSink;

async fn member_id(app: &TestApp, member_no: &str) -> i64 {
    member::Entity::find()
        .filter(member::Column::MemberNo.eq(member_no))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .id
}

#[tokio::test]
async fn the_preference_page_mutes_a_topic_asks_for_fewer_and_drops_a_channel_with_proof() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    let fields = json!({ "email": "pref@example.com", "emailConsent": true, "phone": "13800000021",
        "smsConsent": true, "consentSource": "store-form" });
    app.create_member(&admin, "PREF", fields).await;
    let token = app.jobs.outreach.links.token(member_id(&app, "PREF").await);
    let url = format!("{}/preferences/{token}", app.address);

    // The page shows every topic wanted, the usual frequency and both channels ticked.
    let page = app.client.get(&url).send().await.unwrap().text().await.unwrap();
    assert!(page.contains("name=\"topic\" value=\"holidays\" checked"), "{page}");
    assert!(page.contains("value=\"normal\" checked"), "{page}");
    assert!(
        page.contains("value=\"sms\" checked") && page.contains("value=\"email\" checked"),
        "{page}"
    );
    assert!(
        !page.contains("value=\"wechat\""),
        "no WeChat account bound, so no WeChat choice"
    );
    // Fewer before none: the unsubscribe page offers the preferences first.
    let unsubscribe = app
        .client
        .get(format!("{}/unsubscribe/{token}", app.address))
        .send()
        .await
        .unwrap();
    assert!(unsubscribe
        .text()
        .await
        .unwrap()
        .contains(&format!("/preferences/{token}")));
    let forged = app
        .client
        .get(format!("{}/preferences/1.forged", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 400);

    // Holidays unticked, fewer messages, SMS unticked.
    let form = [
        ("topic", "birthday"),
        ("topic", "new_arrivals"),
        ("topic", "offers"),
        ("frequency", "fewer"),
        ("channel", "email"),
    ];
    let saved = app
        .client
        .post(&url)
        .form(&form)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        saved.contains("Saved") && saved.contains("value=\"fewer\" checked"),
        "{saved}"
    );
    let read =
        "{ member(memberNo: \"PREF\") { emailConsent smsConsent preferences { mutedTopics frequency pausedUntil }
        consents { channel granted source } } }";
    let member = app.ok(&admin, read, json!({})).await["member"].clone();
    assert_eq!(
        member["preferences"],
        json!({ "mutedTopics": ["HOLIDAYS"], "frequency": "FEWER", "pausedUntil": null })
    );
    assert_eq!(
        (member["emailConsent"].clone(), member["smsConsent"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(
        member["consents"][0],
        json!({ "channel": "SMS", "granted": false, "source": "preference page" })
    );

    // The holiday email is not sent: the member muted holidays.
    app.run_job("holiday", "2026-09-22").await.expect("holiday job");
    app.run_job("outbox", "2026-09-22").await.expect("dispatch");
    assert_eq!(sink.count(), 0);
    let outbox = app
        .ok(
            &admin,
            "{ outbox(first: 5) { edges { node { status lastError } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        outbox["outbox"]["edges"][0]["node"],
        json!({ "status": "suppressed", "lastError": "the member does not want holidays messages" })
    );
}

#[tokio::test]
async fn the_members_app_pauses_messages_for_thirty_days_and_fewer_means_one_a_week() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for no in ["PAUSED", "FEWER"] {
        let fields = json!({ "email": format!("{}@example.com", no.to_lowercase()), "emailConsent": true,
            "birthday": "1990-09-22", "consentSource": "store-form" });
        app.create_member(&admin, no, fields).await;
    }
    let all = ["BIRTHDAY", "HOLIDAYS", "NEW_ARRIVALS", "OFFERS"];
    let update =
        "mutation($in: PreferencesInput!){ updateMyPreferences(input: $in){ preferences { frequency pausedUntil } } }";
    let paused = app.token(Role::Member, Some("PAUSED"), None, None).await;
    let answer = app
        .ok(&paused, update, json!({ "in": { "topics": all, "pause": true } }))
        .await;
    let until = answer["updateMyPreferences"]["preferences"]["pausedUntil"]
        .as_str()
        .unwrap()
        .to_owned();
    let days = (chrono::DateTime::parse_from_rfc3339(&until)
        .unwrap()
        .with_timezone(&chrono::Utc)
        - chrono::Utc::now())
    .num_days();
    assert_eq!(days, 29, "thirty days from now: {until}");
    let fewer = app.token(Role::Member, Some("FEWER"), None, None).await;
    app.ok(&fewer, update, json!({ "in": { "topics": all, "frequency": "FEWER" } }))
        .await;
    let me = app
        .ok(
            &fewer,
            "{ me { member { preferences { mutedTopics frequency } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        me["me"]["member"]["preferences"],
        json!({ "mutedTopics": [], "frequency": "FEWER" })
    );
    // Staff may not set a member's preferences for them.
    assert_eq!(
        app.error_code(&admin, update, json!({ "in": { "topics": [] } })).await,
        "FORBIDDEN"
    );

    // The birthday and the holiday fall on one day: the paused member gets neither, the one
    // who asked for fewer gets one now and the other a week after it, not a day.
    app.run_job("birthday", "2026-09-22").await.expect("birthday job");
    app.run_job("holiday", "2026-09-22").await.expect("holiday job");
    app.run_job("outbox", "2026-09-22").await.expect("dispatch");
    let recipients: Vec<String> = sink.envelopes().into_iter().flatten().collect();
    assert_eq!(recipients, ["fewer@example.com"]);
    let outbox = app
        .ok(
            &admin,
            "{ outbox(first: 10) { edges { node { member { memberNo } status dueAt lastError } } } }",
            json!({}),
        )
        .await;
    let edges = outbox["outbox"]["edges"].as_array().unwrap();
    let paused_rows: Vec<&serde_json::Value> = edges
        .iter()
        .filter(|e| e["node"]["member"]["memberNo"] == "PAUSED")
        .collect();
    assert_eq!(paused_rows.len(), 2);
    assert!(paused_rows.iter().all(|e| e["node"]["status"] == "suppressed"
        && e["node"]["lastError"]
            .as_str()
            .unwrap()
            .starts_with("the member paused marketing messages until")));
    let waiting = edges
        .iter()
        .find(|e| e["node"]["member"]["memberNo"] == "FEWER" && e["node"]["status"] == "queued")
        .expect("the second message waits");
    let due = chrono::DateTime::parse_from_rfc3339(waiting["node"]["dueAt"].as_str().unwrap()).unwrap();
    let wait = due.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!((6..=7).contains(&wait.num_days()), "due in a week: {wait}");
}
