//! The associates' tasks: a day's run turns the switched-on rules into tasks for exactly the
//! members a hand-made fixture says, each once; the member's associate gets theirs and the store's
//! pool the rest; the held-back share is recorded and never shown; a pool task is claimed once
//! and makes the claimer the member's associate; outcomes are checked; tasks past their moment
//! expire.
use chrono::Days;
use futures_util::future::join_all;
use patron::auth::Role;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const RULE: &str =
    "mutation($kind: TaskKind!, $in: TaskRuleInput!) { updateTaskRule(kind: $kind, input: $in) { enabled } }";
const OPEN: &str = "{ openTasks { id kind reason dueOn expiresOn inPool mine member { memberNo phone } } }";

/// (member no., kind) of every task stored, held back or not, in order.
async fn stored(app: &TestApp) -> Vec<(String, String, bool)> {
    let sql = "SELECT m.member_no, t.kind, t.held_out FROM tasks t JOIN members m ON m.id = t.member_id \
               ORDER BY m.member_no, t.kind";
    let rows = app
        .db
        .query_all(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get("", "member_no").unwrap(),
                r.try_get("", "kind").unwrap(),
                r.try_get("", "held_out").unwrap(),
            )
        })
        .collect()
}

fn listed(data: &Value) -> Vec<(String, String)> {
    let mut tasks: Vec<(String, String)> = data["openTasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["member"]["memberNo"].as_str().unwrap().to_owned(),
                t["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    tasks.sort();
    tasks
}

async fn sql(app: &TestApp, statement: &str) {
    app.db.execute_unprepared(statement).await.unwrap();
}

#[tokio::test]
async fn a_days_run_makes_the_right_tasks_and_associates_work_them() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    let bob = app.token(Role::Associate, None, Some("SH01"), Some("bob")).await;
    let today = app.jobs.today();
    let birthday = (today + Days::new(3)).format("%m-%d").to_string();
    // Birthdays in three days: B1 (A, Ann's), B2 (C: no call), B3 (B, nobody's: the pool).
    for (no, phone) in [("B1", "13800000001"), ("B2", "13800000002"), ("B3", "13800000003")] {
        let fields = json!({ "storeCode": "SH01", "phone": phone, "birthday": format!("1990-{birthday}") });
        app.create_member(&admin, no, fields).await;
    }
    // Three days ago: P1 bought 1,200.00 (a call), P2 800.00 (too little), P3 1,500.00 and
    // returned it all (no call).
    for no in ["P1", "P2", "P3", "W1", "F1", "F2"] {
        app.create_member(&admin, no, json!({ "storeCode": "SH01" })).await;
    }
    let bought = today - Days::new(3);
    let buy = "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }";
    for (no, order, amount) in [("P1", "O1", "1200.00"), ("P2", "O2", "800.00"), ("P3", "O3", "1500.00")] {
        let input =
            json!({ "memberNo": no, "orderId": order, "occurredAt": format!("{bought}T04:00:00Z"), "amount": amount });
        app.ok(&admin, buy, json!({ "in": input })).await;
    }
    let give_back =
        json!({ "in": { "orderId": "O3", "occurredAt": format!("{today}T02:00:00Z"), "amount": "1500.00" } });
    app.ok(
        &admin,
        "mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }",
        give_back,
    )
    .await;
    let assign = "mutation($no: String!, $to: String) { assignAssociate(memberNo: $no, username: $to) { memberNo } }";
    app.ok(&admin, assign, json!({ "no": "B1", "to": "ann" })).await;

    // The run's figures, as the fixture has them: tiers, W1 lapsed after three orders, F1 first
    // reaching A in the latest run, F2 reaching A again (it was A before).
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    sql(&app, "UPDATE member_metrics SET tier = 'D', lapsed = false").await;
    for (no, set) in [
        ("B1", "tier = 'A'"),
        ("B2", "tier = 'C'"),
        ("B3", "tier = 'B'"),
        ("W1", "tier = 'C', lapsed = true, orders_total = 3"),
        ("F1", "tier = 'A'"),
        ("F2", "tier = 'A'"),
    ] {
        let member = format!("(SELECT id FROM members WHERE member_no = '{no}')");
        sql(
            &app,
            &format!("UPDATE member_metrics SET {set} WHERE member_id = {member}"),
        )
        .await;
    }
    sql(&app, "DELETE FROM tier_history").await;
    for (no, tier, latest) in [
        ("F2", "A", false),
        ("F2", "C", false),
        ("F1", "A", true),
        ("F2", "A", true),
    ] {
        let run = if latest {
            "(SELECT MAX(run_id) FROM member_metrics)"
        } else {
            "NULL"
        };
        sql(
            &app,
            &format!(
                "INSERT INTO tier_history (member_id, old_tier, new_tier, reason, run_id, changed_at) \
             SELECT id, NULL, '{tier}', 'fixture', {run}, CURRENT_TIMESTAMP FROM members WHERE member_no = '{no}'"
            ),
        )
        .await;
    }
    for kind in ["BIRTHDAY_CALL", "WINBACK_CALL", "WELCOME_CALL", "AFTER_PURCHASE_CALL"] {
        app.ok(
            &admin,
            RULE,
            json!({ "kind": kind, "in": { "enabled": true, "holdoutShare": "0" } }),
        )
        .await;
    }

    let counts = app.run_job("tasks", &today.to_string()).await.expect("tasks");
    let expected = [
        ("B1", "birthday_call"),
        ("B3", "birthday_call"),
        ("F1", "welcome_call"),
        ("P1", "after_purchase_call"),
        ("W1", "winback_call"),
    ];
    let want: Vec<(String, String, bool)> = expected
        .iter()
        .map(|(no, k)| (no.to_string(), k.to_string(), false))
        .collect();
    assert_eq!(stored(&app).await, want, "{counts}");
    // Again (a second replica, the next hour): nothing new.
    app.run_job("tasks", &today.to_string()).await.expect("tasks");
    assert_eq!(stored(&app).await.len(), 5);

    // Ann sees hers and the pool; Bob the pool. The pool's phones are masked until claimed.
    let anns = app.ok(&ann, OPEN, json!({})).await;
    let all: Vec<(String, String)> = expected
        .iter()
        .map(|(no, k)| (no.to_string(), k.to_uppercase()))
        .collect();
    assert_eq!(listed(&anns), all);
    let bobs = app.ok(&bob, OPEN, json!({})).await;
    assert_eq!(listed(&bobs), all[1..].to_vec());
    let b3 = anns["openTasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["member"]["memberNo"] == "B3")
        .unwrap()
        .clone();
    assert_eq!(
        (b3["inPool"].as_bool(), b3["member"]["phone"].as_str()),
        (Some(true), Some("138****0003"))
    );
    assert_eq!(b3["expiresOn"], (today + Days::new(3)).to_string());

    // Ann and Bob claim B3's call at once: one gets it, and B3 becomes their member.
    const CLAIM: &str = "mutation($id: ID!) { claimTask(id: $id) { mine member { memberNo phone } } }";
    let claims = join_all([&ann, &bob].map(|who| app.graphql(who, CLAIM, json!({ "id": b3["id"] })))).await;
    let won: Vec<&Value> = claims.iter().filter(|c| c.get("errors").is_none()).collect();
    assert_eq!(won.len(), 1, "{claims:?}");
    assert_eq!(won[0]["data"]["claimTask"]["member"]["phone"], "13800000003");

    // Outcomes: a lapse reason is for win-back calls only.
    const CLOSE: &str =
        "mutation($id: ID!, $in: TaskOutcomeInput!) { closeTask(id: $id, input: $in) { status outcome lapseReason } }";
    let b1 = anns["openTasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["member"]["memberNo"] == "B1")
        .unwrap()["id"]
        .clone();
    let refused = app
        .graphql(
            &ann,
            CLOSE,
            json!({ "id": b1, "in": { "outcome": "REACHED", "lapseReason": "PRICE" } }),
        )
        .await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("input.lapseReason".to_owned()))
    );
    let done = app
        .ok(
            &ann,
            CLOSE,
            json!({ "id": b1, "in": { "outcome": "REACHED", "note": "生日快乐" } }),
        )
        .await;
    assert_eq!(
        done["closeTask"],
        json!({ "status": "DONE", "outcome": "REACHED", "lapseReason": null })
    );
    let w1 = bobs["openTasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["member"]["memberNo"] == "W1")
        .unwrap()["id"]
        .clone();
    let done = app
        .ok(
            &bob,
            CLOSE,
            json!({ "id": w1, "in": { "outcome": "DECLINED", "lapseReason": "COMPETITOR" } }),
        )
        .await;
    assert_eq!(done["closeTask"]["lapseReason"], "COMPETITOR");
    let again = app
        .graphql(&bob, CLOSE, json!({ "id": w1, "in": { "outcome": "REACHED" } }))
        .await;
    assert_eq!(
        first_error(&again),
        ("BAD_USER_INPUT".to_owned(), Some("id".to_owned())),
        "{again}"
    );

    // A week-long call lasts from today to the sixth day after.
    let p1 = anns["openTasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["member"]["memberNo"] == "P1")
        .unwrap()
        .clone();
    assert_eq!(p1["expiresOn"], (today + Days::new(6)).to_string());
    assert!(p1["reason"].as_str().unwrap().contains("O1"), "{p1}");

    // Time passes (jobs do not run ahead of today, so the tasks' last days are moved back): the
    // open birthday call (B3's) expires, then the week-long ones.
    let yesterday = today - Days::new(1);
    sql(
        &app,
        &format!("UPDATE tasks SET expires_on = '{yesterday}' WHERE kind = 'birthday_call'"),
    )
    .await;
    let counts = app.run_job("tasks", &today.to_string()).await.expect("tasks");
    assert_eq!(counts["expired"], 1, "{counts}");
    let left = listed(&app.ok(&admin, OPEN, json!({})).await);
    assert_eq!(
        left,
        [
            ("F1".into(), "WELCOME_CALL".into()),
            ("P1".into(), "AFTER_PURCHASE_CALL".into())
        ]
    );
    sql(&app, &format!("UPDATE tasks SET expires_on = '{yesterday}'")).await;
    assert_eq!(
        app.run_job("tasks", &today.to_string()).await.expect("tasks")["expired"],
        2
    );
}

#[tokio::test]
async fn a_held_back_share_is_recorded_and_never_shown() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    let today = app.jobs.today();
    let bought = today - Days::new(3);
    for i in 0..40 {
        let no = format!("H{i:02}");
        app.create_member(&admin, &no, json!({ "storeCode": "SH01" })).await;
        let input = json!({ "memberNo": no, "orderId": format!("O{i}"), "occurredAt": format!("{bought}T04:00:00Z"), "amount": "2000.00" });
        app.ok(
            &admin,
            "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
            json!({ "in": input }),
        )
        .await;
    }
    // Ann looks after the first twenty.
    let assign = "mutation($no: String!) { assignAssociate(memberNo: $no, username: \"ann\") { memberNo } }";
    for i in 0..20 {
        app.ok(&admin, assign, json!({ "no": format!("H{i:02}") })).await;
    }
    let input = json!({ "enabled": true, "holdoutShare": "0.25" });
    app.ok(&admin, RULE, json!({ "kind": "AFTER_PURCHASE_CALL", "in": input }))
        .await;
    app.run_job("tasks", &today.to_string()).await.expect("tasks");

    // The split is the stable hash of (kind, member), as the test works it out for itself.
    let ids = app
        .db
        .query_all(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT id, member_no FROM members ORDER BY member_no",
        ))
        .await
        .unwrap();
    let mut expected_held = Vec::new();
    for row in &ids {
        let (id, no): (i64, String) = (row.try_get("", "id").unwrap(), row.try_get("", "member_no").unwrap());
        if jobs::campaigns::holdout::held_out_of("task:after_purchase_call", id, 2500) {
            expected_held.push(no);
        }
    }
    let stored = stored(&app).await;
    assert_eq!(stored.len(), 40);
    let held: Vec<String> = stored
        .iter()
        .filter(|(_, _, h)| *h)
        .map(|(no, ..)| no.clone())
        .collect();
    assert_eq!(held, expected_held);
    assert!((3..=18).contains(&held.len()), "about a quarter of 40: {}", held.len());
    let shown: Vec<String> = listed(
        &app.ok(
            &ann,
            "{ openTasks(first: 100) { kind member { memberNo } } }",
            json!({}),
        )
        .await,
    )
    .into_iter()
    .map(|(no, _)| no)
    .collect();
    assert_eq!(shown.len(), 40 - held.len());
    assert!(held.iter().all(|no| !shown.contains(no)));

    // What the calls were worth: from the due day on, every other member given a task buys
    // 100.00, and every fourth held back (the purchases that made the tasks came before).
    let mut buyers = (0, 0);
    for i in 0..40 {
        let no = format!("H{i:02}");
        let held_back = held.contains(&no);
        if (held_back && i % 4 == 0) || (!held_back && i % 2 == 0) {
            let input = json!({ "memberNo": no, "orderId": format!("N{i}"), "occurredAt": format!("{today}T04:00:00Z"), "amount": "100.00" });
            app.ok(
                &admin,
                "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
                json!({ "in": input }),
            )
            .await;
            if held_back {
                buyers.1 += 1
            } else {
                buyers.0 += 1
            }
        }
    }
    let one = app.ok(&ann, "{ openTasks(first: 1) { id } }", json!({})).await["openTasks"][0]["id"].clone();
    let close =
        "mutation($id: ID!) { claimTask(id: $id) { id } closeTask(id: $id, input: { outcome: REACHED }) { status } }";
    app.ok(&ann, close, json!({ "id": one })).await;
    const REPORT: &str = "query($from: NaiveDate!) { taskReport(kind: AFTER_PURCHASE_CALL, from: $from, to: $from) {
        tasked { members buyers revenue revenuePerMember } heldBack { members buyers revenue }
        done reached uplift { upliftPerMember } retention { difference low high } } }";
    let report = app.ok(&admin, REPORT, json!({ "from": today })).await["taskReport"].clone();
    let (n_t, n_h) = (40 - held.len() as i64, held.len() as i64);
    let per_member = |buyers: i64, n: i64| rust_decimal::Decimal::from(buyers * 100) / rust_decimal::Decimal::from(n);
    assert_eq!(report["tasked"]["members"], n_t);
    assert_eq!(report["tasked"]["buyers"], buyers.0);
    assert_eq!(report["tasked"]["revenue"], format!("{}.00", buyers.0 * 100));
    assert_eq!(
        report["heldBack"],
        json!({ "members": n_h, "buyers": buyers.1, "revenue": format!("{}.00", buyers.1 * 100) })
    );
    assert_eq!(
        (report["done"].as_i64(), report["reached"].as_i64()),
        (Some(1), Some(1))
    );
    let uplift = (per_member(buyers.0, n_t) - per_member(buyers.1, n_h)).round_dp(2);
    assert_eq!(report["uplift"]["upliftPerMember"], format!("{uplift:.2}"), "{report}");
    let difference = buyers.0 as f64 / n_t as f64 - buyers.1 as f64 / n_h as f64;
    let retention = &report["retention"];
    assert!(
        (retention["difference"].as_f64().unwrap() - difference).abs() < 1e-9,
        "{report}"
    );
    assert!(retention["low"].as_f64().unwrap() < difference && difference < retention["high"].as_f64().unwrap());

    // Ann's calls: the tasks drawn for her twenty members, given out against held back, whoever
    // claimed a pool task since.
    const ANNS: &str = "query($from: NaiveDate!) { taskReport(kind: AFTER_PURCHASE_CALL, from: $from, to: $from,
        associate: \"ann\") { tasked { members buyers } heldBack { members buyers } } }";
    let hers = app.ok(&admin, ANNS, json!({ "from": today })).await["taskReport"].clone();
    let mut expected = [(0, 0), (0, 0)];
    for i in 0..20 {
        let held_back = held.contains(&format!("H{i:02}"));
        let group = &mut expected[usize::from(held_back)];
        group.0 += 1;
        group.1 += i64::from(if held_back { i % 4 == 0 } else { i % 2 == 0 });
    }
    assert_eq!(
        hers,
        json!({ "tasked": { "members": expected[0].0, "buyers": expected[0].1 },
            "heldBack": { "members": expected[1].0, "buyers": expected[1].1 } })
    );
    let nobody = "query($from: NaiveDate!) { taskReport(kind: AFTER_PURCHASE_CALL, from: $from, to: $from,
        associate: \"zed\") { done } }";
    let refused = app.graphql(&admin, nobody, json!({ "from": today })).await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("associate".to_owned()))
    );
}

#[tokio::test]
async fn a_leaving_associates_members_and_tasks_are_handed_over_in_bulk() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for store in ["SH01", "BJ01"] {
        app.create_store(&admin, store).await;
    }
    for (name, store) in [("ann", "SH01"), ("bob", "SH01"), ("cat", "BJ01")] {
        app.token(Role::Associate, None, Some(store), Some(name)).await;
    }
    let assign = "mutation($no: String!, $to: String) { assignAssociate(memberNo: $no, username: $to) { memberNo } }";
    for (no, to) in [
        ("A1", Some("ann")),
        ("A2", Some("ann")),
        ("A3", Some("bob")),
        ("A4", None),
    ] {
        app.create_member(&admin, no, json!({ "storeCode": "SH01" })).await;
        if let Some(to) = to {
            app.ok(&admin, assign, json!({ "no": no, "to": to })).await;
        }
    }
    // Ann's open task for A1 goes with her members.
    let today = app.jobs.today();
    sql(&app, &format!(
        "INSERT INTO tasks (member_id, kind, occasion, store_id, assignee_id, status, held_out, reason, due_on, expires_on) \
         SELECT m.id, 'winback_call', '{today}', m.store_id, m.assigned_associate_id, 'open', false, 'fixture', '{today}', '{today}' \
         FROM members m WHERE m.member_no = 'A1'"
    ))
    .await;
    let unattended = "query($store: String!) { unattendedMembers(storeCode: $store) { memberNo } }";
    let numbers = |data: &Value| -> Vec<String> {
        let list = data["unattendedMembers"].as_array().unwrap();
        let mut numbers: Vec<String> = list
            .iter()
            .map(|m| m["memberNo"].as_str().unwrap().to_owned())
            .collect();
        numbers.sort();
        numbers
    };
    assert_eq!(
        numbers(&app.ok(&admin, unattended, json!({ "store": "SH01" })).await),
        ["A4"]
    );
    app.ok(
        &admin,
        "mutation { disableStaffUser(username: \"ann\") { username } }",
        json!({}),
    )
    .await;
    assert_eq!(
        numbers(&app.ok(&admin, unattended, json!({ "store": "SH01" })).await),
        ["A1", "A2", "A4"]
    );

    // Not to someone of another store, nor to herself; to Bob, everything of hers.
    const HAND_OVER: &str = "mutation($from: String!, $to: String) { handOverMembers(fromUsername: $from, toUsername: $to) { members tasks } }";
    for (to, field) in [("cat", "toUsername"), ("ann", "toUsername"), ("nobody", "toUsername")] {
        let refused = app.graphql(&admin, HAND_OVER, json!({ "from": "ann", "to": to })).await;
        assert_eq!(
            first_error(&refused),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{to}"
        );
    }
    let moved = app.ok(&admin, HAND_OVER, json!({ "from": "ann", "to": "bob" })).await;
    assert_eq!(moved["handOverMembers"], json!({ "members": 2, "tasks": 1 }));
    assert_eq!(
        numbers(&app.ok(&admin, unattended, json!({ "store": "SH01" })).await),
        ["A4"]
    );
    let bob = app.token(Role::Associate, None, Some("SH01"), Some("bob")).await;
    let tasks = app
        .ok(&bob, "{ openTasks { mine member { memberNo } } }", json!({}))
        .await;
    assert_eq!(
        tasks["openTasks"],
        json!([{ "mine": true, "member": { "memberNo": "A1" } }])
    );
    // Bob's to the pool: his members are nobody's now.
    let moved = app.ok(&admin, HAND_OVER, json!({ "from": "bob", "to": null })).await;
    assert_eq!(moved["handOverMembers"], json!({ "members": 3, "tasks": 1 }));
    assert_eq!(
        numbers(&app.ok(&admin, unattended, json!({ "store": "SH01" })).await),
        ["A1", "A2", "A3", "A4"]
    );
    let audit = app.ok(&admin, "{ auditLog(first: 5) { action } }", json!({})).await;
    assert!(audit.to_string().contains("staff.hand_over"), "{audit}");
}

#[tokio::test]
async fn a_complaint_past_its_service_level_is_escalated_and_its_resolution_followed_up() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for store in ["SH01", "BJ01"] {
        app.create_store(&admin, store).await;
    }
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    for (no, store) in [("C1", "SH01"), ("C2", "BJ01")] {
        app.create_member(&admin, no, json!({ "storeCode": store })).await;
        let input = json!({ "memberNo": no, "kind": "COMPLAINT", "body": "拉链坏了" });
        app.ok(
            &admin,
            "mutation($in: FeedbackInput!) { recordFeedback(input: $in) { id } }",
            json!({ "in": input }),
        )
        .await;
    }
    const QUEUE: &str = "{ openComplaints { id createdAt dueBy escalatedAt member { memberNo } } }";
    let queue = app.ok(&ann, QUEUE, json!({})).await["openComplaints"].clone();
    assert_eq!(queue.as_array().unwrap().len(), 1, "Ann's store's only: {queue}");
    let complaint = &queue[0];
    let created: chrono::DateTime<chrono::Utc> = complaint["createdAt"].as_str().unwrap().parse().unwrap();
    let due: chrono::DateTime<chrono::Utc> = complaint["dueBy"].as_str().unwrap().parse().unwrap();
    assert_eq!(due - created, chrono::Duration::hours(24));
    assert_eq!(complaint["escalatedAt"], Value::Null);

    // A day and an hour later, still open: escalated, once.
    let today = app.jobs.today().to_string();
    app.run_job("tasks", &today).await.expect("tasks");
    let aged = chrono::Utc::now() - chrono::Duration::hours(25);
    let c1 = "(SELECT id FROM members WHERE member_no = 'C1')";
    sql(
        &app,
        &format!(
            "UPDATE feedback SET created_at = '{}' WHERE member_id = {c1}",
            aged.to_rfc3339()
        ),
    )
    .await;
    assert_eq!(app.run_job("tasks", &today).await.expect("tasks")["escalated"], 1);
    assert_eq!(app.run_job("tasks", &today).await.expect("tasks")["escalated"], 0);
    let queue = app.ok(&ann, QUEUE, json!({})).await["openComplaints"].clone();
    assert!(queue[0]["escalatedAt"].is_string(), "{queue}");
    // An open complaint is a risk a segment can find.
    let at_risk = || async {
        let preview = "query($f: SegmentFilter!) { segmentPreview(filter: $f) { count } }";
        let filter = json!({ "f": { "field": { "field": "openComplaint", "op": "EQ", "value": true } } });
        app.ok(&admin, preview, filter).await["segmentPreview"]["count"].clone()
    };
    assert_eq!(at_risk().await, 2);

    // Resolved, it leaves the queue, and the follow-up rule (the same day here) calls back.
    let input = json!({ "enabled": true, "days": 0, "holdoutShare": "0" });
    app.ok(&admin, RULE, json!({ "kind": "COMPLAINT_FOLLOW_UP", "in": input }))
        .await;
    let resolve = "mutation($id: ID!) { resolveFeedback(id: $id, resolution: \"换了新拉链\") { status } }";
    app.ok(&ann, resolve, json!({ "id": complaint["id"] })).await;
    assert_eq!(app.ok(&ann, QUEUE, json!({})).await["openComplaints"], json!([]));
    assert_eq!(at_risk().await, 1, "C2's is still open");
    app.run_job("tasks", &today).await.expect("tasks");
    let tasks = app
        .ok(&ann, "{ openTasks { kind occasion member { memberNo } } }", json!({}))
        .await;
    let occasion = format!("complaint:{}", complaint["id"].as_str().unwrap());
    assert_eq!(
        tasks["openTasks"],
        json!([{ "kind": "COMPLAINT_FOLLOW_UP", "occasion": occasion, "member": { "memberNo": "C1" } }])
    );
    // Ann calls back (claiming the pool task makes C1 hers), C1 buys: her scores for the day.
    let follow_up = app.ok(&ann, "{ openTasks { id } }", json!({})).await["openTasks"][0]["id"].clone();
    let close =
        "mutation($id: ID!) { claimTask(id: $id) { id } closeTask(id: $id, input: { outcome: REACHED }) { status } }";
    app.ok(&ann, close, json!({ "id": follow_up })).await;
    let input = json!({ "memberNo": "C1", "orderId": "C1-1", "occurredAt": chrono::Utc::now().to_rfc3339(), "amount": "50.00" });
    app.ok(
        &admin,
        "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }",
        json!({ "in": input }),
    )
    .await;
    const SCORES: &str = "query($day: NaiveDate!) { associateScores(storeCode: \"SH01\", from: $day, to: $day) {
        associate { username } members tasks done doneOnTime reached complaintsResolved complaintsWithinSla buyers revenue } }";
    let scores = app.ok(&admin, SCORES, json!({ "day": today })).await;
    assert_eq!(
        scores["associateScores"],
        json!([{ "associate": { "username": "ann" }, "members": 1, "tasks": 1, "done": 1, "doneOnTime": 1, "reached": 1,
            "complaintsResolved": 1, "complaintsWithinSla": 0, "buyers": 1, "revenue": "50.00" }])
    );

    // A rule's settings that do not apply are refused.
    let refused = app
        .graphql(&admin, RULE, json!({ "kind": "WINBACK_CALL", "in": { "days": 3 } }))
        .await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("input.days".to_owned()))
    );
    let refused = app
        .graphql(
            &admin,
            RULE,
            json!({ "kind": "AFTER_PURCHASE_CALL", "in": { "minAmount": "-1" } }),
        )
        .await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("input.minAmount".to_owned()))
    );
}

#[tokio::test]
async fn a_members_get_a_greeting_call_before_a_holiday() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    for no in ["G1", "G2"] {
        app.create_member(&admin, no, json!({ "storeCode": "SH01" })).await;
    }
    let today = app.jobs.today();
    app.run_job("analytics", &today.to_string()).await.expect("analytics");
    sql(&app, "UPDATE member_metrics SET tier = 'B'").await;
    sql(
        &app,
        "UPDATE member_metrics SET tier = 'A' WHERE member_id = (SELECT id FROM members WHERE member_no = 'G1')",
    )
    .await;
    // The store's anniversary, three days ahead (the rule's default lead).
    let day = today + Days::new(3);
    let holiday = json!({ "key": "store_anniversary", "nameZh": "店庆", "nameEn": "Store anniversary", "calendar": "SOLAR",
        "month": chrono::Datelike::month(&day), "day": chrono::Datelike::day(&day) });
    app.ok(
        &admin,
        "mutation($in: HolidayInput!) { saveHoliday(input: $in) { key } }",
        json!({ "in": holiday }),
    )
    .await;
    app.ok(
        &admin,
        RULE,
        json!({ "kind": "HOLIDAY_CALL", "in": { "enabled": true, "holdoutShare": "0" } }),
    )
    .await;
    app.run_job("tasks", &today.to_string()).await.expect("tasks");
    let open = app
        .ok(
            &admin,
            "{ openTasks { kind occasion expiresOn member { memberNo } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        open["openTasks"],
        json!([{ "kind": "HOLIDAY_CALL", "occasion": format!("store_anniversary:{day}"), "expiresOn": day.to_string(),
            "member": { "memberNo": "G1" } }])
    );
}

#[tokio::test]
async fn a_store_manager_sees_and_assigns_all_of_the_stores_tasks() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    let mia = app.token(Role::Associate, None, Some("SH01"), Some("mia")).await;
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    app.token(Role::Associate, None, Some("SH01"), Some("bob")).await;
    let today = app.jobs.today();
    let assign = "mutation($no: String!, $to: String) { assignAssociate(memberNo: $no, username: $to) { memberNo } }";
    for (no, to) in [("T1", "ann"), ("T2", "bob")] {
        app.create_member(&admin, no, json!({ "storeCode": "SH01" })).await;
        app.ok(&admin, assign, json!({ "no": no, "to": to })).await;
        sql(&app, &format!(
            "INSERT INTO tasks (member_id, kind, occasion, store_id, assignee_id, status, held_out, reason, due_on, expires_on) \
             SELECT m.id, 'winback_call', '{today}', m.store_id, m.assigned_associate_id, 'open', false, 'fixture', '{today}', '{today}' \
             FROM members m WHERE m.member_no = '{no}'"
        ))
        .await;
    }
    const OPEN: &str = "{ openTasks { id member { memberNo } assignee { username } } }";
    const ASSIGN: &str =
        "mutation($id: ID!, $to: String) { assignTask(id: $id, username: $to) { assignee { username } inPool } }";
    // Before Mia manages the store she sees neither (both are someone's) and may assign nothing.
    assert_eq!(app.ok(&mia, OPEN, json!({})).await["openTasks"], json!([]));
    let set = "mutation($on: Boolean!) { setStoreManager(username: \"mia\", manager: $on) { manager } }";
    let refused = app
        .graphql(
            &admin,
            "mutation { setStoreManager(username: \"admin\", manager: true) { manager } }",
            json!({}),
        )
        .await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("username".to_owned()))
    );
    app.ok(&admin, set, json!({ "on": true })).await;

    // Whom the store's tasks may go to.
    let colleagues = app
        .ok(&mia, "{ storeAssociates { username manager } }", json!({}))
        .await;
    assert_eq!(
        colleagues["storeAssociates"],
        json!([{ "username": "ann", "manager": false }, { "username": "bob", "manager": false }, { "username": "mia", "manager": true }])
    );

    // As manager she sees both and moves Bob's to Ann, then Ann's to the pool.
    let open = app.ok(&mia, OPEN, json!({})).await["openTasks"].clone();
    assert_eq!(open.as_array().unwrap().len(), 2, "{open}");
    let bobs = open
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["assignee"]["username"] == "bob")
        .unwrap()["id"]
        .clone();
    let moved = app.ok(&mia, ASSIGN, json!({ "id": bobs, "to": "ann" })).await;
    assert_eq!(
        moved["assignTask"],
        json!({ "assignee": { "username": "ann" }, "inPool": false })
    );
    let anns: Vec<Value> = app.ok(&ann, OPEN, json!({})).await["openTasks"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(anns.len(), 2);
    let pooled = app.ok(&mia, ASSIGN, json!({ "id": bobs, "to": null })).await;
    assert_eq!(pooled["assignTask"]["inPool"], true);
    // Ann is no manager; nobody outside the store takes a task.
    let refused = app.graphql(&ann, ASSIGN, json!({ "id": bobs, "to": "ann" })).await;
    assert_eq!(first_error(&refused).0, "FORBIDDEN", "{refused}");
    let refused = app.graphql(&mia, ASSIGN, json!({ "id": bobs, "to": "admin" })).await;
    assert_eq!(
        first_error(&refused),
        ("BAD_USER_INPUT".to_owned(), Some("username".to_owned()))
    );
    // No longer manager: back to her own and the pool.
    app.ok(&admin, set, json!({ "on": false })).await;
    let open = app.ok(&mia, OPEN, json!({})).await["openTasks"].clone();
    assert_eq!(open.as_array().unwrap().len(), 1, "only the pool's: {open}");
}

#[tokio::test]
async fn a_switched_on_playbook_makes_its_segment_and_campaign_and_calls_its_members() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    // P1 a true friend and P2 a star (deep care, by either quadrant); P3 a barnacle and cash cow
    // (deep mining: no calls); P4 a butterfly (deep acquisition); P5 a stranger and dog.
    let quadrants = [
        ("P1", "true_friend", "dog"),
        ("P2", "stranger", "star"),
        ("P3", "barnacle", "cash_cow"),
        ("P4", "butterfly", "dog"),
        ("P5", "stranger", "dog"),
    ];
    for (no, _, _) in quadrants {
        app.create_member(&admin, no, json!({ "storeCode": "SH01", "phone": "13800000000" }))
            .await;
    }
    let today = app.jobs.today().to_string();
    app.run_job("analytics", &today).await.expect("analytics");
    for (no, loyalty, value) in quadrants {
        let member = format!("(SELECT id FROM members WHERE member_no = '{no}')");
        sql(
            &app,
            &format!("UPDATE member_metrics SET loyalty_quadrant = '{loyalty}', value_quadrant = '{value}' WHERE member_id = {member}"),
        )
        .await;
    }
    const SET: &str = "mutation($s: Strategy!, $on: Boolean!) { setPlaybook(strategy: $s, enabled: $on) {
        strategy enabled callEveryDays loyaltyQuadrants valueQuadrants segment { name } campaign { name status holdoutShare channels } } }";
    assert_eq!(
        app.error_code(&ann, SET, json!({ "s": "DEEP_CARE", "on": true })).await,
        "FORBIDDEN"
    );
    let care = app.ok(&marketer, SET, json!({ "s": "DEEP_CARE", "on": true })).await;
    assert_eq!(
        care["setPlaybook"],
        json!({ "strategy": "DEEP_CARE", "enabled": true, "callEveryDays": 90,
            "loyaltyQuadrants": ["TRUE_FRIEND"], "valueQuadrants": ["STAR"],
            "segment": { "name": "Playbook · 深度关爱 Deep care" },
            "campaign": { "name": "Playbook · 深度关爱 Deep care", "status": "draft", "holdoutShare": "0.1",
                "channels": ["WECHAT", "SMS", "EMAIL"] } })
    );
    assert!(care_calls_on(&app, &marketer).await);
    let input = json!({ "holdoutShare": "0" });
    app.ok(&admin, RULE, json!({ "kind": "CARE_CALL", "in": input })).await;
    let switched = app
        .graphql(&admin, RULE, json!({ "kind": "CARE_CALL", "in": { "enabled": false } }))
        .await;
    assert_eq!(
        first_error(&switched).1.as_deref(),
        Some("input.enabled"),
        "playbooks switch it"
    );

    // The deep-care members get a call; a second run the same day adds none.
    app.run_job("tasks", &today).await.expect("tasks");
    let called = |stored: Vec<(String, String, bool)>| -> Vec<String> {
        stored
            .into_iter()
            .filter(|(_, kind, _)| kind == "care_call")
            .map(|(no, _, _)| no)
            .collect()
    };
    assert_eq!(called(stored(&app).await), ["P1", "P2"]);
    app.run_job("tasks", &today).await.expect("tasks");
    assert_eq!(called(stored(&app).await), ["P1", "P2"]);
    let reasons = app.ok(&ann, "{ openTasks { kind reason } }", json!({})).await;
    assert!(
        reasons["openTasks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["reason"] == "playbook deep_care: a call every 90 days"),
        "{reasons}"
    );

    // Deep acquisition calls too; deep care's members were called within their 90 days, even
    // once their tasks are done.
    for task in app.ok(&ann, "{ openTasks { id } }", json!({})).await["openTasks"]
        .as_array()
        .unwrap()
    {
        let close = "mutation($id: ID!) { claimTask(id: $id) { id } closeTask(id: $id, input: { outcome: REACHED }) { status } }";
        app.ok(&ann, close, json!({ "id": task["id"] })).await;
    }
    app.ok(&marketer, SET, json!({ "s": "DEEP_ACQUISITION", "on": true }))
        .await;
    app.run_job("tasks", &today).await.expect("tasks");
    assert_eq!(called(stored(&app).await), ["P1", "P2", "P4"]);

    // Deep mining calls nobody; with both calling playbooks off, the calls stop.
    let mining = app.ok(&marketer, SET, json!({ "s": "DEEP_MINING", "on": true })).await;
    assert_eq!(mining["setPlaybook"]["callEveryDays"], Value::Null);
    for strategy in ["DEEP_CARE", "DEEP_ACQUISITION"] {
        app.ok(&marketer, SET, json!({ "s": strategy, "on": false })).await;
    }
    assert!(!care_calls_on(&app, &marketer).await);
    // Switched on again, it keeps the segment and campaign it made.
    app.ok(&marketer, SET, json!({ "s": "DEEP_CARE", "on": true })).await;
    let segments = app.ok(&marketer, "{ segments { name } }", json!({})).await;
    let made = segments["segments"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["name"].as_str().unwrap().starts_with("Playbook"))
        .count();
    assert_eq!(made, 3, "{segments}");
    let preview = "query($f: SegmentFilter!) { segmentPreview(filter: $f) { count } }";
    let filter = json!({ "or": [
        { "field": { "field": "loyaltyStrategy", "op": "EQ", "value": "deep_care" } },
        { "field": { "field": "valueStrategy", "op": "EQ", "value": "deep_care" } } ] });
    assert_eq!(
        app.ok(&marketer, preview, json!({ "f": filter })).await["segmentPreview"]["count"],
        2
    );
}

/// Whether the care-call rule is on.
async fn care_calls_on(app: &TestApp, token: &str) -> bool {
    let rules = app.ok(token, "{ taskRules { kind enabled } }", json!({})).await;
    let all = rules["taskRules"].as_array().cloned().unwrap_or_default();
    let care = all
        .into_iter()
        .find(|r| r["kind"] == "CARE_CALL")
        .expect("the care-call rule");
    care["enabled"].as_bool().unwrap_or_default()
}
