//! Satisfaction surveys: the day's run asks the members who bought, or whose complaint was
//! resolved, exactly once; the email's link opens a page without sign-in that records one
//! answer as feedback and refuses a second; the report's CSAT and NPS per store, associate and
//! month match figures worked out by hand.
use patron::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

const REPORT: &str = "query($scale: SurveyScale, $from: NaiveDate!, $to: NaiveDate!, $store: String) {
  satisfactionReport(scale: $scale, from: $from, to: $to, storeCode: $store) {
    scale
    overall { asked answered responseRate average score high low }
    byStore { store { code } figures { answered average score } }
    byAssociate { associate { username } figures { answered average score } }
    byMonth { month figures { asked answered score } }
  }
}";

/// An app sending to `sink`, asking surveys on `scale` the same day (so a test need not wait).
async fn app(sink: &SmtpSink, scale: &str) -> TestApp {
    let (url, scale) = (sink.url(), serde_json::from_value(json!(scale)).unwrap());
    spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(url);
        settings.outreach.quiet_start_hour = 0;
        settings.outreach.quiet_end_hour = 0;
        settings.surveys.days_after = 0;
        settings.surveys.scale = scale;
    })
    .await
}

/// Members with email consent at `store`.
async fn members(app: &TestApp, admin: &str, store: &str, numbers: &[&str]) {
    for no in numbers {
        let fields = json!({ "storeCode": store, "email": format!("{}@example.com", no.to_lowercase()),
            "emailConsent": true, "consentSource": "store-form" });
        app.create_member(admin, no, fields).await;
    }
}

async fn buy(app: &TestApp, admin: &str, no: &str, order: &str, store: &str, amount: &str) {
    let input = json!({ "memberNo": no, "orderId": order, "occurredAt": chrono::Utc::now().to_rfc3339(),
        "amount": amount, "storeCode": store });
    app.ok(
        admin,
        "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
        json!({ "in": input }),
    )
    .await;
}

/// The survey link of each email, by recipient.
fn links(sink: &SmtpSink) -> Vec<(String, String)> {
    let mut links: Vec<(String, String)> = sink
        .messages()
        .iter()
        .map(|email| {
            let text = email.text.as_deref().unwrap_or_default();
            let link = text
                .split_whitespace()
                .find(|word| word.contains("/survey/"))
                .unwrap_or_else(|| panic!("no survey link: {text}"));
            (email.rcpt_to[0].clone(), link.to_owned())
        })
        .collect();
    links.sort();
    links
}

/// The path of a link, for the test's own client.
fn path(link: &str) -> String {
    link.split_once("/survey/")
        .map(|(_, token)| format!("/survey/{token}"))
        .unwrap()
}

async fn answer(app: &TestApp, link: &str, score: &str, comment: &str) -> (u16, String) {
    let response = app
        .client
        .post(format!("{}{}", app.address, path(link)))
        .form(&[("score", score), ("comment", comment)])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn a_survey_is_asked_once_after_a_purchase_or_a_resolved_complaint_and_answered_once() {
    let sink = SmtpSink::start();
    let app = app(&sink, "csat").await;
    let admin = app.admin().await;
    for store in ["SH01", "BJ01"] {
        app.create_store(&admin, store).await;
    }
    app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    members(&app, &admin, "SH01", &["S1", "S2", "S3", "S4", "S5"]).await;
    let assign = "mutation($no: String!) { assignAssociate(memberNo: $no, username: \"ann\") { memberNo } }";
    app.ok(&admin, assign, json!({ "no": "S1" })).await;
    // S1 bought twice at SH01 (one survey, of the first order); S2 bought at BJ01, away from
    // home; S3 bought and returned it all (none); S4's complaint was resolved; S5 did nothing.
    buy(&app, &admin, "S1", "O1", "SH01", "120.00").await;
    buy(&app, &admin, "S1", "O1b", "SH01", "30.00").await;
    buy(&app, &admin, "S2", "O2", "BJ01", "80.00").await;
    buy(&app, &admin, "S3", "O3", "SH01", "60.00").await;
    let give_back =
        json!({ "in": { "orderId": "O3", "occurredAt": chrono::Utc::now().to_rfc3339(), "amount": "60.00" } });
    app.ok(
        &admin,
        "mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }",
        give_back,
    )
    .await;
    let complaint = json!({ "in": { "memberNo": "S4", "kind": "COMPLAINT", "body": "拉链坏了" } });
    let recorded = app
        .ok(
            &admin,
            "mutation($in: FeedbackInput!) { recordFeedback(input: $in) { id } }",
            complaint,
        )
        .await;
    let resolve = "mutation($id: ID!) { resolveFeedback(id: $id, resolution: \"换了新拉链\") { status } }";
    app.ok(&admin, resolve, json!({ "id": recorded["recordFeedback"]["id"] }))
        .await;
    app.without_holdout(&admin, "SATISFACTION_SURVEY").await;

    let today = app.jobs.today().to_string();
    let counts = app.run_job("satisfaction-survey", &today).await.expect("surveys");
    assert_eq!(
        counts["written"],
        json!({ "after_complaint": 1, "after_purchase": 2 }),
        "{counts}"
    );
    assert_eq!(counts["occurrence"]["queued"], 3, "{counts}");
    let again = app.run_job("satisfaction-survey", &today).await.expect("surveys");
    assert_eq!(
        again["written"],
        json!({ "after_complaint": 0, "after_purchase": 0 }),
        "{again}"
    );
    assert_eq!(again["occurrence"]["queued"], 0, "{again}");
    app.run_job("outbox", &today).await.expect("dispatch");
    let links = links(&sink);
    let recipients: Vec<&str> = links.iter().map(|(to, _)| to.as_str()).collect();
    assert_eq!(recipients, ["s1@example.com", "s2@example.com", "s4@example.com"]);
    let stored = app
        .ok(
            &admin,
            "{ s1: member(memberNo: \"S1\") { feedback { edges { node { kind } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        stored["s1"]["feedback"]["edges"],
        json!([]),
        "nothing recorded before an answer"
    );

    // The link opens the question without sign-in; the email's button ticks its score.
    let (s1, s2, s4) = (&links[0].1, &links[1].1, &links[2].1);
    let page = app
        .client
        .get(format!("{}{}?score=4", app.address, path(s1)))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("value=\"4\" required checked") && html.contains("value=\"5\""),
        "{html}"
    );
    assert!(
        !html.contains("value=\"0\"") && !html.contains("value=\"6\""),
        "CSAT is 1 to 5: {html}"
    );
    // Out of range, refused with the page again; then recorded once.
    let (status, html) = answer(&app, s1, "6", "").await;
    assert_eq!(status, 200);
    assert!(html.contains("a score from 1 to 5"), "{html}");
    assert_eq!(answer(&app, s1, "5", "店员很耐心").await.0, 200);
    let (_, html) = answer(&app, s1, "1", "").await;
    assert!(html.contains("already answered"), "{html}");
    assert!(answer(&app, s2, "2", "").await.1.contains("Thank you"));
    assert!(answer(&app, s4, "4", "").await.1.contains("Thank you"));
    let forged = s1.replacen("/survey/", "/survey/9", 1);
    assert_eq!(answer(&app, &forged, "5", "").await.0, 404);

    let feedback = app
        .ok(
            &admin,
            "{ member(memberNo: \"S1\") { feedback { edges { node { kind score scale body status } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        feedback["member"]["feedback"]["edges"],
        json!([{ "node": { "kind": "SATISFACTION", "score": 5, "scale": "CSAT", "body": "店员很耐心", "status": "resolved" } }])
    );
    let audit = app
        .ok(&admin, "{ auditLog(first: 50) { action target } }", json!({}))
        .await;
    let answers = audit["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "survey.answer");
    let targets: Vec<&str> = answers.map(|e| e["target"].as_str().unwrap()).collect();
    assert_eq!(targets.len(), 3, "{audit}");
    assert!(targets.contains(&"S1"), "{targets:?}");

    // By hand: three asked, three answered (5, 2, 4): mean 3.67, two of three satisfied (66.7%),
    // one unhappy. SH01: S1 (5) and S4 (4, home store); BJ01: S2 (2, where they bought). Ann:
    // S1; nobody's: S2 and S4.
    let report = app.ok(&admin, REPORT, json!({ "from": today, "to": today })).await["satisfactionReport"].clone();
    assert_eq!(report["scale"], "CSAT");
    assert_eq!(
        report["overall"],
        json!({ "asked": 3, "answered": 3, "responseRate": "100.0", "average": "3.67", "score": "66.7",
            "high": 2, "low": 1 })
    );
    let mut by_store = report["byStore"].as_array().unwrap().clone();
    by_store.sort_by_key(|row| row["store"]["code"].as_str().unwrap().to_owned());
    assert_eq!(
        by_store,
        [
            json!({ "store": { "code": "BJ01" }, "figures": { "answered": 1, "average": "2.00", "score": "0.0" } }),
            json!({ "store": { "code": "SH01" }, "figures": { "answered": 2, "average": "4.50", "score": "100.0" } }),
        ]
    );
    let ann = report["byAssociate"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["associate"]["username"] == "ann")
        .cloned();
    assert_eq!(
        ann,
        Some(
            json!({ "associate": { "username": "ann" }, "figures": { "answered": 1, "average": "5.00", "score": "100.0" } })
        )
    );
    let month = &today[..7];
    assert_eq!(
        report["byMonth"],
        json!([{ "month": month, "figures": { "asked": 3, "answered": 3, "score": "66.7" } }])
    );
    let sh01 = app
        .ok(&admin, REPORT, json!({ "from": today, "to": today, "store": "SH01" }))
        .await;
    assert_eq!(sh01["satisfactionReport"]["overall"]["answered"], 2);
    let associate = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    let refused = app
        .graphql(&associate, REPORT, json!({ "from": today, "to": today }))
        .await;
    assert_eq!(refused["errors"][0]["extensions"]["code"], "FORBIDDEN");
}

#[tokio::test]
async fn an_nps_survey_asks_zero_to_ten_and_reports_promoters_minus_detractors() {
    let sink = SmtpSink::start();
    let app = app(&sink, "nps").await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    let numbers = ["N1", "N2", "N3", "N4", "N5"];
    members(&app, &admin, "SH01", &numbers).await;
    for (i, no) in numbers.iter().enumerate() {
        buy(&app, &admin, no, &format!("O{i}"), "SH01", "50.00").await;
    }
    let today = app.jobs.today().to_string();
    app.without_holdout(&admin, "SATISFACTION_SURVEY").await;
    app.run_job("satisfaction-survey", &today).await.expect("surveys");
    app.run_job("outbox", &today).await.expect("dispatch");
    let links = links(&sink);
    assert_eq!(links.len(), 5);
    let html = app
        .client
        .get(format!("{}{}", app.address, path(&links[0].1)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"0\"") && html.contains("value=\"10\""), "{html}");
    assert!(answer(&app, &links[0].1, "11", "")
        .await
        .1
        .contains("a score from 0 to 10"));
    // 10 and 9 promote, 7 is passive, 3 and 0 detract: (2 − 2) / 5 = 0; N5 unanswered first.
    for ((_, link), score) in links.iter().zip(["10", "9", "7", "3"]) {
        assert!(answer(&app, link, score, "").await.1.contains("Thank you"), "{score}");
    }
    // 2 promoters, 1 detractor of 4: 25 points; four of five answered.
    let overall = overall(&app, &admin, &today).await;
    assert_eq!(
        overall,
        json!({ "asked": 5, "answered": 4, "responseRate": "80.0", "average": "7.25", "score": "25.0",
            "high": 2, "low": 1 })
    );
    // A link takes an answer for 14 days: N5's survey, moved three weeks back, is closed.
    let n5 = "(SELECT id FROM members WHERE member_no = 'N5')";
    let day = |d: chrono::NaiveDate| d.to_string();
    let today_day: chrono::NaiveDate = today.parse().unwrap();
    let weeks_ago = today_day - chrono::Days::new(21);
    let moved = format!(
        "UPDATE surveys SET asked_on = '{}' WHERE member_id = {n5}",
        day(weeks_ago)
    );
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &moved)
        .await
        .unwrap();
    let member_id = links[4]
        .1
        .rsplit('/')
        .next()
        .unwrap()
        .split('.')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let old_link = app.jobs.outreach.links.survey_url(member_id, weeks_ago);
    let (_, closed) = answer(&app, &old_link, "9", "").await;
    assert!(closed.contains("has closed"), "{closed}");
    let back = format!("UPDATE surveys SET asked_on = '{today}' WHERE member_id = {n5}");
    sea_orm::ConnectionTrait::execute_unprepared(&app.db, &back)
        .await
        .unwrap();
    assert!(answer(&app, &links[4].1, "0", "").await.1.contains("Thank you"));
    let overall = self::overall(&app, &admin, &today).await;
    assert_eq!(
        (overall["score"].as_str(), overall["low"].as_i64()),
        (Some("0.0"), Some(2))
    );
    // Asked on the configured scale, read on the other: nothing.
    let csat = app
        .ok(&admin, REPORT, json!({ "scale": "CSAT", "from": today, "to": today }))
        .await;
    assert_eq!(csat["satisfactionReport"]["overall"]["answered"], 0);
}

async fn overall(app: &TestApp, admin: &str, day: &str) -> Value {
    let report = app.ok(admin, REPORT, json!({ "from": day, "to": day })).await;
    report["satisfactionReport"]["overall"].clone()
}
