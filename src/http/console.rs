//! The console (`console/dist`, built by Vite and committed) and GraphiQL's page, served from
//! the binary: nothing is loaded from anywhere else, at build or at run time.
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Compress;
use actix_web::{web, HttpRequest, HttpResponse};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "console/dist"]
struct Dist;

/// Scripts, styles, fonts and images only from this server; no plugins, no framing, no
/// `<base>`. Inline styles are allowed (CodeMirror and ECharts set them); inline scripts are
/// not. The template preview is a `sandbox` frame without scripts.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; \
frame-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `/console/…` and `/graphiql`, gzip-compressed for clients that accept it, and the icon at
/// `/favicon.ico`.
pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/favicon.ico", web::get().to(favicon))
        .route("/console", web::get().to(redirect_to_console))
        .service(
            web::scope("/console")
                .wrap(Compress::default())
                .route("/", web::get().to(index))
                .route("/{path:.*}", web::get().to(asset)),
        )
        .service(
            web::resource("/graphiql")
                .wrap(Compress::default())
                .route(web::get().to(graphiql)),
        );
}

async fn redirect_to_console() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((header::LOCATION, "/console/"))
        .finish()
}

async fn index(request: HttpRequest) -> HttpResponse {
    serve(&request, "index.html")
}

async fn graphiql(request: HttpRequest) -> HttpResponse {
    serve(&request, "graphiql/index.html")
}

/// The console's and GraphiQL's pages name `/console/favicon.svg`; a browser showing anything
/// else from this server (a JSON answer, `/metrics`) asks for `/favicon.ico` at the root. It
/// gets the same SVG, with its own type, rather than a 404.
async fn favicon(request: HttpRequest) -> HttpResponse {
    serve(&request, "favicon.svg")
}

/// A file of the build. The console routes with `#/...`, so an unknown path is a 404, not
/// the index.
async fn asset(request: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    if path.is_empty() {
        return serve(&request, "index.html");
    }
    serve(&request, &path)
}

fn serve(request: &HttpRequest, path: &str) -> HttpResponse {
    let Some(file) = Dist::get(path) else {
        return HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("not found");
    };
    let etag = format!("\"{}\"", hex::encode(&file.metadata.sha256_hash()[..16]));
    let unchanged = fresh(request, &etag);
    let mut response = if unchanged {
        HttpResponse::NotModified()
    } else {
        HttpResponse::Ok()
    };
    response
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache_control(path)))
        .insert_header((header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::REFERRER_POLICY, "no-referrer"));
    if unchanged {
        return response.finish();
    }
    response.content_type(content_type(path)).body(file.data.into_owned())
}

/// Whether the client's `If-None-Match` already names this version.
fn fresh(request: &HttpRequest, etag: &str) -> bool {
    request
        .headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.split(',').any(|tag| tag.trim() == etag || tag.trim() == "*"))
}

/// Vite names what it builds under `assets/` by content hash: those never change, so browsers
/// keep them a year. Everything else (the pages) is checked again each time, by its ETag.
fn cache_control(path: &str) -> HeaderValue {
    if path.starts_with("assets/") {
        HeaderValue::from_static("public, max-age=31536000, immutable")
    } else {
        HeaderValue::from_static("no-cache")
    }
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, ext)| ext) {
        Some("html") => "text/html; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("json") => "application/json",
        Some("woff2") => "font/woff2",
        Some("ico") => "image/x-icon",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::{test, App};

    /// The `href` of each `<link rel="icon">` in a page.
    fn icons(html: &str) -> Vec<String> {
        html.split('<')
            .filter(|tag| tag.starts_with("link ") && tag.contains("rel=\"icon\""))
            .filter_map(|tag| tag.split("href=\"").nth(1)?.split('"').next().map(str::to_owned))
            .collect()
    }

    #[actix_web::test]
    async fn the_pages_and_the_root_favicon_are_answered_with_the_icon() {
        let app = test::init_service(App::new().configure(routes)).await;
        let get = |uri: &str| test::TestRequest::get().uri(uri).to_request();
        let root = test::call_service(&app, get("/favicon.ico")).await;
        assert_eq!(root.status(), 200);
        assert_eq!(
            root.headers().get(header::CONTENT_TYPE).map(|v| v.as_bytes()),
            Some(&b"image/svg+xml"[..])
        );
        let icon = test::read_body(root).await;
        assert!(icon.starts_with(b"<svg"), "the SVG itself");

        for page in ["/console/", "/graphiql"] {
            let html = test::read_body(test::call_service(&app, get(page)).await).await;
            let named = icons(&String::from_utf8_lossy(&html));
            assert_eq!(named, ["/console/favicon.svg"], "{page} names the icon");
            let served = test::call_service(&app, get(&named[0])).await;
            assert_eq!(served.status(), 200, "{page}: {} is served", named[0]);
            assert_eq!(test::read_body(served).await, icon, "{page}: the same icon");
        }
    }
}
