//! `spawn_app()`: the real server on a random port against a fresh database, and a client.
//!
//! The database is a new SQLite file, or — when `PATRON_TEST_POSTGRES` holds a server URL such
//! as `postgres://postgres@127.0.0.1:5432` — a new PostgreSQL database named with a UUID,
//! dropped when the test ends.
use jobs::JobContext;
use patron::auth::{self, Role, TokenKeys};
use patron::brand::Brand;
use patron::settings::Settings;
use patron::startup::{Application, StatementCounter};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};

/// A database of its own for one test, and a data folder; both go away with it.
pub struct TestDatabase {
    pub url: String,
    pub dir: tempfile::TempDir,
    postgres: Option<(String, String)>,
}

impl TestDatabase {
    pub async fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let Ok(server) = std::env::var("PATRON_TEST_POSTGRES") else {
            let url = format!("sqlite://{}/patron.db?mode=rwc", dir.path().display());
            return Self {
                url,
                dir,
                postgres: None,
            };
        };
        let name = format!("patron_test_{}", uuid::Uuid::new_v4().simple());
        let admin = Database::connect(format!("{server}/postgres"))
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        Self {
            url: format!("{server}/{name}"),
            dir,
            postgres: Some((server, name)),
        }
    }
}

impl TestDatabase {
    /// What the `patron` binary needs to work on this database as the test server does.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("DATABASE_URL", self.url.clone()),
            ("PATRON_DATA_DIR", self.dir.path().display().to_string()),
            ("PATRON_TOKEN_SECRET", TEST_SECRET.to_owned()),
        ]
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((server, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: use a thread with its own.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(format!("{server}/postgres")).await {
                    let _ = admin
                        .execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                        .await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub db: DatabaseConnection,
    pub statements: StatementCounter,
    pub brand: Brand,
    pub jobs: JobContext,
    keys: TokenKeys,
    settings: Settings,
    pub database: TestDatabase,
}

/// The secret every test server signs with.
pub const TEST_SECRET: &str = "test-secret-that-is-long-enough-for-hs256-0123456789";

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A test server with some settings changed (e.g. the SMTP server, retry timings).
pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::new().await;
    let mut settings = Settings {
        database_url: database.url.clone(),
        listen: "127.0.0.1:0".to_owned(),
        data_dir: database.dir.path().to_path_buf(),
        token_secret: Some(TEST_SECRET.to_owned()),
        scheduler: false,
        ..Settings::default()
    };
    configure(&mut settings);
    let app = Application::build(&settings).await.expect("build application");
    let address = format!("http://127.0.0.1:{}", app.port());
    let db = app.db().clone();
    let statements = app.statements();
    let jobs = app.jobs().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        address,
        // A fresh connection per request: a test that blocks its thread (waiting on a child
        // process) would otherwise meet a kept-alive connection the server is closing.
        client: reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("an HTTP client"),
        db,
        statements,
        brand: Brand::from_settings(&settings).expect("brand"),
        jobs,
        keys: TokenKeys::from_settings(&settings).expect("keys"),
        settings,
        database,
    }
}

impl TestApp {
    /// A token as `patron token create` would print it.
    pub async fn token(&self, role: Role, member: Option<&str>, store: Option<&str>, staff: Option<&str>) -> String {
        let viewer = auth::viewer_for(
            &self.db,
            role,
            member.map(Into::into),
            store.map(Into::into),
            staff.map(Into::into),
        )
        .await
        .expect("viewer for token");
        self.keys.issue(&viewer).expect("issue token")
    }

    /// Runs a job to completion, as the scheduler or CLI would, and returns its counts.
    pub async fn run_job(&self, name: &str, as_of: &str) -> Result<serde_json::Value, jobs::JobError> {
        let as_of = as_of.parse().expect("as-of date");
        jobs::run_job(&self.jobs, name, as_of, jobs::Trigger::Cli)
            .await
            .map(|finished| finished.counts)
    }

    /// Imports CSV text through the same code as `patron import`.
    pub async fn import(&self, kind: &str, text: &str) -> patron::import::Report {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write csv");
        let report = match kind {
            "members" => patron::import::members(&self.db, &self.brand, file.path(), None).await,
            _ => patron::import::purchases(&self.db, &self.brand, file.path(), None).await,
        };
        let report = report.expect("import runs");
        assert!(report.rejected.is_empty(), "fixture rows rejected: {report}");
        report
    }

    /// Follows an email's one-click unsubscribe link (`http://127.0.0.1:8080/unsubscribe/…`) as
    /// a mail client does: a POST of `List-Unsubscribe=One-Click`. Returns the HTTP status.
    pub async fn one_click_unsubscribe(&self, link: &str) -> u16 {
        let path = link.trim_start_matches("http://127.0.0.1:8080");
        self.client
            .post(format!("{}{path}", self.address))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .expect("POST")
            .status()
            .as_u16()
    }

    pub async fn admin(&self) -> String {
        self.token(Role::Admin, None, None, None).await
    }

    /// A second server on the same database, as another replica would be: its address.
    pub async fn replica(&self) -> String {
        let app = Application::build(&self.settings).await.expect("build a replica");
        let address = format!("http://127.0.0.1:{}", app.port());
        tokio::spawn(app.run_until_stopped());
        address
    }

    /// POSTs a GraphQL request and returns the whole JSON response.
    pub async fn graphql(&self, token: &str, query: &str, variables: Value) -> Value {
        self.graphql_at(&self.address, token, query, variables).await
    }

    /// POSTs a GraphQL request to the server at `address` (this one or a replica).
    pub async fn graphql_at(&self, address: &str, token: &str, query: &str, variables: Value) -> Value {
        let body = json!({ "query": query, "variables": variables }).to_string();
        self.post_at(address, Some(token), body).await.1
    }

    /// POSTs a raw body; returns the HTTP status and the JSON response.
    pub async fn post(&self, token: Option<&str>, body: String) -> (u16, Value) {
        self.post_at(&self.address, token, body).await
    }

    async fn post_at(&self, address: &str, token: Option<&str>, body: String) -> (u16, Value) {
        let mut request = self
            .client
            .post(format!("{address}/graphql"))
            .header("content-type", "application/json");
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.body(body).send().await.expect("request sent");
        let status = response.status().as_u16();
        (status, response.json().await.expect("JSON response"))
    }

    /// Runs a query that must succeed and returns its `data`.
    pub async fn ok(&self, token: &str, query: &str, variables: Value) -> Value {
        let response = self.graphql(token, query, variables).await;
        assert!(
            response.get("errors").is_none(),
            "unexpected errors for {query}: {response}"
        );
        response["data"].clone()
    }

    /// Runs a query that must fail and returns the first error's code.
    pub async fn error_code(&self, token: &str, query: &str, variables: Value) -> String {
        let response = self.graphql(token, query, variables).await;
        first_error(&response).0
    }

    pub async fn create_store(&self, admin: &str, code: &str) {
        self.ok(
            admin,
            "mutation($c:String!){ createStore(code:$c, name:$c){ code } }",
            json!({ "c": code }),
        )
        .await;
    }

    /// Creates a member with the given extra fields.
    pub async fn create_member(&self, admin: &str, member_no: &str, fields: Value) {
        let mut input = json!({ "name": format!("Member {member_no}") });
        if let (Some(input), Some(fields)) = (input.as_object_mut(), fields.as_object()) {
            input.extend(fields.clone());
        }
        self.ok(
            admin,
            "mutation($no:String!, $in:MemberFields!){ createMember(memberNo:$no, input:$in){ memberNo } }",
            json!({ "no": member_no, "in": input }),
        )
        .await;
    }

    /// The id of the built-in campaign of `kind` (`BIRTHDAY`, `COUPON_EXPIRY`…).
    pub async fn builtin_campaign(&self, admin: &str, kind: &str) -> Value {
        let campaigns = self.ok(admin, "{ campaigns { id kind } }", json!({})).await;
        let all = campaigns["campaigns"].as_array().cloned().unwrap_or_default();
        let found = all.into_iter().find(|c| c["kind"] == kind);
        found.unwrap_or_else(|| panic!("no built-in {kind} campaign"))["id"].clone()
    }

    /// Sends the built-in campaign of `kind` to everyone it is for, no control group held out.
    pub async fn without_holdout(&self, admin: &str, kind: &str) {
        let id = self.builtin_campaign(admin, kind).await;
        let update = "mutation($id: ID!, $in: CampaignInput!) { updateCampaign(id: $id, input: $in) { id } }";
        self.ok(admin, update, json!({ "id": id, "in": { "holdoutShare": "0" } }))
            .await;
    }

    pub async fn record_purchase(&self, admin: &str, member_no: &str, order_id: &str, at: &str, amount: &str) -> Value {
        self.graphql(
            admin,
            "mutation($in:PurchaseInput!){ recordPurchase(input:$in){ id orderId amount kind } }",
            json!({ "in": { "memberNo": member_no, "orderId": order_id, "occurredAt": at, "amount": amount } }),
        )
        .await
    }
}

/// (code, field) of a response's first error.
pub fn first_error(response: &Value) -> (String, Option<String>) {
    let error = &response["errors"][0];
    assert!(!error.is_null(), "expected an error, got {response}");
    let code = error["extensions"]["code"].as_str().unwrap_or("<no code>").to_owned();
    (code, error["extensions"]["field"].as_str().map(str::to_owned))
}

/// The port a child process prints as its first line (`PORT <n>`) once it listens. The line is
/// read on a thread, so a child that hangs before listening fails after `timeout` instead of
/// blocking the test; the thread then drains stdout until the child exits.
pub fn reported_port(child: &mut std::process::Child, timeout: std::time::Duration) -> Result<u16, String> {
    use std::io::BufRead;
    let stdout = child.stdout.take().expect("the child's stdout is piped");
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = std::io::BufReader::new(stdout).lines();
        let _ = sender.send(lines.next());
        for _ in lines {}
    });
    match receiver.recv_timeout(timeout) {
        Ok(Some(Ok(line))) => match line.strip_prefix("PORT ").and_then(|n| n.trim().parse::<u16>().ok()) {
            Some(port) => Ok(port),
            None => Err(format!("printed {line:?} instead of `PORT <n>`")),
        },
        Ok(_) => {
            let status = child.wait().map(|status| status.to_string()).unwrap_or_default();
            Err(format!("exited before listening ({status})"))
        }
        Err(_) => Err(format!("did not report its port within {timeout:?}")),
    }
}
