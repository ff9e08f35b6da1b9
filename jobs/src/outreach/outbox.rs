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

/// The columns the dispatcher's statements filter on (its claim, its read of the members'
/// recent sends): their statistics are refreshed after a large queueing (all of the outbox's
/// took 103-130 ms at 100,000 rows, these 41-51 ms).
pub(crate) const DISPATCH_READS: &[&str] = &[
    "status",
    "due_at",
    "claimed_by",
    "member_id",
    "kind",
    "sent_at",
    "channel",
];
