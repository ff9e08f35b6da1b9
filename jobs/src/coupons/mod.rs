//! Coupon codes and the days they hold, shared by the API's single issues and a campaign's
//! issue to its whole audience.
use std::collections::{HashMap, HashSet};

use chrono::{Days, NaiveDate, Utc};
use entity::coupon_definition;
use entity::vocabulary::{CampaignKind, CouponSource, CouponStatus};
use sea_orm::{ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, Value};

use crate::campaigns::coupon_reference;
use crate::outreach::links::SignedLinks;
use crate::outreach::template::CouponContext;
use crate::sql::{id_list, statement};

pub mod code;
pub mod imported;

/// How a code typed at a counter may be stored: as one of Patron's codes (its check holding), or
/// as an imported one; none when it can be neither.
pub fn stored_forms(typed: &str) -> Vec<String> {
    let mut forms: Vec<String> = [code::normalize(typed), imported::normalize(typed)]
        .into_iter()
        .flatten()
        .collect();
    forms.dedup();
    forms
}

/// Which code a message shows, if any: for a campaign, the code of its offer it gave the member
/// (`campaigns::coupon_reference`); for a coupon reminder, the member's unredeemed code whose
/// last day is the occurrence's.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Shown {
    Given { member_id: i64, reference: String },
    Lapsing { member_id: i64, last_day: NaiveDate },
}

impl Shown {
    fn member_id(&self) -> i64 {
        match self {
            Self::Given { member_id, .. } | Self::Lapsing { member_id, .. } => *member_id,
        }
    }

    pub fn of(row: &crate::outreach::claim::Row) -> Option<Self> {
        if row.kind == CampaignKind::CouponExpiry {
            let last_day = row.occurrence.parse().ok()?;
            return Some(Self::Lapsing {
                member_id: row.member_id,
                last_day,
            });
        }
        Some(Self::Given {
            member_id: row.member_id,
            reference: coupon_reference(row.campaign_id?, &row.occurrence),
        })
    }
}

/// The codes the messages of `rows` show: one statement per batch.
pub async fn for_messages(
    conn: &impl ConnectionTrait,
    links: &SignedLinks,
    rows: &[crate::outreach::claim::Row],
) -> Result<HashMap<Shown, CouponContext>, DbErr> {
    let wanted: HashSet<Shown> = rows.iter().filter_map(Shown::of).collect();
    if wanted.is_empty() {
        return Ok(HashMap::new());
    }
    let mut values: Vec<Value> = Vec::new();
    let (mut references, mut days) = (Vec::new(), Vec::new());
    for shown in &wanted {
        values.push(match shown {
            Shown::Given { reference, .. } => Value::from(reference.as_str()),
            Shown::Lapsing { last_day, .. } => Value::from(*last_day),
        });
        let placeholder = format!("${}", values.len());
        match shown {
            Shown::Given { .. } => references.push(placeholder),
            Shown::Lapsing { .. } => days.push(placeholder),
        }
    }
    let mut matches = Vec::new();
    if !references.is_empty() {
        matches.push(format!("c.reference IN ({})", references.join(", ")));
    }
    if !days.is_empty() {
        matches.push(format!("c.valid_until IN ({})", days.join(", ")));
    }
    let members = id_list(wanted.iter().map(Shown::member_id));
    let sql = format!(
        "SELECT c.member_id, c.reference, c.status, c.code, c.valid_until, d.name, d.amount_off_cents, \
           d.percent_off, d.gift, d.min_spend_cents \
         FROM coupons c JOIN coupon_definitions d ON d.id = c.definition_id \
         WHERE c.member_id IN ({members}) AND ({}) ORDER BY c.id DESC",
        matches.join(" OR ")
    );
    let mut found = HashMap::new();
    for row in conn.query_all(statement(conn, &sql, values)).await? {
        let coupon = context(&row, links)?;
        let member_id = row.try_get("", "member_id")?;
        let given = row
            .try_get::<Option<String>>("", "reference")?
            .map(|reference| Shown::Given { member_id, reference });
        // A reminder is for a code still to be redeemed; the oldest when several lapse (rows
        // come newest first, so the oldest is written last).
        let issued = row.try_get::<String>("", "status")? == CouponStatus::Issued.as_str();
        let lapsing = issued.then_some(Shown::Lapsing {
            member_id,
            last_day: coupon.valid_until,
        });
        for shown in [given, lapsing].into_iter().flatten() {
            if wanted.contains(&shown) {
                found.insert(shown, coupon.clone());
            }
        }
    }
    Ok(found)
}

/// A code as a template shows it, from a row of `coupons` joined with its offer.
fn context(row: &sea_orm::QueryResult, links: &SignedLinks) -> Result<CouponContext, DbErr> {
    let cents = |c: i64| rust_decimal::Decimal::new(c, 2);
    let code: String = row.try_get("", "code")?;
    Ok(CouponContext {
        code: code::display(&code),
        image_url: links.code_image_url(&code),
        name: row.try_get("", "name")?,
        valid_until: row.try_get("", "valid_until")?,
        amount_off: row.try_get::<Option<i64>>("", "amount_off_cents")?.map(cents),
        percent_off: row.try_get("", "percent_off")?,
        gift: row.try_get("", "gift")?,
        min_spend: Some(row.try_get::<i64>("", "min_spend_cents")?)
            .filter(|cents| *cents > 0)
            .map(cents),
    })
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

/// Codes of one offer for some members: every way a code is issued (the API, a reward, a
/// campaign's audience) goes through `issue`.
pub struct Issue<'a> {
    pub definition_id: i64,
    pub members: &'a [i64],
    pub today: NaiveDate,
    pub source: CouponSource,
    /// The issuer's key: a member gets one code per reference.
    pub reference: Option<&'a str>,
}

/// What an issue did, member by member.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Issued {
    /// The members who got a code.
    pub members: Vec<i64>,
    /// Members who already had a code under the reference.
    pub already: usize,
    /// Members who hold as many codes of the offer as one member may.
    pub at_limit: usize,
    /// Members left without a code because the offer's stock, or its imported codes, ran out.
    pub short: usize,
    /// The offer's last day, when it is before the first day a code could start: nothing issued.
    pub ended: Option<NaiveDate>,
}

/// Issues one code of the offer to each of the members who has none under the reference, within
/// its per-member limit and stock (the first members by id while it lasts), in the caller's
/// transaction. The offer's row is locked first, so issues of one offer take turns and the limit
/// and stock are counted with every earlier issue committed.
pub async fn issue(txn: &DatabaseTransaction, issue: Issue<'_>) -> Result<Issued, DbErr> {
    let mut outcome = Issued::default();
    let Some(definition) = locked(txn, issue.definition_id).await? else {
        return Err(DbErr::RecordNotFound(format!(
            "no offer has the id {}",
            issue.definition_id
        )));
    };
    let validity = match days(&definition, issue.today) {
        Ok(validity) => validity,
        Err(last_day) => {
            outcome.ended = Some(last_day);
            return Ok(outcome);
        }
    };
    let mut eligible = without_code(txn, &definition, issue.members, issue.reference, &mut outcome).await?;
    if let Some(stock) = definition.stock {
        let left = usize::try_from(stock - definition.issued).unwrap_or(0);
        if eligible.len() > left {
            outcome.short += eligible.len() - left;
            eligible.truncate(left);
        }
    }
    for _ in 0..TRIES {
        if eligible.is_empty() {
            break;
        }
        let mut codes = if definition.imported_codes {
            imported::take(txn, definition.id, eligible.len()).await?
        } else {
            eligible.iter().map(|_| code::generate()).collect()
        };
        if codes.len() < eligible.len() {
            outcome.short += eligible.len() - codes.len();
            eligible.truncate(codes.len());
        }
        let mut coded: Vec<(i64, String)> = eligible.iter().copied().zip(codes.drain(..)).collect();
        let mut inserted = Vec::with_capacity(coded.len());
        for chunk in coded.chunks_mut(CODES_PER_STATEMENT) {
            inserted.extend(insert(txn, &definition, &issue, chunk, validity).await?);
        }
        // A code another coupon already had was skipped: those members try again with new ones.
        let got: std::collections::HashSet<i64> = inserted.iter().copied().collect();
        eligible.retain(|member| !got.contains(member));
        outcome.members.extend(inserted);
    }
    if !outcome.members.is_empty() {
        let sql = "UPDATE coupon_definitions SET issued = issued + $1 WHERE id = $2";
        let values = vec![(outcome.members.len() as i64).into(), definition.id.into()];
        txn.execute(statement(txn, sql, values)).await?;
    }
    if outcome.short > 0 {
        tracing::warn!(
            offer = definition.id,
            short = outcome.short,
            "the offer ran out of codes"
        );
    }
    Ok(outcome)
}

/// The offer, its row locked until the transaction ends. The lock is taken by an update that
/// changes nothing: a row lock on PostgreSQL, the write lock on SQLite, where a transaction that
/// read first would fail, not wait, when it came to write after another writer.
async fn locked(txn: &DatabaseTransaction, id: i64) -> Result<Option<coupon_definition::Model>, DbErr> {
    let sql = "UPDATE coupon_definitions SET issued = issued WHERE id = $1";
    txn.execute(statement(txn, sql, vec![id.into()])).await?;
    coupon_definition::Entity::find_by_id(id).one(txn).await
}

/// Of `members`, ascending, those without a code under the reference and below the offer's
/// per-member limit; the others are counted in `outcome`.
async fn without_code(
    txn: &DatabaseTransaction,
    definition: &coupon_definition::Model,
    members: &[i64],
    reference: Option<&str>,
    outcome: &mut Issued,
) -> Result<Vec<i64>, DbErr> {
    let mut sorted = members.to_vec();
    sorted.sort_unstable();
    sorted.dedup();
    let mut left = Vec::with_capacity(sorted.len());
    for chunk in sorted.chunks(CODES_PER_STATEMENT) {
        let sql = format!(
            "SELECT member_id, COUNT(*) AS held, SUM(CASE WHEN reference = $2 THEN 1 ELSE 0 END) AS here \
             FROM coupons WHERE definition_id = $1 AND member_id IN ({}) GROUP BY member_id",
            id_list(chunk.iter().copied())
        );
        let rows = txn
            .query_all(statement(txn, &sql, vec![definition.id.into(), reference.into()]))
            .await?;
        let mut full = std::collections::HashSet::new();
        for row in rows {
            let (member, held, here): (i64, i64, Option<i64>) = (
                row.try_get("", "member_id")?,
                row.try_get("", "held")?,
                row.try_get("", "here")?,
            );
            if here.unwrap_or(0) > 0 {
                outcome.already += 1;
            } else if definition
                .per_member_limit
                .is_some_and(|limit| held >= i64::from(limit))
            {
                outcome.at_limit += 1;
            } else {
                continue;
            }
            full.insert(member);
        }
        left.extend(chunk.iter().filter(|m| !full.contains(m)));
    }
    Ok(left)
}

/// One multi-row INSERT of `(member, code)` rows; the members whose row was written (a row
/// whose code is taken is skipped: the reference was checked just before).
async fn insert(
    txn: &DatabaseTransaction,
    definition: &coupon_definition::Model,
    issue: &Issue<'_>,
    coded: &mut [(i64, String)],
    (valid_from, valid_until): (NaiveDate, NaiveDate),
) -> Result<Vec<i64>, DbErr> {
    let now = Utc::now();
    let mut rows = Vec::with_capacity(coded.len());
    let mut values: Vec<Value> = Vec::with_capacity(coded.len() * 7);
    for (member, code) in coded {
        let n = values.len();
        rows.push(format!(
            "(${}, ${}, ${}, '{}', '{}', ${}, ${}, ${}, ${})",
            n + 1,
            n + 2,
            n + 3,
            CouponStatus::Issued,
            issue.source,
            n + 4,
            n + 5,
            n + 6,
            n + 7
        ));
        values.extend([
            definition.id.into(),
            (*member).into(),
            std::mem::take(code).into(),
            issue.reference.into(),
            valid_from.into(),
            valid_until.into(),
            now.into(),
        ]);
    }
    let sql = format!(
        "INSERT INTO coupons (definition_id, member_id, code, status, source, reference, valid_from, valid_until, issued_at) \
         VALUES {} ON CONFLICT DO NOTHING RETURNING member_id",
        rows.join(", ")
    );
    let written = txn.query_all(statement(txn, &sql, values)).await?;
    written.iter().map(|row| row.try_get("", "member_id")).collect()
}
