//! The rewards catalogue: offers with a points price. Buying one spends the points and issues
//! the code in one transaction, so neither happens without the other; the balance never goes
//! below zero and the offer's stock and per-member limit hold, however many buy at once.
use entity::vocabulary::CouponSource;
use entity::{coupon, coupon_definition};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::issue::{issue_within, of_members};
use super::{definition, validity};
use crate::auth::Viewer;
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::service::member as members;
use crate::service::points::{self, PointsChange, PointsKind};
use jobs::coupons::imported;

/// Rewards that can still be bought (not ended, not out of stock), cheapest first; with a
/// member, only those they can afford and may still hold.
pub async fn catalogue(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    brand: &Brand,
    member_no: Option<&str>,
) -> AppResult<Vec<coupon_definition::Model>> {
    let today = brand.today();
    let rewards: Vec<_> = coupon_definition::Entity::find()
        .filter(coupon_definition::Column::PointsPrice.is_not_null())
        .order_by_asc(coupon_definition::Column::PointsPrice)
        .order_by_asc(coupon_definition::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .filter(|d| validity(d, today).is_ok() && d.stock.is_none_or(|stock| d.issued < stock))
        .collect();
    // An offer of imported codes lasts while its list does.
    let importing: Vec<i64> = rewards.iter().filter(|d| d.imported_codes).map(|d| d.id).collect();
    let codes_left = imported::left(conn, &importing).await?;
    let rewards: Vec<_> = rewards
        .into_iter()
        .filter(|d| !d.imported_codes || codes_left.contains_key(&d.id))
        .collect();
    let Some(member_no) = member_no else {
        return Ok(rewards);
    };
    let member = members::find_visible(conn, viewer, member_no).await?;
    let balance = points::balances(conn, &[member.id])
        .await?
        .get(&member.id)
        .copied()
        .unwrap_or(0);
    let held = of_members(conn, &[member.id])
        .await?
        .remove(&member.id)
        .unwrap_or_default();
    let holds = |d: &coupon_definition::Model| held.iter().filter(|c| c.definition_id == d.id).count();
    Ok(rewards
        .into_iter()
        .filter(|d| i64::from(d.points_price.unwrap_or(0)) <= balance)
        .filter(|d| {
            d.per_member_limit
                .is_none_or(|limit| holds(d) < usize::try_from(limit).unwrap_or(0))
        })
        .collect())
}

/// Spends a member's points on a reward and issues its code.
pub async fn buy(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    brand: &Brand,
    definition_id: i64,
    member_no: &str,
) -> AppResult<coupon::Model> {
    let member = members::find_visible(conn, viewer, member_no).await?;
    members::ensure_active(&member)?;
    let reward = definition(conn, definition_id).await?;
    let Some(price) = reward.points_price else {
        return Err(AppError::field(
            "definitionId",
            format!("the offer {:?} is not a reward: it has no points price", reward.name),
        ));
    };
    validity(&reward, brand.today())?;
    let txn = conn.begin().await?;
    let issued = issue_within(
        &txn,
        viewer,
        &member,
        &reward,
        brand.today(),
        CouponSource::Reward,
        None,
    )
    .await?;
    let spend = PointsChange {
        member_no: &member.member_no,
        kind: PointsKind::Redeem,
        points: -i64::from(price),
        reason: Some(format!("reward {:?}", reward.name)),
        reference: Some(format!("coupon:{}", issued.id)),
    };
    // Refused below zero: the transaction, and the code with it, is then rolled back.
    points::apply(&txn, viewer, spend).await?;
    txn.commit().await?;
    Ok(issued)
}
