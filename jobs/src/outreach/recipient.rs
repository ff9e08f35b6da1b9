//! Recipients: what the dispatcher (and a template preview) knows of a member at send time.
use entity::vocabulary::{MemberStatus, OutboxStatus};
use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{ConnectionTrait, DbErr, Value};

use super::claim::held_by_live_dispatcher;
use super::reach;
use super::suppression::email_hash;
use super::template::MemberContext;
use crate::sql::{id_list, statement};

/// What is known of a member when an email to them is sent (or previewed).
pub struct Recipient {
    /// What templates show of them.
    pub member: MemberContext,
    pub email: Option<String>,
    pub locale: String,
    pub time_zone: String,
    /// Why they must not be mailed, if so.
    pub barred: Option<String>,
    /// Marketing emails sent to them in the last 24 hours, or being sent.
    pub recent_sends: Vec<DateTime<Utc>>,
}

/// Everything about these members in three statements: profile with tier, store and points
/// balance; the suppression list; their sends since `now − 24 h`, those in flight included.
pub async fn load(
    db: &impl ConnectionTrait,
    member_ids: &[i64],
    now: DateTime<Utc>,
) -> Result<HashMap<i64, Recipient>, DbErr> {
    let ids = id_list(member_ids.iter().copied());
    let sql = format!(
        "SELECT m.id, m.member_no, m.name, m.email, m.locale, m.time_zone, m.email_consent, m.status, \
           mm.tier, s.name AS store_name, \
           (SELECT CAST(COALESCE(SUM(p.points), 0) AS BIGINT) FROM points_ledger p WHERE p.member_id = m.id) AS points \
         FROM members m LEFT JOIN member_metrics mm ON mm.member_id = m.id \
           LEFT JOIN stores s ON s.id = m.store_id \
         WHERE m.id IN ({ids})"
    );
    let mut recipients = HashMap::new();
    for r in db.query_all(statement(db, &sql, Vec::new())).await? {
        let consent: bool = r.try_get("", "email_consent")?;
        let status: MemberStatus = r.try_get("", "status")?;
        let email: Option<String> = r.try_get("", "email")?;
        let barred = reach::barred(status, consent, email.is_some()).map(str::to_owned);
        let points: Option<i64> = r.try_get("", "points")?;
        recipients.insert(
            r.try_get::<i64>("", "id")?,
            Recipient {
                member: MemberContext {
                    name: r.try_get("", "name")?,
                    member_no: r.try_get("", "member_no")?,
                    tier: r.try_get("", "tier")?,
                    points: points.unwrap_or_default(),
                    store: r.try_get("", "store_name")?,
                },
                email,
                locale: r.try_get("", "locale")?,
                time_zone: r.try_get("", "time_zone")?,
                barred,
                recent_sends: Vec::new(),
            },
        );
    }
    mark_suppressed(db, &mut recipients).await?;
    // Sent, or being sent: a queued row with `sent_at` is a send its dispatcher reserved, and
    // counts while that dispatcher is alive (see `dispatch`).
    let (queued, sent) = (OutboxStatus::Queued, OutboxStatus::Sent);
    let sql = format!(
        "SELECT o.member_id, o.sent_at FROM outbox o WHERE o.member_id IN ({ids}) AND o.sent_at > $1 \
           AND (o.status = '{sent}' OR (o.status = '{queued}' AND {live}))",
        live = held_by_live_dispatcher("$2"),
    );
    let values = vec![(now - Duration::hours(24)).into(), now.into()];
    for r in db.query_all(statement(db, &sql, values)).await? {
        let member_id: i64 = r.try_get("", "member_id")?;
        if let Some(recipient) = recipients.get_mut(&member_id) {
            recipient.recent_sends.push(r.try_get("", "sent_at")?);
        }
    }
    Ok(recipients)
}

async fn mark_suppressed(db: &impl ConnectionTrait, recipients: &mut HashMap<i64, Recipient>) -> Result<(), DbErr> {
    let mut by_hash: HashMap<String, Vec<i64>> = HashMap::new();
    for (id, recipient) in recipients.iter() {
        if let (None, Some(email)) = (&recipient.barred, &recipient.email) {
            by_hash.entry(email_hash(email)).or_default().push(*id);
        }
    }
    if by_hash.is_empty() {
        return Ok(());
    }
    let placeholders: Vec<String> = (1..=by_hash.len()).map(|n| format!("${n}")).collect();
    let hashes: Vec<Value> = by_hash.keys().cloned().map(Value::from).collect();
    let sql = format!(
        "SELECT email_hash, reason FROM email_suppressions WHERE email_hash IN ({})",
        placeholders.join(", ")
    );
    for r in db.query_all(statement(db, &sql, hashes)).await? {
        let hash: String = r.try_get("", "email_hash")?;
        let reason: String = r.try_get("", "reason")?;
        for id in by_hash.get(&hash).into_iter().flatten() {
            if let Some(recipient) = recipients.get_mut(id) {
                recipient.barred = Some(format!("the address is on the suppression list ({reason})"));
            }
        }
    }
    Ok(())
}
