//! The brand's own member fields and staff notes: planners define fields, the store's people set
//! values (checked against each field's kind) and write notes, an import sets values by line,
//! segments filter on them as `custom.<key>`, and notes stay with the store's people.
use patron::auth::Role;
use serde_json::{json, Value};

use crate::helpers::{first_error, spawn_app, TestApp};

const DEFINE: &str = "mutation($in: MemberFieldInput!) { defineMemberField(input: $in) { key label kind choices } }";
const SET: &str = "mutation($no: String!, $v: [MemberFieldValueInput!]!) {
  setMemberFields(memberNo: $no, values: $v) { key value } }";
const CARD: &str = "query($no: String!) { member(memberNo: $no) { customFields { key label kind value } } }";

async fn count(app: &TestApp, token: &str, condition: Value) -> Value {
    let preview = "query($f: SegmentFilter!) { segmentPreview(filter: $f) { count } }";
    let data = app.ok(token, preview, json!({ "f": { "field": condition } })).await;
    data["segmentPreview"]["count"].clone()
}

#[tokio::test]
async fn brands_define_fields_that_staff_fill_in_import_and_segment_on() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    for store in ["SH01", "BJ01"] {
        app.create_store(&admin, store).await;
    }
    for (no, store) in [("F1", "SH01"), ("F2", "SH01"), ("F3", "SH01"), ("F4", "BJ01")] {
        app.create_member(&admin, no, json!({ "storeCode": store })).await;
    }
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let associate = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    let family = json!({ "key": "family", "label": "家庭", "kind": "CHOICE", "choices": ["单身", "已婚", "已婚有孩"] });
    let defined = app.ok(&marketer, DEFINE, json!({ "in": family })).await;
    assert_eq!(
        defined["defineMemberField"],
        json!({ "key": "family", "label": "家庭", "kind": "CHOICE", "choices": ["单身", "已婚", "已婚有孩"] })
    );
    for field in [
        json!({ "key": "shoe_size", "label": "鞋码", "kind": "NUMBER" }),
        json!({ "key": "anniversary", "label": "结婚纪念日", "kind": "DATE" }),
        json!({ "key": "work", "label": "工作", "kind": "TEXT" }),
    ] {
        app.ok(&marketer, DEFINE, json!({ "in": field })).await;
    }
    for (input, field) in [
        (json!({ "key": "Shoe Size", "label": "x", "kind": "TEXT" }), "input.key"),
        (
            json!({ "key": "pets", "label": "宠物", "kind": "CHOICE" }),
            "input.choices",
        ),
        (
            json!({ "key": "work", "label": "工作", "kind": "NUMBER" }),
            "input.kind",
        ),
        (json!({ "key": "tone", "label": " ", "kind": "TEXT" }), "input.label"),
    ] {
        let response = app.graphql(&marketer, DEFINE, json!({ "in": input })).await;
        assert_eq!(
            first_error(&response),
            ("BAD_USER_INPUT".to_owned(), Some(field.to_owned())),
            "{response}"
        );
    }
    assert_eq!(
        app.error_code(
            &associate,
            DEFINE,
            json!({ "in": { "key": "x", "label": "x", "kind": "TEXT" } })
        )
        .await,
        "FORBIDDEN"
    );

    // The associate fills in their store's members; a value that does not fit is refused by place.
    let values = json!([{ "key": "family", "value": "已婚有孩" }, { "key": "shoe_size", "value": "38.50" },
        { "key": "anniversary", "value": "2015-05-20" }, { "key": "work", "value": "医生" }]);
    let saved = app.ok(&associate, SET, json!({ "no": "F1", "v": values })).await;
    assert_eq!(
        saved["setMemberFields"],
        json!([{ "key": "family", "value": "已婚有孩" }, { "key": "shoe_size", "value": "38.5" },
            { "key": "anniversary", "value": "2015-05-20" }, { "key": "work", "value": "医生" }])
    );
    for (values, field) in [
        (json!([{ "key": "shoe_size", "value": "大" }]), "values[0].value"),
        (
            json!([{ "key": "work", "value": "x" }, { "key": "family", "value": "离异" }]),
            "values[1].value",
        ),
        (
            json!([{ "key": "anniversary", "value": "2015-02-30" }]),
            "values[0].value",
        ),
        (json!([{ "key": "pets", "value": "猫" }]), "values[0].key"),
    ] {
        let response = app.graphql(&associate, SET, json!({ "no": "F2", "v": values })).await;
        assert_eq!(first_error(&response).1.as_deref(), Some(field), "{response}");
    }
    let other_store = app.graphql(&associate, SET, json!({ "no": "F4", "v": [] })).await;
    assert_eq!(first_error(&other_store).0, "NOT_FOUND");
    let card = app.ok(&marketer, CARD, json!({ "no": "F2" })).await;
    assert_eq!(
        card["member"]["customFields"],
        json!([]),
        "a refused set writes nothing"
    );

    // An import sets values by line: unknown members and values that do not fit are reported,
    // the rest kept; importing it again changes nothing.
    let file = tempfile::NamedTempFile::new().unwrap();
    let csv = "member_no,family,shoe_size\nF2,已婚,36\nF3,单身,\nF9,单身,40\nF4,离异,39\nF1,,39\n";
    std::fs::write(file.path(), csv).unwrap();
    let report = patron::import::member_fields(&app.db, file.path(), None).await.unwrap();
    assert_eq!((report.added, report.updated, report.unchanged), (3, 1, 0), "{report}");
    let lines: Vec<u64> = report.rejected.iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [4, 5], "{report}");
    assert!(report.rejected[1].1.contains("离异"), "{report}");
    let again = patron::import::member_fields(&app.db, file.path(), None).await.unwrap();
    assert_eq!((again.added, again.updated, again.unchanged), (0, 0, 4), "{again}");
    let card = app.ok(&associate, CARD, json!({ "no": "F1" })).await;
    let shoe = card["member"]["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "shoe_size")
        .cloned();
    assert_eq!(
        shoe,
        Some(json!({ "key": "shoe_size", "label": "鞋码", "kind": "NUMBER", "value": "39" }))
    );

    // Segments, each field compared as its kind: F1 已婚有孩 39 2015-05-20; F2 已婚 36; F3 单身;
    // F4 none.
    let cases = [
        (
            json!({ "field": "custom.family", "op": "IN", "values": ["已婚", "已婚有孩"] }),
            2,
        ),
        (json!({ "field": "custom.family", "op": "EQ", "value": "单身" }), 1),
        (json!({ "field": "custom.family", "op": "IS_EMPTY" }), 1),
        (json!({ "field": "custom.shoe_size", "op": "GE", "value": 37 }), 1),
        (
            json!({ "field": "custom.shoe_size", "op": "BETWEEN", "values": [35, 40] }),
            2,
        ),
        (
            json!({ "field": "custom.anniversary", "op": "LT", "value": "2016-01-01" }),
            1,
        ),
        (json!({ "field": "custom.work", "op": "CONTAINS", "value": "医" }), 1),
    ];
    for (condition, expected) in cases {
        assert_eq!(count(&app, &marketer, condition.clone()).await, expected, "{condition}");
    }
    // A key no field has, and a value that does not fit the field's kind, are refused by place.
    let preview = "query($f: SegmentFilter!) { segmentPreview(filter: $f) { count } }";
    for (condition, place) in [
        (
            json!({ "field": "custom.nothing", "op": "EQ", "value": "x" }),
            "filter.field.field",
        ),
        (
            json!({ "field": "custom.shoe_size", "op": "GE", "value": "大" }),
            "filter.field.value",
        ),
        (
            json!({ "field": "custom.anniversary", "op": "LT", "value": 2016 }),
            "filter.field.value",
        ),
    ] {
        let refused = app
            .graphql(&marketer, preview, json!({ "f": { "field": condition } }))
            .await;
        assert_eq!(first_error(&refused).1.as_deref(), Some(place), "{refused}");
    }

    // Clearing a value.
    app.ok(
        &associate,
        SET,
        json!({ "no": "F1", "v": [{ "key": "work", "value": "" }] }),
    )
    .await;
    let card = app.ok(&associate, CARD, json!({ "no": "F1" })).await;
    let keys: Vec<&str> = card["member"]["customFields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["family", "shoe_size", "anniversary"]);
}

#[tokio::test]
async fn notes_are_written_and_read_by_the_stores_people_only() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_store(&admin, "SH01").await;
    app.create_store(&admin, "BJ01").await;
    app.create_member(&admin, "N1", json!({ "storeCode": "SH01" })).await;
    let ann = app.token(Role::Associate, None, Some("SH01"), Some("ann")).await;
    let add = "mutation($no: String!, $b: String!) { addMemberNote(memberNo: $no, body: $b) { author body } }";
    let note = app
        .ok(&ann, add, json!({ "no": "N1", "b": "喜欢丝巾，下次到店推荐新款" }))
        .await;
    assert_eq!(note["addMemberNote"]["body"], "喜欢丝巾，下次到店推荐新款");
    app.ok(&admin, add, json!({ "no": "N1", "b": "VIP 活动已邀请" })).await;
    let empty = app.graphql(&ann, add, json!({ "no": "N1", "b": "  " })).await;
    assert_eq!(
        first_error(&empty),
        ("BAD_USER_INPUT".to_owned(), Some("body".to_owned()))
    );
    let elsewhere = app.token(Role::Associate, None, Some("BJ01"), Some("bo")).await;
    let refused = app.graphql(&elsewhere, add, json!({ "no": "N1", "b": "x" })).await;
    assert_eq!(first_error(&refused).0, "NOT_FOUND");

    let read = "{ member(memberNo: \"N1\") { notes { writtenBy { username } body } } }";
    let notes = app.ok(&ann, read, json!({})).await["member"]["notes"].clone();
    let bodies: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    assert_eq!(bodies, ["VIP 活动已邀请", "喜欢丝巾，下次到店推荐新款"], "newest first");
    assert_eq!(notes[1]["writtenBy"]["username"], "ann", "{notes}");
    let marketer = app.token(Role::Marketer, None, None, None).await;
    assert_eq!(app.error_code(&marketer, read, json!({})).await, "FORBIDDEN");
    let member = app.token(Role::Member, Some("N1"), None, None).await;
    assert_eq!(app.error_code(&member, read, json!({})).await, "FORBIDDEN");
}
