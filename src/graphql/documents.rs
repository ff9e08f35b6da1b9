//! Parsed GraphQL documents by their text. Apps send the same few documents all day, and
//! parsing one took a twentieth of a member lookup's time; a copy of the parsed tree costs less.
use std::num::NonZeroUsize;
use std::sync::{Mutex, OnceLock, PoisonError};

use async_graphql::parser::types::ExecutableDocument;
use async_graphql::Request;
use lru::LruCache;

/// Distinct documents kept; past it the least recently used goes.
const KEPT: NonZeroUsize = NonZeroUsize::MIN.saturating_add(511);

/// Gives `request` its parsed document, from the cache when its text was seen before; call it
/// first, as everything after reads the document parsed here.
/// Documents that do not parse are not kept: execution reports their errors as usual.
pub fn parse(request: &mut Request) {
    static CACHE: OnceLock<Mutex<LruCache<String, ExecutableDocument>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(LruCache::new(KEPT)));
    let cached = cache
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(&request.query)
        .cloned();
    match cached {
        Some(document) => request.set_parsed_query(document),
        None => {
            if let Ok(document) = request.parsed_query() {
                let document = document.clone();
                cache
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .put(request.query.clone(), document);
            }
        }
    }
}
