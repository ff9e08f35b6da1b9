//! The members importer: new member numbers are added, known ones updated where the file differs.
use std::collections::HashSet;
use std::path::Path;

use entity::member;
use jobs::sql;
use sea_orm::sea_query::OnConflict;
use sea_orm::{DatabaseConnection, Set};

use super::batch::{members_by_number, Lines, StoreCache, BATCH};
use super::csv::{parse_bool, parse_date, CsvFile, Row};
use super::{Encoding, Report};
use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::member::{self as members, Consent, Gender, MemberFields};
use crate::service::{audit, consent};

/// Imports members: new member numbers are added, known ones updated where the file differs.
/// `encoding` is detected when `None`.
pub async fn members(
    db: &DatabaseConnection,
    brand: &Brand,
    path: &Path,
    encoding: Option<Encoding>,
) -> anyhow::Result<Report> {
    let mut csv = CsvFile::open(path, encoding, &["member_no", "name"])?;
    let mut report = Report::default();
    let mut batch: Vec<MemberRow> = Vec::new();
    let mut stores = StoreCache::default();
    while let Some(row) = csv.next_row() {
        let row = match row {
            Ok(row) => row,
            Err(rejection) => {
                report.rejected.push(rejection);
                continue;
            }
        };
        match parse_member(&csv, &row, brand) {
            Ok(parsed) => {
                // A row that names a member of the pending batch waits for that batch to land.
                let depends = batch.iter().any(|b| {
                    b.member_no == parsed.member_no || Some(&b.member_no) == parsed.valid.referred_by.as_ref()
                });
                if depends || batch.len() >= BATCH {
                    write_members(db, brand, &mut stores, std::mem::take(&mut batch), &mut report).await?;
                }
                batch.push(parsed);
            }
            Err(err) => report.rejected.push((row.line, err.message())),
        }
    }
    write_members(db, brand, &mut stores, batch, &mut report).await?;
    csv.progress.finish_and_clear();
    report.rejected.sort_by_key(|(line, _)| *line);
    super::analyze_after(db, "members", &report).await?;
    Ok(report)
}

struct MemberRow {
    line: u64,
    member_no: String,
    valid: members::ValidFields,
}

fn parse_member(csv: &CsvFile, row: &Row, brand: &Brand) -> AppResult<MemberRow> {
    let cell = |column| csv.cell(row, column);
    let member_no = crate::validate::member_no("member_no", cell("member_no").unwrap_or_default())?;
    let gender = cell("gender")
        .map(|g| {
            Gender::read(g)
                .ok_or_else(|| AppError::field("gender", format!("gender {g:?} is not female, male or other")))
        })
        .transpose()?;
    let fields = MemberFields {
        name: Some(cell("name").unwrap_or_default().to_owned()),
        gender,
        birthday: cell("birthday").map(|d| parse_date("birthday", d)).transpose()?,
        phone: cell("phone").map(str::to_owned),
        email: cell("email").map(str::to_owned),
        city: cell("city").map(str::to_owned),
        joined_at: cell("joined_at").map(|d| parse_date("joined_at", d)).transpose()?,
        store_code: cell("store").map(str::to_owned),
        referred_by: cell("referred_by").map(str::to_owned),
        email_consent: cell("email_consent")
            .map(|c| parse_bool("email_consent", c))
            .transpose()?,
        sms_consent: cell("sms_consent").map(|c| parse_bool("sms_consent", c)).transpose()?,
        wechat_consent: cell("wechat_consent")
            .map(|c| parse_bool("wechat_consent", c))
            .transpose()?,
        wechat_openid: cell("wechat_openid").map(str::to_owned),
        wechat_mini_openid: cell("wechat_mini_openid").map(str::to_owned),
        wechat_unionid: cell("wechat_unionid").map(str::to_owned),
        locale: cell("locale").map(str::to_owned),
        time_zone: cell("time_zone").map(str::to_owned),
        ..MemberFields::default()
    };
    let valid = members::validate_fields(&fields, brand.today())?;
    if valid.referred_by.as_deref() == Some(member_no.as_str()) {
        return Err(AppError::field("referred_by", "a member cannot refer themself"));
    }
    Ok(MemberRow {
        line: row.line,
        member_no,
        valid,
    })
}

/// Consent changed by an import.
const IMPORTED: Consent<'static> = Consent {
    source: Some(consent::IMPORT),
    wording: None,
};

async fn write_members(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<MemberRow>,
    report: &mut Report,
) -> anyhow::Result<()> {
    let Some(lines) = Lines::of(&batch, |row| row.line) else {
        return Ok(());
    };
    store_members(db, brand, stores, batch, lines, report)
        .await
        .map_err(|err| lines.failed(err))
}

async fn store_members(
    db: &DatabaseConnection,
    brand: &Brand,
    stores: &mut StoreCache,
    batch: Vec<MemberRow>,
    lines: Lines,
    report: &mut Report,
) -> anyhow::Result<()> {
    let numbers: HashSet<&str> = batch
        .iter()
        .flat_map(|row| std::iter::once(row.member_no.as_str()).chain(row.valid.referred_by.as_deref()))
        .collect();
    let known = members_by_number(db, numbers).await?;
    let cli = Viewer::cli();
    let mut new_rows = Vec::new();
    let added_before = report.added;
    for MemberRow {
        line,
        member_no,
        mut valid,
    } in batch
    {
        if let Some(code) = &valid.store_code {
            valid.row.store_id = Set(Some(stores.id(db, code).await?));
        }
        if let Some(referrer) = &valid.referred_by {
            match known.get(referrer) {
                Some(referrer) => valid.row.referred_by_id = Set(Some(referrer.id)),
                None => {
                    report
                        .rejected
                        .push((line, format!("referred_by: no member has the number {referrer:?}")));
                    continue;
                }
            }
        }
        match known.get(&member_no) {
            Some(current) if members::changed_columns(current, &valid.row).is_empty() => report.unchanged += 1,
            Some(current) => match members::save_changes(db, brand, &cli, current, valid.row, IMPORTED).await {
                Ok(_) => report.updated += 1,
                Err(AppError::Internal(cause)) => return Err(cause),
                Err(rejection) => report.rejected.push((line, rejection.message())),
            },
            None => match members::with_defaults(valid.row, member_no, brand) {
                Ok(mut row) => {
                    members::stamp_consent(&mut row, Some("import"), "import");
                    new_rows.push(row);
                }
                Err(rejection) => report.rejected.push((line, rejection.message())),
            },
        }
    }
    let on_conflict = OnConflict::column(member::Column::MemberNo).do_nothing().to_owned();
    let added: Vec<String> = new_rows
        .iter()
        .filter_map(|row| match &row.member_no {
            sea_orm::ActiveValue::Set(no) => Some(no.clone()),
            _ => None,
        })
        .collect();
    report.added += sql::insert_chunked(db, new_rows, on_conflict).await?;
    consent::record_added(db, &added, consent::IMPORT).await?;
    let detail = serde_json::json!({ "fromLine": lines.first, "added": report.added - added_before });
    audit::record(db, &cli, "members.import", None, detail).await?;
    Ok(())
}
