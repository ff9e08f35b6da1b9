//! What members do: purchases and returns, feedback, points.
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::vocabulary::SurveyScale;
use entity::{feedback, points_entry, purchase};
use rust_decimal::Decimal;

use crate::auth::viewer;
use crate::error::{AppError, AppResult};
use crate::graphql::store::Store;
use crate::graphql::{brand, db, loaders::Loaders};
use crate::money;
use crate::service::feedback::{FeedbackInput, FeedbackKind};
use crate::service::points::{PointsChange, PointsKind};
use crate::service::purchase::{PurchaseInput, ReturnInput};
use crate::service::{feedback as feedback_service, points, purchase as purchase_service};

pub struct Purchase(pub purchase::Model);

#[Object]
impl Purchase {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn order_id(&self) -> &str {
        &self.0.order_id
    }
    /// `purchase` or `return`.
    async fn kind(&self) -> &str {
        self.0.kind.as_str()
    }
    async fn occurred_at(&self) -> DateTime<Utc> {
        self.0.occurred_at
    }
    /// Net amount; negative for a return.
    async fn amount(&self) -> Decimal {
        money::from_cents(self.0.amount_cents)
    }
    async fn profit(&self) -> Option<Decimal> {
        self.0.profit_cents.map(money::from_cents)
    }
    async fn category(&self) -> Option<&str> {
        self.0.category.as_deref()
    }
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = self.0.store_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
}

pub struct FeedbackEntry(pub feedback::Model);

#[Object(name = "Feedback")]
impl FeedbackEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> Option<FeedbackKind> {
        Some(self.0.kind)
    }
    /// A satisfaction score, on `scale`.
    async fn score(&self) -> Option<i16> {
        self.0.score
    }
    /// CSAT (1–5) or NPS (0–10), for a satisfaction score.
    async fn scale(&self) -> Option<SurveyScale> {
        self.0.scale
    }
    async fn body(&self) -> Option<&str> {
        self.0.body.as_deref()
    }
    /// `open` or `resolved`.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    async fn resolution(&self) -> Option<&str> {
        self.0.resolution.as_deref()
    }
    async fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.0.resolved_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// Whose it is.
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<crate::graphql::member::Member>> {
        crate::graphql::member::Member::by_id(ctx, self.0.member_id).await
    }
    /// For a complaint: when its service level lapses.
    async fn due_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<DateTime<Utc>>> {
        if self.0.kind != FeedbackKind::Complaint {
            return Ok(None);
        }
        let hours = crate::graphql::outreach::jobs(ctx)?.tasks.complaint_sla_hours;
        Ok(Some(self.0.created_at + chrono::Duration::hours(i64::from(hours))))
    }
    /// When a complaint still open past its service level was escalated.
    async fn escalated_at(&self) -> Option<DateTime<Utc>> {
        self.0.escalated_at
    }
}

pub struct PointsEntry(pub points_entry::Model);

#[Object]
impl PointsEntry {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn kind(&self) -> Option<PointsKind> {
        Some(self.0.kind)
    }
    /// Signed change of the balance.
    async fn points(&self) -> i64 {
        self.0.points
    }
    async fn reason(&self) -> Option<&str> {
        self.0.reason.as_deref()
    }
    async fn reference(&self) -> Option<&str> {
        self.0.reference.as_deref()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

#[derive(Default)]
pub struct ActivityMutation;

#[Object]
impl ActivityMutation {
    /// Records a purchase; the same order id again changes nothing.
    async fn record_purchase(&self, ctx: &Context<'_>, input: PurchaseInput) -> async_graphql::Result<Purchase> {
        Ok(Purchase(
            purchase_service::record_purchase(db(ctx)?, viewer(ctx)?, brand(ctx)?, input).await?,
        ))
    }

    /// Records the return of an order as a negative amount linked to it.
    async fn record_return(&self, ctx: &Context<'_>, input: ReturnInput) -> async_graphql::Result<Purchase> {
        Ok(Purchase(
            purchase_service::record_return(db(ctx)?, viewer(ctx)?, brand(ctx)?, input).await?,
        ))
    }

    async fn record_feedback(&self, ctx: &Context<'_>, input: FeedbackInput) -> async_graphql::Result<FeedbackEntry> {
        Ok(FeedbackEntry(
            feedback_service::record(db(ctx)?, viewer(ctx)?, input).await?,
        ))
    }

    async fn resolve_feedback(
        &self,
        ctx: &Context<'_>,
        id: ID,
        resolution: String,
    ) -> async_graphql::Result<FeedbackEntry> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "id is not a feedback id"))?;
        Ok(FeedbackEntry(
            feedback_service::resolve(db(ctx)?, viewer(ctx)?, id, &resolution).await?,
        ))
    }

    /// Adds points; a `reference` (e.g. the order id) makes the call idempotent.
    async fn earn_points(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        points: i64,
        reason: Option<String>,
        reference: Option<String>,
    ) -> async_graphql::Result<PointsEntry> {
        positive(points)?;
        change(
            ctx,
            PointsChange {
                member_no: &member_no,
                kind: PointsKind::Earn,
                points,
                reason,
                reference,
            },
        )
        .await
    }

    /// Spends points; fails with BAD_USER_INPUT rather than take the balance below zero.
    async fn redeem_points(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        points: i64,
        reason: Option<String>,
        reference: Option<String>,
    ) -> async_graphql::Result<PointsEntry> {
        positive(points)?;
        let points = -points;
        change(
            ctx,
            PointsChange {
                member_no: &member_no,
                kind: PointsKind::Redeem,
                points,
                reason,
                reference,
            },
        )
        .await
    }

    /// Corrects a balance by a signed amount (never below zero). Admins only.
    async fn adjust_points(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        points: i64,
        reason: String,
    ) -> async_graphql::Result<PointsEntry> {
        let reason = Some(reason);
        change(
            ctx,
            PointsChange {
                member_no: &member_no,
                kind: PointsKind::Adjust,
                points,
                reason,
                reference: None,
            },
        )
        .await
    }
}

fn positive(points: i64) -> AppResult<()> {
    if points <= 0 {
        return Err(AppError::field(
            "points",
            format!("points must be positive, not {points}"),
        ));
    }
    Ok(())
}

async fn change(ctx: &Context<'_>, change: PointsChange<'_>) -> async_graphql::Result<PointsEntry> {
    Ok(PointsEntry(points::apply(db(ctx)?, viewer(ctx)?, change).await?))
}
