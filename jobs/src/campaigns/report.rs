//! What an occurrence did and earned: delivery counts from the outbox, and each audience
//! member's purchases in the attribution window, for the sent and the held-out groups.
use chrono::{DateTime, Duration, Utc};
use entity::vocabulary::{Channel, OutboxStatus};
use sea_orm::{ConnectionTrait, DbErr, QueryResult};
use serde::Serialize;

use super::occurrence::coupon_reference;
use super::uplift::{self, Outcome, Uplift};
use crate::sql::statement;
use entity::campaign_occurrence;

/// Delivery of one occurrence's emails, by outbox status.
#[derive(Debug, Default, Serialize)]
pub struct Delivery {
    pub sent: i64,
    /// Still waiting (its due time, quiet hours, the daily cap, a retry).
    pub deferred: i64,
    pub failed: i64,
    pub suppressed: i64,
    pub paused: i64,
    pub cancelled: i64,
    /// Members sent to who withdrew their consent after it was due.
    pub unsubscribed: i64,
    /// When the rest should be out at the pace of the last five minutes (`None`: not sending).
    pub eta: Option<DateTime<Utc>>,
    /// The same per channel the messages went out on.
    pub channels: Vec<ChannelDelivery>,
}

/// One channel's share of an occurrence.
#[derive(Debug, Serialize)]
pub struct ChannelDelivery {
    pub channel: Channel,
    pub sent: i64,
    /// Sent messages the provider reported delivered (SMS receipts).
    pub delivered: i64,
    pub failed: i64,
    /// SMS parts billed.
    pub parts: i64,
    /// Members of the occurrence who withdrew their consent to this channel after it was due.
    pub opted_out: i64,
}

/// One group's purchases in the attribution window. Money in cents, exact.
#[derive(Debug, Default, Serialize)]
pub struct Group {
    pub members: i64,
    /// Members with at least one purchase.
    pub buyers: i64,
    pub orders: i64,
    /// Net spend: purchases less returns.
    pub revenue_cents: i64,
}

impl Group {
    /// Counts a member who spent `spend` net over `orders` orders.
    pub fn add(&mut self, spend: i64, orders: i64) {
        self.members += 1;
        self.orders += orders;
        self.buyers += i64::from(orders > 0);
        self.revenue_cents += spend;
    }
}

#[derive(Debug, Serialize)]
pub struct Earnings {
    pub sent: Group,
    pub held_out: Group,
    /// `None` while either group has fewer than two members.
    pub uplift: Option<Uplift>,
    /// What the codes the occurrence gave took off the orders that redeemed them.
    pub discounts_cents: i64,
}

pub async fn delivery(
    conn: &impl ConnectionTrait,
    campaign_id: i64,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Delivery, DbErr> {
    let sent = OutboxStatus::Sent;
    let sql = format!(
        "SELECT status, COUNT(*) AS n, \
           SUM(CASE WHEN status = '{sent}' AND sent_at > $3 THEN 1 ELSE 0 END) AS lately \
         FROM outbox WHERE campaign_id = $1 AND occurrence = $2 GROUP BY status"
    );
    let recent = now - Duration::minutes(5);
    let values = vec![campaign_id.into(), key.into(), recent.into()];
    let mut delivery = Delivery::default();
    let mut lately = 0;
    for row in conn.query_all(statement(conn, &sql, values)).await? {
        let n: i64 = row.try_get("", "n")?;
        lately += row.try_get::<Option<i64>>("", "lately")?.unwrap_or(0);
        let count = match row.try_get::<OutboxStatus>("", "status")? {
            OutboxStatus::Sent => &mut delivery.sent,
            OutboxStatus::Queued => &mut delivery.deferred,
            OutboxStatus::Failed => &mut delivery.failed,
            OutboxStatus::Suppressed => &mut delivery.suppressed,
            OutboxStatus::Paused => &mut delivery.paused,
            OutboxStatus::Cancelled => &mut delivery.cancelled,
        };
        *count = n;
    }
    if delivery.deferred > 0 && lately > 0 {
        let seconds = delivery.deferred * 300 / lately;
        delivery.eta = Some(now + Duration::seconds(seconds));
    }
    let sql = "SELECT COUNT(*) AS n FROM campaign_recipients r \
               JOIN campaign_occurrences o ON o.id = r.occurrence_id \
               JOIN members m ON m.id = r.member_id \
               WHERE o.campaign_id = $1 AND o.key = $2 AND NOT r.held_out \
                 AND NOT m.email_consent AND m.consent_at > r.due_at";
    let row = conn
        .query_one(statement(conn, sql, vec![campaign_id.into(), key.into()]))
        .await?;
    delivery.unsubscribed = row.map(|r| r.try_get("", "n")).transpose()?.unwrap_or(0);
    delivery.channels = by_channel(conn, campaign_id, key).await?;
    Ok(delivery)
}

/// Sent, delivered, failed, billed parts and opt-outs per channel.
async fn by_channel(conn: &impl ConnectionTrait, campaign_id: i64, key: &str) -> Result<Vec<ChannelDelivery>, DbErr> {
    let (sent, failed) = (OutboxStatus::Sent, OutboxStatus::Failed);
    let sql = format!(
        "SELECT channel, \
           SUM(CASE WHEN status = '{sent}' THEN 1 ELSE 0 END) AS sent, \
           SUM(CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END) AS delivered, \
           SUM(CASE WHEN status = '{failed}' THEN 1 ELSE 0 END) AS failed, \
           CAST(COALESCE(SUM(parts), 0) AS BIGINT) AS parts \
         FROM outbox WHERE campaign_id = $1 AND occurrence = $2 AND channel IS NOT NULL GROUP BY channel ORDER BY channel"
    );
    let values = vec![campaign_id.into(), key.into()];
    let mut channels = Vec::new();
    for row in conn.query_all(statement(conn, &sql, values)).await? {
        let count = |column| row.try_get::<Option<i64>>("", column).map(Option::unwrap_or_default);
        channels.push(ChannelDelivery {
            channel: row.try_get("", "channel")?,
            sent: count("sent")?,
            delivered: count("delivered")?,
            failed: count("failed")?,
            parts: count("parts")?,
            opted_out: 0,
        });
    }
    // A withdrawal of the channel's consent recorded after the message was sent.
    let sql = "SELECT o.channel, COUNT(DISTINCT o.member_id) AS n FROM outbox o \
               JOIN member_consents c ON c.member_id = o.member_id AND c.channel = o.channel \
               WHERE o.campaign_id = $1 AND o.occurrence = $2 AND o.sent_at IS NOT NULL \
                 AND NOT c.granted AND c.recorded_at > o.sent_at GROUP BY o.channel";
    let values = vec![campaign_id.into(), key.into()];
    for row in conn.query_all(statement(conn, sql, values)).await? {
        let channel: Channel = row.try_get("", "channel")?;
        if let Some(share) = channels.iter_mut().find(|c| c.channel == channel) {
            share.opted_out = row.try_get("", "n")?;
        }
    }
    Ok(channels)
}

/// Each audience member's net spend and orders in (due, window end], with the expected value
/// the snapshot recorded; grouped, and the uplift estimated from them; and the discounts its
/// codes gave.
pub async fn earnings(conn: &impl ConnectionTrait, occurrence: &campaign_occurrence::Model) -> Result<Earnings, DbErr> {
    let occurrence_id = occurrence.id;
    let sql = "SELECT r.held_out, COALESCE(r.expected_value_cents, 0) AS expected, \
                 CAST(COALESCE(SUM(p.amount_cents), 0) AS BIGINT) AS spend, \
                 SUM(CASE WHEN p.kind = 'purchase' THEN 1 ELSE 0 END) AS orders \
               FROM campaign_recipients r \
               LEFT JOIN purchases p ON p.member_id = r.member_id \
                 AND p.occurred_at > r.due_at AND p.occurred_at <= r.window_ends_at \
               WHERE r.occurrence_id = $1 \
               GROUP BY r.member_id, r.held_out, r.expected_value_cents";
    let rows = conn.query_all(statement(conn, sql, vec![occurrence_id.into()])).await?;
    let (mut sent, mut held_out) = (Group::default(), Group::default());
    let mut outcomes = Vec::with_capacity(rows.len());
    for row in &rows {
        let outcome = member_outcome(
            row,
            if row.try_get("", "held_out")? {
                &mut held_out
            } else {
                &mut sent
            },
        )?;
        outcomes.push(outcome);
    }
    let sql = "SELECT CAST(COALESCE(SUM(discount_cents), 0) AS BIGINT) AS discounts FROM coupons WHERE reference = $1";
    let reference = coupon_reference(occurrence.campaign_id, &occurrence.key);
    let discounts = conn.query_one(statement(conn, sql, vec![reference.into()])).await?;
    Ok(Earnings {
        uplift: uplift::uplift(&outcomes),
        sent,
        held_out,
        discounts_cents: discounts
            .map(|row| row.try_get("", "discounts"))
            .transpose()?
            .unwrap_or(0),
    })
}

/// Tallies a row (`held_out`, `spend`, `orders`, `expected`) into its group; the member's outcome.
pub(crate) fn member_outcome(row: &QueryResult, group: &mut Group) -> Result<Outcome, DbErr> {
    let spend: i64 = row.try_get("", "spend")?;
    let orders: i64 = row.try_get::<Option<i64>>("", "orders")?.unwrap_or(0);
    group.add(spend, orders);
    Ok(Outcome {
        held_out: row.try_get("", "held_out")?,
        spend: spend as f64,
        expected: row.try_get::<i64>("", "expected")? as f64,
    })
}
