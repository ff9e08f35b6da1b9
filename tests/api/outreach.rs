//! Outreach end to end: jobs queue into the outbox, the dispatcher delivers to a real SMTP server
//! process, and what arrived is checked as a mail client would see it.
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use jobs::Trigger;
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

async fn app_with_sink(sink: &SmtpSink) -> TestApp {
    let url = sink.url();
    spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(url);
        settings.outreach.retry_base_seconds = 1;
        settings.outreach.retry_max_seconds = 1;
    })
    .await
}

fn date(text: &str) -> NaiveDate {
    text.parse().expect("date")
}

/// A consenting member with an email address, plus `fields`.
async fn reachable_member(app: &TestApp, admin: &str, member_no: &str, email: &str, fields: Value) {
    let mut all = json!({ "email": email, "emailConsent": true, "consentSource": "store-form" });
    if let (Some(all), Some(fields)) = (all.as_object_mut(), fields.as_object()) {
        all.extend(fields.clone());
    }
    app.create_member(admin, member_no, all).await;
}

async fn run(app: &TestApp, job: &str, as_of: &str) -> Value {
    app.run_job(job, as_of)
        .await
        .unwrap_or_else(|err| panic!("{job} failed: {err}"))
}

async fn run_scheduled(app: &TestApp, job: &str, as_of: &str) -> Value {
    jobs::run_job(&app.jobs, job, date(as_of), Trigger::Schedule)
        .await
        .unwrap_or_else(|err| panic!("{job} failed: {err}"))
        .counts
}

async fn dispatch(app: &TestApp) -> Value {
    run(app, "outbox", &app.jobs.today().to_string()).await
}

const OUTBOX: &str = "query($f:OutboxFilter){ outbox(filter:$f, first:100){ totalCount edges{ node{
    kind occurrence status dueAt sentAt attempts lastError member{ memberNo } } } } }";

async fn outbox(app: &TestApp, admin: &str, filter: Value) -> Vec<Value> {
    let data = app.ok(admin, OUTBOX, json!({ "f": filter })).await;
    data["outbox"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|edge| edge["node"].clone())
        .collect()
}

/// A token of a new marketer whose staff account has `email`.
async fn marketer_with_email(app: &TestApp, admin: &str, username: &str, email: &str) -> String {
    app.ok(
        admin,
        "mutation($u:String!, $e:String!){ createStaffUser(input:{username:$u, displayName:\"Mia\", role:MARKETER, email:$e}){ username } }",
        json!({ "u": username, "e": email }),
    )
    .await;
    app.token(patron::auth::Role::Marketer, None, None, Some(username))
        .await
}

fn due_at(row: &Value) -> DateTime<Utc> {
    row["dueAt"].as_str().expect("dueAt").parse().expect("time")
}

#[tokio::test]
async fn a_birthday_email_arrives_once_multipart_in_chinese_with_one_click_unsubscribe() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    let today = app.jobs.today();
    let birthday = format!("1990-{}", today.format("%m-%d"));
    reachable_member(
        &app,
        &admin,
        "M1",
        "wang@example.com",
        json!({ "name": "王小明", "birthday": birthday }),
    )
    .await;
    reachable_member(
        &app,
        &admin,
        "M2",
        "li@example.com",
        json!({ "name": "李雷", "birthday": "1990-01-01" }),
    )
    .await;
    app.create_member(
        &admin,
        "M3",
        json!({ "email": "no-consent@example.com", "birthday": birthday }),
    )
    .await;

    let queued = run(&app, "birthday", &today.to_string()).await;
    assert_eq!(
        (queued["candidates"].as_u64(), queued["queued"].as_u64()),
        (Some(1), Some(1)),
        "{queued}"
    );
    let sent = dispatch(&app).await;
    assert_eq!(sent["sent"], 1, "{sent}");

    let mail = sink.wait_for_async(1, Duration::from_secs(10)).await.remove(0);
    assert_eq!(mail.rcpt_to, ["wang@example.com"]);
    assert_eq!(mail.mail_from, "hello@patron.localhost");
    assert!(mail.to.iter().any(|to| to.contains("wang@example.com")));
    assert!(
        mail.subject.contains("王小明") && mail.subject.contains("生日快乐"),
        "{}",
        mail.subject
    );
    assert!(
        mail.content_type.starts_with("multipart/alternative"),
        "{}",
        mail.content_type
    );
    let text = mail.text.as_deref().expect("plain part");
    let html = mail.html.as_deref().expect("html part");
    assert!(text.contains("王小明") && html.contains("王小明"));
    let unsubscribe = mail.header("List-Unsubscribe").expect("List-Unsubscribe");
    let link = unsubscribe.trim_matches(|c| c == '<' || c == '>').to_owned();
    assert!(link.starts_with("http://127.0.0.1:8080/unsubscribe/"), "{link}");
    assert!(
        text.contains(&link) && html.contains(&link),
        "both parts carry the link"
    );
    assert_eq!(
        mail.header("List-Unsubscribe-Post").as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    let message_id = mail.message_id.clone().expect("Message-ID");
    assert!(message_id.ends_with("@patron.localhost"), "{message_id}");

    // Running the job and the dispatcher again sends nothing new.
    let again = run(&app, "birthday", &today.to_string()).await;
    assert_eq!(again["queued"], 0, "{again}");
    assert_eq!(dispatch(&app).await["sent"], 0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 1);

    // The link in the email unsubscribes: GET asks, POST (what mail clients send) does it.
    let path = link.trim_start_matches("http://127.0.0.1:8080");
    let page = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("GET");
    assert_eq!(page.status().as_u16(), 200);
    assert!(page.text().await.expect("page").contains("method=\"post\""));
    let member = "query{ member(memberNo:\"M1\"){ emailConsent } }";
    assert_eq!(
        app.ok(&admin, member, json!({})).await["member"]["emailConsent"],
        true,
        "GET changes nothing"
    );
    assert_eq!(app.one_click_unsubscribe(&link).await, 200);
    assert_eq!(app.ok(&admin, member, json!({})).await["member"]["emailConsent"], false);
    assert!(jobs::outreach::suppression::is_suppressed(&app.db, "wang@example.com")
        .await
        .expect("lookup"));
    let forged = format!(
        "{}/unsubscribe/2.{}",
        app.address,
        path.rsplit('.').next().unwrap_or_default()
    );
    let rejected = app.client.post(forged).send().await.expect("POST");
    assert_eq!(rejected.status().as_u16(), 400, "a signature only works for its member");
}

#[tokio::test]
async fn scheduled_emails_are_due_at_the_send_hour_in_each_members_time_zone() {
    // No SMTP server configured: emails become .eml files. No quiet hours, so past-due rows go.
    let app = spawn_app_with(|settings| settings.outreach.quiet_end_hour = settings.outreach.quiet_start_hour).await;
    let admin = app.admin().await;
    for (no, zone) in [
        ("SH", "Asia/Shanghai"),
        ("KI", "Pacific/Kiritimati"),
        ("LA", "America/Los_Angeles"),
    ] {
        let email = format!("{no}@example.com").to_lowercase();
        reachable_member(
            &app,
            &admin,
            no,
            &email,
            json!({ "birthday": "1991-03-01", "timeZone": zone }),
        )
        .await;
    }
    let counts = run_scheduled(&app, "birthday", "2026-03-01").await;
    assert_eq!(counts["queued"], 3, "{counts}");
    let rows = outbox(&app, &admin, json!({ "kind": "birthday" })).await;
    let due = |no: &str| {
        rows.iter()
            .find(|r| r["member"]["memberNo"] == no)
            .map(due_at)
            .expect("row")
            .to_rfc3339()
    };
    // 09:00 on 1 March where each member lives: UTC+8, UTC+14 (the evening before in UTC), UTC-8.
    assert_eq!(due("SH"), "2026-03-01T01:00:00+00:00");
    assert_eq!(due("KI"), "2026-02-28T19:00:00+00:00");
    assert_eq!(due("LA"), "2026-03-01T17:00:00+00:00");
    assert!(rows
        .iter()
        .all(|r| r["occurrence"] == "2026-03-01" && r["status"] == "queued"));

    // UTC-12: 09:00 today there is still to come whatever the hour in Shanghai.
    let today = app.jobs.today();
    let birthday = format!("1991-{}", today.format("%m-%d"));
    let far_west = json!({ "birthday": birthday, "timeZone": "Etc/GMT+12" });
    reachable_member(&app, &admin, "W12", "w12@example.com", far_west).await;
    run_scheduled(&app, "birthday", &today.to_string()).await;
    let sent = dispatch(&app).await;
    assert_eq!(sent["sent"], 3, "the three past-due emails, not the future one: {sent}");
    let waiting = outbox(&app, &admin, json!({ "memberNo": "W12" })).await.remove(0);
    assert_eq!(
        (waiting["status"].as_str(), waiting["attempts"].as_i64()),
        (Some("queued"), Some(0))
    );
    assert!(due_at(&waiting) > Utc::now());
    let folder = app.database.dir.path().join("outbox");
    let files = std::fs::read_dir(&folder).expect("outbox folder").count();
    assert_eq!(files, 3, ".eml files in {}", folder.display());
}

#[tokio::test]
async fn leap_day_and_lunar_birthdays_fall_on_the_right_days() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(
        &app,
        &admin,
        "LEAP",
        "leap@example.com",
        json!({ "birthday": "2000-02-29" }),
    )
    .await;
    // Born 1990-10-03, lunar 8/15 (Mid-Autumn): celebrated on 2024-09-17 and 2025-10-06.
    let lunar = json!({ "birthday": "1990-10-03", "lunarBirthday": true });
    reachable_member(&app, &admin, "MOON", "moon@example.com", lunar).await;
    let queued = |counts: Value| counts["queued"].as_u64().expect("queued");
    assert_eq!(
        queued(run(&app, "birthday", "2025-02-28").await),
        1,
        "common year: 28 February"
    );
    assert_eq!(
        queued(run(&app, "birthday", "2024-02-28").await),
        0,
        "leap year: not on the 28th"
    );
    assert_eq!(
        queued(run(&app, "birthday", "2024-02-29").await),
        1,
        "leap year: on the 29th"
    );
    assert_eq!(
        queued(run(&app, "birthday", "2025-10-03").await),
        0,
        "not the solar date"
    );
    assert_eq!(queued(run(&app, "birthday", "2024-09-17").await), 1);
    assert_eq!(queued(run(&app, "birthday", "2025-10-06").await), 1);
    let rows = outbox(&app, &admin, json!({ "kind": "birthday" })).await;
    let occurrences: Vec<&str> = rows.iter().map(|r| r["occurrence"].as_str().unwrap_or("")).collect();
    assert_eq!(occurrences, ["2025-02-28", "2024-02-29", "2024-09-17", "2025-10-06"]);
}

/// A segment's "birthday today" and the birthday campaign pick the same members on every day,
/// and both agree with the published lunar calendar: members born on a lunar holiday keep their
/// lunar birthday on that holiday's date in 2026 (`LUNAR_HOLIDAYS`), not on their solar date.
#[tokio::test]
async fn a_birthday_segment_and_the_birthday_campaign_agree_with_the_lunar_calendar() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let lunar = |born: &str| json!({ "birthday": born, "lunarBirthday": true });
    let members = [
        ("SPRING", lunar("2023-01-22")), // lunar 1/1
        ("EIGHTH", lunar("2024-02-17")), // lunar 1/8: 2026-02-24, a week after the new year
        ("DRAGON", lunar("2024-06-10")), // lunar 5/5
        ("QIXI", lunar("2025-08-29")),   // lunar 7/7
        ("MOON", lunar("2023-09-29")),   // lunar 8/15
        ("SOLAR", json!({ "birthday": "1990-02-17" })),
    ];
    for (no, fields) in &members {
        let email = format!("{}@example.com", no.to_lowercase());
        reachable_member(&app, &admin, no, &email, fields.clone()).await;
    }
    let preview = "query($f:SegmentFilter!, $d:NaiveDate){ segmentPreview(filter:$f, asOf:$d, first:50){
        edges { node { memberNo } } } }";
    let segment = |days: i32, day: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            let vars = json!({ "f": { "birthdayWithin": days }, "d": day });
            let data = app.ok(admin, preview, vars).await;
            let mut found: Vec<String> = data["segmentPreview"]["edges"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["node"]["memberNo"].as_str().unwrap().to_owned())
                .collect();
            found.sort();
            found
        }
    };
    let reference: [(&str, &[&str]); 6] = [
        ("2026-02-17", &["SOLAR", "SPRING"]),
        ("2026-02-24", &["EIGHTH"]),
        ("2026-06-10", &[]),
        ("2026-06-19", &["DRAGON"]),
        ("2026-08-19", &["QIXI"]),
        ("2026-09-25", &["MOON"]),
    ];
    for (day, expected) in reference {
        assert_eq!(segment(0, day).await, expected, "the segment on {day}");
        run(&app, "birthday", day).await;
        let rows = outbox(&app, &admin, json!({ "kind": "birthday" })).await;
        let mut greeted: Vec<&str> = rows
            .iter()
            .filter(|r| r["occurrence"] == day)
            .map(|r| r["member"]["memberNo"].as_str().unwrap())
            .collect();
        greeted.sort_unstable();
        assert_eq!(greeted, expected, "the birthday campaign on {day}");
    }
    assert_eq!(segment(7, "2026-02-17").await, ["EIGHTH", "SOLAR", "SPRING"]);
}

/// Published dates of the lunar holidays (Hong Kong Observatory / 中国政府网 calendars).
const LUNAR_HOLIDAYS: [(&str, [&str; 4]); 6] = [
    (
        "spring_festival",
        ["2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17"],
    ),
    ("lantern", ["2023-02-05", "2024-02-24", "2025-02-12", "2026-03-03"]),
    ("dragon_boat", ["2023-06-22", "2024-06-10", "2025-05-31", "2026-06-19"]),
    ("qixi", ["2023-08-22", "2024-08-10", "2025-08-29", "2026-08-19"]),
    ("mid_autumn", ["2023-09-29", "2024-09-17", "2025-10-06", "2026-09-25"]),
    ("double_ninth", ["2023-10-23", "2024-10-11", "2025-10-29", "2026-10-18"]),
];

#[tokio::test]
async fn each_lunar_holiday_is_queued_three_days_before_in_every_year() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "H1", "h1@example.com", json!({})).await;
    let holidays = "query($y:Int!){ holidays(year:$y){ key name date calendar enabled daysBefore builtin } }";
    for (key, dates) in LUNAR_HOLIDAYS {
        for day in dates {
            let holiday = date(day);
            let year = day[..4].parse::<i32>().expect("year");
            let listed = app.ok(&admin, holidays, json!({ "y": year })).await;
            let entry = listed["holidays"]
                .as_array()
                .expect("list")
                .iter()
                .find(|h| h["key"] == key)
                .cloned();
            assert_eq!(
                entry.as_ref().map(|h| h["date"].clone()),
                Some(json!(day)),
                "{key} {year}"
            );
            let send_day = (holiday - chrono::Duration::days(3)).to_string();
            let counts = run(&app, "holiday", &send_day).await;
            let occurrence = format!("{key}:{day}");
            let hit = counts
                .as_array()
                .expect("occurrences")
                .iter()
                .find(|o| o["occurrence"] == occurrence.as_str());
            assert_eq!(
                hit.map(|o| o["queued"].clone()),
                Some(json!(1)),
                "{occurrence} on {send_day}: {counts}"
            );
            let early = run(&app, "holiday", &(holiday - chrono::Duration::days(4)).to_string()).await;
            assert!(
                !early.to_string().contains(&occurrence),
                "{occurrence} too early: {early}"
            );
        }
    }
}

#[tokio::test]
async fn brands_add_disable_and_redate_holidays() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "H1", "h1@example.com", json!({})).await;
    let save = "mutation($in:HolidayInput!, $y:Int){ saveHoliday(input:$in, year:$y){ key name date enabled daysBefore builtin } }";
    let own = json!({ "key": "store_anniversary", "nameZh": "店庆", "nameEn": "Store anniversary",
        "calendar": "SOLAR", "month": 9, "day": 18, "daysBefore": 7 });
    let saved = app.ok(&admin, save, json!({ "in": own, "y": 2025 })).await;
    assert_eq!(saved["saveHoliday"]["date"], "2025-09-18");
    assert_eq!(saved["saveHoliday"]["builtin"], false);
    let off = json!({ "key": "valentines", "nameZh": "情人节", "nameEn": "Valentine's Day",
        "calendar": "SOLAR", "month": 2, "day": 14, "enabled": false });
    app.ok(&admin, save, json!({ "in": off })).await;
    let moved = json!({ "key": "christmas", "nameZh": "圣诞节", "nameEn": "Christmas",
        "calendar": "SOLAR", "month": 12, "day": 24 });
    app.ok(&admin, save, json!({ "in": moved })).await;

    let occurrences = |counts: Value| counts.to_string();
    assert!(occurrences(run(&app, "holiday", "2025-09-11").await).contains("store_anniversary:2025-09-18"));
    assert!(!occurrences(run(&app, "holiday", "2025-02-11").await).contains("valentines"));
    assert!(occurrences(run(&app, "holiday", "2025-12-21").await).contains("christmas:2025-12-24"));

    let bad = json!({ "key": "x", "nameZh": "x", "nameEn": "x", "calendar": "LUNAR", "month": 13, "day": 1 });
    let response = app.graphql(&admin, save, json!({ "in": bad })).await;
    assert_eq!(
        first_error(&response),
        ("BAD_USER_INPUT".to_owned(), Some("day".to_owned()))
    );
    let associate = app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    assert_eq!(
        app.error_code(&associate, save, json!({ "in": own })).await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn an_smtp_outage_loses_nothing_and_a_refused_address_becomes_undeliverable() {
    let mut sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    for n in 0..5 {
        reachable_member(&app, &admin, &format!("O{n}"), &format!("o{n}@example.com"), json!({})).await;
    }
    reachable_member(&app, &admin, "BOUNCE", "bounce@example.com", json!({})).await;
    let counts = run(&app, "holiday", "2025-12-22").await;
    assert!(counts.to_string().contains("christmas:2025-12-25"), "{counts}");

    sink.stop();
    let down = dispatch(&app).await;
    assert_eq!(
        (down["sent"].as_u64(), down["retrying"].as_u64()),
        (Some(0), Some(6)),
        "{down}"
    );
    let campaigns = app
        .ok(
            &admin,
            "{ outboxOccurrences { occurrence queued sent finished } }",
            json!({}),
        )
        .await;
    assert_eq!(
        campaigns["outboxOccurrences"][0]["queued"], 6,
        "nothing counted as done: {campaigns}"
    );
    assert_eq!(campaigns["outboxOccurrences"][0]["finished"], false);

    sink.restart();
    tokio::time::sleep(Duration::from_millis(1100)).await; // the (test-sized) backoff
    let up = dispatch(&app).await;
    assert_eq!((up["sent"].as_u64(), up["failed"].as_u64()), (Some(5), Some(1)), "{up}");
    let mail = sink.wait_for_async(5, Duration::from_secs(10)).await;
    let mut recipients: Vec<String> = mail.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    recipients.sort();
    assert_eq!(
        recipients,
        (0..5).map(|n| format!("o{n}@example.com")).collect::<Vec<_>>()
    );
    assert!(mail.iter().all(|m| m.subject.contains("圣诞节")), "zh-CN by default");

    let bounced = outbox(&app, &admin, json!({ "memberNo": "BOUNCE" })).await;
    assert_eq!(bounced[0]["status"], "failed");
    assert!(
        bounced[0]["lastError"].as_str().unwrap_or("").contains("undeliverable"),
        "{bounced:?}"
    );
    assert!(
        jobs::outreach::suppression::is_suppressed(&app.db, "bounce@example.com")
            .await
            .expect("lookup")
    );
    let campaigns = app
        .ok(
            &admin,
            "{ outboxOccurrences { queued sent failed finished } }",
            json!({}),
        )
        .await;
    assert_eq!(
        campaigns["outboxOccurrences"][0],
        json!({ "queued": 0, "sent": 5, "failed": 1, "finished": true })
    );
}

#[tokio::test]
async fn one_marketing_email_a_day_and_quiet_hours_postpone_instead_of_dropping() {
    let sink = SmtpSink::start();
    let url = sink.url();
    // Quiet hours from now until two hours on, in Shanghai.
    let hour = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%H")
        .to_string();
    let hour: u32 = hour.parse().expect("hour");
    let app = spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(url);
        settings.outreach.quiet_start_hour = hour;
        settings.outreach.quiet_end_hour = (hour + 2) % 24;
    })
    .await;
    let admin = app.admin().await;
    let yesterday = app.jobs.today() - chrono::Duration::days(1);
    let birthday = format!("1990-{}", yesterday.format("%m-%d"));
    reachable_member(&app, &admin, "CAP", "cap@example.com", json!({ "birthday": birthday })).await;
    reachable_member(
        &app,
        &admin,
        "QUIET",
        "quiet@example.com",
        json!({ "birthday": birthday }),
    )
    .await;

    // By hand: due at once, quiet hours or not. CAP also gets a win-back-free holiday email.
    let by_hand = run(&app, "birthday", &yesterday.to_string()).await;
    assert_eq!(by_hand["queued"], 2);
    let first = dispatch(&app).await;
    assert_eq!(first["sent"], 2, "an operator's catch-up ignores quiet hours: {first}");
    let holiday = run(&app, "holiday", "2025-12-22").await;
    assert!(holiday.to_string().contains("christmas"), "{holiday}");
    let capped = dispatch(&app).await;
    assert_eq!(
        (capped["sent"].as_u64(), capped["postponed"].as_u64()),
        (Some(0), Some(2)),
        "{capped}"
    );
    let rows = outbox(&app, &admin, json!({ "kind": "holiday" })).await;
    for row in &rows {
        let wait = due_at(row) - Utc::now();
        assert!(
            wait > chrono::Duration::hours(23) && wait <= chrono::Duration::hours(24),
            "{row}"
        );
        assert_eq!(
            (row["status"].as_str(), row["attempts"].as_i64()),
            (Some("queued"), Some(0))
        );
    }

    // Scheduled: yesterday's 09:00 has passed, but now is quiet, so it waits for the end.
    let other = spawn_quiet_schedule(&app, &admin, &yesterday).await;
    assert_eq!(other["postponed"], 1, "{other}");
    assert_eq!(sink.messages().len(), 2);
}

/// A member whose scheduled birthday email falls due during quiet hours.
async fn spawn_quiet_schedule(app: &TestApp, admin: &str, day: &NaiveDate) -> Value {
    let birthday = format!("1985-{}", day.format("%m-%d"));
    reachable_member(app, admin, "LATE", "late@example.com", json!({ "birthday": birthday })).await;
    let queued = run_scheduled(app, "birthday", &day.to_string()).await;
    assert_eq!(queued["queued"], 1, "{queued}");
    let done = dispatch(app).await;
    let row = outbox(app, admin, json!({ "memberNo": "LATE" })).await.remove(0);
    assert!(due_at(&row) > Utc::now(), "held until quiet hours end: {row}");
    done
}

#[tokio::test]
async fn two_dispatchers_at_once_send_every_email_exactly_once() {
    let sink = SmtpSink::start();
    let url = sink.url();
    let app = spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(url);
        settings.outreach.batch_size = 25;
    })
    .await;
    let rows: String = (0..150)
        .map(|n| format!("D{n},Member {n},,,,d{n}@example.com,,,,,true\n"))
        .collect();
    let header = "member_no,name,gender,birthday,phone,email,city,joined_at,store,referred_by,email_consent\n";
    app.import("members", &format!("{header}{rows}")).await;
    let queued = run(&app, "holiday", "2025-12-22").await;
    assert!(queued.to_string().contains("\"queued\":150"), "{queued}");

    let (a, b) = tokio::join!(jobs::send_outbox(&app.jobs), jobs::send_outbox(&app.jobs));
    let (a, b) = (a.expect("dispatcher a"), b.expect("dispatcher b"));
    assert_eq!(a.sent + b.sent, 150, "{a:?} {b:?}");
    let mail = sink.wait_for_async(150, Duration::from_secs(20)).await;
    let mut ids: Vec<String> = mail.iter().filter_map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 150, "no email twice");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sink.messages().len(), 150);
}

/// A preview counts the days to a holiday from the member's own date, as the send does: one
/// member where it is already tomorrow (UTC+14), one where it is still yesterday (UTC−11), so at
/// any hour one of them is on another date than UTC.
#[tokio::test]
async fn a_preview_counts_days_from_the_members_own_date_as_the_send_does() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    let zones = [("EAST", "Pacific/Kiritimati"), ("WEST", "Pacific/Pago_Pago")];
    for (no, zone) in zones {
        let fields = json!({ "timeZone": zone, "locale": "en" });
        reachable_member(&app, &admin, no, &format!("{}@example.com", no.to_lowercase()), fields).await;
    }
    let today = app.jobs.today();
    let holiday_date = today + chrono::Duration::days(3);
    let save = "mutation($in:HolidayInput!){ saveHoliday(input:$in){ key } }";
    let holiday = json!({ "key": "store_day", "nameZh": "店庆", "nameEn": "Store day", "calendar": "SOLAR",
        "month": chrono::Datelike::month(&holiday_date), "day": chrono::Datelike::day(&holiday_date), "daysBefore": 3 });
    app.ok(&admin, save, json!({ "in": holiday })).await;
    let template = json!({ "kind": "holiday", "locale": "en", "subject": "{{ holiday.days_until }} days to {{ holiday.name }}",
        "text": "{{ unsubscribe_url }}", "html": "<a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>" });
    app.ok(
        &admin,
        "mutation($in:TemplateInput!){ saveEmailTemplate(input:$in) }",
        json!({ "in": template }),
    )
    .await;

    let preview =
        "query($no:String!){ previewEmail(kind:\"holiday\", memberNo:$no, holidayKey:\"store_day\"){ subject } }";
    let mut previewed = Vec::new();
    for (no, _) in zones {
        let shown = app.ok(&admin, preview, json!({ "no": no })).await;
        previewed.push(shown["previewEmail"]["subject"].as_str().unwrap().to_owned());
    }
    let queued = run(&app, "holiday", &today.to_string()).await;
    assert!(queued.to_string().contains("store_day"), "{queued}");
    assert_eq!(dispatch(&app).await["sent"], 2);

    let folder = app.database.dir.path().join("outbox");
    for ((no, zone), previewed) in zones.iter().zip(previewed) {
        let local_today = Utc::now()
            .with_timezone(&zone.parse::<chrono_tz::Tz>().unwrap())
            .date_naive();
        let expected = format!("{} days to Store day", (holiday_date - local_today).num_days());
        assert_eq!(previewed, expected, "{no}'s preview");
        let address = format!("{}@example.com", no.to_lowercase());
        let sent = std::fs::read_dir(&folder)
            .unwrap()
            .map(|f| std::fs::read(f.unwrap().path()).unwrap())
            .find_map(|raw| {
                let email = mail_parser::MessageParser::default().parse(&raw)?;
                let to = email.to()?.first()?.address()?.to_owned();
                (to == address).then(|| email.subject().unwrap_or_default().to_owned())
            });
        assert_eq!(sent.as_deref(), Some(expected.as_str()), "{no}'s email");
    }
}

#[tokio::test]
async fn marketers_edit_preview_and_test_send_templates() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    reachable_member(
        &app,
        &admin,
        "T1",
        "t1@example.com",
        json!({ "name": "Ann <b>Lee</b>", "locale": "en" }),
    )
    .await;
    let marketer = marketer_with_email(&app, &admin, "mia", "mia@brand.example").await;

    let templates = app
        .ok(
            &marketer,
            "{ emailTemplates { kind locale custom subject } }",
            json!({}),
        )
        .await;
    let built_in = templates["emailTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| !t["kind"].as_str().unwrap_or_default().starts_with("campaign:"))
        .count();
    assert_eq!(built_in, 12, "and the shipped journeys' messages besides");
    let save = "mutation($in:TemplateInput!){ saveEmailTemplate(input:$in) }";
    let edit = json!({ "kind": "winback", "locale": "en",
        "subject": "We miss you, {{ member.name }}",
        "text": "Come back soon. {{ unsubscribe_url }}",
        "html": "<p>Come back soon, {{ member.name }}.</p><a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>" });
    app.ok(&marketer, save, json!({ "in": edit })).await;
    let mut broken = edit.clone();
    broken["html"] = json!("<p>{{ memebr.name }}</p>{{ unsubscribe_url }}");
    let response = app.graphql(&marketer, save, json!({ "in": broken })).await;
    assert_eq!(first_error(&response).0, "BAD_USER_INPUT");
    assert!(
        response.to_string().contains("memebr.name"),
        "names the mistake: {response}"
    );

    let preview = "query{ previewEmail(kind:\"winback\", memberNo:\"T1\"){ subject text html } }";
    let shown = app.ok(&marketer, preview, json!({})).await;
    assert_eq!(shown["previewEmail"]["subject"], "We miss you, Ann <b>Lee</b>");
    let html = shown["previewEmail"]["html"].as_str().unwrap_or("");
    assert!(
        html.contains("Ann &lt;b&gt;Lee") && !html.contains("<b>Lee"),
        "escaped in HTML: {html}"
    );

    let send = "mutation($to:String!){ sendTestEmail(kind:\"winback\", memberNo:\"T1\", to:$to) }";
    app.ok(&marketer, send, json!({ "to": "mia@brand.example" })).await;
    let mail = sink.wait_for_async(1, Duration::from_secs(10)).await.remove(0);
    assert_eq!(mail.rcpt_to, ["mia@brand.example"]);
    assert_eq!(mail.subject, "[TEST] We miss you, Ann <b>Lee</b>");
    let response = app.graphql(&marketer, send, json!({ "to": "t1@example.com" })).await;
    assert_eq!(
        first_error(&response),
        ("BAD_USER_INPUT".to_owned(), Some("to".to_owned()))
    );
    let associate = app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    assert_eq!(app.error_code(&associate, preview, json!({})).await, "FORBIDDEN");

    app.ok(
        &marketer,
        "mutation{ resetEmailTemplate(kind:\"winback\", locale:\"en\") }",
        json!({}),
    )
    .await;
    let shown = app.ok(&marketer, preview, json!({})).await;
    assert_ne!(shown["previewEmail"]["subject"], "We miss you, Ann <b>Lee</b>");
}

#[tokio::test]
async fn lapsed_repeat_buyers_get_one_winback_email_per_cooldown_and_land_on_the_call_list() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    app.import(
        "members",
        "member_no,name,email,email_consent,store\n\
         W1,Lapsed twice,w1@example.com,true,S1\nW2,Lapsed once,w2@example.com,true,S1\n\
         W3,Regular,w3@example.com,true,S1\nW4,No consent,w4@example.com,false,S1\n",
    )
    .await;
    app.import(
        "purchases",
        "member_no,occurred_at,amount,order_id\n\
         W1,2025-01-10,100,o1\nW1,2025-02-10,100,o2\nW2,2025-01-10,100,o3\n\
         W3,2026-09-01,100,o4\nW3,2026-10-01,100,o5\nW3,2026-10-25,100,o6\n\
         W4,2025-01-10,100,o7\nW4,2025-02-10,100,o8\n",
    )
    .await;
    run(&app, "analytics", "2026-11-01").await;

    let first = run(&app, "winback", "2026-11-01").await;
    assert_eq!(
        (first["candidates"].as_u64(), first["queued"].as_u64()),
        (Some(1), Some(1)),
        "{first}"
    );
    let rows = outbox(&app, &admin, json!({ "kind": "winback" })).await;
    assert_eq!(rows[0]["member"]["memberNo"], "W1");
    let within_cooldown = run(&app, "winback", "2026-11-20").await;
    assert_eq!(within_cooldown["candidates"], 0, "{within_cooldown}");

    // The associates' call list is the same list (consent is not needed for a call).
    let associate = app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    let list = "{ myCallList { memberNo } }";
    let called = app.ok(&associate, list, json!({})).await;
    assert_eq!(
        called["myCallList"],
        json!([{ "memberNo": "W1" }, { "memberNo": "W4" }])
    );
    let record =
        "mutation{ recordCallOutcome(memberNo:\"W1\", outcome:WILL_VISIT, note:\"下周来店\"){ outcome note } }";
    let saved = app.ok(&associate, record, json!({})).await;
    assert_eq!(
        saved["recordCallOutcome"],
        json!({ "outcome": "will_visit", "note": "下周来店" })
    );
    let called = app.ok(&associate, list, json!({})).await;
    assert_eq!(called["myCallList"], json!([{ "memberNo": "W4" }]));
    assert_eq!(app.error_code(&admin, list, json!({})).await, "FORBIDDEN");
}

#[tokio::test]
async fn a_dispatcher_killed_mid_send_loses_nothing_and_resends_only_what_was_in_flight() {
    const MEMBERS: usize = 120;
    const BATCH: usize = 20;
    let sink = SmtpSink::start_with_delay(0.05);
    let app = spawn_app_with(|_| {}).await;
    let rows: String = (0..MEMBERS)
        .map(|n| format!("K{n},Member {n},k{n}@example.com,true\n"))
        .collect();
    app.import("members", &format!("member_no,name,email,email_consent\n{rows}"))
        .await;
    let queued = run(&app, "holiday", "2025-12-22").await;
    assert!(
        queued.to_string().contains(&format!("\"queued\":{MEMBERS}")),
        "{queued}"
    );

    let mut env = app.database.env();
    env.extend([
        ("SMTP_URL", sink.url()),
        ("PATRON_OUTREACH__SMTP_CONNECTIONS", "5".to_owned()),
        ("PATRON_OUTREACH__BATCH_SIZE", BATCH.to_string()),
        ("PATRON_OUTREACH__CLAIM_SECONDS", "2".to_owned()),
    ]);
    let dispatcher = || {
        let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_patron"));
        command
            .args(["jobs", "run", "outbox"])
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())));
        command
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command
    };
    let mut first = dispatcher().spawn().expect("start the dispatcher");
    sink.wait_for(30, Duration::from_secs(30));
    first.kill().expect("kill -9"); // SIGKILL: no chance to clean up
    first.wait().expect("reap");
    let at_kill = sink.messages().len();
    assert!(at_kill < MEMBERS, "killed before the end ({at_kill} sent)");

    std::thread::sleep(Duration::from_millis(2100)); // the dead dispatcher's claims expire
    let status = dispatcher().status().expect("run the dispatcher again");
    assert!(status.success());

    let mail = sink.wait_for(MEMBERS, Duration::from_secs(30));
    std::thread::sleep(Duration::from_millis(300));
    let mail = if sink.messages().len() > mail.len() {
        sink.messages()
    } else {
        mail
    };
    let mut recipients: Vec<String> = mail.iter().flat_map(|m| m.rcpt_to.clone()).collect();
    recipients.sort();
    recipients.dedup();
    assert_eq!(recipients.len(), MEMBERS, "every member got the email");
    let duplicates = mail.len() - MEMBERS;
    assert!(duplicates <= BATCH, "only the batch in flight may repeat: {duplicates}");
    let mut ids: Vec<String> = mail.iter().filter_map(|m| m.message_id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), MEMBERS, "a re-sent email keeps its Message-ID");
    let admin = app.admin().await;
    let sent = app
        .ok(&admin, "{ outboxOccurrences { sent queued finished } }", json!({}))
        .await;
    assert_eq!(
        sent["outboxOccurrences"][0],
        json!({ "sent": MEMBERS, "queued": 0, "finished": true })
    );
}

#[tokio::test]
async fn a_refused_address_is_not_repeated_in_the_outboxs_last_error() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "BOUNCE", "bounce.lee@example.com", json!({})).await;
    reachable_member(&app, &admin, "LATER", "tempfail.wu@example.com", json!({})).await;
    run(&app, "holiday", "2025-12-22").await;
    let done = dispatch(&app).await;
    assert_eq!(
        (done["failed"].as_u64(), done["retrying"].as_u64()),
        (Some(1), Some(1)),
        "{done}"
    );

    // The sink's replies name the address, as Postfix's do; the outbox keeps the rest.
    for (member_no, address, status) in [
        ("BOUNCE", "bounce.lee@example.com", "failed"),
        ("LATER", "tempfail.wu@example.com", "queued"),
    ] {
        let rows = outbox(&app, &admin, json!({ "memberNo": member_no })).await;
        let error = rows[0]["lastError"].as_str().unwrap_or_default();
        assert_eq!(rows[0]["status"], status, "{rows:?}");
        assert!(error.contains("Recipient address rejected"), "{member_no}: {error}");
        assert!(error.contains("<[address]>"), "{member_no}: {error}");
        assert!(
            !error.contains(address) && !error.contains("example.com"),
            "{member_no}: {error}"
        );
    }
    assert!(
        jobs::outreach::suppression::is_suppressed(&app.db, "bounce.lee@example.com")
            .await
            .expect("lookup"),
        "the bounced address itself is still suppressed"
    );
}

#[tokio::test]
async fn templates_past_their_bounds_are_refused_and_the_server_keeps_answering() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "T1", "t1@example.com", json!({ "locale": "en" })).await;
    let save = "mutation($in:TemplateInput!){ saveEmailTemplate(input:$in) }";
    let draft = "query($in:TemplateInput!){ previewTemplate(input:$in, memberNo:\"T1\"){ email{ subject } problem{ part message } } }";
    let template = |text: &str, html: &str| {
        json!({ "in": { "kind": "winback", "locale": "en", "subject": "Hi {{ member.name }}",
            "text": format!("{text} {{{{ unsubscribe_url }}}}"), "html": format!("{html} {{{{ unsubscribe_url }}}}") } })
    };
    let nested = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
    let looping = template(nested, "<p>Hi</p>");
    let huge = template("Hi", "{{ 'x' * 10000000 }}");

    // Both at once, and a lookup beside them that must not wait for them. Today's code would
    // render the loop for hours: the timeout turns that into a failure.
    let started = std::time::Instant::now();
    let lookup = async {
        let answer = app
            .ok(&admin, "{ member(memberNo:\"T1\"){ memberNo } }", json!({}))
            .await;
        (answer, started.elapsed())
    };
    let all = async {
        tokio::join!(
            app.graphql(&admin, save, looping.clone()),
            app.graphql(&admin, save, huge.clone()),
            app.graphql(&admin, draft, looping.clone()),
            lookup
        )
    };
    let (saved_loop, saved_huge, previewed_loop, (answer, answered_in)) =
        tokio::time::timeout(Duration::from_secs(60), all)
            .await
            .expect("the bounded templates are refused within a minute");
    assert_eq!(answer["member"]["memberNo"], "T1");
    assert!(answered_in < Duration::from_secs(10), "the lookup took {answered_in:?}");

    assert_eq!(
        first_error(&saved_loop),
        ("BAD_USER_INPUT".to_owned(), Some("text".to_owned()))
    );
    assert!(
        saved_loop.to_string().contains("steps"),
        "names the limit: {saved_loop}"
    );
    assert_eq!(
        first_error(&saved_huge),
        ("BAD_USER_INPUT".to_owned(), Some("html".to_owned()))
    );
    assert!(
        saved_huge.to_string().contains("512 KiB"),
        "names the limit: {saved_huge}"
    );
    let problem = &previewed_loop["data"]["previewTemplate"]["problem"];
    assert_eq!(problem["part"], "text", "{previewed_loop}");
    assert!(
        problem["message"].as_str().unwrap_or_default().contains("steps"),
        "{previewed_loop}"
    );

    // A normal template still saves and renders.
    app.ok(&admin, save, template("Come back, {{ member.name }}.", "<p>Hi</p>"))
        .await;
    let preview = "query{ previewEmail(kind:\"winback\", memberNo:\"T1\"){ text } }";
    let shown = app.ok(&admin, preview, json!({})).await;
    assert!(
        shown["previewEmail"]["text"]
            .as_str()
            .unwrap_or_default()
            .starts_with("Come back, "),
        "{shown}"
    );
}

#[tokio::test]
async fn the_unsubscribe_link_of_a_preview_or_test_email_unsubscribes_nobody() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "P1", "p1@example.com", json!({ "locale": "en" })).await;
    let marketer = marketer_with_email(&app, &admin, "mia", "mia@brand.example").await;

    let preview = "query{ previewEmail(kind:\"winback\", memberNo:\"P1\"){ text html } }";
    let shown = app.ok(&marketer, preview, json!({})).await;
    let text = shown["previewEmail"]["text"].as_str().unwrap_or_default();
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/unsubscribe/"))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let send = "mutation{ sendTestEmail(kind:\"winback\", memberNo:\"P1\", to:\"mia@brand.example\") }";
    app.ok(&marketer, send, json!({})).await;
    let mail = sink.wait_for_async(1, Duration::from_secs(10)).await.remove(0);
    let header = mail.header("List-Unsubscribe").unwrap_or_default();
    let test_link = header.trim_matches(|c| c == '<' || c == '>');

    for link in [link, test_link] {
        assert!(link.ends_with("/unsubscribe/preview"), "labelled a preview: {link}");
        assert_eq!(app.one_click_unsubscribe(link).await, 400, "{link}");
        let path = link.trim_start_matches("http://127.0.0.1:8080");
        let page = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .expect("page");
        assert!(page.text().await.unwrap_or_default().contains("unsubscribes nobody"));
    }
    let member = "query{ member(memberNo:\"P1\"){ emailConsent } }";
    assert_eq!(app.ok(&admin, member, json!({})).await["member"]["emailConsent"], true);
}

#[tokio::test]
async fn test_emails_go_only_to_the_senders_own_address() {
    let sink = SmtpSink::start();
    let app = app_with_sink(&sink).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "T1", "t1@example.com", json!({})).await;
    let mia = marketer_with_email(&app, &admin, "mia", "Mia@Brand.example").await;
    marketer_with_email(&app, &admin, "lin", "lin@brand.example").await;
    let nobody = app
        .token(patron::auth::Role::Marketer, None, None, Some("noemail"))
        .await;
    let send = "mutation($to:String!){ sendTestEmail(kind:\"winback\", memberNo:\"T1\", to:$to) }";

    for (token, to, why) in [
        (&mia, "lin@brand.example", "your own address only"),
        (&mia, "t1@example.com", "your own address only"),
        (&nobody, "lin@brand.example", "has none"),
    ] {
        let response = app.graphql(token, send, json!({ "to": to })).await;
        assert_eq!(
            first_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some("to".to_owned())),
            "{to}: {response}"
        );
        assert!(response.to_string().contains(why), "{to}: {response}");
    }
    app.ok(&mia, send, json!({ "to": "mia@brand.example" })).await;
    let mail = sink.wait_for_async(1, Duration::from_secs(10)).await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].rcpt_to, ["mia@brand.example"]);
}

#[tokio::test]
async fn reading_the_outbox_is_written_to_the_audit_log() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "A1", "a1@example.com", json!({})).await;
    run(&app, "holiday", "2025-12-22").await;
    let marketer = marketer_with_email(&app, &admin, "mia", "mia@brand.example").await;
    let rows = outbox(&app, &marketer, json!({ "status": "queued" })).await;
    assert_eq!(rows.len(), 1);

    let log = app
        .ok(
            &admin,
            "{ auditLog(first: 50) { actor role action detail } }",
            json!({}),
        )
        .await;
    let entries = log["auditLog"].as_array().expect("entries");
    let export = entries
        .iter()
        .find(|e| e["action"] == "outbox.export")
        .unwrap_or_else(|| panic!("no outbox.export entry: {log}"));
    assert_eq!(export["role"], "marketer", "{export}");
    let detail: Value = serde_json::from_str(export["detail"].as_str().unwrap_or("{}")).expect("JSON detail");
    assert_eq!(detail["filter"]["status"], "queued", "{detail}");
    assert_eq!(detail["returned"], 1, "{detail}");
}

#[cfg(unix)]
#[tokio::test]
async fn the_database_and_the_eml_files_are_the_owners_only() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    reachable_member(&app, &admin, "F1", "f1@example.com", json!({})).await;
    run(&app, "holiday", "2025-12-22").await;
    assert_eq!(dispatch(&app).await["sent"], 1);

    let data = app.database.dir.path();
    let mode = |path: &std::path::Path| {
        let metadata = std::fs::metadata(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        metadata.permissions().mode() & 0o777
    };
    let folder = data.join("outbox");
    assert_eq!(mode(&folder), 0o700, "the .eml folder");
    let emails: Vec<_> = std::fs::read_dir(&folder)
        .expect("outbox folder")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert_eq!(mode(&emails[0]), 0o600, "{}", emails[0].display());
    if std::env::var("PATRON_TEST_POSTGRES").is_err() {
        for name in ["patron.db", "patron.db-wal", "patron.db-shm"] {
            assert_eq!(mode(&data.join(name)), 0o600, "{name}");
        }
    }
}
