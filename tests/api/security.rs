//! What a careful attacker or a curious colleague must not reach: masked contacts rebuilt by
//! search, sign-in guesses raced past the limit, a weak signing secret, a staff user who left.
use patron::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const SEARCH: &str = "query($s:String!){ members(filter:{ search:$s }, first:50){ edges { node { memberNo } } } }";

async fn found(app: &TestApp, token: &str, search: &str) -> Vec<String> {
    let data = app.ok(token, SEARCH, json!({ "s": search })).await;
    data["members"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["memberNo"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn search_reveals_no_part_of_a_contact_the_viewer_sees_masked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "S1").await;
    let contact = json!({ "phone": "13912346666", "email": "wei.private@example.com", "storeCode": "S1" });
    app.create_member(&admin, "M1", contact).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let associate = app.token(Role::Associate, None, Some("S1"), Some("li")).await;

    for (who, token) in [("marketer", &marketer), ("unassigned associate", &associate)] {
        // The masked middle digits, a prefix one digit on, a hidden part of the email: nothing.
        for part in ["1234", "13912", "139123", "6666", "1.priv", "private", "wei.private@"] {
            assert_eq!(
                found(&app, token, part).await,
                Vec::<String>::new(),
                "{who} searching {part:?}"
            );
        }
        // The whole number, as the member reads it out, and the whole address find the member.
        for whole in ["13912346666", "139 1234 6666", "Wei.Private@Example.com"] {
            assert_eq!(found(&app, token, whole).await, ["M1"], "{who} searching {whole:?}");
        }
        assert_eq!(
            found(&app, token, "Member M").await,
            ["M1"],
            "{who}: names still match in part"
        );
    }
    // Who sees the contact unmasked may search its parts: an admin, the assigned associate.
    assert_eq!(found(&app, &admin, "1234").await, ["M1"]);
    let assign = "mutation{ assignAssociate(memberNo:\"M1\", username:\"li\"){ memberNo } }";
    app.ok(&admin, assign, json!({})).await;
    assert_eq!(found(&app, &associate, "1234").await, ["M1"]);
    assert_eq!(found(&app, &associate, "private").await, ["M1"]);
    assert_eq!(found(&app, &marketer, "1234").await, Vec::<String>::new());
}

const SIGN_IN: &str = "mutation($u:String!, $p:String!){ signIn(username:$u, password:$p){ token } }";
const WRONG: &str = "wrong username or password";
const THROTTLED: &str = "too many failed sign-ins";

/// A staff user with a password, made as `patron staff create` makes one.
async fn staff_with_password(app: &TestApp, username: &str, role: Role, password: &str) {
    let new = patron::service::staff::NewStaff {
        username: username.to_owned(),
        display_name: None,
        email: Some(format!("{username}@brand.example")),
        role,
        store_code: None,
    };
    let cli = patron::auth::Viewer::cli();
    patron::service::staff::create(&app.db, &cli, new)
        .await
        .expect("staff user");
    patron::service::sign_in::set_password(&app.db, &cli, username, password)
        .await
        .expect("password");
}

/// `signIn` without a token, from `client` when the server trusts the test's loopback address
/// as its proxy; the error message, or "" with a token.
async fn sign_in_from(app: &TestApp, client: Option<&str>, username: &str, password: &str) -> String {
    let body = json!({ "query": SIGN_IN, "variables": { "u": username, "p": password } });
    let mut request = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json");
    if let Some(client) = client {
        request = request.header("x-forwarded-for", client);
    }
    let response: Value = request
        .body(body.to_string())
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON");
    if response["data"]["signIn"]["token"].is_string() {
        return String::new();
    }
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or("<no message>")
        .to_owned()
}

/// Makes every recorded sign-in attempt `seconds` older, as if that time had passed.
async fn time_passes(app: &TestApp, seconds: i64) {
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    for attempt in entity::login_attempt::Entity::find()
        .all(&app.db)
        .await
        .expect("attempts")
    {
        let at = attempt.attempted_at - chrono::Duration::seconds(seconds);
        let mut row: entity::login_attempt::ActiveModel = attempt.into();
        row.attempted_at = Set(at);
        row.update(&app.db).await.expect("moved back");
    }
}

#[tokio::test]
async fn thirty_simultaneous_guesses_at_one_account_check_at_most_five_passwords() {
    let app = spawn_app().await;
    staff_with_password(&app, "wu", Role::Marketer, "the right one").await;
    let guesses = (0..30).map(|n| {
        let app = &app;
        async move { sign_in_from(app, None, "wu", &format!("guess {n}")).await }
    });
    let answers = futures_util::future::join_all(guesses).await;
    let checked = answers.iter().filter(|m| m.contains(WRONG)).count();
    let throttled = answers.iter().filter(|m| m.contains(THROTTLED)).count();
    assert_eq!(checked + throttled, 30, "{answers:?}");
    assert!((1..=5).contains(&checked), "{checked} passwords checked: {answers:?}");
    use sea_orm::{EntityTrait, PaginatorTrait};
    let written = entity::login_attempt::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(written as usize, checked, "a throttled guess leaves no attempt row");

    // The refusals are counted in the audit log, not written one by one.
    let admin = app.admin().await;
    let log = app
        .ok(&admin, "{ auditLog(first: 100) { action detail } }", json!({}))
        .await;
    let throttled_entries: Vec<Value> = log["auditLog"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["action"] == "staff.sign_in_throttled")
        .map(|e| serde_json::from_str(e["detail"].as_str().unwrap_or("{}")).expect("JSON detail"))
        .collect();
    let times: u64 = throttled_entries.iter().map(|d| d["times"].as_u64().unwrap_or(0)).sum();
    assert_eq!(times as usize, throttled, "{throttled_entries:?}");
    assert!(
        throttled_entries.len() < throttled,
        "{} entries for {throttled} refusals",
        throttled_entries.len()
    );
}

#[tokio::test]
async fn guesses_wait_longer_and_longer_but_nobody_is_locked_out_for_good() {
    let app = spawn_app_with(|settings| settings.trusted_proxies = "127.0.0.1".to_owned()).await;
    staff_with_password(&app, "lin", Role::Admin, "lin's passphrase").await;
    staff_with_password(&app, "zhao", Role::Marketer, "zhao's passphrase").await;
    // Lin signs in from the office (the proxy's own address: no forwarded client).
    assert_eq!(sign_in_from(&app, None, "lin", "lin's passphrase").await, "");

    // One client guessing one account: five guesses, then 30 s, then 60 s.
    let attacker = Some("203.0.113.7");
    for n in 0..5 {
        assert!(sign_in_from(&app, attacker, "zhao", &format!("guess {n}"))
            .await
            .contains(WRONG));
    }
    let refused = sign_in_from(&app, attacker, "zhao", "zhao's passphrase").await;
    assert!(refused.contains("try again in 30 seconds"), "{refused}");
    time_passes(&app, 31).await;
    assert!(sign_in_from(&app, attacker, "zhao", "guess 5").await.contains(WRONG));
    let refused = sign_in_from(&app, attacker, "zhao", "guess 6").await;
    assert!(refused.contains("try again in 60 seconds"), "{refused}");
    // Zhao, elsewhere, is not held back by the attacker's guesses.
    assert_eq!(
        sign_in_from(&app, Some("198.51.100.1"), "zhao", "zhao's passphrase").await,
        ""
    );

    // Many clients guessing one account: past ten failures, new clients wait; the office,
    // where Lin signed in before, does not.
    for n in 0..10 {
        let client = format!("192.0.2.{n}");
        assert!(sign_in_from(&app, Some(&client), "lin", "guess").await.contains(WRONG));
    }
    let refused = sign_in_from(&app, Some("192.0.2.200"), "lin", "lin's passphrase").await;
    assert!(refused.contains(THROTTLED), "{refused}");
    assert_eq!(sign_in_from(&app, None, "lin", "lin's passphrase").await, "");

    // One client trying many accounts: twenty failures, then it waits, whoever it names.
    let sprayer = Some("203.0.113.99");
    for n in 0..20 {
        assert!(sign_in_from(&app, sprayer, &format!("user{n}"), "password1")
            .await
            .contains(WRONG));
    }
    assert!(sign_in_from(&app, sprayer, "zhao", "zhao's passphrase")
        .await
        .contains(THROTTLED));
    assert_eq!(
        sign_in_from(&app, Some("198.51.100.2"), "zhao", "zhao's passphrase").await,
        ""
    );
}

#[tokio::test]
async fn a_forwarded_for_header_is_believed_only_from_a_trusted_proxy() {
    let app = spawn_app().await;
    staff_with_password(&app, "wu", Role::Marketer, "the right one").await;
    // Each guess claims another client; without a trusted proxy all are the peer's.
    for n in 0..5 {
        let client = format!("192.0.2.{n}");
        assert!(sign_in_from(&app, Some(&client), "wu", "guess").await.contains(WRONG));
    }
    let refused = sign_in_from(&app, Some("192.0.2.77"), "wu", "the right one").await;
    assert!(refused.contains(THROTTLED), "{refused}");
}

#[tokio::test]
async fn a_request_without_a_token_holds_one_sign_in() {
    let app = spawn_app().await;
    staff_with_password(&app, "wu", Role::Marketer, "the right one").await;
    let aliased: String = (0..50)
        .map(|n| format!("g{n}: signIn(username:\"wu\", password:\"guess {n}\") {{ token }} "))
        .collect();
    let body = json!({ "query": format!("mutation {{ {aliased} }}") });
    let (status, response) = app.post(None, body.to_string()).await;
    assert_eq!(status, 401, "{response}");
    assert_eq!(crate::helpers::first_error(&response).0, "UNAUTHENTICATED");
    use sea_orm::{EntityTrait, PaginatorTrait};
    let written = entity::login_attempt::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(written, 0, "no password was checked");
    let one =
        json!({ "query": "mutation { __typename signIn(username:\"wu\", password:\"the right one\") { token } }" });
    let (status, response) = app.post(None, one.to_string()).await;
    assert_eq!(status, 200, "{response}");
}

#[tokio::test]
async fn sign_in_attempts_older_than_thirty_days_are_pruned() {
    let app = spawn_app().await;
    staff_with_password(&app, "wu", Role::Marketer, "the right one").await;
    sign_in_from(&app, None, "wu", "an old guess").await;
    time_passes(&app, 31 * 24 * 3600).await;
    sign_in_from(&app, None, "wu", "a new guess").await;
    assert_eq!(sign_in_from(&app, None, "wu", "the right one").await, "");
    use sea_orm::{EntityTrait, PaginatorTrait};
    let kept = entity::login_attempt::Entity::find()
        .count(&app.db)
        .await
        .expect("count");
    assert_eq!(kept, 2, "the new guess and the success stay; the old guess is gone");
}

#[tokio::test]
async fn a_disabled_staff_user_cannot_sign_in_and_their_tokens_stop_working() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    staff_with_password(&app, "li", Role::Marketer, "li's passphrase").await;
    let li = app.token(Role::Marketer, None, None, Some("li")).await;
    app.ok(&li, "{ me { role } }", json!({})).await;

    let disable = "mutation($u:String!){ disableStaffUser(username:$u){ username disabledAt } }";
    assert_eq!(app.error_code(&li, disable, json!({ "u": "li" })).await, "FORBIDDEN");
    let disabled = app.ok(&admin, disable, json!({ "u": "li" })).await;
    assert!(disabled["disableStaffUser"]["disabledAt"].is_string(), "{disabled}");

    assert_eq!(
        app.error_code(&li, "{ me { role } }", json!({})).await,
        "UNAUTHENTICATED"
    );
    let refused = sign_in_from(&app, None, "li", "li's passphrase").await;
    assert!(refused.contains("disabled"), "{refused}");
    assert!(
        sign_in_from(&app, None, "li", "a wrong one").await.contains(WRONG),
        "a wrong password says nothing more"
    );

    let staff = app
        .ok(&admin, "{ staffUsers { username disabledAt } }", json!({}))
        .await;
    let li_row = staff["staffUsers"]
        .as_array()
        .expect("staff")
        .iter()
        .find(|s| s["username"] == "li")
        .cloned();
    assert!(li_row.is_some_and(|row| row["disabledAt"].is_string()));

    let enable = "mutation($u:String!){ enableStaffUser(username:$u){ disabledAt } }";
    let enabled = app.ok(&admin, enable, json!({ "u": "li" })).await;
    assert_eq!(enabled["enableStaffUser"]["disabledAt"], Value::Null);
    // Signed in again at once, within the second of the revocation: the new token works.
    let body = json!({ "query": SIGN_IN, "variables": { "u": "li", "p": "li's passphrase" } });
    let (_, signed_in) = app.post(None, body.to_string()).await;
    let fresh = signed_in["data"]["signIn"]["token"].as_str().expect("a new token");
    assert_eq!(
        app.ok(fresh, "{ me { role } }", json!({})).await["me"]["role"],
        "MARKETER"
    );
    assert_eq!(
        app.error_code(&li, "{ me { role } }", json!({})).await,
        "UNAUTHENTICATED",
        "old tokens stay revoked"
    );

    let log = app
        .ok(&admin, "{ auditLog(first: 50) { action detail } }", json!({}))
        .await;
    let actions: Vec<&str> = log["auditLog"]
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"staff.disable") && actions.contains(&"staff.enable"),
        "{actions:?}"
    );
}

#[tokio::test]
async fn patron_staff_disable_switches_a_user_off_from_the_command_line() {
    let app = spawn_app().await;
    staff_with_password(&app, "li", Role::Marketer, "li's passphrase").await;
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_patron"))
        .args(["staff", "disable", "li"])
        .envs(app.database.env())
        .output()
        .expect("patron runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let refused = sign_in_from(&app, None, "li", "li's passphrase").await;
    assert!(refused.contains("disabled"), "{refused}");
}

fn settings_in(dir: &std::path::Path) -> patron::settings::Settings {
    patron::settings::Settings {
        data_dir: dir.to_path_buf(),
        token_secret: None,
        ..patron::settings::Settings::default()
    }
}

#[test]
fn an_empty_or_short_stored_secret_is_refused_with_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(".patron-secret");
    for short in ["", "\n", "0123456789abcdef"] {
        std::fs::write(&path, short).expect("write");
        let refused = patron::auth::server_secret(&settings_in(dir.path())).expect_err("a short secret");
        let message = refused.to_string();
        assert!(
            message.contains(".patron-secret") && message.contains("at least 32"),
            "{message}"
        );
    }
}

#[test]
fn processes_starting_together_share_one_whole_secret() {
    let dir = tempfile::tempdir().expect("dir");
    let secrets: Vec<String> = std::thread::scope(|scope| {
        let starts: Vec<_> = (0..8)
            .map(|_| scope.spawn(|| patron::auth::server_secret(&settings_in(dir.path())).expect("secret")))
            .collect();
        starts.into_iter().map(|s| s.join().expect("joined")).collect()
    });
    assert!(secrets.iter().all(|s| s == &secrets[0] && s.len() >= 32), "{secrets:?}");
    let stored = std::fs::read_to_string(dir.path().join(".patron-secret")).expect("stored");
    assert_eq!(stored, secrets[0]);
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(".patron-secret"))
        .expect("meta")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
    assert_eq!(leftovers, 1, "no temporary file is left behind");
}
