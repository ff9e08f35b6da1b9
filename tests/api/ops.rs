//! Operations: the probes, /metrics read as Prometheus reads it, and JSON logs that carry the
//! request id into the job runs a request starts.
//!
//! The metrics recorder is global to the process and other tests run alongside, so shared
//! series are checked to have grown by at least this test's share; series only this test
//! writes (its own operation names, its own database's gauges) are checked exactly.
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use entity::outbox;
use sea_orm::{ActiveModelTrait, ConnectionTrait, EntityTrait, QueryOrder, Set};
use serde_json::{json, Value};

use crate::cli::{free_port, patron};
use crate::helpers::{first_error, spawn_app, TestApp, TestDatabase};

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let response = app
        .client
        .get(format!("{}{path}", app.address))
        .send()
        .await
        .expect("request sent");
    let status = response.status().as_u16();
    (status, response.text().await.expect("body"))
}

#[tokio::test]
async fn readyz_is_ok_on_a_migrated_database_and_names_missing_migrations() {
    let app = spawn_app().await;
    assert_eq!(get(&app, "/readyz").await, (200, "ready".to_owned()));

    // A database one migration behind this binary, as after deploying a newer binary unmigrated.
    app.db
        .execute_unprepared("DELETE FROM seaql_migrations WHERE version = (SELECT MAX(version) FROM seaql_migrations)")
        .await
        .expect("forget a migration");
    let (status, reason) = get(&app, "/readyz").await;
    assert_eq!(status, 503, "{reason}");
    assert!(reason.contains("1 migrations pending"), "{reason}");
    assert_eq!(
        get(&app, "/healthz").await,
        (200, "ok".to_owned()),
        "liveness does not depend on the database"
    );
}

/// POSTs a GraphQL request with an optional `operationName`.
async fn post(app: &TestApp, token: &str, operation: Option<&str>, query: &str, variables: Value) -> Value {
    let mut body = json!({ "query": query, "variables": variables });
    if let Some(operation) = operation {
        body["operationName"] = json!(operation);
    }
    let (status, response) = app.post(Some(token), body.to_string()).await;
    assert_eq!(status, 200, "{response}");
    response
}

const CREATE: &str = "mutation OpsCreateMember($no:String!, $in:MemberFields!){
    createMember(memberNo:$no, input:$in){ memberNo } }";

#[tokio::test]
async fn metrics_count_requests_operations_errors_and_job_runs_and_show_outbox_and_pool() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let before = scrape(&app).await;

    let birthday = format!("2000-{}", app.jobs.today().format("%m-%d"));
    for no in ["M1", "M2", "M3"] {
        let member = json!({ "name": no, "email": format!("{no}@example.com"), "emailConsent": true,
            "consentSource": "store-form", "birthday": birthday });
        // The first names its operation in the request, the others only in the document.
        let operation = (no == "M1").then_some("OpsCreateMember");
        let response = post(&app, &admin, operation, CREATE, json!({ "no": no, "in": member })).await;
        assert!(response.get("errors").is_none(), "{response}");
    }
    let bad = "mutation OpsBadMember { createMember(memberNo:\"M9\", input:{ name:\" \" }){ memberNo } }";
    let response = post(&app, &admin, None, bad, json!({})).await;
    assert_eq!(first_error(&response).0, "BAD_USER_INPUT", "{response}");
    let run = "mutation OpsRunBirthday { runJob(name:\"birthday\"){ status counts } }";
    let response = post(&app, &admin, None, run, json!({})).await;
    assert_eq!(response["data"]["runJob"]["status"], "succeeded", "{response}");

    // One queued row stays due, one is being sent, one waits for a retry.
    let rows = outbox::Entity::find()
        .order_by_asc(outbox::Column::Id)
        .all(&app.db)
        .await
        .expect("outbox rows");
    assert_eq!(rows.len(), 3, "the birthday job queued one email per member");
    // Claimed in the name of a live dispatcher: one holding its lease.
    let _dispatcher = jobs::lease::Lease::acquire_as(&app.db, "ops-test", "ops-test", Duration::from_secs(300))
        .await
        .expect("db")
        .expect("lease");
    let mut claimed: outbox::ActiveModel = rows[1].clone().into();
    claimed.claimed_by = Set(Some("ops-test".to_owned()));
    claimed.update(&app.db).await.expect("claim");
    let mut deferred: outbox::ActiveModel = rows[2].clone().into();
    deferred.attempts = Set(1);
    deferred.due_at = Set(Utc::now() + chrono::Duration::hours(1));
    deferred.update(&app.db).await.expect("defer");

    assert_eq!(get(&app, "/unsubscribe/not-a-token").await.0, 400);
    assert_eq!(get(&app, "/no-such-page").await.0, 404);
    let after = scrape(&app).await;
    let grew = |name: &str, labels: &[(&str, &str)]| after.sum(name, labels) - before.sum(name, labels);

    // HTTP: by route pattern and status, with a latency histogram.
    let graphql = [("method", "POST"), ("route", "/graphql")];
    assert!(
        grew(
            "patron_http_requests_total",
            &[graphql[0], graphql[1], ("status", "200")]
        ) >= 5.0
    );
    assert!(grew("patron_http_request_duration_seconds_count", &graphql) >= 5.0);
    let unsubscribe = [("route", "/unsubscribe/{token}"), ("status", "400")];
    assert!(
        grew("patron_http_requests_total", &unsubscribe) >= 1.0,
        "the pattern, not the path"
    );
    assert!(
        grew(
            "patron_http_requests_total",
            &[("route", "unmatched"), ("status", "404")]
        ) >= 1.0
    );
    assert_eq!(after.kind("patron_http_request_duration_seconds"), Some("histogram"));
    let all = after.sum("patron_http_request_duration_seconds_count", &graphql);
    let fast = after.sum(
        "patron_http_request_duration_seconds_bucket",
        &[graphql[0], graphql[1], ("le", "10")],
    );
    let total = after.sum(
        "patron_http_request_duration_seconds_bucket",
        &[graphql[0], graphql[1], ("le", "+Inf")],
    );
    assert!(fast > 0.0 && fast <= total, "buckets are cumulative: {fast} of {total}");
    assert_eq!(total, all, "the +Inf bucket holds every request");

    // GraphQL: operations by name, errors by code.
    let created = [("operation", "OpsCreateMember")];
    assert_eq!(grew("patron_graphql_operations_total", &created), 3.0);
    assert_eq!(grew("patron_graphql_operation_duration_seconds_count", &created), 3.0);
    assert_eq!(grew("patron_graphql_errors_total", &created), 0.0);
    let failed = [("operation", "OpsBadMember"), ("code", "BAD_USER_INPUT")];
    assert_eq!(grew("patron_graphql_errors_total", &failed), 1.0);
    assert_eq!(
        grew("patron_graphql_operations_total", &[("operation", "OpsRunBirthday")]),
        1.0
    );

    // Job runs by job and outcome, with a duration histogram of job-sized buckets.
    let birthday_runs = [("job", "birthday"), ("outcome", "succeeded")];
    assert!(grew("patron_job_runs_total", &birthday_runs) >= 1.0);
    assert!(grew("patron_job_run_duration_seconds_count", &birthday_runs) >= 1.0);
    assert!(after.has(
        "patron_job_run_duration_seconds_bucket",
        &[("job", "birthday"), ("le", "3600")]
    ));

    // Outbox backlog and pool use, read from this app's database at the scrape.
    for (state, rows) in [("due", 1.0), ("claimed", 1.0), ("deferred", 1.0), ("scheduled", 0.0)] {
        assert_eq!(after.sum("patron_outbox_queued", &[("state", state)]), rows, "{state}");
    }
    let max = if app.database.url.starts_with("postgres") {
        16.0
    } else {
        8.0
    };
    assert_eq!(after.sum("patron_db_pool_max_connections", &[]), max);
    let open = after.sum("patron_db_pool_connections", &[]);
    let idle = after.sum("patron_db_pool_idle_connections", &[]);
    assert!(open >= 1.0 && idle <= open && open <= max, "open {open}, idle {idle}");

    // Outbox outcomes and the send's latency: the due row goes out (to the .eml folder).
    let done = jobs::send_outbox(&app.jobs).await.expect("dispatch");
    assert_eq!(done.sent, 1, "{done:?}");
    let sent = scrape(&app).await;
    let sent_grew = |name: &str, labels: &[(&str, &str)]| sent.sum(name, labels) - after.sum(name, labels);
    assert!(sent_grew("patron_outbox_emails_total", &[("outcome", "sent")]) >= 1.0);
    assert!(
        sent_grew(
            "patron_send_duration_seconds_count",
            &[("channel", "email"), ("result", "accepted")]
        ) >= 1.0
    );
    assert_eq!(sent.sum("patron_outbox_queued", &[("state", "due")]), 0.0);
}

#[tokio::test]
async fn json_logs_carry_the_request_id_into_the_job_run_it_starts() {
    let database = TestDatabase::new().await;
    let dir = &database.dir;
    let port = free_port();
    let mut env = database.env();
    env.extend([
        ("PATRON_LISTEN", format!("127.0.0.1:{port}")),
        ("PATRON_SCHEDULER", "false".to_owned()),
        ("PATRON_LOG_FORMAT", "json".to_owned()),
        ("RUST_LOG", "info".to_owned()),
    ]);
    let token = patron(&env, &["token", "create", "--role", "admin"]).trim().to_owned();
    let log_path = dir.path().join("serve.log");
    let mut server = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log_path).expect("log file"))
        .spawn()
        .expect("start server");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "mutation { runJob(name:\"birthday\"){ id status } }" }))
        .send()
        .await
        .expect("run the job");
    let request_id = response
        .headers()
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let body: Value = response.json().await.expect("json");
    let _ = server.kill();
    let _ = server.wait();
    let request_id = request_id.expect("an X-Request-Id header");
    assert_eq!(body["data"]["runJob"]["status"], "succeeded", "{body}");
    let run_id = body["data"]["runJob"]["id"].clone();

    let log = std::fs::read_to_string(&log_path).expect("log");
    let lines: Vec<Value> = log
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).unwrap_or_else(|err| panic!("not JSON ({err}): {line}")))
        .collect();
    assert!(lines
        .iter()
        .all(|line| line["level"].is_string() && line["timestamp"].is_string()));
    let message = |text: &str| {
        lines
            .iter()
            .find(|line| line["fields"]["message"] == text)
            .unwrap_or_else(|| panic!("no {text:?} line in\n{log}"))
    };
    let span = |line: &Value, name: &str| {
        line["spans"]
            .as_array()
            .and_then(|spans| spans.iter().find(|span| span["name"] == name).cloned())
            .unwrap_or_else(|| panic!("no {name:?} span in {line}"))
    };
    let finished = message("job finished");
    assert_eq!(span(finished, "HTTP request")["request_id"], request_id.as_str());
    let job = span(finished, "job");
    assert_eq!((job["job"].as_str(), &job["run_id"]), (Some("birthday"), &run_id));
    let answered = message("request answered");
    assert_eq!(span(answered, "HTTP request")["request_id"], request_id.as_str());
    assert_eq!(answered["fields"]["route"], "/graphql");
}

/// One scrape of /metrics, parsed from the text format.
struct Scrape {
    samples: Vec<(String, BTreeMap<String, String>, f64)>,
    types: BTreeMap<String, String>,
}

impl Scrape {
    /// The sum over the series of `name` whose labels include `labels`; 0 when there is none.
    fn sum(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.matching(name, labels).sum()
    }

    fn has(&self, name: &str, labels: &[(&str, &str)]) -> bool {
        self.matching(name, labels).next().is_some()
    }

    fn kind(&self, name: &str) -> Option<&str> {
        self.types.get(name).map(String::as_str)
    }

    fn matching<'a>(&'a self, name: &'a str, labels: &'a [(&str, &str)]) -> impl Iterator<Item = f64> + 'a {
        self.samples
            .iter()
            .filter(move |(n, l, _)| n == name && labels.iter().all(|(k, v)| l.get(*k).map(String::as_str) == Some(*v)))
            .map(|(_, _, value)| *value)
    }
}

async fn scrape(app: &TestApp) -> Scrape {
    let (status, text) = get(app, "/metrics").await;
    assert_eq!(status, 200, "{text}");
    parse(&text)
}

fn parse(text: &str) -> Scrape {
    let mut scrape = Scrape {
        samples: Vec::new(),
        types: BTreeMap::new(),
    };
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        if let Some(declaration) = line.strip_prefix("# TYPE ") {
            let (name, kind) = declaration.split_once(' ').expect("TYPE line");
            scrape.types.insert(name.to_owned(), kind.to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("bad sample: {line}"));
        let value: f64 = value.parse().unwrap_or_else(|_| panic!("bad value: {line}"));
        let (name, labels) = match series.split_once('{') {
            Some((name, labels)) => (name, parse_labels(labels.strip_suffix('}').expect("closing brace"))),
            None => (series, BTreeMap::new()),
        };
        scrape.samples.push((name.to_owned(), labels, value));
    }
    scrape
}

/// `a="x",b="y \"quoted\""` as the exposition format writes label sets.
fn parse_labels(text: &str) -> BTreeMap<String, String> {
    let mut labels = BTreeMap::new();
    let mut chars = text.chars().peekable();
    while chars.peek().is_some() {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        assert_eq!(chars.next(), Some('"'), "label {key} in {text}");
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => value.push('\n'),
                    Some(other) => value.push(other),
                    None => break,
                },
                c => value.push(c),
            }
        }
        labels.insert(key.trim_start_matches(',').to_owned(), value);
        if chars.peek() == Some(&',') {
            chars.next();
        }
    }
    labels
}
