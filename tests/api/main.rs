//! The one integration-test binary: the real server over HTTP, per test a fresh database.
#![allow(clippy::unwrap_used, clippy::expect_used)]
mod helpers;

mod access;
mod activity;
mod analytics;
mod campaigns;
mod cli;
mod console;
mod delivery;
mod demo;
mod erasure;
mod http;
mod identity_provider;
mod import;
mod limits;
mod me;
mod members;
mod ops;
mod outreach;
mod points;
mod policy;
mod security;
mod segments;
mod sign_in;
mod smtp;
