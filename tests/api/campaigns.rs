//! Campaigns end to end: a segment's members get one email each through a real SMTP server, the
//! control group gets nothing and is recorded, pause holds the queue, and the report counts
//! what each group bought afterwards.
use chrono::{Duration, Utc};
use patron::auth::Role;
use serde_json::json;

use crate::helpers::{first_error, spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

/// A test server sending to `sink`, without quiet hours whatever time the test runs.
pub(crate) async fn app_with_sink(sink: &SmtpSink) -> TestApp {
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
pub(crate) fn a_minute_ago(app: &TestApp) -> String {
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
    let kind = created["templateKind"].as_str().unwrap();
    template(&app, &marketer, kind).await;
    // The saved template reads back for the editor, and the campaign says which locales it has.
    let saved = "query($id:ID!, $kind:String){ campaign(id:$id){ templateLocales } emailTemplates(kind:$kind){ locale subject } }";
    let saved = app.ok(&marketer, saved, json!({ "id": id, "kind": kind })).await;
    assert_eq!(
        saved,
        json!({ "campaign": { "templateLocales": ["zh-CN"] },
            "emailTemplates": [{ "locale": "zh-CN", "subject": "秋季床品上新 {{ member.name }}" }] })
    );
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
    let journey_messages = kinds.iter().filter(|k| *k == "JOURNEY").count();
    assert_eq!(
        (kinds.len() - journey_messages, journey_messages),
        (6, 8),
        "the built-in ones, and the shipped journeys' messages: {builtin}"
    );
    let only = app.ok(&admin, "{ campaigns(kind: JOURNEY) { kind } }", json!({})).await;
    assert_eq!(only["campaigns"].as_array().unwrap().len(), 8);
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
    // A name taken is refused with the key and the name a console translates it by.
    app.ok(&admin, CREATE, json!({ "in": { "name": "Autumn" } })).await;
    let taken = app.graphql(&admin, CREATE, json!({ "in": { "name": "Autumn" } })).await;
    let extensions = &taken["errors"][0]["extensions"];
    assert_eq!(
        (&extensions["key"], &extensions["params"]),
        (
            &json!("campaign.nameTaken"),
            &json!({ "field": "input.name", "name": "Autumn" })
        ),
        "{taken}"
    );
}

/// A built-in campaign narrowed to a segment reads the segment as it is when the occurrence
/// starts, as a custom campaign does, not as its last refresh left it: a member who moved out of
/// Shanghai this morning gets no "Shanghai only" birthday email, one who moved in does.
#[tokio::test]
async fn a_built_in_narrowed_to_a_segment_reads_the_segment_as_it_is_that_morning() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let today = app.jobs.today();
    let birthday = format!("1990-{}", today.format("%m-%d"));
    for (no, city) in [("STAYS", "上海"), ("LEAVES", "上海"), ("ARRIVES", "北京")] {
        let fields = json!({ "city": city, "email": format!("{}@example.com", no.to_lowercase()), "emailConsent": true,
            "consentSource": "store-form", "birthday": birthday });
        app.create_member(&admin, no, fields).await;
    }
    let segment = app
        .ok(&admin, "mutation{ createSegment(name:\"Shanghai\", filter:{ field:{ field:\"city\", op:EQ, value:\"上海\" } }){ id } }", json!({}))
        .await["createSegment"]["id"]
        .clone();
    let refresh = "mutation($id:ID!){ refreshSegment(id:$id){ members } }";
    let refreshed = app.ok(&admin, refresh, json!({ "id": segment })).await;
    assert_eq!(refreshed["refreshSegment"]["members"], 2);
    let all = app.ok(&admin, "{ campaigns { id kind } }", json!({})).await;
    let birthday_campaign = all["campaigns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "BIRTHDAY")
        .unwrap()["id"]
        .clone();
    let update = "mutation($id:ID!, $in:CampaignInput!){ updateCampaign(id:$id, input:$in){ segment { name } } }";
    app.ok(
        &admin,
        update,
        json!({ "id": birthday_campaign, "in": { "segmentId": segment } }),
    )
    .await;

    // This morning, after the night's refresh: one moves out of Shanghai, another moves in.
    let move_to = "mutation($no:String!, $city:String!){ updateMember(memberNo:$no, input:{ city:$city }){ city } }";
    app.ok(&admin, move_to, json!({ "no": "LEAVES", "city": "北京" })).await;
    app.ok(&admin, move_to, json!({ "no": "ARRIVES", "city": "上海" }))
        .await;
    let queued = app.run_job("birthday", &today.to_string()).await.expect("birthday job");
    assert_eq!(queued["candidates"], 2, "{queued}");
    let outbox = "{ outbox(first: 10) { edges { node { member { memberNo } } } } }";
    let rows = app.ok(&admin, outbox, json!({})).await;
    let mut greeted: Vec<&str> = rows["outbox"]["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["node"]["member"]["memberNo"].as_str().unwrap())
        .collect();
    greeted.sort_unstable();
    assert_eq!(greeted, ["ARRIVES", "STAYS"]);
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
async fn under_the_daily_cap_the_higher_priority_campaign_goes_first_and_cancel_stops_the_rest() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    member_in(&app, &admin, "P1", "上海").await;
    member_in(&app, &admin, "P2", "北京").await;
    let shanghai = app
        .ok(&admin, "mutation{ createSegment(name:\"Shanghai\", filter:{ field:{ field:\"city\", op:EQ, value:\"上海\" } }){ id } }", json!({}))
        .await["createSegment"]["id"]
        .clone();
    let at = a_minute_ago(&app);
    let low = json!({ "name": "Low", "allMembers": true, "priority": 1, "schedule": { "at": at } });
    let low = scheduled(&app, &admin, low).await;
    let high = json!({ "name": "High", "segmentId": shanghai, "priority": 5, "schedule": { "at": at } });
    let high = scheduled(&app, &admin, high).await;
    let today = app.jobs.today().to_string();
    app.run_job("campaigns", &today).await.expect("campaigns job");
    app.run_job("outbox", &today).await.expect("dispatch");
    let mut to: Vec<String> = sink.envelopes().into_iter().flatten().collect();
    to.sort();
    assert_eq!(to, ["p1@example.com", "p2@example.com"], "one a day each");
    let report = |id: String| {
        let app = &app;
        let admin = &admin;
        async move {
            let query =
                "query($id:ID!){ campaign(id:$id){ status occurrences { report { sent deferred cancelled } } } }";
            let campaign = app.ok(admin, query, json!({ "id": id })).await["campaign"].clone();
            (campaign["status"].clone(), campaign["occurrences"][0]["report"].clone())
        }
    };
    assert_eq!(
        report(high).await.1,
        json!({ "sent": 1, "deferred": 0, "cancelled": 0 })
    );
    // Low reached P2; P1's waits for tomorrow under the cap: cancelled mid-send, it never goes.
    assert_eq!(
        report(low.clone()).await,
        (json!("sending"), json!({ "sent": 1, "deferred": 1, "cancelled": 0 }))
    );
    let cancel = "mutation($id:ID!){ cancelCampaign(id:$id){ status } }";
    app.ok(&admin, cancel, json!({ "id": low })).await;
    assert_eq!(
        report(low).await,
        (json!("cancelled"), json!({ "sent": 1, "deferred": 0, "cancelled": 1 }))
    );
    app.run_job("outbox", &today).await.expect("dispatch");
    assert_eq!(sink.count(), 2);
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

/// The scenario's filter: A and B members in Shanghai who bought bedding in the last year but
/// not in the last 60 days.
fn scenario_filter() -> serde_json::Value {
    let bedding = |days: i32| json!({ "bought": { "category": "床品", "window": { "lastDays": days } } });
    json!({ "and": [
        { "field": { "field": "tier", "op": "IN", "values": ["A", "B"] } },
        { "field": { "field": "city", "op": "EQ", "value": "上海" } },
        bedding(365),
        { "not": bedding(60) },
    ] })
}

/// Zones of the scenario's members, by member number.
const ZONES: [chrono_tz::Tz; 3] = [
    chrono_tz::Asia::Shanghai,
    chrono_tz::Europe::London,
    chrono_tz::America::Los_Angeles,
];

/// A marketer's request: "send the scenario segment the autumn-bedding email next Tuesday at
/// 10:00 in their own time zone, keep 10% back, and show me 30 days later what it earned".
/// Next Tuesday is only scheduled (it starts nothing today); the send itself is replayed on a
/// Tuesday far enough back that its 30 days are over, so the report can be read now.
#[tokio::test]
async fn the_scenario_segment_gets_its_email_at_ten_in_each_zone_and_the_report_reads_thirty_days_later() {
    use chrono::{Datelike, NaiveTime, TimeZone, Weekday};
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let today = app.jobs.today();
    let day = |n: i64| (today - Duration::days(n)).to_string();

    // 40 members in the segment (S00–S04 tier A, the rest B; three zones), one who matches but
    // did not consent, and four who miss one condition each.
    let mut members = String::from("member_no,name,city,email,email_consent,time_zone\n");
    let mut purchases = String::from("member_no,occurred_at,amount,order_id,category\n");
    let mut buy = |no: &str, days_ago: i64, amount: &str, category: &str| {
        purchases.push_str(&format!("{no},{},{amount},{no}-{days_ago},{category}\n", day(days_ago)));
    };
    for i in 0..45 {
        let no = format!("S{i:02}");
        let city = if i == 43 { "北京" } else { "上海" };
        let consent = i != 40;
        let zone = ZONES[i % 3];
        members.push_str(&format!(
            "{no},{no},{city},{}@example.com,{consent},{zone}\n",
            no.to_lowercase()
        ));
        match i {
            41 => buy(&no, 200, "500.00", "床品"), // tier C
            42 => {
                // bedding in the last 60 days
                buy(&no, 300, "1200.00", "服装");
                buy(&no, 250, "1200.00", "家居");
                buy(&no, 50, "1200.00", "床品");
            }
            44 => (0..3).for_each(|k| buy(&no, 300 - 50 * k, "1200.00", "服装")), // no bedding
            0..=4 => (0..6).for_each(|k| buy(&no, 300 - 20 * k, "2000.00", if k == 5 { "床品" } else { "服装" })),
            _ => {
                buy(&no, 300, "1200.00", "服装");
                buy(&no, 250, "1200.00", "家居");
                buy(&no, 200, "1200.00", "床品");
            }
        }
    }
    members.push_str("S45,S45,上海,s45@example.com,true,Asia/Shanghai\n"); // no purchases at all
    app.import("members", &members).await;
    app.import("purchases", &purchases).await;
    app.run_job("analytics", &today.to_string()).await.expect("nightly run");
    let save =
        "mutation($f:SegmentFilter!){ createSegment(name:\"Shanghai bedding, lapsing\", filter:$f){ id count } }";
    let segment = app.ok(&marketer, save, json!({ "f": scenario_filter() })).await["createSegment"].clone();
    assert_eq!(segment["count"], 41, "{segment}");

    // Next Tuesday at 10:00 in each member's zone, 10% held out: scheduled, nothing starts yet.
    let days_to_tuesday =
        (7 + Weekday::Tue.num_days_from_monday() as i64 - today.weekday().num_days_from_monday() as i64) % 7;
    let next_tuesday = today + Duration::days(if days_to_tuesday == 0 { 7 } else { days_to_tuesday });
    let create = |name: &str, date: chrono::NaiveDate| {
        json!({ "in": { "name": name, "segmentId": segment["id"], "holdoutShare": "0.1",
            "schedule": { "local": { "date": date.to_string(), "time": "10:00:00" } } } })
    };
    let upcoming = app.ok(&marketer, CREATE, create("Autumn bedding", next_tuesday)).await["createCampaign"].clone();
    template(&app, &marketer, upcoming["templateKind"].as_str().unwrap()).await;
    let schedule = "mutation($id:ID!){ scheduleCampaign(id:$id){ status nextStartAt } }";
    let scheduled = app.ok(&marketer, schedule, json!({ "id": upcoming["id"] })).await["scheduleCampaign"].clone();
    let first_anywhere = next_tuesday
        .and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap())
        .and_utc()
        - Duration::hours(14);
    let next_start: chrono::DateTime<Utc> = scheduled["nextStartAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(next_start, first_anywhere, "the time first comes in UTC+14");
    let started = app
        .run_job("campaigns", &today.to_string())
        .await
        .expect("campaigns job");
    assert_eq!(started["started"], json!([]), "next Tuesday has not come");

    // The same campaign on a Tuesday 32–38 days back.
    let tuesday = (32..39)
        .map(|n| today - Duration::days(n))
        .find(|d| d.weekday() == Weekday::Tue)
        .unwrap();
    let replay = app
        .ok(&marketer, CREATE, create("Autumn bedding, replayed", tuesday))
        .await["createCampaign"]
        .clone();
    let id = replay["id"].as_str().unwrap().to_owned();
    template(&app, &marketer, replay["templateKind"].as_str().unwrap()).await;
    app.ok(&marketer, schedule, json!({ "id": id })).await;
    let started = app
        .run_job("campaigns", &tuesday.to_string())
        .await
        .expect("campaigns job");
    assert_eq!(started["started"][0]["audience"], 40, "{started}");
    let outbox = "{ outbox(first: 50) { edges { node { dueAt member { timeZone } } } } }";
    let queued = app.ok(&marketer, outbox, json!({})).await["outbox"]["edges"].clone();
    for edge in queued.as_array().unwrap() {
        let zone: chrono_tz::Tz = edge["node"]["member"]["timeZone"].as_str().unwrap().parse().unwrap();
        let due: chrono::DateTime<Utc> = edge["node"]["dueAt"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            due.with_timezone(&zone).naive_local(),
            tuesday.and_hms_opt(10, 0, 0).unwrap(),
            "{edge}"
        );
    }
    app.run_job("outbox", &today.to_string()).await.expect("dispatch");
    let sent: Vec<usize> = sink
        .envelopes()
        .into_iter()
        .flatten()
        .map(|address| address[1..3].parse().unwrap())
        .collect();
    let held = 40 - sent.len();
    assert!((2..=10).contains(&held), "about 10% of 40 held out: {held}");

    // After the send, in each member's window (due, due + 30 days]: 200 to 240 from those sent
    // to and 100 to 140 from the held-out a day after, 55 at the window's last second; never counted: 999 at
    // the send itself, 777 a second after the window, and in Los Angeles 333 spent between
    // Shanghai's 10:00 and their own.
    let mut after = String::from("member_no,occurred_at,amount,order_id\n");
    for i in 0..40 {
        let zone = ZONES[i % 3];
        let due = zone
            .from_local_datetime(&tuesday.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
            .unwrap()
            .with_timezone(&Utc);
        let window_end = due + Duration::days(30);
        let spend = format!("{}.00", next_day_spend(sent.contains(&i), i));
        let mut row = |tag: &str, at: chrono::DateTime<Utc>, amount: &str| {
            after.push_str(&format!("S{i:02},{},{amount},S{i:02}-{tag}\n", at.to_rfc3339()));
        };
        row("at-send", due, "999.00");
        row("next-day", due + Duration::days(1), &spend);
        row("last-second", window_end, "55.00");
        row("too-late", window_end + Duration::seconds(1), "777.00");
        if zone == chrono_tz::America::Los_Angeles {
            let shanghai_due = ZONES[0]
                .from_local_datetime(&tuesday.and_time(NaiveTime::from_hms_opt(10, 0, 0).unwrap()))
                .unwrap();
            row(
                "before-own-ten",
                shanghai_due.with_timezone(&Utc) + Duration::hours(1),
                "333.00",
            );
        }
    }
    app.import("purchases", &after).await;

    // One member sent to unsubscribes by the link in the email.
    let mail = sink.messages().into_iter().next().expect("a message");
    let link = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    let unsubscribed = app
        .one_click_unsubscribe(link.trim_matches(|c| c == '<' || c == '>'))
        .await;
    assert_eq!(unsubscribed, 200);

    app.run_job("campaigns", &today.to_string())
        .await
        .expect("campaigns job");
    let query = "query($id:ID!){ campaign(id:$id){ status nextStartAt occurrences { audience heldOut queued report {
        sent unsubscribed eta
        sentGroup { members buyers revenue }
        heldOutGroup { members buyers revenue }
        uplift { upliftPerMember incrementalRevenue incrementalLow incrementalHigh }
        upliftCuped { incrementalLow incrementalHigh } } } } }";
    let campaign = app.ok(&marketer, query, json!({ "id": id })).await["campaign"].clone();
    assert_eq!(
        (campaign["status"].as_str(), &campaign["nextStartAt"]),
        (Some("finished"), &json!(null))
    );
    let occurrence = &campaign["occurrences"][0];
    let r = &occurrence["report"];
    let sent_to = sent;
    let (sent, held) = (sent_to.len() as i64, held as i64);
    assert_eq!(
        (
            &occurrence["heldOut"],
            &occurrence["queued"],
            &r["sent"],
            &r["unsubscribed"],
            &r["eta"]
        ),
        (&json!(held), &json!(sent), &json!(sent), &json!(1), &json!(null)),
        "{r}"
    );
    // Each group's window spend, and Welch's interval worked out here from the same numbers.
    let window_spend = |in_sent: bool| -> Vec<f64> {
        (0..40)
            .filter(|i| sent_to.contains(i) == in_sent)
            .map(|i| (next_day_spend(in_sent, i) + 55) as f64)
            .collect()
    };
    let (y_sent, y_held) = (window_spend(true), window_spend(false));
    let total = |ys: &[f64]| format!("{:.2}", ys.iter().sum::<f64>());
    assert_eq!(
        r["sentGroup"],
        json!({ "members": sent, "buyers": sent, "revenue": total(&y_sent) })
    );
    assert_eq!(
        r["heldOutGroup"],
        json!({ "members": held, "buyers": held, "revenue": total(&y_held) })
    );
    let mean = |ys: &[f64]| ys.iter().sum::<f64>() / ys.len() as f64;
    let variance = |ys: &[f64]| ys.iter().map(|y| (y - mean(ys)).powi(2)).sum::<f64>() / (ys.len() - 1) as f64;
    let uplift = mean(&y_sent) - mean(&y_held);
    let se = (variance(&y_sent) / y_sent.len() as f64 + variance(&y_held) / y_held.len() as f64).sqrt();
    let n = y_sent.len() as f64;
    let figure = |v: &serde_json::Value| v.as_str().unwrap().parse::<f64>().unwrap();
    let u = &r["uplift"];
    assert!((figure(&u["upliftPerMember"]) - uplift).abs() < 0.01, "{u} vs {uplift}");
    assert!((figure(&u["incrementalRevenue"]) - uplift * n).abs() < 0.01 * n, "{u}");
    assert!(
        (figure(&u["incrementalLow"]) - (uplift - 1.959964 * se) * n).abs() < 0.01 * n,
        "{u} se {se}"
    );
    assert!(
        (figure(&u["incrementalHigh"]) - (uplift + 1.959964 * se) * n).abs() < 0.01 * n,
        "{u} se {se}"
    );
    let cuped = &r["upliftCuped"];
    assert!(
        figure(&cuped["incrementalLow"]) < figure(&cuped["incrementalHigh"]),
        "{cuped}"
    );
}

/// A member's spend the day after the send: more from those sent to, varying by member.
fn next_day_spend(sent: bool, member: usize) -> i64 {
    (if sent { 200 } else { 100 }) + 10 * (member % 5) as i64
}

#[tokio::test]
async fn the_built_in_birthday_keeps_its_own_time_days_early_and_control_group() {
    use chrono::NaiveTime;
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let today = app.jobs.today();
    let birthday = today + Duration::days(2);
    let mut members = String::from("member_no,name,email,email_consent,time_zone,birthday\n");
    for i in 0..20 {
        let zone = if i % 2 == 0 {
            "Asia/Shanghai"
        } else {
            "America/Los_Angeles"
        };
        members.push_str(&format!(
            "B{i:02},B{i:02},b{i}@example.com,true,{zone},1990-{}\n",
            birthday.format("%m-%d")
        ));
    }
    app.import("members", &members).await;
    let all = app.ok(&marketer, "{ campaigns { id kind } }", json!({})).await["campaigns"].clone();
    let id_of = |kind: &str| all.as_array().unwrap().iter().find(|c| c["kind"] == kind).unwrap()["id"].clone();
    let update = "mutation($id:ID!, $in:CampaignInput!){ updateCampaign(id:$id, input:$in){ sendTime daysBefore holdoutShare } }";
    let input = json!({ "sendTime": "10:30:00", "daysBefore": 2, "holdoutShare": "0.5" });
    let set = app
        .ok(&marketer, update, json!({ "id": id_of("BIRTHDAY"), "in": input }))
        .await;
    assert_eq!(
        set["updateCampaign"],
        json!({ "sendTime": "10:30:00", "daysBefore": 2, "holdoutShare": "0.5" })
    );

    // The nightly birthday job two days before: half the members or so held out and recorded,
    // the rest due at 10:30 in their own zone today.
    let run = || jobs::run_job(&app.jobs, "birthday", today, jobs::Trigger::Schedule);
    let first = run().await.expect("birthday job").counts;
    let (held, queued) = (first["held_out"].as_i64().unwrap(), first["queued"].as_i64().unwrap());
    assert_eq!((first["candidates"].as_i64(), held + queued), (Some(20), 20), "{first}");
    assert!((4..=16).contains(&held), "about half of 20 held out: {held}");
    let outbox = "{ outbox(first: 50) { edges { node { dueAt member { timeZone } } } } }";
    let rows = app.ok(&marketer, outbox, json!({})).await["outbox"]["edges"].clone();
    assert_eq!(rows.as_array().unwrap().len() as i64, queued);
    for edge in rows.as_array().unwrap() {
        let zone: chrono_tz::Tz = edge["node"]["member"]["timeZone"].as_str().unwrap().parse().unwrap();
        let due: chrono::DateTime<Utc> = edge["node"]["dueAt"].as_str().unwrap().parse().unwrap();
        let local = due.with_timezone(&zone).naive_local();
        assert_eq!(
            local,
            today.and_time(NaiveTime::from_hms_opt(10, 30, 0).unwrap()),
            "{edge}"
        );
    }
    // Run again (a second replica): nobody is counted or queued twice.
    let again = run().await.expect("birthday job").counts;
    assert_eq!(again["queued"], 0, "{again}");
    let query = "query($id:ID!){ campaign(id:$id){ occurrences { key audience heldOut queued } } }";
    let occurrences =
        app.ok(&marketer, query, json!({ "id": id_of("BIRTHDAY") })).await["campaign"]["occurrences"].clone();
    assert_eq!(
        occurrences,
        json!([{ "key": birthday.to_string(), "audience": 20, "heldOut": held, "queued": queued }])
    );

    // Timing belongs to the built-in kinds; days early to birthday and holiday only.
    let custom = app.ok(&marketer, CREATE, json!({ "in": { "name": "Custom" } })).await["createCampaign"]["id"].clone();
    for (id, input, field) in [
        (custom, json!({ "sendTime": "10:00:00" }), "input.sendTime"),
        (id_of("WINBACK"), json!({ "daysBefore": 3 }), "input.daysBefore"),
        (id_of("HOLIDAY"), json!({ "daysBefore": 61 }), "input.daysBefore"),
    ] {
        let refused = app.graphql(&marketer, update, json!({ "id": id, "in": input })).await;
        assert_eq!(
            first_error(&refused),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{refused}"
        );
    }
}
