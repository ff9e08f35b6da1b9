//! Patron's sea-orm entities, one module per table.
//!
//! Money columns hold integer minor units (cents): exact in SQL sums on both SQLite and
//! PostgreSQL. The server converts them to `rust_decimal::Decimal` at its edge.

pub mod analytics_run;
pub mod app_key;
pub mod audit_log;
pub mod call_outcome;
pub mod campaign;
pub mod campaign_occurrence;
pub mod campaign_recipient;
pub mod channel_template;
pub mod coupon;
pub mod coupon_definition;
pub mod email_suppression;
pub mod email_template;
pub mod feedback;
pub mod holiday;
pub mod job_run;
pub mod journey;
pub mod journey_position;
pub mod journey_version;
pub mod login_attempt;
pub mod member;
pub mod member_consent;
pub mod member_field;
pub mod member_field_value;
pub mod member_metrics;
pub mod member_note;
pub mod outbox;
pub mod phone_suppression;
pub mod playbook;
pub mod points_entry;
pub mod purchase;
pub mod revoked_token;
pub mod segment;
pub mod segment_change;
pub mod segment_member;
pub mod segment_refresh;
pub mod staff_password;
pub mod staff_user;
pub mod store;
pub mod survey;
pub mod task;
pub mod task_rule;
pub mod tier_change;
pub mod vocabulary;
