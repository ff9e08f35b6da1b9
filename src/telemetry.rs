//! Tracing to stderr; `RUST_LOG` overrides the default level. `PATRON_LOG_FORMAT=json` writes
//! one JSON object per line for log collectors, each with the fields of its enclosing spans:
//! an HTTP request's `request_id`, a job run's `job` and `run_id`.
use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm_migration=warn"));
    let format = std::env::var("PATRON_LOG_FORMAT").unwrap_or_default();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format.as_str() {
        "json" => builder.json().try_init(),
        _ => builder.try_init(),
    };
    if !matches!(format.as_str(), "" | "json" | "text") {
        tracing::warn!(format, "PATRON_LOG_FORMAT is `json` or `text`; writing text");
    }
}
