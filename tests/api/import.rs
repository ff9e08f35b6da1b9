//! CSV import: bad rows reported by line, good rows kept, re-import changes nothing.
use entity::vocabulary::PurchaseKind;
use std::fmt::Write as _;
use std::io::Write;

use chrono::{TimeZone, Utc};
use entity::purchase;
use patron::import::Encoding;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait, Set};
use serde_json::json;

use crate::helpers::spawn_app;

fn csv_file(text: impl AsRef<[u8]>) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_ref()).expect("write csv");
    file
}

/// The text as Excel on Chinese Windows saves it.
fn gbk(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable, "{text} is not all GBK");
    bytes.into_owned()
}

async fn purchase_count(app: &crate::helpers::TestApp) -> u64 {
    purchase::Entity::find().count(&app.db).await.expect("count purchases")
}

const MEMBERS: &str =
    "member_no,name,gender,birthday,phone,email,city,joined_at,store,referred_by,email_consent,locale,time_zone
M1,王芳,女,1990-02-28,13812345678,wang@example.com,上海,2024-01-01,S1,,true,zh-CN,Asia/Shanghai
M2,Li Lei,male,1985-12-01,+8613900000000,li@example.com,Beijing,2024-02-01,S2,M1,no,en,
M3,Bad Email,f,1991-01-01,,not-an-email,,,,,,,
M4,Future,f,2999-01-01,,,,,,,,,
M5,Bad Zone,,,,,,,,,,,Mars/Base
,No Number,,,,,,,,,,,
M6,\"Zhang, Wei\",,,,,,,,M404,,,
M7,Zhou Jie,m,,,,,,,M2,,,
M8,No Address,,,,,,,,,yes,,
";

#[tokio::test]
async fn member_import_reports_bad_rows_by_line_and_keeps_good_ones() {
    let app = spawn_app().await;
    let file = csv_file(MEMBERS);
    let report = patron::import::members(&app.db, &app.brand, file.path(), None)
        .await
        .expect("import runs");
    assert_eq!((report.added, report.updated, report.unchanged), (3, 0, 0), "{report}");
    let lines: Vec<u64> = report.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [4, 5, 6, 7, 8, 10], "{report}");
    let reasons: Vec<&str> = report.rejected.iter().map(|(_, reason)| reason.as_str()).collect();
    assert!(reasons[0].contains("email"), "{report}");
    assert!(reasons[1].contains("future"), "{report}");
    assert!(reasons[2].contains("time zone"), "{report}");
    assert!(reasons[3].contains("member_no"), "{report}");
    assert!(reasons[4].contains("M404"), "{report}");
    assert!(reasons[5].contains("email address"), "{report}");

    let admin = app.admin().await;
    let query = "{ member(memberNo:\"M2\"){ name gender locale emailConsent store { code } referredBy { memberNo } } }";
    let m2 = app.ok(&admin, query, json!({})).await["member"].clone();
    assert_eq!(
        m2,
        json!({ "name": "Li Lei", "gender": "MALE", "locale": "en", "emailConsent": false,
        "store": { "code": "S2" }, "referredBy": { "memberNo": "M1" } })
    );
    let m7 = app
        .ok(
            &admin,
            "{ member(memberNo:\"M7\"){ referredBy { memberNo } } }",
            json!({}),
        )
        .await;
    assert_eq!(
        m7["member"]["referredBy"]["memberNo"], "M2",
        "a referrer earlier in the same file is found"
    );
}

#[tokio::test]
async fn reimporting_the_same_files_changes_nothing() {
    let app = spawn_app().await;
    let members = csv_file(MEMBERS);
    patron::import::members(&app.db, &app.brand, members.path(), None)
        .await
        .expect("first import");
    let again = patron::import::members(&app.db, &app.brand, members.path(), None)
        .await
        .expect("second import");
    assert_eq!(
        (again.added, again.updated, again.unchanged, again.rejected.len()),
        (0, 0, 3, 6),
        "{again}"
    );

    let purchases = csv_file(
        "member_no,occurred_at,amount,profit,order_id,store,category,kind
M1,2026-01-05,199.00,80.00,O-1,S1,女装,purchase
M1,2026-01-06T10:30:00+08:00,50,,O-2,,,
M2,2026-02-01,120.5,,,,,
M1,2026-01-09,80,,O-1,,,return
M404,2026-01-05,10,,O-3,,,
M1,not-a-date,10,,O-4,,,
M1,2026-01-05,-3,,O-5,,,
M1,2026-01-05,abc,,O-6,,,
M1,2026-01-05,199.00,80.00,O-1,S1,女装,purchase
M2,2026-01-07,1,,O-2,,,
",
    );
    let first = patron::import::purchases(&app.db, &app.brand, purchases.path(), None)
        .await
        .expect("purchases import");
    assert_eq!((first.added, first.unchanged), (4, 1), "{first}");
    let lines: Vec<u64> = first.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [6, 7, 8, 9, 11], "{first}");
    assert!(first.rejected[4].1.contains("different details"), "{first}");

    let second = patron::import::purchases(&app.db, &app.brand, purchases.path(), None)
        .await
        .expect("re-import");
    assert_eq!(
        (second.added, second.unchanged, second.rejected.len()),
        (0, 5, 5),
        "{second}"
    );

    let admin = app.admin().await;
    let query = "{ member(memberNo:\"M1\"){ purchases { edges { node { orderId kind amount profit occurredAt category } } } } }";
    let edges = app.ok(&admin, query, json!({})).await["member"]["purchases"]["edges"].clone();
    assert_eq!(edges.as_array().map(Vec::len), Some(3));
    assert_eq!(edges[0]["node"]["kind"], "return");
    assert_eq!(edges[0]["node"]["amount"], "-80.00", "a return is stored negative");
    assert_eq!(
        edges[2]["node"]["occurredAt"], "2026-01-05T04:00:00+00:00",
        "a bare date is noon in the brand's zone"
    );
}

/// 20 batches of 1000 rows, each batch spanning 1000 members, with purchases and returns of the
/// same orders and bad rows. SQLite once refused the lookup of a batch's orders (an OR per order
/// nested deeper than 1000) and imported nothing.
#[tokio::test]
async fn a_20000_row_purchase_file_imports_and_reimports_unchanged() {
    let app = spawn_app().await;
    let mut members = String::from("member_no,name\n");
    for m in 0..5000 {
        writeln!(members, "M{m:05},Member {m}").unwrap();
    }
    assert_eq!(app.import("members", &members).await.added, 5000);

    let mut purchases = String::from("member_no,occurred_at,amount,profit,order_id,store,category,kind\n");
    let mut bad_lines = Vec::new();
    for i in 0..20_000u64 {
        let (line, member, day) = (i + 2, i % 5000, 1 + i % 28);
        let written = match i % 1000 {
            998 => writeln!(purchases, "M{member:05},2026-01-{day:02},abc,,O{i},,,"),
            999 => writeln!(purchases, "X{member:05},2026-01-{day:02},10,,O{i},,,"),
            _ if i % 10 == 5 => {
                let order = i - 5;
                writeln!(purchases, "M{:05},2026-02-01,5.00,,O{order},,,return", order % 5000)
            }
            _ => writeln!(
                purchases,
                "M{member:05},2026-01-{day:02},{}.50,3,O{i},S{},床品,",
                10 + i % 90,
                i % 7
            ),
        };
        written.unwrap();
        if i % 1000 >= 998 {
            bad_lines.push(line);
        }
    }
    let file = csv_file(&purchases);
    let first = patron::import::purchases(&app.db, &app.brand, file.path(), None)
        .await
        .expect("first import");
    let rejected: Vec<u64> = first.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!((first.added, first.updated, first.unchanged), (19_960, 0, 0));
    assert_eq!(rejected, bad_lines);
    assert_eq!(purchase_count(&app).await, 19_960);

    let again = patron::import::purchases(&app.db, &app.brand, file.path(), None)
        .await
        .expect("second import");
    let rejected: Vec<u64> = again.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 19_960));
    assert_eq!(rejected, bad_lines, "the same rows are rejected again");
    assert_eq!(purchase_count(&app).await, 19_960, "re-importing adds no row");

    let admin = app.admin().await;
    let query = "{ member(memberNo:\"M00000\"){ purchases { edges { node { orderId kind amount } } } } }";
    let edges = app.ok(&admin, query, json!({})).await["member"]["purchases"]["edges"].clone();
    let mut o0: Vec<(String, String)> = edges
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["node"]["orderId"] == "O0")
        .map(|e| (e["node"]["kind"].to_string(), e["node"]["amount"].to_string()))
        .collect();
    o0.sort();
    let expected = [("\"purchase\"", "\"10.50\""), ("\"return\"", "\"-5.00\"")];
    assert_eq!(
        o0,
        expected.map(|(k, a)| (k.to_owned(), a.to_owned())),
        "order O0 and its return"
    );
}

/// The batch helpers themselves, past both databases' limits (SQLite: 32,766 bound parameters,
/// PostgreSQL: 65,535): 7,000 rows of 11 columns in one call, and 77,000 keys in one lookup.
#[tokio::test]
async fn batch_inserts_and_lookups_of_any_size_stay_within_the_database_limits() {
    let app = spawn_app().await;
    app.import("members", "member_no,name\nM1,王芳\n").await;
    let member = entity::member::Entity::find().one(&app.db).await.unwrap().unwrap();
    let at = Utc.with_ymd_and_hms(2026, 1, 5, 4, 0, 0).unwrap();
    let rows: Vec<purchase::ActiveModel> = (0..7000)
        .map(|i| purchase::ActiveModel {
            member_id: Set(member.id),
            store_id: Set(None),
            occurred_at: Set(at),
            occurred_on: Set(at.date_naive()),
            amount_cents: Set(100 + i),
            profit_cents: Set(Some(10)),
            order_id: Set(format!("O{i}")),
            kind: Set(PurchaseKind::Purchase),
            category: Set(Some("床品".to_owned())),
            created_at: Set(at),
            ..Default::default()
        })
        .collect();
    let on_conflict = OnConflict::columns([purchase::Column::OrderId, purchase::Column::Kind])
        .do_nothing()
        .to_owned();
    let inserted = jobs::sql::insert_chunked(&app.db, rows.clone(), on_conflict.clone())
        .await
        .expect("insert 77,000 parameters");
    assert_eq!(inserted, 7000);
    let again = jobs::sql::insert_chunked(&app.db, rows, on_conflict)
        .await
        .expect("insert again");
    assert_eq!(again, 0, "conflicting rows are skipped, not counted");

    let keys: Vec<String> = (0..77_000).map(|i| format!("O{i}")).collect();
    let found = jobs::sql::find_in(&app.db, purchase::Entity::find(), purchase::Column::OrderId, &keys)
        .await
        .expect("look up 77,000 keys");
    assert_eq!(found.len(), 7000);
    let pairs = (0..77_000).map(|i| {
        (
            format!("O{i}"),
            if i % 2 == 0 {
                PurchaseKind::Purchase
            } else {
                PurchaseKind::Return
            },
        )
    });
    let existing = patron::service::purchase::existing(&app.db, pairs)
        .await
        .expect("existing");
    assert_eq!(
        existing.len(),
        3500,
        "the even orders' purchases; no order has a return"
    );
}

/// A database failure stops the import with the lines of the batch it hit, never a bare
/// driver message; the batches before it are kept.
#[tokio::test]
async fn a_database_error_names_the_lines_of_the_failing_batch() {
    let app = spawn_app().await;
    app.import("members", "member_no,name\nM1,王芳\n").await;
    let refuse = if patron::db::is_postgres(&app.db) {
        app.db
            .execute_unprepared(
                "CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                 IF NEW.order_id = 'O1500' THEN RAISE EXCEPTION 'refused by a test trigger'; END IF; \
                 RETURN NEW; END $$",
            )
            .await
            .unwrap();
        "CREATE TRIGGER refuse_order BEFORE INSERT ON purchases FOR EACH ROW EXECUTE FUNCTION refuse_order()"
    } else {
        "CREATE TRIGGER refuse_order BEFORE INSERT ON purchases WHEN NEW.order_id = 'O1500' \
         BEGIN SELECT RAISE(ABORT, 'refused by a test trigger'); END"
    };
    app.db.execute_unprepared(refuse).await.unwrap();

    let mut purchases = String::from("member_no,occurred_at,amount,order_id\n");
    for i in 1..=2500 {
        writeln!(purchases, "M1,2026-01-05,10,O{i}").unwrap();
    }
    let file = csv_file(&purchases);
    let err = patron::import::purchases(&app.db, &app.brand, file.path(), None)
        .await
        .expect_err("the trigger stops the import");
    let message = format!("{err:#}");
    assert!(message.starts_with("lines 1002–2001: "), "{message}");
    assert_eq!(message.matches("refused by a test trigger").count(), 1, "{message}");
    assert_eq!(purchase_count(&app).await, 1000, "the first batch is kept");
}

/// Excel on Chinese Windows saves CSV as GBK; such files were once rejected line by line.
#[tokio::test]
async fn gbk_files_import_detected_or_with_the_encoding_flag() {
    let app = spawn_app().await;
    let members = gbk("member_no,name,city\nM1,王芳,上海\nM2,李雷,北京\n");
    let report = patron::import::members(&app.db, &app.brand, csv_file(members).path(), None)
        .await
        .expect("detected GB18030");
    assert_eq!((report.added, report.rejected.len()), (2, 0), "{report}");
    let with_bom = "\u{feff}member_no,name,city\nM3,张伟,广州\n";
    let report = patron::import::members(&app.db, &app.brand, csv_file(with_bom).path(), None)
        .await
        .expect("UTF-8 with a BOM");
    assert_eq!((report.added, report.rejected.len()), (1, 0), "{report}");

    let purchases = csv_file(gbk(
        "member_no,occurred_at,amount,order_id,category\nM1,2026-01-05,99,O1,床品\nM3,2026-01-06,5,O2,\n",
    ));
    let forced = patron::import::purchases(&app.db, &app.brand, purchases.path(), Some(Encoding::Utf8))
        .await
        .expect("read as UTF-8");
    assert_eq!((forced.added, forced.rejected.len()), (1, 1), "{forced}");
    assert_eq!(forced.rejected[0].0, 2, "{forced}");
    assert!(forced.rejected[0].1.contains("--encoding gb18030"), "{forced}");
    let report = patron::import::purchases(&app.db, &app.brand, purchases.path(), Some(Encoding::Gb18030))
        .await
        .expect("read as GB18030");
    assert_eq!(
        (report.added, report.unchanged, report.rejected.len()),
        (1, 1, 0),
        "{report}"
    );

    let admin = app.admin().await;
    let query = "{ member(memberNo:\"M1\"){ name city purchases { edges { node { category } } } } }";
    let m1 = app.ok(&admin, query, json!({})).await["member"].clone();
    assert_eq!(
        m1,
        json!({ "name": "王芳", "city": "上海", "purchases": { "edges": [{ "node": { "category": "床品" } }] } })
    );
    let m3 = app
        .ok(&admin, "{ member(memberNo:\"M3\"){ name city } }", json!({}))
        .await;
    assert_eq!(m3["member"], json!({ "name": "张伟", "city": "广州" }));
}
