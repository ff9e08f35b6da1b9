//! Delivery under failure: senders killed or stopped mid-send, and replicas sharing one database.
//! Each test runs the real `patron` binary against a real SMTP server process (or the SMS and
//! WeChat stand-in) and counts what arrived: every member exactly once, give or take what a
//! crash may re-send.
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Datelike;
use jobs::outreach::sms::Provider;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::helpers::{spawn_app_with, TestApp};
use crate::providers::ProviderMock;
use crate::smtp::SmtpSink;

const MEMBERS: usize = 5000;
const CONNECTIONS: usize = 4;

/// Where the messages go, and what can tell which arrived.
enum Receiver {
    Smtp(SmtpSink),
    /// Texts through Aliyun's batch API (a request carries up to 100).
    Sms(ProviderMock),
    Wechat(ProviderMock),
}

impl Receiver {
    fn smtp() -> Self {
        Self::Smtp(SmtpSink::start())
    }

    /// Each request waits a little at the provider, so a stop finds some on the wire.
    fn sms() -> Self {
        Self::Sms(ProviderMock::start_with_delay(1.0))
    }

    fn wechat() -> Self {
        Self::Wechat(ProviderMock::start_with_delay(0.002))
    }

    /// Messages on the wire at once, at most: what one crash may send twice.
    fn in_flight(&self) -> usize {
        match self {
            Self::Sms(_) => CONNECTIONS * 100,
            Self::Smtp(_) | Self::Wechat(_) => CONNECTIONS,
        }
    }

    fn count(&self) -> usize {
        match self {
            Self::Smtp(sink) => sink.count(),
            Self::Sms(mock) | Self::Wechat(mock) => mock.count(),
        }
    }

    /// How many messages each recipient got.
    fn arrivals(&self) -> HashMap<String, usize> {
        let recipients: Vec<String> = match self {
            Self::Smtp(sink) => sink.envelopes().into_iter().flatten().collect(),
            Self::Sms(mock) | Self::Wechat(mock) => mock
                .messages()
                .iter()
                .map(|m| m["to"].as_str().unwrap_or_default().to_owned())
                .collect(),
        };
        let mut arrivals = HashMap::new();
        for recipient in recipients {
            *arrivals.entry(recipient).or_default() += 1;
        }
        arrivals
    }

    /// The settings that point `patron` here.
    fn env(&self) -> Vec<(String, String)> {
        let connections = CONNECTIONS.to_string();
        match self {
            Self::Smtp(sink) => vec![
                ("SMTP_URL".to_owned(), sink.url()),
                ("PATRON_OUTREACH__SMTP_CONNECTIONS".to_owned(), connections),
            ],
            Self::Sms(mock) | Self::Wechat(mock) => {
                let mut env = mock.env(Provider::Aliyun);
                env.push(("PATRON_SMS__CONNECTIONS".to_owned(), connections.clone()));
                env.push(("PATRON_WECHAT__CONNECTIONS".to_owned(), connections));
                env
            }
        }
    }

    /// A member who can be reached here, as a CSV row of `member_no,name,email,email_consent,
    /// phone,sms_consent,wechat_openid,wechat_consent`.
    fn member(&self, n: usize) -> String {
        match self {
            Self::Smtp(_) => format!("R{n},Member {n},r{n}@example.com,true,,false,,false\n"),
            // Ending in 5: the stand-in's invalid (…0000) and rate-limited (…0001) numbers are not here.
            Self::Sms(_) => format!("R{n},Member {n},,false,139{:08},true,,false\n", n * 10 + 5),
            Self::Wechat(_) => format!("R{n},Member {n},,false,,false,o-member-{n},true\n"),
        }
    }
}

/// A test server (scheduler off) on a fresh database with `members` members reachable by
/// `receiver`, the built-in holiday campaign sending on its channel.
async fn app_with_members(members: usize, receiver: &Receiver) -> TestApp {
    let (sms, wechat) = match receiver {
        Receiver::Sms(mock) | Receiver::Wechat(mock) => (Some(mock.sms(Provider::Aliyun)), Some(mock.wechat())),
        Receiver::Smtp(_) => (None, None),
    };
    let app = spawn_app_with(move |settings| {
        settings.sms = sms.unwrap_or_default();
        settings.wechat = wechat.unwrap_or_default();
    })
    .await;
    let rows: String = (0..members).map(|n| receiver.member(n)).collect();
    let header = "member_no,name,email,email_consent,phone,sms_consent,wechat_openid,wechat_consent";
    let report = app.import("members", &format!("{header}\n{rows}")).await;
    assert_eq!(report.added as usize, members, "{report}");
    send_holiday_on(&app, receiver).await;
    app
}

/// Sets the built-in holiday campaign's channel to the receiver's, with a template there.
async fn send_holiday_on(app: &TestApp, receiver: &Receiver) {
    let admin = app.admin().await;
    let (channel, save, template) = match receiver {
        Receiver::Smtp(_) => return,
        Receiver::Sms(_) => (
            "SMS",
            "mutation($in:SmsTemplateInput!){ saveSmsTemplate(input:$in) }",
            json!({ "kind": "holiday", "locale": "zh-CN", "templateCode": "SMS_100000001",
                "text": "${name}您好，${holiday}快乐！拒收请回复R",
                "params": [{ "name": "name", "value": "{{ member.name }}" },
                    { "name": "holiday", "value": "{{ holiday.name }}" }] }),
        ),
        Receiver::Wechat(_) => (
            "WECHAT",
            "mutation($in:WechatTemplateInput!){ saveWechatTemplate(input:$in) }",
            json!({ "kind": "holiday", "locale": "zh-CN", "messageKind": "OFFICIAL", "templateId": "TM-holiday",
                "fields": [{ "name": "thing1", "value": "{{ holiday.name }}" }] }),
        ),
    };
    app.ok(&admin, save, json!({ "in": template })).await;
    let holiday = app.builtin_campaign(&admin, "HOLIDAY").await;
    let update = "mutation($id:ID!, $in:CampaignInput!){ updateCampaign(id:$id, input:$in){ channels } }";
    app.ok(
        &admin,
        update,
        json!({ "id": holiday, "in": { "channels": [channel] } }),
    )
    .await;
}

/// Queues the Christmas message for every member, due at once (a run by hand).
async fn queue_holiday(app: &TestApp, members: usize) {
    let queued = app.run_job("holiday", "2025-12-22").await.expect("holiday job");
    assert!(
        queued.to_string().contains(&format!("\"queued\":{members}")),
        "{queued}"
    );
}

/// `patron ARGS` against the test's database and receiver, with extra settings.
fn patron(app: &TestApp, receiver: &Receiver, args: &[&str], settings: &[(&str, String)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_patron"));
    command
        .args(args)
        .envs(app.database.env())
        .envs(receiver.env())
        .env("PATRON_OUTREACH__BATCH_SIZE", "500")
        .envs(settings.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    command
}

/// Waits until `more` messages beyond `from` have arrived (the sender is mid-send), letting the
/// test server run meanwhile.
async fn wait_for_more(receiver: &Receiver, from: usize, more: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.count() < from + more {
        assert!(Instant::now() < deadline, "no progress: {} messages", receiver.count());
        tokio::time::sleep(Duration::from_millis(5)).await;
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

/// Kills the sender five times mid-send: every member gets the message, and a kill re-sends at
/// most what was on the wire (a message per SMTP connection, a request's batch per SMS one).
async fn killed_five_times(receiver: Receiver, members: usize) {
    const KILLS: usize = 5;
    let app = app_with_members(members, &receiver).await;
    queue_holiday(&app, members).await;
    let claim = [("PATRON_OUTREACH__CLAIM_SECONDS", "2".to_owned())];
    let sender = || patron(&app, &receiver, &["jobs", "run", "outbox"], &claim);

    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(8);
    let step = members / 10;
    for _ in 0..KILLS {
        let mut child = sender().spawn().expect("start the sender");
        wait_for_more(&receiver, receiver.count(), random.gen_range(step / 10..step)).await;
        child.kill().expect("SIGKILL"); // no chance to clean up
        child.wait().expect("reap");
        // The dead sender's claims lapse within the claim time. A sender started sooner finds
        // only what is unclaimed, and when that is nothing it is done at once.
        tokio::time::sleep(Duration::from_secs(2)).await;
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

    let arrivals = receiver.arrivals();
    assert_eq!(arrivals.len(), members, "every member got the message");
    let twice: usize = arrivals.values().map(|n| n - 1).sum();
    let bound = KILLS * receiver.in_flight();
    eprintln!("SIGKILL x{KILLS} with {CONNECTIONS} connections: {twice} duplicate(s) of {members} (at most {bound})");
    assert!(twice <= bound, "at most what was on the wire may repeat: {twice}");
    if let Receiver::Wechat(mock) = &receiver {
        // Six senders one after another, one access token: they share it through the database.
        let stats = mock.stats().await;
        assert_eq!(stats["token_fetches"]["wx-test-app"], 1, "{stats}");
    }
}

#[tokio::test]
async fn a_sender_killed_five_times_resends_at_most_one_email_per_connection_per_kill() {
    killed_five_times(Receiver::smtp(), MEMBERS).await;
}

#[tokio::test]
async fn a_sender_killed_five_times_resends_at_most_the_sms_batches_on_the_wire() {
    killed_five_times(Receiver::sms(), MEMBERS).await;
}

#[tokio::test]
async fn a_sender_killed_five_times_resends_at_most_one_wechat_message_per_connection_per_kill() {
    killed_five_times(Receiver::wechat(), 2000).await;
}

/// Stops the sender cleanly three times mid-send (`serve` with its scheduler, then `jobs run
/// outbox` twice): each finishes what is on the wire, and a restart sends the rest, nothing twice.
async fn stopped_three_times(receiver: Receiver, members: usize) {
    let app = app_with_members(members, &receiver).await;
    queue_holiday(&app, members).await;
    let mut random = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    // Claims are left at their default: a sender that kept its claims would hold them up
    // for longer than this test waits.
    let serve = [
        ("PATRON_LISTEN", "127.0.0.1:0".to_owned()),
        ("PATRON_SCHEDULER", "true".to_owned()),
        ("PATRON_OUTBOX_SCHEDULE", "*/2 * * * * *".to_owned()),
    ];
    let outbox: &[&str] = &["jobs", "run", "outbox"];
    let step = members / 25;
    for (args, settings) in [(&["serve"][..], &serve[..]), (outbox, &[]), (outbox, &[])] {
        let mut child = patron(&app, &receiver, args, settings)
            .spawn()
            .expect("start the sender");
        wait_for_more(&receiver, receiver.count(), random.gen_range(step..4 * step)).await;
        let took = terminate(&mut child);
        assert!(took < Duration::from_secs(30), "{args:?} took {took:?} to stop");
    }
    let sent_before = receiver.count();
    assert!(sent_before < members, "stopped before the end ({sent_before} sent)");
    let status = patron(&app, &receiver, &["jobs", "run", "outbox"], &[])
        .status()
        .expect("run the sender again");
    assert!(status.success());
    assert_eq!(still_queued(&app).await, 0, "nothing left held by a stopped sender");

    let arrivals = receiver.arrivals();
    assert_eq!(arrivals.len(), members, "every member got the message");
    assert!(arrivals.values().all(|n| *n == 1), "nothing twice after clean stops");
}

#[tokio::test]
async fn a_stopped_sender_finishes_what_is_on_the_wire_and_a_restart_sends_the_rest_at_once() {
    stopped_three_times(Receiver::smtp(), MEMBERS).await;
}

#[tokio::test]
async fn a_stopped_sms_sender_finishes_its_batches_on_the_wire_and_a_restart_sends_the_rest() {
    stopped_three_times(Receiver::sms(), MEMBERS).await;
}

#[tokio::test]
async fn a_stopped_wechat_sender_finishes_what_is_on_the_wire_and_a_restart_sends_the_rest() {
    stopped_three_times(Receiver::wechat(), 2000).await;
}

/// Two `patron serve` replicas with their schedulers on, on one PostgreSQL database: each
/// scheduled tick runs once, every email goes out once, and the daily cap holds per member.
#[tokio::test]
async fn two_replicas_share_the_schedule_and_the_outbox() {
    const REPLICA_MEMBERS: usize = 2000;
    if std::env::var("PATRON_TEST_POSTGRES").is_err() {
        return; // replicas share a database server; the embedded SQLite is one process's
    }
    let receiver = Receiver::smtp();
    let app = app_with_members(REPLICA_MEMBERS, &receiver).await;
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
            patron(&app, &receiver, &["serve"], &settings)
                .spawn()
                .expect("start a replica")
        })
        .collect();
    wait_for_more(&receiver, 0, REPLICA_MEMBERS).await;
    // A few more ticks: nothing else may go out, and the analytics keeps ticking.
    tokio::time::sleep(Duration::from_secs(7)).await;
    for replica in &mut replicas {
        terminate(replica);
    }
    let ticks = (chrono::Utc::now().timestamp() / 3 - started.timestamp() / 3) as usize;

    let arrivals = receiver.arrivals();
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
