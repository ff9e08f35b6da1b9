//! The analytics run end to end: aggregation in SQL, scoring, write-back, the API.
use jobs::analytics::store::load_facts;
use serde_json::json;

use crate::helpers::{first_error, spawn_app, TestApp};

/// D = 2024-03-01 (a leap year: D − 365 days = 2023-03-02, D − 90 = 2023-12-02).
const PURCHASES: &str = "member_no,occurred_at,amount,profit,order_id,kind
M1,2023-03-02,100.00,40.00,A1,purchase
M1,2023-03-03,200.00,,A2,purchase
M1,2023-04-01,50.00,,A2,return
M1,2024-02-29,50.00,20.00,A3,purchase
M1,2024-02-29,30.00,10.00,A4,purchase
M1,2024-03-01,40.00,,A5,purchase
M1,2024-03-01,40.00,,A5,return
M1,2024-03-02,999.00,,A6,purchase
M3,2024-01-10,80.00,,C1,purchase
M3,2024-01-11,80.00,,C1,return
M4,2024-01-01,100.00,,D1,purchase
M4,2024-01-05,30.00,,D1,return
M4,2024-01-02,50.00,,D2,purchase
M4,2024-01-03,50.00,,D2,return
M4,2024-01-03,70.00,,D3,purchase
";

#[tokio::test]
async fn aggregation_nets_returns_and_counts_days_in_each_window() {
    let app = spawn_app().await;
    app.import(
        "members",
        "member_no,name,joined_at,referred_by\nM1,One,2023-01-01,\nM2,Two,2023-06-01,M1\nM3,Three,2023-06-01,\nM4,Four,2023-06-01,\n",
    )
    .await;
    app.import("purchases", PURCHASES).await;
    let facts = load_facts(&app.db, "2024-03-01".parse().unwrap()).await.expect("facts");
    assert_eq!(facts.len(), 4);
    let by_no = |i: usize| facts.iter().find(|f| f.member_id == i as i64).cloned().expect("member");
    let m1 = by_no(1);
    let date = |s: &str| s.parse::<chrono::NaiveDate>().ok();
    // Days: 2023-03-02 (100), 2023-03-03 (200 − 50 returned), 2024-02-29 (two orders, 80);
    // 2024-03-01 was returned in full and 2024-03-02 is after D.
    assert_eq!(
        (m1.purchase_days, m1.orders_total, m1.spend_total_cents),
        (3, 4, 33_000)
    );
    assert_eq!(
        (m1.first_purchase, m1.last_purchase),
        (date("2023-03-02"), date("2024-02-29"))
    );
    assert_eq!(m1.first_day_spend_cents, 10_000);
    assert_eq!(
        (m1.frequency_365, m1.monetary_365_cents),
        (2, 23_000),
        "2023-03-02 is outside (D−365, D]"
    );
    // Profit falls back to spend where unknown: 150 + 20 + 10.
    assert_eq!(m1.profit_365_cents, 18_000);
    assert_eq!((m1.days_last_90, m1.days_prior_365, m1.frequency_prev_365), (1, 2, 1));
    assert!(!m1.referred && by_no(2).referred);
    let m2 = by_no(2);
    assert_eq!(
        (m2.purchase_days, m2.spend_total_cents, m2.first_purchase),
        (0, 0, None)
    );
    let m3 = by_no(3);
    assert_eq!(
        (m3.purchase_days, m3.orders_total, m3.monetary_365_cents),
        (0, 0, 0),
        "a fully returned order is no purchase"
    );
}

const MEMBER: &str = "query($no:String!){ member(memberNo:$no){ tier tierHistory { oldTier newTier reason }
    metrics { asOf recencyDays frequency365 monetary365 spendTotal avgOrderValue rScore fScore mScore qualifiedTier
        belowTierSince pAlive expectedPurchases365 expectedValue365 clv simpleClv loyaltyQuadrant loyaltyStrategy
        valueQuadrant valueStrategy layer declining lapsed } } }";

/// Three purchase days of 1000 make a B member (spend ≥ 3000, 3 days) until they age out.
const B_MEMBER: &str = "member_no,occurred_at,amount,order_id
M1,2023-03-05,1000.00,B1
M1,2023-03-06,1000.00,B2
M1,2023-03-07,1000.00,B3
";

/// M1 a B member as of 2024-03-01, M2 who never bought; and an admin token.
async fn b_member() -> (TestApp, String) {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import(
        "members",
        "member_no,name,joined_at\nM1,One,2023-01-01\nM2,Two,2023-01-01\n",
    )
    .await;
    app.import("purchases", B_MEMBER).await;
    (app, admin)
}

#[tokio::test]
async fn tiers_downgrade_only_after_the_grace_period_and_upgrade_at_once() {
    let (app, admin) = b_member().await;
    let tier = |data: &serde_json::Value| data["member"]["tier"].clone();

    app.run_job("analytics", "2024-03-01").await.expect("first run");
    let data = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(tier(&data), "B");
    assert_eq!(
        data["member"]["tierHistory"],
        json!([{ "oldTier": null, "newTier": "B", "reason": "first run" }])
    );

    // 2024-03-06: D − 365 = 2023-03-07, so all three days have left the window.
    app.run_job("analytics", "2024-03-06").await.expect("second run");
    let data = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(data["member"]["metrics"]["qualifiedTier"], "D");
    assert_eq!(tier(&data), "B", "still inside the 30-day grace period");
    assert_eq!(data["member"]["metrics"]["belowTierSince"], "2024-03-06");

    app.run_job("analytics", "2024-04-04").await.expect("29 days later");
    assert_eq!(tier(&app.ok(&admin, MEMBER, json!({ "no": "M1" })).await), "B");
    app.run_job("analytics", "2024-04-05").await.expect("30 days later");
    let data = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(tier(&data), "D", "downgraded once below for 30 days");
    assert_eq!(data["member"]["tierHistory"][0]["oldTier"], "B");

    app.import("purchases", "member_no,occurred_at,amount,order_id\nM1,2024-04-06,3000.00,U1\nM1,2024-04-07,10.00,U2\nM1,2024-04-08,10.00,U3\n").await;
    app.run_job("analytics", "2024-04-08").await.expect("upgrade run");
    let data = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(tier(&data), "B", "upgrades apply at once");
    assert_eq!(data["member"]["tierHistory"].as_array().map(Vec::len), Some(3));
    let never = app.ok(&admin, MEMBER, json!({ "no": "M2" })).await;
    assert_eq!(tier(&never), "D");
    assert_eq!(never["member"]["metrics"]["layer"], "POTENTIAL");
    assert!(never["member"]["metrics"]["rScore"].is_null());
}

#[tokio::test]
async fn rerunning_a_date_gives_the_same_results_without_duplicate_history() {
    let (app, admin) = b_member().await;
    app.run_job("analytics", "2024-03-01").await.expect("run");
    app.run_job("analytics", "2024-03-06").await.expect("run");
    let first = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    let run = "{ analyticsRun { asOf members kpis { activeMembers } tierDistribution { key count } } jobRuns { job status } }";
    let first_run = app.ok(&admin, run, json!({})).await;
    app.run_job("analytics", "2024-03-06").await.expect("same date again");
    let again = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(
        first, again,
        "a re-run starts from the state before the date's first run"
    );
    let again_run = app.ok(&admin, run, json!({})).await;
    assert_eq!(first_run["analyticsRun"], again_run["analyticsRun"]);
    assert_eq!(
        again_run["jobRuns"].as_array().map(Vec::len),
        Some(3),
        "every run is recorded"
    );

    let older = app.run_job("analytics", "2024-03-01").await.expect_err("older date");
    assert!(older.to_string().contains("only move forward"), "{older}");
    let future = app.run_job("analytics", "2999-01-01").await.expect_err("future");
    assert!(future.to_string().contains("future"), "{future}");
    let mutation = "mutation{ runAnalytics(asOf:\"2999-01-01\"){ status } }";
    assert_eq!(app.error_code(&admin, mutation, json!({})).await, "BAD_USER_INPUT");
    let marketer = app.token(patron::auth::Role::Marketer, None, None, None).await;
    assert_eq!(
        app.error_code(&marketer, "mutation{ runAnalytics { status } }", json!({}))
            .await,
        "FORBIDDEN"
    );
    let ran = app
        .ok(
            &admin,
            "mutation{ runAnalytics(asOf:\"2024-03-07\"){ job trigger status } }",
            json!({}),
        )
        .await;
    assert_eq!(
        ran["runAnalytics"],
        json!({ "job": "analytics", "trigger": "api", "status": "succeeded" })
    );
}

#[tokio::test]
async fn only_one_run_at_a_time() {
    let app = spawn_app().await;
    app.import("members", "member_no,name\nM1,One\n").await;
    let held = jobs::lease::Lease::acquire(&app.db, "job:analytics")
        .await
        .expect("db")
        .expect("free");
    let busy = app.run_job("analytics", "2024-03-01").await.expect_err("lease held");
    assert!(matches!(busy, jobs::JobError::Busy(_)), "{busy}");
    held.release().await.expect("release");
    app.run_job("analytics", "2024-03-01")
        .await
        .expect("runs once the lease is free");
}

/// A run that fails halfway through its write leaves the previous results readable and can
/// simply be started again.
#[tokio::test]
async fn a_run_that_fails_while_writing_leaves_the_previous_results() {
    use sea_orm::{ConnectionTrait, DbBackend};
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.import("members", "member_no,name,joined_at\nM1,One,2023-01-01\n")
        .await;
    app.import("purchases", B_MEMBER).await;
    app.run_job("analytics", "2024-03-01").await.expect("first run");
    let before = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;

    // Make the run's write fail after the new metrics were written, before they replace the
    // previous ones.
    let postgres = app.db.get_database_backend() == DbBackend::Postgres;
    let (create, drop) = if postgres {
        (vec![
            "CREATE FUNCTION fail_history() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'disk full'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_history BEFORE INSERT ON tier_history FOR EACH ROW EXECUTE FUNCTION fail_history()",
        ], "DROP TRIGGER fail_history ON tier_history")
    } else {
        (
            vec![
                "CREATE TRIGGER fail_history BEFORE INSERT ON tier_history BEGIN SELECT RAISE(ABORT, 'disk full'); END",
            ],
            "DROP TRIGGER fail_history",
        )
    };
    for sql in create {
        app.db.execute_unprepared(sql).await.expect("trigger");
    }
    // Six purchase days of 2000 in the window make an A member: an upgrade to record.
    let upgrade: String = (1..=6)
        .map(|d| format!("M1,2024-03-{:02},2000.00,X{d}\n", d + 8))
        .collect();
    app.import(
        "purchases",
        &format!("member_no,occurred_at,amount,order_id\n{upgrade}"),
    )
    .await;
    let failed = app.run_job("analytics", "2024-04-05").await.expect_err("write fails");
    assert!(matches!(failed, jobs::JobError::Db(_)), "{failed}");
    assert_eq!(
        app.ok(&admin, MEMBER, json!({ "no": "M1" })).await,
        before,
        "previous results intact"
    );
    let runs = app
        .ok(
            &admin,
            "{ jobRuns(job:\"analytics\") { status error } analyticsRun { asOf } }",
            json!({}),
        )
        .await;
    assert_eq!(runs["jobRuns"][0]["status"], "failed");
    assert_eq!(runs["analyticsRun"]["asOf"], "2024-03-01");

    app.db.execute_unprepared(drop).await.expect("drop trigger");
    app.run_job("analytics", "2024-04-05").await.expect("runs again");
    let after = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(after["member"]["metrics"]["asOf"], "2024-04-05");
    assert_eq!(after["member"]["tier"], "A");
    let bad = app
        .graphql(&admin, "{ members(filter:{ minRScore: 9 }) { totalCount } }", json!({}))
        .await;
    assert_eq!(first_error(&bad), ("BAD_USER_INPUT".into(), Some("minRScore".into())));
}

/// The metrics table is replaced whole by every run (jobs::replace): the table that takes its
/// place has the same indexes under the same names, and its key still refuses a duplicate.
#[tokio::test]
async fn the_replaced_metrics_table_keeps_its_indexes_and_key() {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let (app, admin) = b_member().await;
    let backend = app.db.get_database_backend();
    let indexes = || async {
        let sql = if backend == DbBackend::Postgres {
            "SELECT indexname AS name, indexdef AS definition FROM pg_indexes WHERE tablename = 'member_metrics' ORDER BY 1"
        } else {
            "SELECT name, COALESCE(sql, '') AS definition FROM sqlite_master WHERE type = 'index' AND tbl_name = 'member_metrics' ORDER BY 1"
        };
        let rows = app
            .db
            .query_all(Statement::from_string(backend, sql))
            .await
            .expect("indexes");
        rows.iter()
            .map(|r| {
                let name: String = r.try_get("", "name").expect("name");
                let definition: String = r.try_get("", "definition").expect("definition");
                format!("{name}: {definition}")
            })
            .collect::<Vec<_>>()
    };
    let migrated = indexes().await;
    assert!(migrated.len() >= 7, "{migrated:?}");
    app.run_job("analytics", "2024-03-01").await.expect("first run");
    app.run_job("analytics", "2024-03-06").await.expect("next run");
    assert_eq!(indexes().await, migrated);
    let duplicate = app
        .db
        .execute(Statement::from_string(
            backend,
            "INSERT INTO member_metrics SELECT * FROM member_metrics",
        ))
        .await;
    assert!(duplicate.is_err(), "the primary key holds");
    let member = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(member["member"]["metrics"]["asOf"], "2024-03-06");
}

/// Migration 37 keys SQLite's metrics by the member id as the rowid and indexes tier changes by
/// run; undone and redone over a run's results, it keeps every row and the shape follows.
#[tokio::test]
async fn the_metrics_key_migration_goes_down_and_up_with_the_rows() {
    use migration::{Migrator, MigratorTrait};
    use sea_orm::{ConnectionTrait, DbBackend};
    const MIGRATION: &str = "m20261213_000037_analytics_tables_for_segments";
    let (app, _admin) = b_member().await;
    app.run_job("analytics", "2024-03-01").await.expect("run");
    // On SQLite, the metrics table's key and whether its member id is checked.
    let sqlite = app.db.get_database_backend() == DbBackend::Sqlite;
    let keyed = |table: &str, key: &str, checked: bool| {
        if sqlite {
            assert!(
                table.contains(&format!(r#""member_id" {key} NOT NULL PRIMARY KEY"#)),
                "{table}"
            );
            assert_eq!(
                table.contains(r#"FOREIGN KEY ("member_id") REFERENCES "members""#),
                checked,
                "{table}"
            );
        }
    };
    let migrated = metrics_shape(&app.db).await;
    assert_eq!((migrated.0.as_str(), migrated.1.as_str()), ("2 1", "1"));
    keyed(&migrated.2, "integer", false);
    let later = Migrator::migrations()
        .iter()
        .rev()
        .take_while(|m| m.name() != MIGRATION)
        .count();
    Migrator::down(&app.db, Some(u32::try_from(later).unwrap() + 1))
        .await
        .expect("down");
    let undone = metrics_shape(&app.db).await;
    assert_eq!((undone.0.as_str(), undone.1.as_str()), ("2 1", "0"));
    keyed(&undone.2, "bigint", true);
    Migrator::up(&app.db, None).await.expect("up again");
    assert_eq!(metrics_shape(&app.db).await, migrated);
    app.run_job("analytics", "2024-03-06")
        .await
        .expect("a run on the migrated table");
}

/// The metrics' row count and first member, whether tier changes are indexed by run, and on
/// SQLite the metrics table's definition.
async fn metrics_shape(db: &sea_orm::DatabaseConnection) -> (String, String, String) {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let backend = db.get_database_backend();
    let text = |sql: &str| {
        let statement = Statement::from_string(backend, sql.to_owned());
        async move {
            let row = db.query_one(statement).await.expect("query").expect("a row");
            row.try_get_by_index::<String>(0).expect("text")
        }
    };
    let rows = text("SELECT CAST(COUNT(*) AS TEXT) || ' ' || CAST(MIN(member_id) AS TEXT) FROM member_metrics").await;
    if backend == DbBackend::Postgres {
        let by_run = text("SELECT CAST(COUNT(*) AS TEXT) FROM pg_indexes WHERE indexname = 'idx_tier_history_run'");
        return (rows, by_run.await, String::new());
    }
    let by_run = text("SELECT CAST(COUNT(*) AS TEXT) FROM sqlite_master WHERE name = 'idx_tier_history_run'").await;
    let table = text("SELECT sql FROM sqlite_master WHERE name = 'member_metrics'").await;
    (rows, by_run, table)
}

/// A query still reading the metrics while the run replaces them sees the previous results
/// throughout and does not make the run fail; on PostgreSQL the replacement waits for it.
#[tokio::test]
async fn a_reader_of_the_metrics_sees_the_previous_run_and_does_not_fail_the_next() {
    use sea_orm::{ConnectionTrait, DbBackend, TransactionTrait};
    use std::time::{Duration, Instant};
    let (app, admin) = b_member().await;
    app.run_job("analytics", "2024-03-01").await.expect("first run");
    let backend = app.db.get_database_backend();
    let reader = app.db.begin().await.expect("reader");
    let before = metrics_seen(&reader).await;
    assert_eq!(before.0, 2);
    let (ran, released) = tokio::join!(
        async {
            let ran = app.run_job("analytics", "2024-03-06").await;
            (ran, Instant::now())
        },
        async {
            tokio::time::sleep(Duration::from_secs(3)).await;
            assert_eq!(
                metrics_seen(&reader).await,
                before,
                "the reader still sees the previous run"
            );
            let released = Instant::now();
            reader.commit().await.expect("reader done");
            released
        }
    );
    let (ran, finished) = ran;
    ran.expect("the run succeeds");
    if backend == DbBackend::Postgres {
        assert!(finished > released, "the replacement waited for the reader");
    }
    let member = app.ok(&admin, MEMBER, json!({ "no": "M1" })).await;
    assert_eq!(member["member"]["metrics"]["asOf"], "2024-03-06");
}

/// How many metrics rows `reader` sees, and of which run.
async fn metrics_seen(reader: &sea_orm::DatabaseTransaction) -> (i64, i64) {
    use sea_orm::{ConnectionTrait, Statement};
    let sql = "SELECT COUNT(*) AS members, CAST(MAX(run_id) AS BIGINT) AS run FROM member_metrics";
    let row = reader
        .query_one(Statement::from_string(reader.get_database_backend(), sql))
        .await
        .expect("read")
        .expect("a row");
    (
        row.try_get("", "members").expect("members"),
        row.try_get("", "run").expect("run"),
    )
}
