//! GraphQL figures for /metrics: operations by name, their execution time, and their errors by
//! `extensions.code`.
use std::collections::BTreeSet;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use async_graphql::parser::types::DocumentOperations;
use async_graphql::{Request, Response, Value};

/// Distinct operation names kept as labels. Names come from clients: past this many, new ones
/// count as `other`, so no client can grow /metrics without bound.
const MAX_OPERATION_NAMES: usize = 200;

/// The operation a request runs, as a label: its name, `anonymous`, or `invalid` when the
/// document does not parse or lacks the operation asked for. The document parsed here is the
/// one async-graphql executes, so nothing is parsed twice.
pub fn operation_label(request: &mut Request) -> String {
    let requested = request.operation_name.clone();
    let Ok(document) = request.parsed_query() else {
        return "invalid".to_owned();
    };
    let name = match (&document.operations, requested) {
        (DocumentOperations::Single(_), None) => return "anonymous".to_owned(),
        (DocumentOperations::Multiple(operations), Some(name)) => {
            operations.contains_key(name.as_str()).then_some(name)
        }
        (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
            operations.keys().next().map(ToString::to_string)
        }
        _ => None,
    };
    name.map_or_else(|| "invalid".to_owned(), bounded)
}

/// Counts one executed request and its errors (their codes are already set).
pub fn record(operation: String, response: &Response, elapsed: Duration) {
    metrics::counter!("patron_graphql_operations_total", "operation" => operation.clone()).increment(1);
    metrics::histogram!("patron_graphql_operation_duration_seconds", "operation" => operation.clone())
        .record(elapsed.as_secs_f64());
    for error in &response.errors {
        let code = match error.extensions.as_ref().and_then(|ext| ext.get("code")) {
            Some(Value::String(code)) => code.clone(),
            _ => "NONE".to_owned(),
        };
        metrics::counter!("patron_graphql_errors_total", "operation" => operation.clone(), "code" => code).increment(1);
    }
}

fn bounded(name: String) -> String {
    static SEEN: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());
    let mut seen = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    if seen.contains(&name) {
        return name;
    }
    if seen.len() >= MAX_OPERATION_NAMES {
        return "other".to_owned();
    }
    seen.insert(name.clone());
    name
}
