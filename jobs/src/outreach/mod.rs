//! Scheduled outreach: calendar, templates, mail, outbox.

pub mod calendar;
