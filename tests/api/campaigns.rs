//! Campaigns end to end: a segment's members get one email each through a real SMTP server, the
//! control group gets nothing and is recorded, pause holds the queue, and the report counts
//! what each group bought afterwards.
use chrono::{Duration, Utc};
use patron::auth::Role;
use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(url);
        // No quiet hours, whatever time the test runs.
        settings.outreach.quiet_start_hour = 0;
        settings.outreach.quiet_end_hour = 0;
    })
    .await
}

const CREATE: &str = "mutation($in:CampaignInput!){ createCampaign(input:$in){ id status templateKind holdoutShare } }";
const REPORT: &str = "query($id:ID!){ campaign(id:$id){ status occurrences { key audience heldOut queued report {
    sent deferred paused cancelled
    sentGroup { members buyers revenue revenuePerMember }
    heldOutGroup { members buyers revenue revenuePerMember }
    uplift { upliftPerMember incrementalRevenue incrementalLow incrementalHigh } } } } }";

async fn template(app: &TestApp, token: &str, kind: &str) {
    let save = "mutation($in:TemplateInput!){ saveEmailTemplate(input:$in) }";
    let input = json!({ "kind": kind, "locale": "zh-CN", "subject": "秋季床品上新 {{ member.name }}",
        "text": "你好 {{ member.name }}\n退订: {{ unsubscribe_url }}",
        "html": "<p>你好 {{ member.name }}</p><a href=\"{{ unsubscribe_url }}\">退订</a>" });
    app.ok(token, save, json!({ "in": input })).await;
}

fn today(app: &TestApp) -> String {
    app.jobs.today().to_string()
}

/// The brand's local time a minute ago, as a schedule's `at`.
fn a_minute_ago(app: &TestApp) -> String {
    (Utc::now() - Duration::minutes(1))
        .with_timezone(&app.jobs.time_zone)
        .naive_local()
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

#[tokio::test]
async fn a_segment_gets_one_email_each_the_control_group_none_and_the_report_counts_both() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    // 40 consenting members in Shanghai, 5 who did not consent, 5 in Beijing.
    for i in 0..50 {
        let city = if i < 45 { "上海" } else { "北京" };
        let fields = json!({ "city": city, "email": format!("m{i}@example.com"),
            "emailConsent": !(40..45).contains(&i), "consentSource": "store-form" });
        app.create_member(&admin, &format!("C{i:02}"), fields).await;
    }
    let segment = app
        .ok(&marketer, "mutation{ createSegment(name:\"Shanghai\", filter:{ field:{ field:\"city\", op:EQ, value:\"上海\" } }){ id } }", json!({}))
        .await["createSegment"]["id"]
        .clone();
    let input = json!({ "name": "Autumn bedding", "segmentId": segment, "holdoutShare": "0.25",
        "schedule": { "at": a_minute_ago(&app) } });
    let created = app.ok(&marketer, CREATE, json!({ "in": input })).await["createCampaign"].clone();
    assert_eq!(
        (created["status"].as_str(), created["holdoutShare"].as_str()),
        (Some("draft"), Some("0.25"))
    );
    let id = created["id"].as_str().unwrap().to_owned();
    let schedule = "mutation($id:ID!){ scheduleCampaign(id:$id){ status } }";
    let no_template = app.graphql(&marketer, schedule, json!({ "id": id })).await;
    assert_eq!(
        no_template["errors"][0]["extensions"]["code"], "BAD_USER_INPUT",
        "{no_template}"
    );
    template(&app, &marketer, created["templateKind"].as_str().unwrap()).await;
    assert_eq!(
        app.ok(&marketer, schedule, json!({ "id": id })).await["scheduleCampaign"]["status"],
        "scheduled"
    );

    // The occurrence snapshots 40 members: a quarter or so held out, the rest queued.
    let started = app.run_job("campaigns", &today(&app)).await.expect("campaigns job");
    assert_eq!(started["started"][0]["audience"], 40, "{started}");
    let again = app.run_job("campaigns", &today(&app)).await.expect("campaigns job");
    assert_eq!(again["started"], json!([]), "a one-off starts once");
    let occurrence = app.ok(&marketer, REPORT, json!({ "id": id })).await["campaign"]["occurrences"][0].clone();
    let (held, queued) = (
        occurrence["heldOut"].as_i64().unwrap(),
        occurrence["queued"].as_i64().unwrap(),
    );
    assert_eq!(held + queued, 40);
    assert!((4..=16).contains(&held), "about a quarter of 40 held out: {held}");

    // Paused, nothing goes; resumed, each queued member gets one email, the held-out none.
    let pause = "mutation($id:ID!){ pauseCampaign(id:$id){ status } }";
    assert_eq!(
        app.ok(&marketer, pause, json!({ "id": id })).await["pauseCampaign"]["status"],
        "paused"
    );
    app.run_job("outbox", &today(&app)).await.expect("dispatch");
    assert_eq!(sink.count(), 0, "a paused campaign sends nothing");
    let report = app.ok(&marketer, REPORT, json!({ "id": id })).await;
    assert_eq!(report["campaign"]["occurrences"][0]["report"]["paused"], queued);
    let resume = "mutation($id:ID!){ resumeCampaign(id:$id){ status } }";
    assert_eq!(
        app.ok(&marketer, resume, json!({ "id": id })).await["resumeCampaign"]["status"],
        "sending"
    );
    app.run_job("outbox", &today(&app)).await.expect("dispatch");
    let envelopes = sink.envelopes();
    assert_eq!(envelopes.len() as i64, queued);
    let mut addresses: Vec<String> = envelopes.into_iter().flatten().collect();
    addresses.sort();
    addresses.dedup();
    assert_eq!(addresses.len() as i64, queued, "one email each");
    assert!(addresses
        .iter()
        .all(|a| a.starts_with('m') && a[1..3].parse::<i32>().map_or(true, |n| n < 40)));

    // After the send: every member spends 100, and those sent to 50 more.
    let sent_to: Vec<String> = addresses
        .iter()
        .map(|a| format!("C{:02}", a[1..a.find('@').unwrap()].parse::<i32>().unwrap()))
        .collect();
    let now = Utc::now().to_rfc3339();
    for i in 0..40 {
        let no = format!("C{i:02}");
        let amount = if sent_to.contains(&no) { "150.00" } else { "100.00" };
        app.record_purchase(&admin, &no, &format!("O{i}"), &now, amount).await;
    }
    app.run_job("campaigns", &today(&app)).await.expect("campaigns job");
    let report = app.ok(&marketer, REPORT, json!({ "id": id })).await["campaign"].clone();
    assert_eq!(report["status"], "finished", "{report}");
    let r = &report["occurrences"][0]["report"];
    assert_eq!(r["sent"], queued);
    assert_eq!(r["sentGroup"]["members"], queued);
    assert_eq!(r["sentGroup"]["revenue"], format!("{}.00", 150 * queued));
    assert_eq!(r["sentGroup"]["revenuePerMember"], "150.00");
    assert_eq!(r["heldOutGroup"]["revenue"], format!("{}.00", 100 * held));
    assert_eq!(r["heldOutGroup"]["buyers"], held);
    // No variance within a group: the uplift is exactly 50 a member, the interval a point.
    assert_eq!(r["uplift"]["upliftPerMember"], "50.00", "{r}");
    assert_eq!(r["uplift"]["incrementalRevenue"], format!("{}.00", 50 * queued));
    assert_eq!(r["uplift"]["incrementalLow"], r["uplift"]["incrementalHigh"]);
}

#[tokio::test]
async fn only_marketers_and_admins_manage_campaigns_and_bad_input_names_its_field() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    let associate = app.token(Role::Associate, None, Some("S1"), None).await;
    assert_eq!(
        app.error_code(&associate, "{ campaigns { id } }", json!({})).await,
        "FORBIDDEN"
    );
    let builtin = app.ok(&admin, "{ campaigns { name kind status } }", json!({})).await;
    let kinds: Vec<_> = builtin["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].clone())
        .collect();
    assert_eq!(kinds.len(), 3, "the built-in ones: {builtin}");
    for (input, field) in [
        (json!({ "name": "x", "holdoutShare": "0.6" }), "input.holdoutShare"),
        (
            json!({ "name": "x", "schedule": { "cron": "every tuesday" } }),
            "input.schedule",
        ),
        (json!({ "name": "x", "segmentId": "999" }), "input.segmentId"),
        (json!({ "name": "x", "kind": "BIRTHDAY" }), "input.kind"),
    ] {
        let response = app.graphql(&admin, CREATE, json!({ "in": input })).await;
        assert_eq!(response["errors"][0]["extensions"]["field"], field, "{response}");
    }
}

#[tokio::test]
async fn the_built_in_holiday_can_go_to_one_segment_and_the_birthday_be_turned_off() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for (no, city) in [("H1", "上海"), ("H2", "上海"), ("H3", "北京")] {
        let fields = json!({ "city": city, "email": format!("{no}@example.com"), "emailConsent": true,
            "consentSource": "store-form", "birthday": "1990-09-22" });
        app.create_member(&admin, no, fields).await;
    }
    let segment = app
        .ok(&admin, "mutation{ createSegment(name:\"Shanghai\", filter:{ field:{ field:\"city\", op:EQ, value:\"上海\" } }){ id } }", json!({}))
        .await["createSegment"]["id"]
        .clone();
    app.ok(
        &admin,
        "mutation($id:ID!){ refreshSegment(id:$id){ members } }",
        json!({ "id": segment }),
    )
    .await;
    let all = app.ok(&admin, "{ campaigns { id kind } }", json!({})).await;
    let id_of = |kind: &str| {
        all["campaigns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == kind)
            .unwrap()["id"]
            .clone()
    };
    let update = "mutation($id:ID!, $in:CampaignInput!){ updateCampaign(id:$id, input:$in){ segment { name } } }";
    let narrowed = app
        .ok(
            &admin,
            update,
            json!({ "id": id_of("HOLIDAY"), "in": { "segmentId": segment } }),
        )
        .await;
    assert_eq!(narrowed["updateCampaign"]["segment"]["name"], "Shanghai");
    let pause = "mutation($id:ID!){ pauseCampaign(id:$id){ status } }";
    app.ok(&admin, pause, json!({ "id": id_of("BIRTHDAY") })).await;

    // Mid-Autumn 2026 is on 25 September: its email is queued three days before.
    let holiday = app.run_job("holiday", "2026-09-22").await.expect("holiday job");
    assert_eq!(holiday[0]["queued"], 2, "Shanghai only: {holiday}");
    let birthday = app.run_job("birthday", "2026-09-22").await.expect("birthday job");
    assert_eq!(birthday["queued"], 0, "the birthday campaign is off: {birthday}");
    let outbox = app.ok(&admin, "{ outboxOccurrences { kind queued } }", json!({})).await;
    assert_eq!(outbox["outboxOccurrences"], json!([{ "kind": "holiday", "queued": 2 }]));
}

/// A consenting member in a city.
async fn member_in(app: &TestApp, admin: &str, no: &str, city: &str) {
    let fields = json!({ "city": city, "email": format!("{no}@example.com"), "emailConsent": true,
        "consentSource": "store-form" });
    app.create_member(admin, no, fields).await;
}

async fn scheduled(app: &TestApp, token: &str, input: serde_json::Value) -> String {
    let created = app.ok(token, CREATE, json!({ "in": input })).await["createCampaign"].clone();
    template(app, token, created["templateKind"].as_str().unwrap()).await;
    let id = created["id"].as_str().unwrap().to_owned();
    let schedule = "mutation($id:ID!){ scheduleCampaign(id:$id){ status } }";
    app.ok(token, schedule, json!({ "id": id })).await;
    id
}

async fn occurrences(app: &TestApp, token: &str, id: &str) -> Vec<(String, i64)> {
    let query = "query($id:ID!){ campaign(id:$id){ occurrences { key audience } } }";
    let data = app.ok(token, query, json!({ "id": id })).await;
    let list = data["campaign"]["occurrences"].as_array().unwrap().clone();
    list.iter()
        .map(|o| (o["key"].as_str().unwrap().to_owned(), o["audience"].as_i64().unwrap()))
        .collect()
}

#[tokio::test]
async fn a_daily_campaign_run_by_hand_for_three_days_snapshots_each_occurrence_once() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for no in ["R1", "R2"] {
        member_in(&app, &admin, no, "上海").await;
    }
    let input = json!({ "name": "Daily", "allMembers": true, "schedule": { "cron": "0 0 10 * * *" } });
    let id = scheduled(&app, &admin, input).await;
    let today = app.jobs.today();
    for back in [3, 2, 1, 1] {
        let day = (today - Duration::days(back)).to_string();
        app.run_job("campaigns", &day).await.expect("campaigns job");
        if back == 3 {
            // Joins after the first occurrence's snapshot: waits for the next one.
            member_in(&app, &admin, "R3", "上海").await;
        }
    }
    let (keys, audiences): (Vec<String>, Vec<i64>) = occurrences(&app, &admin, &id).await.into_iter().unzip();
    // Each day's 10:00 in Shanghai is 02:00 UTC; newest first; the repeated day started once.
    let expected: Vec<String> = [1, 2, 3]
        .iter()
        .map(|back| format!("{}T02:00:00+00:00", today - Duration::days(*back)))
        .collect();
    assert_eq!(keys, expected);
    assert_eq!(audiences, [3, 3, 2]);
    // Eight emails queued; the daily cap lets one a day through to each member.
    app.run_job("outbox", &today.to_string()).await.expect("dispatch");
    assert_eq!(sink.count(), 3);
    let outbox = app.ok(&admin, "{ outboxOccurrences { queued sent } }", json!({})).await;
    let list = outbox["outboxOccurrences"].as_array().unwrap().clone();
    let total = |field: &str| list.iter().map(|o| o[field].as_i64().unwrap()).sum::<i64>();
    assert_eq!((total("sent"), total("queued")), (3, 5), "{outbox}");
}

#[tokio::test]
async fn entering_a_segment_triggers_the_campaign_for_those_who_entered_only() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for no in ["E1", "E2"] {
        member_in(&app, &admin, no, "上海").await;
    }
    member_in(&app, &admin, "E3", "北京").await;
    let segment = app
        .ok(&admin, "mutation{ createSegment(name:\"Shanghai\", filter:{ field:{ field:\"city\", op:EQ, value:\"上海\" } }){ id } }", json!({}))
        .await["createSegment"]["id"]
        .clone();
    let input = json!({ "name": "Welcome to Shanghai", "segmentId": segment, "schedule": { "onEntry": true } });
    let id = scheduled(&app, &admin, input).await;
    let today = app.jobs.today().to_string();
    let first = app.run_job("segments", &today).await.expect("refresh");
    assert_eq!(first["campaigns"][0]["audience"], 2, "{first}");
    // One more member in Shanghai, one moves there: only they are new at the next refresh.
    member_in(&app, &admin, "E4", "上海").await;
    let moved = "mutation{ updateMember(memberNo:\"E3\", input:{ city:\"上海\" }){ memberNo } }";
    app.ok(&admin, moved, json!({})).await;
    let second = app.run_job("segments", &today).await.expect("refresh");
    assert_eq!(second["campaigns"][0]["audience"], 2, "{second}");
    let third = app.run_job("segments", &today).await.expect("refresh");
    assert_eq!(third["campaigns"], json!([]), "nobody new: {third}");
    assert_eq!(occurrences(&app, &admin, &id).await.len(), 2);
    app.run_job("outbox", &today).await.expect("dispatch");
    let mut to: Vec<String> = sink.envelopes().into_iter().flatten().collect();
    to.sort();
    assert_eq!(
        to,
        ["e1@example.com", "e2@example.com", "e3@example.com", "e4@example.com"]
    );
}

#[tokio::test]
async fn under_the_daily_cap_the_higher_priority_campaign_goes_first() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    member_in(&app, &admin, "P1", "上海").await;
    let at = a_minute_ago(&app);
    let low = json!({ "name": "Low", "allMembers": true, "priority": 1, "schedule": { "at": at } });
    let low = scheduled(&app, &admin, low).await;
    let high = json!({ "name": "High", "allMembers": true, "priority": 5, "schedule": { "at": at } });
    let high = scheduled(&app, &admin, high).await;
    let today = app.jobs.today().to_string();
    app.run_job("campaigns", &today).await.expect("campaigns job");
    app.run_job("outbox", &today).await.expect("dispatch");
    let subjects: Vec<String> = sink.messages().iter().map(|m| m.subject.clone()).collect();
    assert_eq!(subjects.len(), 1, "one a day: {subjects:?}");
    let sent = |id: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let query = "query($id:ID!){ campaign(id:$id){ occurrences { report { sent deferred } } } }";
            app.ok(admin, query, json!({ "id": id })).await["campaign"]["occurrences"][0]["report"].clone()
        }
    };
    assert_eq!(sent(high).await, json!({ "sent": 1, "deferred": 0 }));
    assert_eq!(sent(low).await, json!({ "sent": 0, "deferred": 1 }));
}

#[tokio::test]
async fn a_local_time_is_each_members_own_around_midnight() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for (no, zone) in [
        ("L1", "Asia/Shanghai"),
        ("L2", "Pacific/Kiritimati"),
        ("L3", "America/Los_Angeles"),
    ] {
        let fields = json!({ "email": format!("{no}@example.com"), "emailConsent": true,
            "consentSource": "store-form", "timeZone": zone });
        app.create_member(&admin, no, fields).await;
    }
    let day = app.jobs.today();
    let input = json!({ "name": "Midnight", "allMembers": true,
        "schedule": { "local": { "date": day.to_string(), "time": "00:30:00" } } });
    scheduled(&app, &admin, input).await;
    app.run_job("campaigns", &day.to_string()).await.expect("campaigns job");
    let query = "{ outbox(first: 10) { edges { node { dueAt member { memberNo timeZone } } } } }";
    let data = app.ok(&admin, query, json!({})).await;
    for edge in data["outbox"]["edges"].as_array().unwrap() {
        let zone: chrono_tz::Tz = edge["node"]["member"]["timeZone"].as_str().unwrap().parse().unwrap();
        let due = chrono::DateTime::parse_from_rfc3339(edge["node"]["dueAt"].as_str().unwrap()).unwrap();
        let local = due.with_timezone(&zone);
        assert_eq!(
            (local.date_naive(), local.time().to_string()),
            (day, "00:30:00".to_owned()),
            "{edge}"
        );
    }
    assert_eq!(data["outbox"]["edges"].as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn new_arrivals_go_to_members_interested_in_the_category_or_who_bought_in_it() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for (no, interests) in [
        ("N1", json!(["床品", "家居"])),
        ("N2", json!(["女装"])),
        ("N3", json!([])),
    ] {
        let fields = json!({ "email": format!("{no}@example.com"), "emailConsent": true,
            "consentSource": "store-form", "interests": interests });
        app.create_member(&admin, no, fields).await;
    }
    let at = (Utc::now() - Duration::days(30)).to_rfc3339();
    let bought = "mutation($in:PurchaseInput!){ recordPurchase(input:$in){ id } }";
    let purchase =
        json!({ "memberNo": "N2", "orderId": "B1", "occurredAt": at, "amount": "599.00", "category": "床品" });
    app.ok(&admin, bought, json!({ "in": purchase })).await;
    let input = json!({ "name": "New bedding", "kind": "NEW_ARRIVALS", "category": "床品", "allMembers": true,
        "schedule": { "at": a_minute_ago(&app) } });
    scheduled(&app, &admin, input).await;
    let started = app.run_job("campaigns", &today(&app)).await.expect("campaigns job");
    assert_eq!(
        started["started"][0]["audience"], 2,
        "N1 is interested, N2 bought bedding: {started}"
    );
    app.run_job("outbox", &today(&app)).await.expect("dispatch");
    let mut to: Vec<String> = sink.envelopes().into_iter().flatten().collect();
    to.sort();
    assert_eq!(to, ["n1@example.com", "n2@example.com"]);
}

#[tokio::test]
async fn once_per_member_reaches_each_member_at_most_once_across_occurrences() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    member_in(&app, &admin, "O1", "上海").await;
    let input = json!({ "name": "Welcome", "allMembers": true, "oncePerMember": true,
        "schedule": { "cron": "0 0 10 * * *" } });
    let id = scheduled(&app, &admin, input).await;
    let today = app.jobs.today();
    app.run_job("campaigns", &(today - Duration::days(2)).to_string())
        .await
        .expect("campaigns job");
    member_in(&app, &admin, "O2", "上海").await;
    app.run_job("campaigns", &(today - Duration::days(1)).to_string())
        .await
        .expect("campaigns job");
    let audiences: Vec<i64> = occurrences(&app, &admin, &id)
        .await
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(audiences, [1, 1], "the second occurrence is only the newcomer");
    app.run_job("outbox", &today.to_string()).await.expect("dispatch");
    let mut to: Vec<String> = sink.envelopes().into_iter().flatten().collect();
    to.sort();
    assert_eq!(to, ["o1@example.com", "o2@example.com"]);
}
