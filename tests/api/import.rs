//! CSV import: bad rows reported by line, good rows kept, re-import changes nothing.
use std::io::Write;

use serde_json::json;

use crate::helpers::spawn_app;

fn csv_file(text: &str) -> tempfile::NamedTempFile {
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    file.write_all(text.as_bytes()).expect("write csv");
    file
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
    let report = patron::import::members(&app.db, &app.brand, file.path())
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
    patron::import::members(&app.db, &app.brand, members.path())
        .await
        .expect("first import");
    let again = patron::import::members(&app.db, &app.brand, members.path())
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
    let first = patron::import::purchases(&app.db, &app.brand, purchases.path())
        .await
        .expect("purchases import");
    assert_eq!((first.added, first.unchanged), (4, 1), "{first}");
    let lines: Vec<u64> = first.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [6, 7, 8, 9, 11], "{first}");
    assert!(first.rejected[4].1.contains("different details"), "{first}");

    let second = patron::import::purchases(&app.db, &app.brand, purchases.path())
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
