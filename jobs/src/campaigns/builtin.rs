//! The built-in birthday, holiday and win-back sends as campaigns: what a marketer set on them
//! (on or off, audience, timing, control group, priority), and their occurrences recorded like
//! any campaign's, so their report compares the members sent to with those held out.
//!
//! The outreach jobs decide who is due (`outreach::queue`); this module only knows the campaign.
use chrono::{DateTime, NaiveTime, Utc};
use entity::campaign;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Value};

use super::occurrence::{self, RECIPIENTS};
use super::{holdout, SCHEDULED, SENDING};
use crate::outreach::config::OutreachConfig;
use crate::sql::statement;

/// How a marketer set up one built-in campaign; the configuration's defaults where they did not.
#[derive(Debug)]
pub struct Builtin {
    pub campaign: Option<campaign::Model>,
    /// When the emails are due in each member's zone.
    pub send_time: NaiveTime,
}

impl Builtin {
    pub async fn load(conn: &impl ConnectionTrait, kind: &str, config: &OutreachConfig) -> Result<Self, DbErr> {
        let campaign = campaign::Entity::find()
            .filter(campaign::Column::Kind.eq(kind))
            .one(conn)
            .await?;
        let default_time = NaiveTime::from_hms_opt(config.send_hour.min(23), 0, 0).unwrap_or_default();
        Ok(Self {
            send_time: campaign.as_ref().and_then(|c| c.send_time).unwrap_or(default_time),
            campaign,
        })
    }

    /// Paused or cancelled, it queues nothing.
    pub fn is_on(&self) -> bool {
        self.campaign
            .as_ref()
            .is_none_or(|c| [SCHEDULED, SENDING].contains(&c.status.as_str()))
    }

    /// Birthday: days early; holiday: days before each holiday without a lead time of its own;
    /// `default` unless the marketer set it.
    pub fn days_before(&self, default: u32) -> u32 {
        self.campaign
            .as_ref()
            .and_then(|c| c.days_before)
            .and_then(|d| u32::try_from(d).ok())
            .unwrap_or(default)
    }

    pub fn campaign_id(&self) -> Option<i64> {
        self.campaign.as_ref().map(|c| c.id)
    }

    /// Only members of this segment (its membership at the last refresh).
    pub fn segment_id(&self) -> Option<i64> {
        self.campaign.as_ref().and_then(|c| c.segment_id)
    }

    pub fn priority(&self) -> i32 {
        self.campaign.as_ref().map_or(0, |c| c.priority)
    }

    /// Records the occurrence `key` (once, however often the job runs); its id.
    pub async fn occurrence(&self, conn: &impl ConnectionTrait, key: &str, run_id: i64) -> Result<Option<i64>, DbErr> {
        let Some(campaign) = &self.campaign else {
            return Ok(None);
        };
        occurrence::insert(conn, campaign.id, key, Some(run_id)).await?;
        Ok(Some(occurrence::find(conn, campaign.id, key).await?.id))
    }

    /// Whether the control group keeps `member_id`.
    pub fn holds_out(&self, member_id: i64) -> bool {
        self.campaign
            .as_ref()
            .is_some_and(|c| holdout::held_out(c.id, member_id, c.holdout_basis_points))
    }

    /// The occurrence's record of one member (sent to or held out).
    pub fn recipient(
        &self,
        occurrence_id: i64,
        member_id: i64,
        held_out: bool,
        due_at: DateTime<Utc>,
        expected_value_cents: Option<i64>,
    ) -> Vec<Value> {
        let days = self.campaign.as_ref().map_or(30, |c| c.attribution_days);
        occurrence::recipient_row(occurrence_id, member_id, held_out, due_at, days, expected_value_cents)
    }
}

/// Adds recipients; one already recorded (a re-run, a second replica) stays as it was.
pub async fn record(conn: &impl ConnectionTrait, recipients: &[Vec<Value>]) -> Result<(), DbErr> {
    RECIPIENTS
        .insert(conn, recipients, " ON CONFLICT (occurrence_id, member_id) DO NOTHING")
        .await
}

/// Sets an occurrence's counts from its recipients, so re-runs count each member once.
pub async fn tally(conn: &impl ConnectionTrait, occurrence_id: i64) -> Result<(), DbErr> {
    let sql = "UPDATE campaign_occurrences SET \
                 audience = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1), \
                 held_out = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1 AND held_out), \
                 queued = (SELECT COUNT(*) FROM campaign_recipients WHERE occurrence_id = $1 AND NOT held_out) \
               WHERE id = $1";
    conn.execute(statement(conn, sql, vec![occurrence_id.into()]))
        .await
        .map(drop)
}
