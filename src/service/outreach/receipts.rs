//! What SMS providers tell Patron after a send: delivery receipts (a message reached the phone,
//! or did not) and members' replies (an opt-out word withdraws SMS consent at once). Both are
//! idempotent: a provider that retries its callback changes nothing the second time.
use chrono::Utc;
use entity::member;
use entity::vocabulary::{Channel, OutboxStatus};
use jobs::outreach::sms::{e164, is_opt_out, Receipt, Reply};
use jobs::outreach::suppression::{Suppressions, BOUNCED};
use jobs::sql::statement;
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
/// settled message changes nothing.
pub async fn apply_receipts(
    conn: &(impl ConnectionTrait + TransactionTrait),
    receipts: &[Receipt],
) -> Result<Applied, DbErr> {
    let mut applied = Applied::default();
    let txn = conn.begin().await?;
    for receipt in receipts {
        let ids = messages(&txn, receipt).await?;
        if ids.is_empty() {
            continue;
        }
        let list = jobs::sql::id_list(ids.iter().copied());
        let (sql, values) = if receipt.delivered {
            (
                format!("UPDATE outbox SET delivered_at = $1 WHERE id IN ({list}) AND delivered_at IS NULL"),
                vec![Utc::now().into()],
            )
        } else {
            (
                format!(
                    "UPDATE outbox SET status = '{failed}', last_error = $1 WHERE id IN ({list}) AND status = '{sent}'",
                    failed = OutboxStatus::Failed,
                    sent = OutboxStatus::Sent,
                ),
                vec![format!("not delivered: {}", receipt.detail).into()],
            )
        };
        let changed = txn.execute(statement(&txn, &sql, values)).await?.rows_affected();
        if receipt.delivered {
            applied.delivered += changed;
        } else {
            applied.failed += changed;
            if let Some(phone) = receipt.phone.as_deref().filter(|_| is_dead_number(&receipt.detail)) {
                Suppressions::PHONE.suppress(&txn, &[phone], BOUNCED).await?;
            }
        }
    }
    txn.commit().await?;
    Ok(applied)
}

fn is_dead_number(detail: &str) -> bool {
    DEAD_NUMBER.iter().any(|code| detail.contains(code))
}

/// The sent SMS a receipt is about: by the provider's id, and by number where one id covers a
/// whole batch (Aliyun's BizId).
async fn messages(conn: &impl ConnectionTrait, receipt: &Receipt) -> Result<Vec<i64>, DbErr> {
    let sql = "SELECT o.id, m.phone FROM outbox o JOIN members m ON m.id = o.member_id \
               WHERE o.provider_ref = $1 AND o.channel = $2";
    let values = vec![receipt.provider_ref.clone().into(), Channel::Sms.as_str().into()];
    let rows = conn.query_all(statement(conn, sql, values)).await?;
    let mut ids = Vec::new();
    for row in rows {
        let phone: Option<String> = row.try_get("", "phone")?;
        let matches = match (&receipt.phone, phone) {
            (Some(wanted), Some(phone)) => same_number(wanted, &phone),
            _ => true,
        };
        if matches {
            ids.push(row.try_get("", "id")?);
        }
    }
    Ok(ids)
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
