//! Patron: VIP membership and retention server. The binary in `main.rs` only parses the command
//! line and dispatches here.
pub mod auth;
pub mod brand;
pub mod cli;
pub mod db;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod http;
pub mod import;
pub mod money;
pub mod service;
pub mod settings;
pub mod startup;
pub mod telemetry;
pub mod validate;
