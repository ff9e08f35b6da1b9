//! Every HTTP request: counted and timed by route for /metrics, logged once when answered, and
//! answered with its request id in `X-Request-Id`. Runs inside tracing-actix-web's request span,
//! so the log line (and everything the handler logs) carries that span's `request_id`.
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::HttpMessage;
use tracing::Span;
use tracing_actix_web::{RequestId, RootSpanBuilder};

/// The span each request runs in: its id, nothing more. tracing-actix-web's default span
/// also reads the route, client address, user agent and more from every request whether or not
/// it is logged (a noticeable share of a member lookup's time; see docs/benchmarks.md);
/// `request answered` says what a request was and how it went.
pub struct RequestSpan;

impl RootSpanBuilder for RequestSpan {
    fn on_request_start(request: &ServiceRequest) -> Span {
        match request.extensions().get::<RequestId>() {
            Some(id) => tracing::info_span!("HTTP request", request_id = %id),
            None => tracing::info_span!("HTTP request"),
        }
    }

    fn on_request_end<B: MessageBody>(_span: Span, _outcome: &Result<ServiceResponse<B>, actix_web::Error>) {}
}

/// Probes and scrapes arrive every few seconds: their lines are debug, not info.
const QUIET_ROUTES: &[&str] = &["/healthz", "/readyz", "/metrics"];

/// The middleware; wrap it inside `TracingLogger`, which creates the request id.
pub async fn request(
    request: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let method = method_label(request.method());
    let request_id = request.extensions().get::<RequestId>().copied();
    // Handlers' errors arrive here as responses; only a failing middleware returns Err.
    let mut response = next.call(request).await?;
    let elapsed = started.elapsed();
    // The pattern (`/unsubscribe/{token}`), never the raw path: one series per route.
    let route = response
        .request()
        .match_pattern()
        .unwrap_or_else(|| "unmatched".to_owned());
    let status = response.status().as_u16();
    metrics::counter!(
        "patron_http_requests_total",
        "method" => method,
        "route" => route.clone(),
        "status" => status.to_string()
    )
    .increment(1);
    metrics::histogram!("patron_http_request_duration_seconds", "method" => method, "route" => route.clone())
        .record(elapsed.as_secs_f64());
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    if QUIET_ROUTES.contains(&route.as_str()) {
        tracing::debug!(method, route, status, elapsed_ms, "request answered");
    } else {
        tracing::info!(method, route, status, elapsed_ms, "request answered");
    }
    if let Some(value) = request_id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(response)
}

/// Standard methods by name; anything else is `other`, so clients cannot invent series.
fn method_label(method: &Method) -> &'static str {
    const KNOWN: &[Method] = &[
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ];
    KNOWN
        .iter()
        .find(|known| *known == method)
        .map_or("other", Method::as_str)
}
