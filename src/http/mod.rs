//! HTTP plumbing, apart from the GraphQL domain modules: the /graphql endpoint and what serves it
//! (document cache, turns for heavy reads, the member list's kept counts, operation metrics),
//! the middleware every request passes, and the other endpoints (probes, /metrics, the console,
//! unsubscribe pages), so `graphql/` holds only the schema and `http/` everything that speaks
//! HTTP.
pub mod callbacks;
pub mod code_image;
pub mod confirmation;
pub mod console;
pub mod documents;
pub mod health;
pub mod list_counts;
pub mod list_reads;
pub mod operations;
pub mod preferences;
pub mod prometheus;
pub mod requests;
pub mod survey;
pub mod transport;
pub mod unsubscribe;
