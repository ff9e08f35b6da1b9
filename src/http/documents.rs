//! Parsed GraphQL documents by their text. Apps send the same few documents all day: parsing
//! one and validating it against the schema were a noticeable share of a member lookup's time
//! (see docs/benchmarks.md).
//! A copy of the parsed tree costs less, and a document that passed validation passes again:
//! only what depends on the request's variables has to be checked anew.
use std::num::NonZeroUsize;
use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use async_graphql::parser::types::{BaseType, ExecutableDocument, OperationDefinition};
use async_graphql::{Name, Request, ScalarType, Value, Variables, ID};
use lru::LruCache;

/// Distinct documents kept; past it the least recently used goes.
const KEPT: NonZeroUsize = NonZeroUsize::MIN.saturating_add(511);

/// A document as kept: parsed, and whether it has passed validation.
struct Known {
    document: ExecutableDocument,
    validated: bool,
}

fn cache() -> MutexGuard<'static, LruCache<String, Known>> {
    static CACHE: OnceLock<Mutex<LruCache<String, Known>>> = OnceLock::new();
    CACHE
        .get_or_init(|| Mutex::new(LruCache::new(KEPT)))
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
}

/// Gives `request` its parsed document, from the cache when its text was seen before; call it
/// first, as everything after reads the document parsed here. Returns whether the request is
/// `Checked::Before`: its document passed validation (see `validated`) and its variables are
/// plainly valid.
/// Documents that do not parse are not kept: execution reports their errors as usual.
pub fn parse(request: &mut Request) -> Checked {
    let cached = cache()
        .get(&request.query)
        .map(|known| (known.document.clone(), known.validated));
    match cached {
        Some((document, validated)) => {
            let plain = || {
                operation(&document, request.operation_name.as_deref())
                    .is_some_and(|operation| plain_variables(operation, &request.variables))
            };
            let checked = if validated && plain() {
                Checked::Before
            } else {
                Checked::Not
            };
            request.set_parsed_query(document);
            checked
        }
        None => {
            if let Ok(document) = request.parsed_query() {
                let known = Known {
                    document: document.clone(),
                    validated: false,
                };
                cache().put(request.query.clone(), known);
            }
            Checked::Not
        }
    }
}

/// Whether a request needs full validation.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Checked {
    /// Its document passed validation before and its variables are plainly valid: only the
    /// depth and complexity limits need checking.
    Before,
    Not,
}

/// The operation `name` of a document, or its only one.
pub fn operation<'a>(document: &'a ExecutableDocument, name: Option<&str>) -> Option<&'a OperationDefinition> {
    let operation = match name {
        Some(name) => document
            .operations
            .iter()
            .find(|(n, _)| n.is_some_and(|n| n.as_str() == name)),
        None => document.operations.iter().next(),
    };
    operation.map(|(_, operation)| &operation.node)
}

/// Notes that the document `query` passed validation, so later requests sending it need not
/// validate it again.
pub fn validated(query: &str) {
    if let Some(known) = cache().get_mut(query) {
        known.validated = true;
    }
}

/// Whether the variables `operation` declares have values whose validity is plain without the
/// schema: each present, of a built-in scalar type (or a list of one), checked as validation
/// checks it. Anything else (input objects, enums, custom scalars) is left to full validation.
fn plain_variables(operation: &OperationDefinition, variables: &Variables) -> bool {
    operation.variable_definitions.iter().all(|definition| {
        let definition = &definition.node;
        variables
            .get(&definition.name.node)
            .is_some_and(|value| plain_value(&definition.var_type.node.base, definition.var_type.node.nullable, value))
    })
}

fn plain_value(base: &BaseType, nullable: bool, value: &Value) -> bool {
    match (base, value) {
        (_, Value::Null) => nullable,
        (BaseType::List(item), Value::List(values)) => {
            values.iter().all(|value| plain_value(&item.base, item.nullable, value))
        }
        (BaseType::List(item), value) => plain_value(&item.base, item.nullable, value),
        (BaseType::Named(name), value) => plain_scalar(name, value),
    }
}

fn plain_scalar(name: &Name, value: &Value) -> bool {
    match name.as_str() {
        "String" => <String as ScalarType>::is_valid(value),
        "ID" => <ID as ScalarType>::is_valid(value),
        "Int" => <i32 as ScalarType>::is_valid(value),
        "Float" => <f64 as ScalarType>::is_valid(value),
        "Boolean" => <bool as ScalarType>::is_valid(value),
        _ => false,
    }
}
