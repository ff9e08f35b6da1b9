//! The outbox: one row per message to send, queued by the campaign engine and sent by the
//! dispatcher; a unique dedupe key per message, so nothing is queued twice.
use crate::bulk::Table;

/// The outbox's columns as the campaign engine writes them.
pub(crate) const OUTBOX: Table = Table::new(
    "outbox",
    &[
        "dedupe_key",
        "kind",
        "occurrence",
        "member_id",
        "holiday_key",
        "due_at",
        "hold_quiet_hours",
        "status",
        "attempts",
        "job_run_id",
        "created_at",
        "campaign_id",
        "priority",
        "channels",
    ],
);
