//! The points programme by its rules: earning on recorded and imported purchases by tier, the
//! birthday multiplier, excluded categories, returns taking back their share (never below
//! zero), idempotent by order; and expiry at the end of the Nth month, oldest first, across
//! month ends, a leap day and the brand's time zone, re-run safely.
use chrono::{DateTime, Utc};
use entity::vocabulary::PointsKind;
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, Statement};
use serde_json::{json, Value};

use crate::helpers::{spawn_app_with, TestApp};

const PURCHASE: &str = "mutation($in: PurchaseInput!) { recordPurchase(input: $in) { id } }";
const RETURN: &str = "mutation($in: ReturnInput!) { recordReturn(input: $in) { id } }";

async fn balance(app: &TestApp, admin: &str, member_no: &str) -> i64 {
    let data = app
        .ok(
            admin,
            "query($no: String!) { member(memberNo: $no) { pointsBalance } }",
            json!({ "no": member_no }),
        )
        .await;
    data["member"]["pointsBalance"].as_i64().unwrap()
}

async fn buy(app: &TestApp, admin: &str, member_no: &str, order: &str, at: &str, amount: &str, category: Option<&str>) {
    let input =
        json!({ "memberNo": member_no, "orderId": order, "occurredAt": at, "amount": amount, "category": category });
    app.ok(admin, PURCHASE, json!({ "in": input })).await;
}

async fn give_back(app: &TestApp, admin: &str, order: &str, amount: &str) {
    let input = json!({ "orderId": order, "occurredAt": "2026-11-20T10:00:00Z", "amount": amount });
    app.ok(admin, RETURN, json!({ "in": input })).await;
}

async fn set_tier(app: &TestApp, member_no: &str, tier: &str) {
    let sql = format!(
        "UPDATE member_metrics SET tier = '{tier}' WHERE member_id = (SELECT id FROM members WHERE member_no = '{member_no}')"
    );
    let backend = app.db.get_database_backend();
    app.db
        .execute(Statement::from_string(backend, sql))
        .await
        .expect("tier");
}

#[tokio::test]
async fn purchases_earn_by_tier_and_returns_take_their_share_back() {
    let app = spawn_app_with(|settings| {
        settings.points.earn = true;
        settings.points.excluded_categories = vec!["礼品卡".to_owned()];
    })
    .await;
    let admin = app.admin().await;
    for (no, birthday) in [("A1", "1990-07-04"), ("B1", "1985-01-20"), ("BD", "1992-03-15")] {
        app.create_member(&admin, no, json!({ "birthday": birthday })).await;
    }
    app.run_job("analytics", &app.brand.today().to_string())
        .await
        .expect("analytics");
    set_tier(&app, "A1", "A").await;
    set_tier(&app, "B1", "B").await;
    // Joined after the run: not tiered yet.
    app.create_member(&admin, "N1", json!({})).await;

    // A: 2 × 123.45 = 246.9 → 246 (rounded down); B: 1.5 × 99.99 = 149.985 → 149; untiered
    // 1 × 10.50 → 10; BD (D, 1 per yuan) in her birthday month, March: 2 × 50 = 100.
    buy(&app, &admin, "A1", "O1", "2026-11-02T10:00:00Z", "123.45", None).await;
    buy(&app, &admin, "B1", "O2", "2026-11-03T10:00:00Z", "99.99", Some("床品")).await;
    buy(&app, &admin, "N1", "O3", "2026-11-04T10:00:00Z", "10.50", None).await;
    buy(&app, &admin, "BD", "O4", "2026-03-10T10:00:00Z", "50.00", None).await;
    // An excluded category earns nothing; recording an order again earns nothing more.
    buy(
        &app,
        &admin,
        "A1",
        "O5",
        "2026-11-05T10:00:00Z",
        "500.00",
        Some("礼品卡"),
    )
    .await;
    buy(&app, &admin, "A1", "O1", "2026-11-02T10:00:00Z", "123.45", None).await;
    let balances = [("A1", 246), ("B1", 149), ("N1", 10), ("BD", 100)];
    for (no, expected) in balances {
        assert_eq!(balance(&app, &admin, no).await, expected, "{no}");
    }

    // A third of O1 back: a third of its 246 points.
    give_back(&app, &admin, "O1", "41.15").await;
    assert_eq!(balance(&app, &admin, "A1").await, 246 - 82);
    // B1 spends 100 of 149, then returns all of O2: 149 owed, 49 there to take.
    app.ok(
        &admin,
        "mutation { redeemPoints(memberNo: \"B1\", points: 100) { points } }",
        json!({}),
    )
    .await;
    give_back(&app, &admin, "O2", "99.99").await;
    assert_eq!(balance(&app, &admin, "B1").await, 0);
    let ledger = app
        .ok(
            &admin,
            "{ member(memberNo: \"B1\") { pointsLedger(first: 5) { edges { node { kind points reason } } } } }",
            json!({}),
        )
        .await;
    let newest = &ledger["member"]["pointsLedger"]["edges"][0]["node"];
    assert_eq!(newest["kind"], "EARN");
    assert_eq!(newest["points"], -49);
    assert_eq!(
        newest["reason"],
        "return of order O2: 49 of 149 points taken back (100 already spent)"
    );

    // An import earns the same way, a return in the same file takes back its share, and a
    // second import of the file changes nothing.
    let csv = "member_no,occurred_at,amount,order_id,kind\nA1,2026-11-10,200.00,O6,purchase\nA1,2026-11-12,100.00,O6,return\nN1,2026-11-10,7.99,O7,purchase\n";
    app.import("purchases", csv).await;
    assert_eq!(balance(&app, &admin, "A1").await, 164 + 400 - 200);
    assert_eq!(balance(&app, &admin, "N1").await, 10 + 7);
    app.import("purchases", csv).await;
    assert_eq!(balance(&app, &admin, "A1").await, 364);

    let audit = app
        .ok(&admin, "{ auditLog(first: 50) { action detail } }", json!({}))
        .await;
    let earned: Vec<&Value> = audit["auditLog"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["action"] == "points.earn_by_rules")
        .collect();
    assert_eq!(earned.len(), 7, "O1–O4, the two returns, the import: {audit}");
}

#[tokio::test]
async fn points_expire_at_the_end_of_the_nth_month_oldest_first() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    app.create_member(&admin, "E1", json!({})).await;
    app.create_member(&admin, "L1", json!({})).await;
    // Entries as they were written back then (brand time Asia/Shanghai, UTC+8).
    let history = [
        ("E1", 100, "2025-01-15T04:00:00Z"),
        ("E1", 50, "2025-02-28T04:00:00Z"),
        ("E1", -30, "2025-06-01T04:00:00Z"),
        ("E1", 20, "2025-12-01T04:00:00Z"),
        // 29 February 2024, 10:00 in Shanghai; and 16:30 UTC, already 1 March there.
        ("L1", 10, "2024-02-29T02:00:00Z"),
        ("L1", 5, "2024-02-29T16:30:00Z"),
    ];
    for (no, points, at) in history {
        write_entry(&app, no, points, at).await;
    }
    let expire = |date: &'static str| {
        let app = &app;
        async move {
            app.run_job("points-expiry", date).await.expect("expiry")["members"]
                .as_u64()
                .unwrap()
        }
    };
    // The leap day's points last through 28 February 2025; those earned on 1 March (Shanghai)
    // through 31 March.
    assert_eq!(expire("2025-02-28").await, 0);
    assert_eq!(balance(&app, &admin, "L1").await, 15);
    assert_eq!(expire("2025-03-01").await, 1);
    assert_eq!(balance(&app, &admin, "L1").await, 5);
    assert_eq!(expire("2025-04-01").await, 1);
    assert_eq!(balance(&app, &admin, "L1").await, 0);
    // E1's January points last through 31 January 2026.
    assert_eq!(expire("2026-01-31").await, 0);
    // From 1 February: 100 earned in January, 30 spent (oldest first) → 70 expire.
    assert_eq!(expire("2026-02-01").await, 1);
    assert_eq!(balance(&app, &admin, "E1").await, 100 + 50 - 30 + 20 - 70);
    // The same day again, and a later day before anything else lapses: nothing.
    assert_eq!(expire("2026-02-01").await, 0);
    assert_eq!(expire("2026-02-28").await, 0);
    // February's 50 lapse on 1 March; December's 20 stay.
    assert_eq!(expire("2026-03-01").await, 1);
    assert_eq!(balance(&app, &admin, "E1").await, 20);

    let ledger = app
        .ok(
            &admin,
            "{ member(memberNo: \"L1\") { pointsLedger(first: 1) { edges { node { kind points reason } } } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ledger["member"]["pointsLedger"]["edges"][0]["node"],
        json!({ "kind": "EXPIRE", "points": -5, "reason": "points earned before 2024-04-01 expired" })
    );
}

async fn write_entry(app: &TestApp, member_no: &str, points: i64, at: &str) {
    let member = patron::service::member::find(&app.db, member_no).await.expect("member");
    entity::points_entry::ActiveModel {
        member_id: Set(member.id),
        kind: Set(if points > 0 {
            PointsKind::Earn
        } else {
            PointsKind::Redeem
        }),
        points: Set(points),
        created_at: Set(at.parse::<DateTime<Utc>>().unwrap()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .expect("entry");
}

/// The built-in notice goes 14 days before a month's last day to members with points lapsing
/// at its end, says when, and is recorded as an occurrence of its campaign (dates in the past:
/// jobs run by hand cover days that have begun).
#[tokio::test]
async fn members_are_told_before_their_points_lapse() {
    let app = spawn_app_with(|_| {}).await;
    let admin = app.admin().await;
    for no in ["P1", "P2", "P3"] {
        let profile =
            json!({ "email": format!("{}@example.com", no.to_lowercase()), "emailConsent": true, "locale": "en" });
        app.create_member(&admin, no, profile).await;
    }
    // P1's December 2024 points lapse at the end of 2025-12-31; P2 spent theirs; P3's are from
    // January 2025 and last a month longer.
    write_entry(&app, "P1", 100, "2024-12-05T04:00:00Z").await;
    write_entry(&app, "P2", 50, "2024-12-05T04:00:00Z").await;
    write_entry(&app, "P2", -50, "2025-02-01T04:00:00Z").await;
    write_entry(&app, "P3", 30, "2025-01-05T04:00:00Z").await;
    let queued = |date: &'static str| {
        let app = &app;
        async move {
            app.run_job("points-expiry-notice", date).await.expect("notice")["queued"]
                .as_u64()
                .unwrap()
        }
    };
    // 14 days ahead of 16 December is the 30th: no month ends then.
    assert_eq!(queued("2025-12-16").await, 0);
    assert_eq!(queued("2025-12-17").await, 1);
    assert_eq!(queued("2025-12-17").await, 0, "queued once");
    let sent = app.run_job("outbox", "2025-12-17").await.expect("outbox");
    assert_eq!(sent["sent"], 1, "{sent}");

    let folder = app.database.dir.path().join("outbox");
    let files: Vec<_> = std::fs::read_dir(&folder)
        .expect("outbox folder")
        .map(|f| f.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let raw = std::fs::read(&files[0]).unwrap();
    let email = mail_parser::MessageParser::default().parse(&raw).expect("email");
    assert_eq!(
        email.subject(),
        Some("Member P1, some of your points expire on 2025-12-31")
    );
    assert!(email.to().unwrap().first().unwrap().address().unwrap() == "p1@example.com");

    // Campaigns, then the one's occurrences: a list in every campaign is past the complexity
    // limit.
    let id = app.builtin_campaign(&admin, "POINTS_EXPIRY").await;
    let one = "query($id:ID!){ campaign(id:$id){ status occurrences { key audience queued } } }";
    let found = app.ok(&admin, one, json!({ "id": id })).await;
    let notice = &found["campaign"];
    assert_eq!(notice["status"], "scheduled");
    assert_eq!(
        notice["occurrences"],
        json!([{ "key": "2025-12-31", "audience": 1, "queued": 1 }])
    );
}
