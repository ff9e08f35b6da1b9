//! Coupon codes and the days they hold, shared by the API's single issues and a campaign's
//! issue to its whole audience.
use std::collections::HashMap;

use chrono::{Days, NaiveDate, Utc};
use entity::coupon_definition;
use entity::vocabulary::{CouponSource, CouponStatus};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, QuerySelect, Value};

use crate::campaigns::coupon_reference;
use crate::outreach::template::CouponContext;
use crate::sql::{id_list, statement};

pub mod code;

/// The codes the messages of `rows` give, by member and reference (see
/// `campaigns::coupon_reference`): one statement per batch.
pub async fn for_messages(
    conn: &impl ConnectionTrait,
    rows: &[crate::outreach::claim::Row],
) -> Result<HashMap<(i64, String), CouponContext>, DbErr> {
    let wanted: Vec<(i64, String)> = rows
        .iter()
        .filter_map(|row| Some((row.member_id, coupon_reference(row.campaign_id?, &row.occurrence))))
        .collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut references: Vec<&str> = wanted.iter().map(|(_, r)| r.as_str()).collect();
    references.sort_unstable();
    references.dedup();
    let placeholders: Vec<String> = (1..=references.len()).map(|n| format!("${n}")).collect();
    let sql = format!(
        "SELECT c.member_id, c.reference, c.code, c.valid_until, d.name, d.amount_off_cents, d.percent_off, \
           d.gift, d.min_spend_cents \
         FROM coupons c JOIN coupon_definitions d ON d.id = c.definition_id \
         WHERE c.reference IN ({}) AND c.member_id IN ({})",
        placeholders.join(", "),
        id_list(wanted.iter().map(|(member, _)| *member))
    );
    let values = references.iter().map(|r| Value::from(*r)).collect();
    let cents = |c: i64| rust_decimal::Decimal::new(c, 2);
    let mut found = HashMap::new();
    for row in conn.query_all(statement(conn, &sql, values)).await? {
        let code: String = row.try_get("", "code")?;
        let coupon = CouponContext {
            code: code::display(&code),
            name: row.try_get("", "name")?,
            valid_until: row.try_get("", "valid_until")?,
            amount_off: row.try_get::<Option<i64>>("", "amount_off_cents")?.map(cents),
            percent_off: row.try_get("", "percent_off")?,
            gift: row.try_get("", "gift")?,
            min_spend: cents(row.try_get("", "min_spend_cents")?),
        };
        found.insert((row.try_get("", "member_id")?, row.try_get("", "reference")?), coupon);
    }
    Ok(found)
}

/// Codes written per statement (seven values each, within both databases' limits).
const CODES_PER_STATEMENT: usize = 1000;
/// Tries at members whose new code happened to be taken (about one in 10⁹ at a million codes).
const TRIES: usize = 4;

/// The first and last day of a code issued `today`: from the later of today and the offer's
/// first day, to the earlier of its last day and `validDays` from today. `Err(last day)` when
/// that is before the first.
pub fn days(definition: &coupon_definition::Model, today: NaiveDate) -> Result<(NaiveDate, NaiveDate), NaiveDate> {
    let from = definition.valid_from.map_or(today, |from| from.max(today));
    let by_days = definition
        .valid_days
        .and_then(|days| today.checked_add_days(Days::new(u64::try_from(days - 1).unwrap_or(0))));
    let until = match (definition.valid_until, by_days) {
        (Some(fixed), Some(days)) => fixed.min(days),
        (fixed, days) => fixed.or(days).unwrap_or(NaiveDate::MAX),
    };
    if until < from {
        return Err(until);
    }
    Ok((from, until))
}

/// Issues one code of `definition` to each of `members` who has none under `reference` yet,
/// within the offer's stock (the first members by id while it lasts) and per-member limit, in
/// the caller's transaction; how many it issued. Nothing once the offer has ended.
pub async fn issue_to(
    txn: &DatabaseTransaction,
    definition_id: i64,
    members: &[i64],
    today: NaiveDate,
    reference: &str,
) -> Result<u64, DbErr> {
    let Some(definition) = locked(txn, definition_id).await? else {
        return Ok(0);
    };
    let Ok((valid_from, valid_until)) = days(&definition, today) else {
        tracing::warn!(offer = definition.id, "the offer has ended: no codes issued");
        return Ok(0);
    };
    let mut eligible = without_code(txn, definition.id, members, definition.per_member_limit, reference).await?;
    if let Some(stock) = definition.stock {
        let left = usize::try_from(stock - definition.issued).unwrap_or(0);
        if eligible.len() > left {
            tracing::warn!(
                offer = definition.id,
                wanted = eligible.len(),
                left,
                "the offer ran out of stock"
            );
            eligible.truncate(left);
        }
    }
    let mut issued = 0;
    for _ in 0..TRIES {
        let mut inserted = 0;
        for chunk in eligible.chunks(CODES_PER_STATEMENT) {
            inserted += insert(txn, &definition, chunk, (valid_from, valid_until), reference).await?;
        }
        issued += inserted;
        if inserted == eligible.len() as u64 {
            break;
        }
        // A code another coupon already had was skipped: those members try again with new ones.
        eligible = without_code(txn, definition.id, &eligible, None, reference).await?;
    }
    let sql = "UPDATE coupon_definitions SET issued = issued + $1 WHERE id = $2";
    txn.execute(statement(txn, sql, vec![(issued as i64).into(), definition.id.into()]))
        .await?;
    Ok(issued)
}

/// The offer, its row locked until the transaction ends (`FOR UPDATE`, which SQLite's query
/// builder leaves out: its writer holds the whole database already).
async fn locked(txn: &DatabaseTransaction, id: i64) -> Result<Option<coupon_definition::Model>, DbErr> {
    coupon_definition::Entity::find_by_id(id)
        .lock_exclusive()
        .one(txn)
        .await
}

/// Of `members` (ascending), those without a code under `reference` and, with a limit, holding
/// fewer than it.
async fn without_code(
    txn: &DatabaseTransaction,
    definition_id: i64,
    members: &[i64],
    limit: Option<i32>,
    reference: &str,
) -> Result<Vec<i64>, DbErr> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    let mut left = Vec::with_capacity(sorted.len());
    for chunk in sorted.chunks(CODES_PER_STATEMENT) {
        let sql = format!(
            "SELECT member_id, COUNT(*) AS held, SUM(CASE WHEN reference = $2 THEN 1 ELSE 0 END) AS here \
             FROM coupons WHERE definition_id = $1 AND member_id IN ({}) GROUP BY member_id",
            id_list(chunk.iter().copied())
        );
        let rows = txn
            .query_all(statement(txn, &sql, vec![definition_id.into(), reference.into()]))
            .await?;
        let mut full = std::collections::HashSet::new();
        for row in rows {
            let (member, held, here): (i64, i64, i64) = (
                row.try_get("", "member_id")?,
                row.try_get("", "held")?,
                row.try_get("", "here")?,
            );
            if here > 0 || limit.is_some_and(|limit| held >= i64::from(limit)) {
                full.insert(member);
            }
        }
        left.extend(chunk.iter().filter(|m| !full.contains(m)));
    }
    Ok(left)
}

/// One multi-row INSERT; a row whose code is taken is skipped (any unique key: the reference
/// was checked just before).
async fn insert(
    txn: &DatabaseTransaction,
    definition: &coupon_definition::Model,
    members: &[i64],
    (valid_from, valid_until): (NaiveDate, NaiveDate),
    reference: &str,
) -> Result<u64, DbErr> {
    if members.is_empty() {
        return Ok(0);
    }
    let now = Utc::now();
    let mut rows = Vec::with_capacity(members.len());
    let mut values: Vec<Value> = Vec::with_capacity(members.len() * 8);
    for member in members {
        let n = values.len();
        rows.push(format!(
            "(${}, ${}, ${}, '{}', '{}', ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            CouponStatus::Issued,
            CouponSource::Campaign,
            n + 4,
            n + 5,
            n + 6,
            n + 7
        ));
        values.extend([
            definition.id.into(),
            (*member).into(),
            code::generate().into(),
            reference.into(),
            valid_from.into(),
            valid_until.into(),
            now.into(),
        ]);
    }
    let sql = format!(
        "INSERT INTO coupons (definition_id, member_id, code, status, source, reference, valid_from, valid_until, issued_at) \
         VALUES {} ON CONFLICT DO NOTHING",
        rows.join(", ")
    );
    Ok(txn.execute(statement(txn, &sql, values)).await?.rows_affected())
}
