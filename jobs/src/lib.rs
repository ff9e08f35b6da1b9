//! Scheduled jobs and the engines behind them.

pub mod model;
