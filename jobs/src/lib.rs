//! Scheduled jobs and the engines behind them. The server, the CLI, GraphQL "run now" mutations
//! and the tests all call the same engine functions; this crate never imports the server.

pub mod analytics;
pub mod model;
