//! GraphQL over HTTP as the specification says: GET for queries only, the response in the
//! media type asked for, and with `application/graphql-response+json` a 4xx for requests that
//! cannot run (the rest of the specification is checked by graphql-http's audit in the console
//! tests).
use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::helpers::{spawn_app, TestApp};

const GRAPHQL_RESPONSE: &str = "application/graphql-response+json";

/// Sends `query` by `method` with `accept`; returns status, content type, `Allow` and body.
async fn send(
    app: &TestApp,
    token: &str,
    method: Method,
    query: &str,
    accept: Option<&str>,
) -> (StatusCode, String, String, Value) {
    let mut request = if method == Method::GET {
        app.client
            .get(format!("{}/graphql", app.address))
            .query(&[("query", query)])
            .bearer_auth(token)
    } else {
        post(app, token, json!({ "query": query }))
    };
    if let Some(accept) = accept {
        request = request.header(ACCEPT, accept);
    }
    let response = request.send().await.expect("sent");
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    let (status, content_type, allow) = (response.status(), header(CONTENT_TYPE), header(ALLOW));
    (status, content_type, allow, response.json().await.expect("JSON body"))
}

/// A POST of `body` as JSON with `token`.
fn post(app: &TestApp, token: &str, body: Value) -> reqwest::RequestBuilder {
    app.client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(token)
        .header(CONTENT_TYPE, "application/json")
        .body(body.to_string())
}

#[tokio::test]
async fn queries_go_by_get_or_post_and_request_errors_answer_4xx_when_asked() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "name": "李娜" })).await;
    let lookup = "{ member(memberNo: \"M1\") { name } }";

    let (status, content_type, _, body) = send(&app, &admin, Method::GET, lookup, None).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, "application/json"));
    assert_eq!(body["data"]["member"]["name"], "李娜");
    let (status, content_type, _, body) = send(&app, &admin, Method::GET, lookup, Some(GRAPHQL_RESPONSE)).await;
    assert_eq!((status, content_type.as_str()), (StatusCode::OK, GRAPHQL_RESPONSE));
    assert_eq!(body["data"]["member"]["name"], "李娜");

    let mutation = "mutation { createStore(code: \"S9\", name: \"S9\") { code } }";
    let (status, _, allow, body) = send(&app, &admin, Method::GET, mutation, None).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert!(allow.contains("POST"), "{allow}");
    assert!(
        body["errors"][0]["message"].as_str().unwrap().contains("POST"),
        "{body}"
    );
    let stores = app.ok(&admin, "{ stores { code } }", json!({})).await;
    assert_eq!(stores["stores"], json!([]), "a GET changed nothing");

    // A document that does not parse or validate never runs: 400 without data when asked for
    // graphql-response+json, 200 with the errors for clients that know only JSON.
    for bad in ["{ member(memberNo: ", "{ member(memberNo: \"M1\") { nonsense } }"] {
        let (status, content_type, _, body) = send(&app, &admin, Method::POST, bad, Some(GRAPHQL_RESPONSE)).await;
        assert_eq!(
            (status, content_type.as_str()),
            (StatusCode::BAD_REQUEST, GRAPHQL_RESPONSE),
            "{bad}"
        );
        assert!(
            body.get("data").is_none() && body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT",
            "{body}"
        );
        let (status, _, _, body) = send(&app, &admin, Method::POST, bad, Some("application/json")).await;
        assert_eq!(status, StatusCode::OK, "{bad}");
        assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT", "{body}");
    }
    // A request that ran and failed is a GraphQL result: 200 with its data.
    let missing = "{ member(memberNo: \"nobody\") { name } }";
    let (status, _, _, body) = send(&app, &admin, Method::POST, missing, Some(GRAPHQL_RESPONSE)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (body["data"].clone(), body["errors"][0]["extensions"]["code"].clone()),
        (Value::Null, json!("NOT_FOUND"))
    );

    // Without a document it is no GraphQL request at all: 400 whatever the media type.
    let (status, body) = app.post(Some(&admin), json!({ "qeury": lookup }).to_string()).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["field"].clone()),
        (400, json!("query"))
    );

    let (status, _, _, _) = send(&app, &admin, Method::GET, lookup, Some("text/html")).await;
    assert_eq!(status, StatusCode::NOT_ACCEPTABLE);
    let untyped = app
        .client
        .post(format!("{}/graphql", app.address))
        .bearer_auth(&admin)
        .body(json!({ "query": lookup }).to_string())
        .send()
        .await
        .expect("sent");
    assert_eq!(untyped.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let (status, _, _, body) = send(&app, "not a token", Method::GET, lookup, Some(GRAPHQL_RESPONSE)).await;
    assert_eq!(
        (status, body["errors"][0]["extensions"]["code"].clone()),
        (StatusCode::UNAUTHORIZED, json!("UNAUTHENTICATED"))
    );
}

#[tokio::test]
async fn variables_are_checked_on_every_request_of_a_document_validated_before() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({ "name": "李娜" })).await;
    let lookup = "query($no: String!) { member(memberNo: $no) { name } }";
    let send = |variables: Value| {
        post(&app, &admin, json!({ "query": lookup, "variables": variables }))
            .header(ACCEPT, GRAPHQL_RESPONSE)
            .send()
    };
    // The first request validates the document; the second finds it validated.
    for _ in 0..2 {
        let response = send(json!({ "no": "M1" })).await.expect("sent");
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.expect("JSON body");
        assert_eq!(body["data"]["member"]["name"], "李娜", "{body}");
    }
    for bad in [json!({ "no": 5 }), json!({ "no": null }), json!({ "no": ["M1"] })] {
        let response = send(bad.clone()).await.expect("sent");
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{bad}");
        let body: Value = response.json().await.expect("JSON body");
        assert!(
            body.get("data").is_none() && body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT",
            "{bad}: {body}"
        );
    }
}

#[tokio::test]
async fn every_graphql_answer_forbids_caching_get_and_post_errors_too() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let url = format!("{}/graphql", app.address);
    let search = "{ members(filter: { search: \"13812345678\" }) { totalCount } }";
    let requests = [
        (
            "GET query",
            app.client.get(&url).query(&[("query", search)]).bearer_auth(&admin),
        ),
        ("POST query", post(&app, &admin, json!({ "query": search }))),
        ("POST error", post(&app, &admin, json!({ "query": "{ nope }" }))),
        (
            "GET mutation",
            app.client
                .get(&url)
                .query(&[("query", "mutation { signOut }")])
                .bearer_auth(&admin),
        ),
        ("bad token", post(&app, "not-a-token", json!({ "query": search }))),
        ("not JSON", app.client.post(&url).bearer_auth(&admin).body("query")),
        ("PUT", app.client.put(&url).bearer_auth(&admin)),
    ];
    for (case, request) in requests {
        let response = request.send().await.expect("sent");
        let cache_control = response.headers().get("cache-control").and_then(|v| v.to_str().ok());
        assert_eq!(cache_control, Some("no-store"), "{case}: {}", response.status());
    }
}
