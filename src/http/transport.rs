//! GraphQL over HTTP, as the GraphQL-over-HTTP specification says: POST with a JSON body, GET
//! with the request in the query string (queries only, so a GET never changes anything and
//! can be cached or linked), and the response in the media type the client accepts. With
//! `application/graphql-response+json` a request that cannot run (bad JSON, a document that does
//! not parse or validate) answers 4xx; with the older `application/json` it answers 200 and the
//! errors say why. Every rejection is a GraphQL response with a code, never a dropped connection.
use actix_web::http::header::{self, HeaderValue, AUTHORIZATION};
use actix_web::http::StatusCode;
use actix_web::middleware::DefaultHeaders;
use actix_web::{web, HttpRequest, HttpResponse};
use async_graphql::parser::types::OperationType;
use futures_util::StreamExt;
use sea_orm::DatabaseConnection;

use crate::auth::idp::IdentityProvider;
use crate::auth::{self, TokenKeys};
use crate::error::AppError;
use crate::graphql::session::ClientAddr;
use crate::graphql::{self, AppSchema};
use crate::http::documents::{self, Checked};

/// What the GraphQL endpoint runs with.
pub struct GraphqlState {
    pub schema: AppSchema,
    pub db: DatabaseConnection,
    pub keys: TokenKeys,
    /// The brand's identity provider, when member tokens may come from it.
    pub provider: Option<IdentityProvider>,
    pub max_body_bytes: usize,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

pub fn routes(config: &mut web::ServiceConfig) {
    config.service(
        web::resource("/graphql")
            // Answers carry members' data, and a GET carries its search (a phone number) in the
            // URL: no cache, neither a shared store tablet's browser nor a proxy, may keep them.
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store")))
            .route(web::post().to(post))
            .route(web::get().to(get)),
    );
}

/// The media types a GraphQL response can be sent as.
#[derive(Clone, Copy, PartialEq, Eq)]
enum MediaType {
    /// `application/graphql-response+json`: status codes tell request errors apart.
    GraphqlResponse,
    /// `application/json`: always 200 once the request is well-formed.
    Json,
}

impl MediaType {
    const GRAPHQL_RESPONSE: &'static str = "application/graphql-response+json";
    const JSON: &'static str = "application/json";

    /// The one the client prefers of those it accepts. Without an Accept header or with a
    /// wildcard, JSON: what clients written before the specification expect (browsers' and
    /// Node's fetch send `*/*`). `None`: it accepts neither.
    fn negotiate(request: &HttpRequest) -> Option<Self> {
        let Some(accept) = request.headers().get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
            return Some(Self::Json);
        };
        let mut best: Option<(f32, Self)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let quality = parts
                .find_map(|p| p.strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let candidate = match media.as_str() {
                Self::GRAPHQL_RESPONSE => Self::GraphqlResponse,
                Self::JSON | "application/*" | "*/*" => Self::Json,
                _ => continue,
            };
            if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                best = Some((quality, candidate));
            }
        }
        best.map(|(_, media)| media)
    }

    fn name(self) -> &'static str {
        match self {
            Self::GraphqlResponse => Self::GRAPHQL_RESPONSE,
            Self::Json => Self::JSON,
        }
    }
}

/// POST /graphql: a JSON body within the size limit.
async fn post(state: web::Data<GraphqlState>, request: HttpRequest, payload: web::Payload) -> HttpResponse {
    let Some(media) = MediaType::negotiate(&request) else {
        return not_acceptable();
    };
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let is_json = content_type.is_some_and(|c| {
        c.split(';')
            .next()
            .is_some_and(|m| m.trim().eq_ignore_ascii_case(MediaType::JSON))
    });
    if !is_json {
        let error = AppError::input("send the request as JSON, with `Content-Type: application/json`");
        return reject(media, StatusCode::UNSUPPORTED_MEDIA_TYPE, &error);
    }
    let body = match read_body(payload, state.max_body_bytes).await {
        Ok(body) => body,
        Err(error) => return reject(media, StatusCode::PAYLOAD_TOO_LARGE, &error),
    };
    let mut gql_request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(gql_request) => gql_request,
        Err(err) => {
            let error = AppError::input(format!("the body is not a GraphQL request in JSON: {err}"));
            return reject(media, StatusCode::BAD_REQUEST, &error);
        }
    };
    if gql_request.query.trim().is_empty() {
        return no_query(media);
    }
    let checked = documents::parse(&mut gql_request);
    run(&state, &request, media, gql_request, checked).await
}

/// The query string of GET /graphql.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: String,
    operation_name: Option<String>,
    /// JSON, as the specification says.
    variables: Option<String>,
}

/// GET /graphql?query=…: queries only.
async fn get(state: web::Data<GraphqlState>, request: HttpRequest) -> HttpResponse {
    let Some(media) = MediaType::negotiate(&request) else {
        return not_acceptable();
    };
    let params = match web::Query::<GetParams>::from_query(request.query_string()) {
        Ok(params) if !params.query.trim().is_empty() => params.into_inner(),
        _ => return no_query(media),
    };
    let variables = match params.variables.as_deref().map(serde_json::from_str).transpose() {
        Ok(variables) => variables.map(async_graphql::Variables::from_json).unwrap_or_default(),
        Err(err) => {
            let error = AppError::field("variables", format!("variables is not a JSON object: {err}"));
            return reject(media, StatusCode::BAD_REQUEST, &error);
        }
    };
    let mut gql_request = async_graphql::Request::new(params.query).variables(variables);
    gql_request.operation_name = params.operation_name;
    let checked = documents::parse(&mut gql_request);
    if graphql::operation_type(&mut gql_request).is_some_and(|ty| ty != OperationType::Query) {
        let error = AppError::input("only queries may be sent with GET; send mutations with POST");
        let mut response = reject(media, StatusCode::METHOD_NOT_ALLOWED, &error);
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, POST"));
        return response;
    }
    run(&state, &request, media, gql_request, checked).await
}

/// Authenticates, then executes. Signing in is the one thing to do without a token.
async fn run(
    state: &GraphqlState,
    request: &HttpRequest,
    media: MediaType,
    mut gql_request: async_graphql::Request,
    checked: Checked,
) -> HttpResponse {
    let header = request.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok());
    let viewer = match auth::authenticate(&state.keys, state.provider.as_ref(), &state.db, header).await {
        Ok(viewer) => Some(viewer),
        Err(_) if header.is_none() && graphql::only_signs_in(&mut gql_request) => None,
        Err(error) => return reject(media, StatusCode::UNAUTHORIZED, &error),
    };
    let gql_request = gql_request.data(ClientAddr::of(request, &state.trusted_proxies));
    let response = graphql::execute(&state.schema, &state.db, gql_request, viewer, checked).await;
    let status = if media == MediaType::GraphqlResponse && graphql::is_request_error(&response) {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    reply(media, status, response)
}

/// Reads the body up to `limit` bytes. Past the limit the rest is drained (up to a hard cap)
/// so the client can still read our error instead of seeing a reset connection.
async fn read_body(mut payload: web::Payload, limit: usize) -> Result<Vec<u8>, AppError> {
    const DRAIN_CAP: usize = 64 * 1024 * 1024;
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|err| AppError::input(format!("could not read the request body: {err}")))?;
        seen += chunk.len();
        if seen <= limit {
            body.extend_from_slice(&chunk);
        } else if seen > DRAIN_CAP {
            break;
        }
    }
    if seen > limit {
        return Err(AppError::input(format!(
            "the request body exceeds the limit of {limit} bytes"
        )));
    }
    Ok(body)
}

/// The response in `media`. A request error under `application/graphql-response+json` has no
/// `data` entry: the request never ran.
fn reply(media: MediaType, status: StatusCode, response: async_graphql::Response) -> HttpResponse {
    let body = if media == MediaType::GraphqlResponse && status != StatusCode::OK {
        serde_json::to_string(&serde_json::json!({ "errors": response.errors }))
    } else {
        serde_json::to_string(&response)
    };
    match body {
        Ok(body) => HttpResponse::build(status).content_type(media.name()).body(body),
        Err(err) => {
            tracing::error!(error = %err, "cannot serialize a GraphQL response");
            HttpResponse::InternalServerError().finish()
        }
    }
}

/// A request turned away before it runs, with its one error.
fn reject(media: MediaType, status: StatusCode, error: &AppError) -> HttpResponse {
    reply(media, status, graphql::error_response(error))
}

/// A request without a document is not a GraphQL request, whatever the media type.
fn no_query(media: MediaType) -> HttpResponse {
    let error = AppError::field("query", "the request has no GraphQL document in `query`");
    reject(media, StatusCode::BAD_REQUEST, &error)
}

fn not_acceptable() -> HttpResponse {
    let error = AppError::input(format!(
        "the response can be sent as {} or {}; the Accept header allows neither",
        MediaType::GRAPHQL_RESPONSE,
        MediaType::JSON
    ));
    reject(MediaType::Json, StatusCode::NOT_ACCEPTABLE, &error)
}
