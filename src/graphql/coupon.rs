//! Offers: coupon definitions, the codes members hold, issuing and redeeming them.
use async_graphql::{Context, Enum, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::vocabulary::{CouponKind, CouponStatus};
use entity::{coupon, coupon_definition};
use rust_decimal::Decimal;

use crate::auth::viewer;
use crate::error::AppError;
use crate::graphql::loaders::Loaders;
use crate::graphql::member::Member;
use crate::graphql::{brand, db, page};
use crate::money;
use crate::service::coupon::{self as coupons, imported, reward, worth, CouponDefinitionInput};
use jobs::coupons::code;

pub struct CouponDefinition(pub coupon_definition::Model);

#[Object]
impl CouponDefinition {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn kind(&self) -> CouponKind {
        self.0.kind
    }
    async fn amount_off(&self) -> Option<Decimal> {
        self.0.amount_off_cents.map(money::from_cents)
    }
    async fn percent_off(&self) -> Option<i32> {
        self.0.percent_off
    }
    async fn max_discount(&self) -> Option<Decimal> {
        self.0.max_discount_cents.map(money::from_cents)
    }
    async fn gift(&self) -> Option<&str> {
        self.0.gift.as_deref()
    }
    /// The order's amount before the discount must reach it.
    async fn min_spend(&self) -> Decimal {
        money::from_cents(self.0.min_spend_cents)
    }
    /// Stores where it may be redeemed; empty: every store.
    async fn store_codes(&self) -> Vec<&str> {
        self.0.stores()
    }
    /// Purchase categories an order must be in; empty: any order.
    async fn categories(&self) -> Vec<&str> {
        self.0.categories()
    }
    async fn valid_from(&self) -> Option<NaiveDate> {
        self.0.valid_from
    }
    async fn valid_until(&self) -> Option<NaiveDate> {
        self.0.valid_until
    }
    /// Days from the day of issue, that day included.
    async fn valid_days(&self) -> Option<i32> {
        self.0.valid_days
    }
    async fn per_member_limit(&self) -> Option<i32> {
        self.0.per_member_limit
    }
    async fn stock(&self) -> Option<i32> {
        self.0.stock
    }
    /// Codes issued so far.
    async fn issued(&self) -> i32 {
        self.0.issued
    }
    /// What a code costs in points: the offer is in the rewards catalogue.
    async fn points_price(&self) -> Option<i32> {
        self.0.points_price
    }
    /// Its codes come from a list imported from the brand's POS.
    async fn imported_codes(&self) -> bool {
        self.0.imported_codes
    }
    /// Imported codes not yet issued; none for an offer that makes its own.
    async fn codes_left(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<i64>> {
        if !self.0.imported_codes {
            return Ok(None);
        }
        let left = ctx.data::<Loaders>()?.codes_left().load_one(self.0.id).await?;
        Ok(Some(left.unwrap_or(0)))
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    /// What it has cost and brought, today. Marketers and admins.
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<CouponReport> {
        let worth = worth::of(db(ctx)?, self.0.id, brand(ctx)?.today()).await?;
        Ok(CouponReport {
            liability: worth.liability_cents(&self.0).map(money::from_cents),
            redemption_rate: worth.redemption_rate(),
            issued: worth.issued,
            redeemed: worth.redeemed,
            expired: worth.expired,
            outstanding: worth.outstanding,
            discounts: money::from_cents(worth.discount_cents),
            revenue: money::from_cents(worth.revenue_cents),
        })
    }
}

/// An offer's figures as of today.
#[derive(SimpleObject)]
pub struct CouponReport {
    issued: i64,
    redeemed: i64,
    /// Unredeemed past their last day.
    expired: i64,
    /// Unredeemed and still valid (or still to start).
    outstanding: i64,
    /// Redeemed of issued (none before the first code).
    redemption_rate: Option<f64>,
    /// What the redeemed codes took off.
    discounts: Decimal,
    /// What the orders that redeemed them came to, net of returns.
    revenue: Decimal,
    /// The most the outstanding codes can still take off: for an amount off, and a capped
    /// percentage at its cap; none for a gift or an uncapped percentage.
    liability: Option<Decimal>,
}

/// Where a coupon stands today, in the brand's time zone.
#[derive(Enum, Clone, Copy, PartialEq, Eq)]
pub enum CouponState {
    /// Issued; its first day is still to come.
    Upcoming,
    /// May be redeemed today.
    Valid,
    Redeemed,
    /// Its last day has passed unredeemed.
    Expired,
}

pub struct Coupon(pub coupon::Model);

#[Object]
impl Coupon {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// As shown and typed: `K7QM-3ZP9-XW4`.
    async fn code(&self) -> String {
        code::display(&self.0.code)
    }
    async fn definition(&self, ctx: &Context<'_>) -> async_graphql::Result<CouponDefinition> {
        let definition = ctx.data::<Loaders>()?.offers().load_one(self.0.definition_id).await?;
        let definition = definition.ok_or_else(|| AppError::NotFound("the coupon's offer no longer exists".into()))?;
        Ok(CouponDefinition(definition))
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Member::by_id(ctx, self.0.member_id).await
    }
    async fn state(&self, ctx: &Context<'_>) -> async_graphql::Result<CouponState> {
        let today = brand(ctx)?.today();
        Ok(match self.0.status {
            CouponStatus::Redeemed => CouponState::Redeemed,
            CouponStatus::Issued if today > self.0.valid_until => CouponState::Expired,
            CouponStatus::Issued if today < self.0.valid_from => CouponState::Upcoming,
            CouponStatus::Issued => CouponState::Valid,
        })
    }
    async fn valid_from(&self) -> NaiveDate {
        self.0.valid_from
    }
    async fn valid_until(&self) -> NaiveDate {
        self.0.valid_until
    }
    async fn issued_at(&self) -> DateTime<Utc> {
        self.0.issued_at
    }
    /// The order it was redeemed with.
    async fn order_id(&self) -> Option<&str> {
        self.0.order_id.as_deref()
    }
    /// What it took off that order.
    async fn discount(&self) -> Option<Decimal> {
        self.0.discount_cents.map(money::from_cents)
    }
    async fn redeemed_at(&self) -> Option<DateTime<Utc>> {
        self.0.redeemed_at
    }
}

fn parse_id(field: &str, id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>()
        .map_err(|_| AppError::field(field, format!("{:?} is not an offer id", id.as_str())))
}

/// What an import did.
pub struct ImportReport(crate::import::Report);

#[Object]
impl ImportReport {
    async fn added(&self) -> u64 {
        self.0.added
    }
    /// Already there.
    async fn unchanged(&self) -> u64 {
        self.0.unchanged
    }
    /// The rows left out, in order.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn rejected(&self) -> Vec<Rejection> {
        let rows = self.0.rejected.iter().cloned();
        rows.map(|(line, message)| Rejection { line, message }).collect()
    }
}

/// A row an import left out, and why.
#[derive(SimpleObject)]
pub struct Rejection {
    /// The row's line in the file, or its position in the list sent.
    line: u64,
    message: String,
}

#[derive(Default)]
pub struct CouponQuery;

#[Object]
impl CouponQuery {
    /// Every offer, newest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn coupon_definitions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<CouponDefinition>> {
        let definitions = coupons::definitions(db(ctx)?).await?;
        Ok(definitions.into_iter().map(CouponDefinition).collect())
    }

    /// The rewards catalogue: offers with a points price that can still be had, cheapest first;
    /// with `memberNo`, only those the member can afford and may still hold.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn rewards(
        &self,
        ctx: &Context<'_>,
        member_no: Option<String>,
    ) -> async_graphql::Result<Vec<CouponDefinition>> {
        let rewards = reward::catalogue(db(ctx)?, viewer(ctx)?, brand(ctx)?, member_no.as_deref()).await?;
        Ok(rewards.into_iter().map(CouponDefinition).collect())
    }

    /// A coupon by its code as typed (any case, with or without dashes): at the counter.
    async fn coupon(&self, ctx: &Context<'_>, code: String) -> async_graphql::Result<Coupon> {
        Ok(Coupon(coupons::by_code(db(ctx)?, viewer(ctx)?, &code).await?))
    }
}

#[derive(Default)]
pub struct CouponMutation;

#[Object]
impl CouponMutation {
    /// Saves a new offer.
    async fn define_coupon(
        &self,
        ctx: &Context<'_>,
        input: CouponDefinitionInput,
    ) -> async_graphql::Result<CouponDefinition> {
        Ok(CouponDefinition(coupons::define(db(ctx)?, viewer(ctx)?, input).await?))
    }

    /// Issues a code of an offer to a member, within its stock and per-member limit. With a
    /// `reference`, issuing again returns the code it issued.
    async fn issue_coupon(
        &self,
        ctx: &Context<'_>,
        definition_id: ID,
        member_no: String,
        reference: Option<String>,
    ) -> async_graphql::Result<Coupon> {
        let definition_id = parse_id("definitionId", &definition_id)?;
        let issued = coupons::issue(
            db(ctx)?,
            viewer(ctx)?,
            brand(ctx)?,
            definition_id,
            &member_no,
            reference,
        )
        .await?;
        Ok(Coupon(issued))
    }

    /// Spends a member's points on a reward and issues its code, both or neither: never below a
    /// zero balance, never past the offer's stock or per-member limit.
    async fn redeem_reward(
        &self,
        ctx: &Context<'_>,
        definition_id: ID,
        member_no: String,
    ) -> async_graphql::Result<Coupon> {
        let definition_id = parse_id("definitionId", &definition_id)?;
        let bought = reward::buy(db(ctx)?, viewer(ctx)?, brand(ctx)?, definition_id, &member_no).await?;
        Ok(Coupon(bought))
    }

    /// Adds codes from the brand's POS to an offer defined with `importedCodes`, each issued
    /// once; at most 1,000 a call (`patron import coupon-codes` takes a file of any size). A code
    /// already in its list is unchanged; one that is not a code, or another offer's, is rejected
    /// with its position in `codes` (from 1).
    async fn import_coupon_codes(
        &self,
        ctx: &Context<'_>,
        definition_id: ID,
        codes: Vec<String>,
    ) -> async_graphql::Result<ImportReport> {
        if codes.len() > imported::BATCH {
            let message = format!(
                "at most {} codes a call; this call has {}",
                imported::BATCH,
                codes.len()
            );
            return Err(AppError::field("codes", message).into());
        }
        let db = db(ctx)?;
        let definition = imported::importing(db, parse_id("definitionId", &definition_id)?).await?;
        let mut report = crate::import::Report::default();
        let numbered = (1..).zip(codes).collect();
        imported::add(db, viewer(ctx)?, &definition, numbered, &mut report).await?;
        report.rejected.sort_by_key(|(line, _)| *line);
        Ok(ImportReport(report))
    }

    /// Redeems a coupon with a recorded purchase of its holder: once; again with the same
    /// order it changes nothing. A full return of the order gives the coupon back while valid.
    async fn redeem_coupon(&self, ctx: &Context<'_>, code: String, order_id: String) -> async_graphql::Result<Coupon> {
        Ok(Coupon(coupons::redeem(db(ctx)?, viewer(ctx)?, &code, &order_id).await?))
    }
}
