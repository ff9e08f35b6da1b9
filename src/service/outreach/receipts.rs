//! What SMS providers tell Patron after a send: delivery receipts (a message reached the phone,
//! or did not) and members' replies (an opt-out word withdraws SMS consent at once). Both are
//! idempotent: a provider that retries its callback changes nothing the second time.
use std::collections::HashMap;

use chrono::Utc;
use entity::member;
use entity::vocabulary::{Channel, OutboxStatus};
use jobs::outreach::sms::{e164, is_opt_out, Receipt, Reply};
use jobs::outreach::suppression::{Suppressions, BOUNCED};
use jobs::sql::{id_list, statement};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, TransactionTrait};

use crate::auth::Viewer;
use crate::error::AppResult;
use crate::service::{audit, consent};

/// Failure codes of a receipt that mean the number itself is dead (vacant, out of service,
/// not a mobile): the number is suppressed like a hard-bounced address. Anything else (phone
/// off, full inbox, carrier trouble) fails the message only.
const DEAD_NUMBER: [&str; 8] = [
    "MOBILE_NOT_ON_SERVICE",
    "MOBILE_ACCOUNT_ABNORMAL",
    "INVALID_NUMBER",
    "空号",
    "停机",
    "30005", // Twilio: unknown destination handset
    "30006", // Twilio: landline or unreachable carrier
    "MK:0001",
];

/// What applying receipts changed.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Applied {
    pub delivered: u64,
    pub failed: u64,
}

/// Marks each receipt's message delivered or failed; a receipt for an unknown or already
/// settled message changes nothing. The messages are found in one statement and changed in one
/// per outcome, whatever the number of receipts a callback carries.
pub async fn apply_receipts(
    conn: &(impl ConnectionTrait + TransactionTrait),
    receipts: &[Receipt],
) -> Result<Applied, DbErr> {
    let txn = conn.begin().await?;
    let sent = sent_by_ref(&txn, receipts).await?;
    let (mut delivered, mut failed, mut dead) = (Vec::new(), HashMap::<String, Vec<i64>>::new(), Vec::new());
    for receipt in receipts {
        let ids = messages(&sent, receipt);
        if ids.is_empty() {
            continue;
        }
        if receipt.delivered {
            delivered.extend(ids);
        } else {
            failed
                .entry(format!("not delivered: {}", receipt.detail))
                .or_default()
                .extend(ids);
            dead.extend(receipt.phone.as_deref().filter(|_| is_dead_number(&receipt.detail)));
        }
    }
    let mut applied = Applied::default();
    if !delivered.is_empty() {
        let sql = format!(
            "UPDATE outbox SET delivered_at = $1 WHERE id IN ({}) AND delivered_at IS NULL",
            id_list(delivered.into_iter())
        );
        applied.delivered = txn
            .execute(statement(&txn, &sql, vec![Utc::now().into()]))
            .await?
            .rows_affected();
    }
    for (reason, ids) in failed {
        let sql = format!(
            "UPDATE outbox SET status = '{failed}', last_error = $1 WHERE id IN ({ids}) AND status = '{sent}'",
            failed = OutboxStatus::Failed,
            sent = OutboxStatus::Sent,
            ids = id_list(ids.into_iter()),
        );
        applied.failed += txn
            .execute(statement(&txn, &sql, vec![reason.into()]))
            .await?
            .rows_affected();
    }
    Suppressions::PHONE.suppress(&txn, &dead, BOUNCED).await?;
    txn.commit().await?;
    Ok(applied)
}

fn is_dead_number(detail: &str) -> bool {
    DEAD_NUMBER.iter().any(|code| detail.contains(code))
}

/// The sent SMS the receipts name, by the provider's id: (outbox id, the member's number).
async fn sent_by_ref(
    conn: &impl ConnectionTrait,
    receipts: &[Receipt],
) -> Result<HashMap<String, Vec<(i64, Option<String>)>>, DbErr> {
    let mut sent: HashMap<String, Vec<(i64, Option<String>)>> = HashMap::new();
    let refs: Vec<&str> = receipts.iter().map(|r| r.provider_ref.as_str()).collect();
    for chunk in refs.chunks(1000) {
        let list: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 2)).collect();
        let sql = format!(
            "SELECT o.id, o.provider_ref, m.phone FROM outbox o JOIN members m ON m.id = o.member_id \
             WHERE o.channel = $1 AND o.provider_ref IN ({})",
            list.join(", ")
        );
        let values = std::iter::once(Channel::Sms.as_str().into())
            .chain(chunk.iter().map(|r| (*r).into()))
            .collect();
        for row in conn.query_all(statement(conn, &sql, values)).await? {
            let entry = (row.try_get("", "id")?, row.try_get("", "phone")?);
            sent.entry(row.try_get("", "provider_ref")?).or_default().push(entry);
        }
    }
    Ok(sent)
}

/// The messages a receipt is about: those with its id, and its number where one id covers a
/// whole batch (Aliyun's BizId).
fn messages(sent: &HashMap<String, Vec<(i64, Option<String>)>>, receipt: &Receipt) -> Vec<i64> {
    let named = sent.get(&receipt.provider_ref).into_iter().flatten();
    named
        .filter(|(_, phone)| match (&receipt.phone, phone) {
            (Some(wanted), Some(phone)) => same_number(wanted, phone),
            _ => true,
        })
        .map(|(id, _)| *id)
        .collect()
}

/// Whether two ways of writing a number are one number (`13812345678`, `+8613812345678`,
/// `8613812345678`).
fn same_number(a: &str, b: &str) -> bool {
    let digits = |n: &str| e164(n.trim()).trim_start_matches('+').to_owned();
    let (a, b) = (digits(a), digits(b));
    a == b || a.strip_prefix("86") == Some(b.as_str()) || b.strip_prefix("86") == Some(a.as_str())
}

/// Withdraws SMS consent of every member with the number of each opt-out reply, recording the
/// reply as the consent's source; other replies are left for people to read. Returns how many
/// members opted out.
pub async fn apply_replies(conn: &(impl ConnectionTrait + TransactionTrait), replies: &[Reply]) -> AppResult<u64> {
    let mut opted_out = 0;
    let txn = conn.begin().await?;
    for reply in replies.iter().filter(|r| is_opt_out(&r.text)) {
        let international = e164(reply.phone.trim());
        let mainland = international.strip_prefix("+86").unwrap_or(&international).to_owned();
        let members = member::Entity::find()
            .filter(member::Column::SmsConsent.eq(true))
            .filter(member::Column::Phone.is_in([international.clone(), mainland]))
            .all(&txn)
            .await?;
        for member in members {
            let sql = "UPDATE members SET sms_consent = $1, updated_at = $2 WHERE id = $3";
            let values = vec![false.into(), Utc::now().into(), member.id.into()];
            txn.execute(statement(&txn, sql, values)).await?;
            consent::record(
                &txn,
                member.id,
                &[(Channel::Sms, false)],
                "sms reply",
                Some(reply.text.trim()),
            )
            .await?;
            let detail = serde_json::json!({ "channel": "sms", "reply": reply.text.trim() });
            let viewer = Viewer::member(&member);
            audit::record(&txn, &viewer, "member.optOut", Some(&member.member_no), detail).await?;
            opted_out += 1;
        }
    }
    txn.commit().await?;
    Ok(opted_out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_number_written_three_ways() {
        assert!(same_number("13812345678", "+8613812345678"));
        assert!(same_number("8613812345678", "13812345678"));
        assert!(!same_number("13812345678", "13812345679"));
        assert!(same_number("+14155552671", "+14155552671"));
    }
}
