//! Issuing a code to one member (through the API or for points), by the rules every issue keeps.
use std::collections::HashMap;

use chrono::NaiveDate;
use entity::vocabulary::CouponSource;
use entity::{coupon, coupon_definition, member};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};

use super::definition::ended;
use super::{definition, validity};
use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};
use crate::validate;
use jobs::coupons;

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
    validity(&definition, brand.today())?;
    let txn = conn.begin().await?;
    let issued = issue_within(
        &txn,
        viewer,
        &member,
        &definition,
        brand.today(),
        CouponSource::Api,
        reference.as_deref(),
    )
    .await?;
    txn.commit().await?;
    Ok(issued)
}

/// Issues a code inside the caller's transaction and audits it; the rule that refused one as an
/// error naming it. A code the reference issued before is returned as it is.
pub(crate) async fn issue_within(
    txn: &DatabaseTransaction,
    viewer: &Viewer,
    member: &member::Model,
    definition: &coupon_definition::Model,
    today: NaiveDate,
    source: CouponSource,
    reference: Option<&str>,
) -> AppResult<coupon::Model> {
    let issue = coupons::Issue {
        definition_id: definition.id,
        members: &[member.id],
        today,
        source,
        reference,
    };
    let outcome = coupons::issue(txn, issue).await?;
    if let Some(last_day) = outcome.ended {
        return Err(ended(definition, last_day));
    }
    if outcome.at_limit > 0 {
        return Err(AppError::field(
            "memberNo",
            format!(
                "member {} already holds as many of the offer {:?} as one member may ({})",
                member.member_no,
                definition.name,
                definition.per_member_limit.unwrap_or(0)
            ),
        ));
    }
    if outcome.short > 0 {
        // As the issue found it, its row locked.
        let now = super::definition(txn, definition.id).await?;
        let message = match now.stock {
            Some(stock) if now.issued >= stock => {
                format!("the offer {:?} is out of stock: all {stock} codes are issued", now.name)
            }
            _ => format!(
                "the offer {:?} has no imported codes left: import more with importCouponCodes",
                now.name
            ),
        };
        return Err(AppError::field("definitionId", message));
    }
    let issued = coupon::Entity::find()
        .filter(coupon::Column::DefinitionId.eq(definition.id))
        .filter(coupon::Column::MemberId.eq(member.id))
        .order_by_desc(coupon::Column::Id);
    let issued = match reference {
        Some(reference) => issued.filter(coupon::Column::Reference.eq(reference)),
        None => issued,
    };
    let issued = issued
        .one(txn)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the coupon issued to {} is missing", member.member_no)))?;
    if outcome.members.is_empty() {
        return Ok(issued); // the reference's code, issued before
    }
    let detail = serde_json::json!({ "couponId": issued.id, "definitionId": definition.id, "source": source });
    audit::record(txn, viewer, "coupon.issue", Some(&member.member_no), detail).await?;
    Ok(issued)
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
