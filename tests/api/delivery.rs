//! Delivery under failure: senders killed or stopped mid-send, and replicas sharing one database.
//! Each test runs the real `patron` binary against a real SMTP server process and counts what
//! arrived: every member exactly once, give or take what a crash may re-send.
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Datelike;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp};
use crate::smtp::SmtpSink;

const MEMBERS: usize = 5000;
const CONNECTIONS: usize = 4;

/// A test server (scheduler off) on a fresh database with `members` consenting members.
async fn app_with_members(members: usize) -> TestApp {
    let app = spawn_app_with(|_| {}).await;
    let rows: String = (0..members)
        .map(|n| format!("R{n},Member {n},r{n}@example.com,true\n"))
        .collect();
    let report = app
        .import("members", &format!("member_no,name,email,email_consent\n{rows}"))
        .await;
    assert_eq!(report.added as usize, members, "{report}");
    app
}

/// Queues the Christmas email for every member, due at once (a run by hand).
async fn queue_holiday(app: &TestApp) {
    let queued = app.run_job("holiday", "2025-12-22").await.expect("holiday job");
    assert!(
        queued.to_string().contains(&format!("\"queued\":{MEMBERS}")),
        "{queued}"
    );
}

/// `patron ARGS` against the test's database and SMTP server, with extra settings.
fn patron(app: &TestApp, sink: &SmtpSink, args: &[&str], settings: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_patron"));
    command
        .args(args)
        .envs(app.database.env())
        .env("SMTP_URL", sink.url())
        .env("PATRON_OUTREACH__SMTP_CONNECTIONS", CONNECTIONS.to_string())
        .env("PATRON_OUTREACH__BATCH_SIZE", "500")
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Waits until `more` messages beyond `from` have arrived (the sender is mid-send).
fn wait_for_more(sink: &SmtpSink, from: usize, more: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sink.count() < from + more {
        assert!(Instant::now() < deadline, "no progress: {} messages", sink.count());
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Sends SIGTERM and returns how long the process took to exit, asserting it exited cleanly.
fn terminate(child: &mut Child) -> Duration {
    let asked = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    loop {
        if let Some(status) = child.try_wait().expect("wait for the process") {
            assert!(status.success(), "a stopped sender exits cleanly: {status}");
            return asked.elapsed();
        }
        assert!(
            asked.elapsed() < Duration::from_secs(40),
            "still running 40 s after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// How many messages each recipient got.
fn arrivals(sink: &SmtpSink) -> HashMap<String, usize> {
    let mut arrivals = HashMap::new();
    for recipients in sink.envelopes() {
        for recipient in recipients {
            *arrivals.entry(recipient).or_default() += 1;
        }
    }
    arrivals
}

async fn still_queued(app: &TestApp) -> u64 {
    let admin = app.admin().await;
    let campaigns = app.ok(&admin, "{ outboxOccurrences { queued } }", json!({})).await;
    campaigns["outboxOccurrences"]
        .as_array()
        .expect("campaigns")
        .iter()
        .map(|c| c["queued"].as_u64().unwrap_or_default())
        .sum()
}

#[tokio::test]
async fn a_sender_killed_five_times_resends_at_most_one_email_per_connection_per_kill() {
    const KILLS: usize = 5;
    let sink = SmtpSink::start();
    let app = app_with_members(MEMBERS).await;
    queue_holiday(&app).await;
    let claim = [("PATRON_OUTREACH__CLAIM_SECONDS", "2".to_owned())];
    let sender = || patron(&app, &sink, &["jobs", "run", "outbox"], &claim);

    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    for _ in 0..KILLS {
        let mut child = sender().spawn().expect("start the sender");
        wait_for_more(&sink, sink.count(), random.gen_range(50..600));
        child.kill().expect("SIGKILL"); // no chance to clean up
        child.wait().expect("reap");
        // The dead sender's claims lapse within the claim time. A sender started sooner finds
        // only what is unclaimed, and when that is nothing it is done at once.
        std::thread::sleep(Duration::from_secs(2));
    }
    // After the last claims lapsed, the rest goes out in one more run.
    let restarted = Instant::now();
    let status = sender().status().expect("run the sender again");
    assert!(status.success());
    assert!(
        restarted.elapsed() < Duration::from_secs(60),
        "{:?}",
        restarted.elapsed()
    );
    assert_eq!(still_queued(&app).await, 0);

    let arrivals = arrivals(&sink);
    assert_eq!(arrivals.len(), MEMBERS, "every member got the email");
    let twice: usize = arrivals.values().map(|n| n - 1).sum();
    eprintln!("SIGKILL x{KILLS} with {CONNECTIONS} connections: {twice} duplicate(s) of {MEMBERS}");
    assert!(
        twice <= KILLS * CONNECTIONS,
        "at most one message per connection per kill may repeat: {twice}"
    );
}

#[tokio::test]
async fn a_stopped_sender_finishes_what_is_on_the_wire_and_a_restart_sends_the_rest_at_once() {
    let sink = SmtpSink::start();
    let app = app_with_members(MEMBERS).await;
    queue_holiday(&app).await;
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    // Claims are left at their default: a sender that kept its claims would hold them up
    // for longer than this test waits.
    let serve = [
        ("PATRON_LISTEN", "127.0.0.1:0".to_owned()),
        ("PATRON_SCHEDULER", "true".to_owned()),
        ("PATRON_OUTBOX_SCHEDULE", "*/2 * * * * *".to_owned()),
    ];
    let outbox: &[&str] = &["jobs", "run", "outbox"];
    for (args, settings) in [(&["serve"][..], &serve[..]), (outbox, &[]), (outbox, &[])] {
        let mut child = patron(&app, &sink, args, settings).spawn().expect("start the sender");
        wait_for_more(&sink, sink.count(), random.gen_range(200..800));
        let took = terminate(&mut child);
        assert!(took < Duration::from_secs(30), "{args:?} took {took:?} to stop");
    }
    let sent_before = sink.count();
    assert!(sent_before < MEMBERS, "stopped before the end ({sent_before} sent)");
    let status = patron(&app, &sink, &["jobs", "run", "outbox"], &[])
        .status()
        .expect("run the sender again");
    assert!(status.success());
    assert_eq!(still_queued(&app).await, 0, "nothing left held by a stopped sender");

    let arrivals = arrivals(&sink);
    assert_eq!(arrivals.len(), MEMBERS, "every member got the email");
    assert!(arrivals.values().all(|n| *n == 1), "no email twice after clean stops");
}

/// Two `patron serve` replicas with their schedulers on, on one PostgreSQL database: each
/// scheduled tick runs once, every email goes out once, and the daily cap holds per member.
#[tokio::test]
async fn two_replicas_share_the_schedule_and_the_outbox() {
    const REPLICA_MEMBERS: usize = 2000;
    if std::env::var("PATRON_TEST_POSTGRES").is_err() {
        return; // replicas share a database server; the embedded SQLite is one process's
    }
    let sink = SmtpSink::start();
    let app = app_with_members(REPLICA_MEMBERS).await;
    let admin = app.admin().await;
    // Two holidays three days ahead: two emails queued per member, of which the daily cap lets
    // one through today.
    let day = app.jobs.today() + chrono::Duration::days(3);
    let save = "mutation($in:HolidayInput!){ saveHoliday(input:$in){ key } }";
    for key in ["replica_a", "replica_b"] {
        let holiday = json!({ "key": key, "nameZh": key, "nameEn": key, "calendar": "SOLAR",
            "month": day.month(), "day": day.day(), "daysBefore": 3 });
        app.ok(&admin, save, json!({ "in": holiday })).await;
    }
    let every = |seconds: u32| format!("*/{seconds} * * * * *");
    let settings = [
        ("PATRON_LISTEN", "127.0.0.1:0".to_owned()),
        ("PATRON_SCHEDULER", "true".to_owned()),
        ("PATRON_ANALYTICS_SCHEDULE", every(3)),
        ("PATRON_OUTREACH_SCHEDULE", every(3)),
        ("PATRON_OUTBOX_SCHEDULE", every(1)),
        // Due at once and never held: the send hour is midnight and there are no quiet hours.
        ("PATRON_OUTREACH__SEND_HOUR", "0".to_owned()),
        ("PATRON_OUTREACH__QUIET_START_HOUR", "0".to_owned()),
        ("PATRON_OUTREACH__QUIET_END_HOUR", "0".to_owned()),
    ];
    let started = chrono::Utc::now();
    let mut replicas: Vec<Child> = (0..2)
        .map(|_| {
            patron(&app, &sink, &["serve"], &settings)
                .spawn()
                .expect("start a replica")
        })
        .collect();
    wait_for_more(&sink, 0, REPLICA_MEMBERS);
    // A few more ticks: nothing else may go out, and the analytics keeps ticking.
    tokio::time::sleep(Duration::from_secs(7)).await;
    for replica in &mut replicas {
        terminate(replica);
    }
    let ticks = (chrono::Utc::now().timestamp() / 3 - started.timestamp() / 3) as usize;

    let arrivals = arrivals(&sink);
    assert_eq!(arrivals.len(), REPLICA_MEMBERS, "every member got an email");
    assert!(
        arrivals.values().all(|n| *n == 1),
        "one email per member per day, across both replicas"
    );
    let campaigns = app
        .ok(&admin, "{ outboxOccurrences { occurrence sent queued } }", json!({}))
        .await;
    let campaigns = campaigns["outboxOccurrences"].as_array().expect("campaigns").clone();
    let total = |field: &str| -> u64 { campaigns.iter().map(|c| c[field].as_u64().unwrap_or_default()).sum() };
    assert_eq!(total("sent") as usize, REPLICA_MEMBERS, "{campaigns:?}");
    assert_eq!(
        total("queued") as usize,
        REPLICA_MEMBERS,
        "the second email waits a day"
    );

    let runs = app
        .ok(&admin, "{ jobRuns(first: 100) { job trigger status } }", json!({}))
        .await;
    let mut scheduled: HashMap<String, usize> = HashMap::new();
    for run in runs["jobRuns"].as_array().expect("job runs") {
        if run["trigger"] == "schedule" {
            assert_eq!(run["status"], "succeeded", "{run}");
            *scheduled
                .entry(run["job"].as_str().expect("job").to_owned())
                .or_default() += 1;
        }
    }
    // Both replicas fire at every tick; each tick runs each job at most once (without the
    // tick check, twice as many runs as ticks).
    assert!(scheduled.get("analytics").is_some_and(|n| *n >= 1), "{scheduled:?}");
    assert!(
        scheduled.values().all(|n| *n <= ticks),
        "{ticks} ticks, runs: {scheduled:?}"
    );
}
