//! The `patron` binary as a user runs it: token, import, schema, serve.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::TestDatabase;

/// Runs `patron ARGS` with the given environment; returns stdout, failing on a non-zero exit.
pub(crate) fn patron(env: &[(&str, String)], args: &[&str]) -> String {
    let output = Command::new(env!("CARGO_BIN_EXE_patron"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .output()
        .expect("run patron");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "patron {args:?} failed: {stderr}");
    String::from_utf8(output.stdout).expect("utf-8 output")
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[tokio::test]
async fn the_binary_imports_issues_tokens_and_serves() {
    let database = TestDatabase::new().await;
    let dir = &database.dir;
    let port = free_port();
    let env = [
        ("DATABASE_URL", database.url.clone()),
        ("PATRON_DATA_DIR", dir.path().display().to_string()),
        ("PATRON_LISTEN", format!("127.0.0.1:{port}")),
    ];
    let env = &env[..];
    let csv = dir.path().join("members.csv");
    std::fs::write(
        &csv,
        "member_no,name,email\nM1,李娜,li@example.com\nM2,,x@example.com\n",
    )
    .expect("csv");
    let summary = patron(env, &["import", "members", csv.to_str().expect("path")]);
    assert!(
        summary.starts_with("added 1, updated 0, unchanged 0, rejected 1"),
        "{summary}"
    );
    assert!(summary.contains("line 3: name must not be empty"), "{summary}");
    let gbk = dir.path().join("gbk.csv");
    std::fs::write(&gbk, encoding_rs::GBK.encode("member_no,name,city\nM3,王芳,上海\n").0).expect("csv");
    let args = ["import", "members", "--encoding", "gbk", gbk.to_str().expect("path")];
    let summary = patron(env, &args);
    assert!(
        summary.starts_with("added 1, updated 0, unchanged 0, rejected 0"),
        "{summary}"
    );

    assert!(patron(env, &["schema"]).contains("members(filter: MemberFilter"));
    let token = patron(env, &["token", "create", "--role", "admin"]).trim().to_owned();
    assert!(
        dir.path().join(".patron-secret").exists(),
        "the embedded default keeps its secret in the data folder"
    );

    let mut server = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("serve")
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stderr(Stdio::null())
        .spawn()
        .expect("start server");
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    while client.get(format!("{base}/healthz")).send().await.is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "server did not come up");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let response: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ member(memberNo:\"M1\"){ name email } }" }))
        .send()
        .await
        .expect("query")
        .json()
        .await
        .expect("json");
    let graphiql = client
        .get(format!("{base}/graphiql"))
        .send()
        .await
        .expect("graphiql")
        .text()
        .await
        .expect("html");
    // A list read's audit entry waits to be written in a group; a clean stop writes it.
    let listed: serde_json::Value = client
        .post(format!("{base}/graphql"))
        .bearer_auth(&token)
        .json(&json!({ "query": "{ members(first: 5) { edges { node { memberNo } } } }" }))
        .send()
        .await
        .expect("list")
        .json()
        .await
        .expect("json");
    assert_eq!(
        listed["data"]["members"]["edges"].as_array().map(Vec::len),
        Some(2),
        "{listed}"
    );
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let exit = server.wait().expect("server exits");
    assert!(exit.success(), "a clean stop: {exit:?}");
    let db = sea_orm::Database::connect(&database.url).await.expect("connect");
    let exports = db
        .query_one(sea_orm::Statement::from_string(
            db.get_database_backend(),
            "SELECT count(*) AS n FROM audit_log WHERE action = 'members.export'",
        ))
        .await
        .expect("count")
        .and_then(|row| row.try_get::<i64>("", "n").ok());
    assert_eq!(exports, Some(1), "the waiting audit entry was written at the stop");
    assert_eq!(
        response["data"]["member"],
        json!({ "name": "李娜", "email": "li@example.com" })
    );
    assert!(graphiql.contains("graphiql"), "GraphiQL page served");
}

/// Runs `patron migrate` against `url`, which must fail; returns its stderr and how long it took.
fn migrate_against(url: &str) -> (String, Duration) {
    let dir = tempfile::tempdir().expect("temp dir");
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_patron"))
        .arg("migrate")
        .env("DATABASE_URL", url)
        .env("PATRON_DATA_DIR", dir.path())
        .output()
        .expect("run patron");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !output.status.success(),
        "patron migrate against {url} succeeded: {stderr}"
    );
    (stderr, started.elapsed())
}

/// Once, a wrong DATABASE_URL waited 30 s and said only "pool timed out".
#[test]
fn a_wrong_database_url_fails_fast_naming_the_server_and_the_cause() {
    let port = free_port();
    let (stderr, took) = migrate_against(&format!("postgres://patron:s3cret-pw@127.0.0.1:{port}/patron"));
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    assert!(stderr.contains(&format!("127.0.0.1:{port}")), "{stderr}");
    assert!(stderr.contains("connection refused"), "{stderr}");
    assert!(stderr.contains("is PostgreSQL running?"), "{stderr}");
    assert!(!stderr.contains("s3cret-pw"), "the password is never shown: {stderr}");

    let Ok(server) = std::env::var("PATRON_TEST_POSTGRES") else {
        return;
    };
    let name = format!("patron_missing_{}", uuid::Uuid::new_v4().simple());
    let (stderr, took) = migrate_against(&format!("{server}/{name}"));
    assert!(took < Duration::from_secs(10), "took {took:?}: {stderr}");
    let address = server.rsplit(['@', '/']).next().unwrap_or_default();
    assert!(stderr.contains(address), "names {address}: {stderr}");
    assert!(
        stderr.contains(&format!("database \"{name}\" does not exist")),
        "{stderr}"
    );
    assert!(stderr.contains("createdb -h "), "{stderr}");
}
