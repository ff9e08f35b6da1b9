//! Issuing codes to members, one at a time, within an offer's stock and per-member limit.
use std::collections::HashMap;

use chrono::{NaiveDate, Utc};
use entity::vocabulary::{CouponSource, CouponStatus};
use entity::{coupon, coupon_definition, member};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, Set, SqlErr, TransactionTrait,
};

use super::{definition, validity};
use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};
use crate::validate;
use jobs::coupons::code;

/// Issues a code of an offer to a member the viewer may see. With a `reference`, issuing again
/// returns the code that reference issued.
pub async fn issue(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    definition_id: i64,
    member_no: &str,
    reference: Option<String>,
) -> AppResult<coupon::Model> {
    let member = members::find_visible(conn, viewer, member_no).await?;
    members::ensure_active(&member)?;
    let definition = definition(conn, definition_id).await?;
    let reference = validate::optional_text(reference)
        .map(|r| validate::bounded("reference", &r, 128))
        .transpose()?;
    if let Some(issued) = by_reference(conn, definition.id, member.id, reference.as_deref()).await? {
        return Ok(issued);
    }
    let validity = validity(&definition, brand.today())?;
    let txn = conn.begin().await?;
    let issued = issue_within(
        &txn,
        viewer,
        &member,
        &definition,
        validity,
        CouponSource::Api,
        reference.clone(),
    )
    .await;
    let issued = match issued {
        Err(Issuing::Db(err))
            if reference.is_some() && matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) =>
        {
            // A concurrent request with the same reference issued it first.
            drop(txn);
            return by_reference(conn, definition.id, member.id, reference.as_deref())
                .await?
                .ok_or_else(|| AppError::Internal(err.into()));
        }
        Err(other) => return Err(other.into()),
        Ok(issued) => issued,
    };
    txn.commit().await?;
    Ok(issued)
}

/// Why `issue_within` issued nothing: an error to answer with as it is (a rule refused), or a
/// database error, which the caller may tell apart (a duplicate reference).
pub(crate) enum Issuing {
    Answer(AppError),
    Db(DbErr),
}

impl From<DbErr> for Issuing {
    fn from(err: DbErr) -> Self {
        Self::Db(err)
    }
}

impl From<Issuing> for AppError {
    fn from(issuing: Issuing) -> Self {
        match issuing {
            Issuing::Answer(err) => err,
            Issuing::Db(err) => err.into(),
        }
    }
}

/// Issues a code inside the caller's transaction, within the offer's stock and per-member
/// limit, and audits it. Taking from the stock first makes every issue of the offer wait its
/// turn, so the limit is counted with every earlier issue committed.
pub(crate) async fn issue_within(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    member: &member::Model,
    definition: &coupon_definition::Model,
    (valid_from, valid_until): (NaiveDate, NaiveDate),
    source: CouponSource,
    reference: Option<String>,
) -> Result<coupon::Model, Issuing> {
    let taken = coupon_definition::Entity::update_many()
        .col_expr(
            coupon_definition::Column::Issued,
            Expr::col(coupon_definition::Column::Issued).add(1),
        )
        .filter(coupon_definition::Column::Id.eq(definition.id))
        .filter(
            coupon_definition::Column::Stock
                .is_null()
                .or(Expr::col(coupon_definition::Column::Issued).lt(Expr::col(coupon_definition::Column::Stock))),
        )
        .exec(txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(Issuing::Answer(AppError::field(
            "definitionId",
            format!(
                "the offer {:?} is out of stock: all {} codes are issued",
                definition.name,
                definition.stock.unwrap_or(0)
            ),
        )));
    }
    if let Some(limit) = definition.per_member_limit {
        let held = coupon::Entity::find()
            .filter(coupon::Column::DefinitionId.eq(definition.id))
            .filter(coupon::Column::MemberId.eq(member.id))
            .count(txn)
            .await?;
        if held >= u64::try_from(limit).unwrap_or(0) {
            return Err(Issuing::Answer(AppError::field(
                "memberNo",
                format!(
                    "member {} already holds {held} of the offer {:?}, the most one member may",
                    member.member_no, definition.name
                ),
            )));
        }
    }
    let issued = coupon::ActiveModel {
        definition_id: Set(definition.id),
        member_id: Set(member.id),
        code: Set(unused_code(txn).await?),
        status: Set(CouponStatus::Issued),
        source: Set(source),
        reference: Set(reference),
        valid_from: Set(valid_from),
        valid_until: Set(valid_until),
        issued_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let detail = serde_json::json!({ "couponId": issued.id, "definitionId": definition.id, "source": source });
    audit::record(txn, viewer, "coupon.issue", Some(&member.member_no), detail)
        .await
        .map_err(Issuing::Answer)?;
    Ok(issued)
}

/// A new code no coupon has: one in about 10⁹ is taken at a million codes, and a key violation
/// would fail the whole issue.
async fn unused_code(txn: &DatabaseTransaction) -> Result<String, DbErr> {
    loop {
        let code = code::generate();
        let taken = coupon::Entity::find()
            .filter(coupon::Column::Code.eq(&code))
            .count(txn)
            .await?;
        if taken == 0 {
            return Ok(code);
        }
    }
}

async fn by_reference(
    conn: &impl ConnectionTrait,
    definition_id: i64,
    member_id: i64,
    reference: Option<&str>,
) -> AppResult<Option<coupon::Model>> {
    let Some(reference) = reference else {
        return Ok(None);
    };
    Ok(coupon::Entity::find()
        .filter(coupon::Column::DefinitionId.eq(definition_id))
        .filter(coupon::Column::MemberId.eq(member_id))
        .filter(coupon::Column::Reference.eq(reference))
        .one(conn)
        .await?)
}

/// Each member's coupons, newest first.
pub async fn of_members(
    conn: &impl ConnectionTrait,
    member_ids: &[i64],
) -> AppResult<HashMap<i64, Vec<coupon::Model>>> {
    let rows = coupon::Entity::find()
        .filter(coupon::Column::MemberId.is_in(member_ids.iter().copied()))
        .order_by_desc(coupon::Column::Id)
        .all(conn)
        .await?;
    let mut by_member: HashMap<i64, Vec<coupon::Model>> = HashMap::new();
    for row in rows {
        by_member.entry(row.member_id).or_default().push(row);
    }
    Ok(by_member)
}
