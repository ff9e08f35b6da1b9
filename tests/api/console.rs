//! The console's server side: staff password sign-in (CLI, mutation, audit; its throttling is
//! in security.rs), the
//! embedded console and GraphiQL (headers, caching, nothing from elsewhere), and the resolvers
//! the console added (analytics runs, draft template preview).
use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const SIGN_IN: &str = "mutation($u:String!, $p:String!){ signIn(username:$u, password:$p){ token role expiresAt } }";

/// Runs `patron ARGS` on the test app's database with `stdin`; returns (success, stderr).
fn patron_with_input(app: &TestApp, args: &[&str], stdin: &str) -> (bool, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_patron"))
        .args(args)
        .envs(app.database.env())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run patron");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write password");
    let output = child.wait_with_output().expect("patron exits");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn create_staff(app: &TestApp, username: &str, role: &str, password: &str) {
    let email = format!("{username}@brand.example");
    let args = ["staff", "create", username, "--role", role, "--email", &email];
    let (ok, stderr) = patron_with_input(app, &args, &format!("{password}\n"));
    assert!(ok, "staff create failed: {stderr}");
}

/// `signIn` without a token, as the console's sign-in page sends it.
async fn sign_in(app: &TestApp, username: &str, password: &str) -> (u16, Value) {
    let body = json!({ "query": SIGN_IN, "variables": { "u": username, "p": password } });
    app.post(None, body.to_string()).await
}

async fn token_of(app: &TestApp, username: &str, password: &str) -> String {
    let (status, body) = sign_in(app, username, password).await;
    assert_eq!(status, 200, "{body}");
    body["data"]["signIn"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("no token: {body}"))
        .to_owned()
}

#[tokio::test]
async fn staff_created_on_the_cli_signs_in_and_gets_a_working_token() {
    let app = spawn_app().await;
    create_staff(&app, "mei", "marketer", "correct horse battery");

    let (status, body) = sign_in(&app, "mei", "correct horse battery").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["signIn"]["role"], "MARKETER", "{body}");
    let token = body["data"]["signIn"]["token"].as_str().expect("token");
    let me = app
        .ok(token, "{ me { role actor staff { username email } } }", json!({}))
        .await;
    assert_eq!(me["me"]["role"], "MARKETER");
    assert_eq!(me["me"]["staff"]["username"], "mei");
    assert_eq!(me["me"]["staff"]["email"], "mei@brand.example");

    let (status, wrong) = sign_in(&app, "mei", "correct horse battery!").await;
    assert_eq!(status, 200);
    assert_eq!(first_error(&wrong).0, "UNAUTHENTICATED");
    assert!(wrong["data"].is_null() || wrong["data"]["signIn"].is_null(), "{wrong}");
    // An unknown name is refused in the same words as a wrong password.
    let (_, unknown) = sign_in(&app, "nobody", "correct horse battery").await;
    assert_eq!(unknown["errors"][0]["message"], wrong["errors"][0]["message"]);
}

#[tokio::test]
async fn set_password_replaces_the_old_one_and_short_passwords_are_refused() {
    let app = spawn_app().await;
    create_staff(&app, "lin", "admin", "first password");
    let (ok, stderr) = patron_with_input(&app, &["staff", "set-password", "lin"], "second password\n");
    assert!(ok, "{stderr}");
    let (_, old) = sign_in(&app, "lin", "first password").await;
    assert_eq!(first_error(&old).0, "UNAUTHENTICATED");
    token_of(&app, "lin", "second password").await;

    let (ok, stderr) = patron_with_input(&app, &["staff", "create", "short", "--role", "admin"], "seven77\n");
    assert!(!ok, "a 7-character password was accepted");
    assert!(stderr.contains("8"), "{stderr}");
    let admin = app.admin().await;
    let log = app
        .ok(&admin, "{ auditLog(first: 50) { action detail } }", json!({}))
        .await;
    let created: Vec<_> = log["auditLog"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "staff.create")
        .filter_map(|e| e["detail"].as_str())
        .collect();
    assert!(
        !created.iter().any(|d| d.contains("short")),
        "refused user was created: {created:?}"
    );
    let (ok, _) = patron_with_input(&app, &["staff", "set-password", "ghost"], "long enough\n");
    assert!(!ok, "set-password for an unknown user succeeded");
}

#[tokio::test]
async fn without_a_token_only_sign_in_runs() {
    let app = spawn_app().await;
    let cases = [
        ("{ me { role } }", "a query"),
        ("mutation { signIn(username:\"a\", password:\"b\") { token } createStore(code:\"X\", name:\"X\") { code } }", "signIn beside another field"),
        ("mutation { ... on Mutation { signIn(username:\"a\", password:\"b\") { token } } }", "signIn inside a fragment"),
        ("mutation A { signIn(username:\"a\", password:\"b\") { token } } query B { me { role } }", "a document whose chosen operation is a query"),
    ];
    for (query, what) in cases {
        let mut body = json!({ "query": query });
        if query.contains("query B") {
            body["operationName"] = json!("B");
        }
        let (status, response) = app.post(None, body.to_string()).await;
        assert_eq!(status, 401, "{what}: {response}");
        assert_eq!(first_error(&response).0, "UNAUTHENTICATED", "{what}");
    }
    let (status, response) = sign_in(&app, "a", "b").await;
    assert_eq!((status, first_error(&response).0.as_str()), (200, "UNAUTHENTICATED"));
}

async fn get(app: &TestApp, path: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = app.client.get(format!("{}{path}", app.address));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("GET")
}

fn header<'a>(response: &'a reqwest::Response, name: &str) -> &'a str {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_console_is_served_from_the_binary_with_csp_etags_and_caching() {
    let app = spawn_app().await;
    let index = get(&app, "/console/", &[]).await;
    assert_eq!(index.status(), 200);
    assert!(header(&index, "content-type").starts_with("text/html"));
    assert_eq!(header(&index, "cache-control"), "no-cache");
    let csp = header(&index, "content-security-policy").to_owned();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"),
        "{csp}"
    );
    let etag = header(&index, "etag").to_owned();
    assert!(etag.starts_with('"'), "{etag}");
    let html = index.text().await.expect("html");
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "index loads nothing from elsewhere"
    );

    let again = get(&app, "/console/", &[("if-none-match", &etag)]).await;
    assert_eq!(again.status(), 304);

    let script = html
        .split('"')
        .find(|part| part.starts_with("/console/assets/") && part.ends_with(".js"))
        .expect("a hashed script in index.html");
    let asset = get(&app, script, &[("accept-encoding", "gzip")]).await;
    assert_eq!(asset.status(), 200);
    assert_eq!(header(&asset, "cache-control"), "public, max-age=31536000, immutable");
    assert!(header(&asset, "content-type").starts_with("text/javascript"));
    assert_eq!(header(&asset, "content-encoding"), "gzip");

    assert_eq!(get(&app, "/console/assets/missing.js", &[]).await.status(), 404);
    let redirect = app
        .client
        .get(format!("{}/console", app.address))
        .send()
        .await
        .expect("GET /console");
    assert_eq!(redirect.url().path(), "/console/", "followed to the console");
}

#[tokio::test]
async fn graphiql_runs_from_the_binary_without_a_cdn() {
    let app = spawn_app().await;
    let page = get(&app, "/graphiql", &[]).await;
    assert_eq!(page.status(), 200);
    assert!(header(&page, "content-security-policy").contains("script-src 'self'"));
    let html = page.text().await.expect("html");
    assert!(!html.contains("unpkg") && !html.contains("https://"), "{html}");
    let assets: Vec<&str> = html
        .split('"')
        .filter(|part| part.starts_with("/console/graphiql/"))
        .collect();
    assert_eq!(
        assets.len(),
        5,
        "React, ReactDOM, GraphiQL, its CSS and the start script: {assets:?}"
    );
    for path in assets {
        let response = get(&app, path, &[]).await;
        assert_eq!(response.status(), 200, "{path}");
        assert!(response.bytes().await.expect("body").len() > 100, "{path} is empty");
    }
}

#[tokio::test]
async fn analytics_runs_lists_each_run_newest_first_with_its_kpis() {
    let app = spawn_app().await;
    app.import("members", "member_no,name\nM1,One\nM2,Two\n").await;
    app.import(
        "purchases",
        "member_no,occurred_at,amount,order_id\nM1,2026-01-10,100.00,O1\nM1,2026-03-10,50.00,O2\nM2,2026-02-01,80.00,O3\n",
    )
    .await;
    app.run_job("analytics", "2026-03-01").await.expect("first run");
    app.run_job("analytics", "2026-04-01").await.expect("second run");
    let admin = app.admin().await;
    let kpis = "kpis { activeMembers repurchaseRate churnRate referralRate top20RevenueShare }";
    let data = app
        .ok(
            &admin,
            &format!("{{ analyticsRuns(first: 10) {{ asOf {kpis} }} older: analyticsRun(asOf: \"2026-03-01\") {{ {kpis} }} latest: analyticsRun {{ {kpis} }} }}"),
            json!({}),
        )
        .await;
    let runs = data["analyticsRuns"].as_array().expect("runs");
    let dates: Vec<_> = runs.iter().map(|r| r["asOf"].as_str().unwrap_or_default()).collect();
    assert_eq!(dates, ["2026-04-01", "2026-03-01"]);
    assert_eq!(runs[0]["kpis"], data["latest"]["kpis"]);
    assert_eq!(runs[1]["kpis"], data["older"]["kpis"]);
    assert_ne!(runs[0]["kpis"], runs[1]["kpis"], "M1 bought again between the runs");
    let limited = app.ok(&admin, "{ analyticsRuns(first: 1) { asOf } }", json!({})).await;
    assert_eq!(limited["analyticsRuns"], json!([{ "asOf": "2026-04-01" }]));

    let associate = app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    assert_eq!(
        app.error_code(&associate, "{ analyticsRuns { asOf } }", json!({}))
            .await,
        "FORBIDDEN"
    );
}

#[tokio::test]
async fn preview_template_renders_a_draft_or_names_the_line_of_its_problem() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "name": "李娜" })).await;
    let templates = app
        .ok(
            &admin,
            "{ emailTemplates { kind locale subject text html custom } }",
            json!({}),
        )
        .await;
    let shipped = templates["emailTemplates"]
        .as_array()
        .expect("templates")
        .iter()
        .find(|t| t["kind"] == "birthday" && t["locale"] == "en")
        .expect("the English birthday template")
        .clone();
    let query = "query($in: TemplateInput!) { previewTemplate(input: $in, memberNo: \"M1\") {
        email { subject text html } problem { part line message } } }";
    let mut draft = json!({
        "kind": "birthday", "locale": "en",
        "subject": "Draft for {{ member.name }}",
        "text": shipped["text"], "html": shipped["html"],
    });
    let good = app.ok(&admin, query, json!({ "in": draft })).await;
    assert_eq!(good["previewTemplate"]["email"]["subject"], "Draft for 李娜");
    assert!(good["previewTemplate"]["problem"].is_null());

    draft["html"] = json!("<p>\nHello\n{% if member.tier %}\n{{ unsubscribe_url }}");
    let bad = app.ok(&admin, query, json!({ "in": draft })).await;
    let problem = &bad["previewTemplate"]["problem"];
    assert_eq!(problem["part"], "html", "{bad}");
    assert_eq!(problem["line"], 4, "{bad}");
    assert!(
        problem["message"].as_str().unwrap_or_default().contains("syntax error"),
        "{bad}"
    );
    assert!(bad["previewTemplate"]["email"].is_null());

    let after = app
        .ok(&admin, "{ emailTemplates { kind locale custom } }", json!({}))
        .await;
    assert!(
        after["emailTemplates"]
            .as_array()
            .expect("templates")
            .iter()
            .filter(|t| !t["kind"].as_str().unwrap_or_default().starts_with("campaign:"))
            .all(|t| t["custom"] == false),
        "a preview saves nothing (the shipped journeys' messages have theirs)"
    );
    let marketer = app.token(patron::auth::Role::Marketer, None, None, None).await;
    app.ok(&marketer, query, json!({ "in": draft })).await;
    let associate = app.token(patron::auth::Role::Associate, None, Some("S1"), None).await;
    assert_eq!(
        app.error_code(&associate, query, json!({ "in": draft })).await,
        "FORBIDDEN"
    );
}
