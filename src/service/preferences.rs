//! A member's preferences: the topics they want, how often (normal, fewer, a 30-day pause) and
//! the channels they consent to — "fewer" before "none". Set from the preference page every
//! message links to, and by the member's app.
use chrono::{Duration, Utc};
use entity::member;
use entity::vocabulary::{Channel, Frequency, Topic};
use sea_orm::{ActiveModelTrait, ConnectionTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::AppResult;
use crate::service::member::{self as members, Consent};

/// How long "pause" lasts.
pub const PAUSE_DAYS: i64 = 30;

/// What the member chose.
#[derive(Clone, Debug, Default)]
pub struct Choice {
    /// The topics they want (the others are muted).
    pub topics: Vec<Topic>,
    pub frequency: Frequency,
    /// Pause marketing messages for `PAUSE_DAYS` (false: end a pause).
    pub pause: bool,
    /// The channels they consent to, when they chose them (`None`: leave consent as it is).
    pub channels: Option<Vec<Channel>>,
}

/// The topics a member's record mutes.
pub fn muted(member: &member::Model) -> Vec<Topic> {
    let topics = member.muted_topics.as_deref().unwrap_or_default();
    topics.split(',').filter_map(|t| Topic::parse(t.trim())).collect()
}

/// Saves a choice, with the consent it changes recorded from `source`, shown `wording`.
pub async fn save(
    conn: &(impl ConnectionTrait + TransactionTrait),
    brand: &Brand,
    viewer: &Viewer,
    current: &member::Model,
    choice: &Choice,
    consent: Consent<'_>,
) -> AppResult<member::Model> {
    let muted: Vec<&str> = Topic::ALL
        .iter()
        .filter(|topic| !choice.topics.contains(topic))
        .map(|topic| topic.as_str())
        .collect();
    let paused = current.paused_until.filter(|until| *until > Utc::now());
    let paused_until = match (choice.pause, paused) {
        (true, Some(until)) => Some(until),
        (true, None) => Some(Utc::now() + Duration::days(PAUSE_DAYS)),
        (false, _) => None,
    };
    let mut changes = member::ActiveModel {
        muted_topics: Set((!muted.is_empty()).then(|| muted.join(","))),
        frequency: Set(choice.frequency),
        paused_until: Set(paused_until),
        ..Default::default()
    };
    if let Some(channels) = &choice.channels {
        // A channel without an address cannot be chosen: its consent stays as it is.
        for channel in Channel::ALL.iter().filter(|c| current.has_address_on(**c)) {
            changes.set(member::Column::consent_on(*channel), channels.contains(channel).into());
        }
    }
    members::save_changes(conn, brand, viewer, current, changes, consent).await
}
