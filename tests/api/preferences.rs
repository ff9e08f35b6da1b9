//! A member's preferences, "fewer" before "none": the page every message links to and the
//! member's app set the topics they want, how often and their channels, and the dispatcher
//! keeps to them.
use entity::member;
use patron::auth::Role;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::json;

use crate::campaigns::app_with_sink;
use crate::helpers::{spawn_app_with, TestApp};
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

/// The path of the confirmation link in an email's text.
fn confirmation_path(text: &str) -> String {
    let start = text.find("/confirm/").expect("a confirmation link");
    text[start..].split_whitespace().next().unwrap().to_owned()
}

#[tokio::test]
async fn under_double_opt_in_email_consent_waits_for_the_members_confirmation() {
    let sink = SmtpSink::start();
    let smtp = sink.url();
    let app = spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(smtp);
        settings.outreach.double_opt_in = true;
    })
    .await;
    let admin = app.admin().await;
    let read = "query($no: String!){ member(memberNo: $no) { emailConsent emailConsentPending
        consents { channel granted source wording } } }";
    let member = |no: &'static str| {
        let (app, admin) = (&app, &admin);
        async move { app.ok(admin, read, json!({ "no": no })).await["member"].clone() }
    };

    // Ticked in store: not consent yet, but a request awaiting the member's confirmation.
    let fields = json!({ "email": "doi@example.com", "emailConsent": true, "locale": "en",
        "consentSource": "store-form" });
    app.create_member(&admin, "DOI", fields).await;
    let pending = member("DOI").await;
    assert_eq!(
        (pending["emailConsent"].clone(), pending["emailConsentPending"].clone()),
        (json!(false), json!(true))
    );

    // The confirmation goes out at once, quiet hours or not, and once.
    app.run_job("outbox", "2026-09-22").await.expect("dispatch");
    app.run_job("outbox", "2026-09-22").await.expect("dispatch again");
    let sent = sink.messages();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].rcpt_to, ["doi@example.com"]);
    assert_eq!(sent[0].subject, "Please confirm you want emails from Patron");
    let path = confirmation_path(sent[0].text.as_deref().unwrap());
    assert!(sent[0]
        .html
        .as_deref()
        .unwrap()
        .contains(&format!("href=\"http://127.0.0.1:8080{path}\"")));
    let link = format!("{}{path}", app.address);

    // A link scanner's GET confirms nothing; a forged link confirms nothing either.
    let page = app.client.get(&link).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("method=\"post\"") && page.contains("doi@example.com"),
        "{page}"
    );
    let forged = format!("{}x", link.trim_end_matches(|c: char| c != '.'));
    assert_eq!(app.client.post(&forged).send().await.unwrap().status(), 400);
    assert_eq!(member("DOI").await["emailConsent"], json!(false));

    // Confirmed from the mailbox: consent, recorded with what the page said.
    let confirmed = app.client.post(&link).send().await.unwrap();
    assert_eq!(confirmed.status(), 200);
    assert!(confirmed.text().await.unwrap().contains("Confirmed"));
    let now = member("DOI").await;
    assert_eq!(
        (now["emailConsent"].clone(), now["emailConsentPending"].clone()),
        (json!(true), json!(false))
    );
    assert_eq!(now["consents"][0]["source"], "double opt-in");
    assert_eq!(now["consents"][0]["granted"], true);
    assert!(now["consents"][0]["wording"].as_str().unwrap().contains("I confirm"));
    let again = app.client.post(&link).send().await.unwrap();
    assert!(again.status() == 200 && again.text().await.unwrap().contains("confirmed already"));

    // Asked for, then withdrawn before the email went: it is not sent, and its link is dead.
    let fields = json!({ "email": "late@example.com", "emailConsent": true, "consentSource": "app" });
    app.create_member(&admin, "LATE", fields).await;
    let withdraw =
        "mutation{ setEmailConsent(memberNo: \"LATE\", granted: false) { emailConsent emailConsentPending } }";
    let withdrawn = app.ok(&admin, withdraw, json!({})).await;
    assert_eq!(withdrawn["setEmailConsent"]["emailConsentPending"], false);
    app.run_job("outbox", "2026-09-22").await.expect("dispatch");
    assert_eq!(sink.count(), 1, "the withdrawn request's email is not sent");
    let outbox = "{ outbox(first: 5) { edges { node { member { memberNo } status lastError } } } }";
    let rows = app.ok(&admin, outbox, json!({})).await;
    let late = rows["outbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["node"]["member"]["memberNo"] == "LATE")
        .expect("LATE's confirmation")
        .clone();
    assert_eq!(
        late["node"],
        json!({ "member": { "memberNo": "LATE" }, "status": "suppressed",
            "lastError": "the request was confirmed, withdrawn or replaced since" })
    );

    // Ticked again on the preference page, twice: shown as awaiting confirmation, and one more
    // email, not two.
    let token = app.jobs.outreach.links.token(member_id(&app, "LATE").await);
    let page_url = format!("{}/preferences/{token}", app.address);
    for _ in 0..2 {
        let form = [("topic", "offers"), ("frequency", "normal"), ("channel", "email")];
        let saved = app.client.post(&page_url).form(&form).send().await.unwrap();
        let saved = saved.text().await.unwrap();
        assert!(saved.contains("awaiting your confirmation"), "{saved}");
        assert!(saved.contains("value=\"email\" checked"), "{saved}");
    }
    app.run_job("outbox", "2026-09-22").await.expect("dispatch");
    let sent = sink.messages();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert_eq!(sent[1].rcpt_to, ["late@example.com"]);

    // An import brings consent the brand already holds: no confirmation.
    app.import(
        "members",
        "member_no,name,email,email_consent\nIMP,Imported,imp@example.com,true\n",
    )
    .await;
    let imported = member("IMP").await;
    assert_eq!(
        (
            imported["emailConsent"].clone(),
            imported["emailConsentPending"].clone()
        ),
        (json!(true), json!(false))
    );
}
