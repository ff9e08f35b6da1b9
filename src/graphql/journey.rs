//! Journeys over GraphQL: the journeys with their drafts and versions, publishing and pausing,
//! and each journey's report. A definition travels as JSON in the shape the editor writes (see
//! docs/journeys.md); its filters are in the `SegmentFilter` shape.
use async_graphql::{Context, Json, Object, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::vocabulary::JourneyStatus;
use entity::{journey, journey_version};

use crate::auth::viewer;
use crate::error::AppError;
use crate::graphql::campaign::{GroupEarnings, UpliftEstimate};
use crate::graphql::task::ShareDifference;
use crate::graphql::{brand, db, page};
use crate::service::journey as service;
use jobs::journeys::report;

pub struct Journey(journey::Model);

#[Object]
impl Journey {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// A shipped journey's key (`winback`, `welcome`, `post_purchase`, `birthday_month`).
    async fn key(&self) -> Option<&str> {
        self.0.key.as_deref()
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn status(&self) -> JourneyStatus {
        self.0.status
    }
    /// The definition being edited.
    async fn draft(&self) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(serde_json::from_str(&self.0.draft)?))
    }
    /// The version members enter; null until first published.
    async fn version(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<JourneyVersion>> {
        let Some(id) = self.0.version_id else { return Ok(None) };
        Ok(Some(JourneyVersion(service::version(db(ctx)?, id).await?)))
    }
    /// Every published version, the newest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn versions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<JourneyVersion>> {
        let rows = service::versions(db(ctx)?, self.0.id).await?;
        Ok(rows.into_iter().map(JourneyVersion).collect())
    }
    /// Who is where, and what the journey earned against its control group.
    async fn report(&self, ctx: &Context<'_>) -> async_graphql::Result<JourneyReport> {
        let zone = brand(ctx)?.time_zone;
        let report = report::report(db(ctx)?, self.0.id, zone)
            .await
            .map_err(AppError::from)?;
        Ok(JourneyReport(report))
    }
    async fn updated_by(&self) -> &str {
        &self.0.updated_by
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
}

pub struct JourneyVersion(journey_version::Model);

#[Object]
impl JourneyVersion {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    async fn number(&self) -> i32 {
        self.0.number
    }
    async fn definition(&self) -> async_graphql::Result<Json<serde_json::Value>> {
        Ok(Json(serde_json::from_str(&self.0.definition)?))
    }
    async fn published_by(&self) -> &str {
        &self.0.published_by
    }
    async fn published_at(&self) -> DateTime<Utc> {
        self.0.published_at
    }
}

pub struct JourneyReport(report::Report);

#[Object]
impl JourneyReport {
    /// Members who entered, the control group included.
    async fn entered(&self) -> i64 {
        self.0.entered
    }
    /// The control group drawn at entry.
    async fn held_out(&self) -> i64 {
        self.0.held_out
    }
    /// On a step now.
    async fn active(&self) -> i64 {
        self.0.active
    }
    /// Went through the last step or an exit step.
    async fn done(&self) -> i64 {
        self.0.done
    }
    /// Met the exit criteria on the way.
    async fn exited(&self) -> i64 {
        self.0.exited
    }
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn entries_by_day(&self) -> Vec<DayCount> {
        days(&self.0.entries_by_day)
    }
    /// Every version's steps, the newest version first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn steps(&self) -> Vec<JourneyStepCount<'_>> {
        self.0.steps.iter().map(JourneyStepCount).collect()
    }
    /// Purchases in the attribution window after entry: those who went through the journey…
    async fn treated(&self) -> GroupEarnings {
        GroupEarnings::from(&self.0.treated)
    }
    /// …and the control group.
    async fn control(&self) -> GroupEarnings {
        GroupEarnings::from(&self.0.control)
    }
    /// The difference the journey made per member, with its interval (`null` while a group has
    /// fewer than two members).
    async fn uplift(&self) -> Option<UpliftEstimate> {
        self.0.uplift.map(|u| UpliftEstimate::from(&u.raw))
    }
    /// The share who bought, against the control group.
    async fn conversion(&self) -> Option<ShareDifference> {
        self.0.conversion.map(ShareDifference::from)
    }
    /// The A/B arm with the most revenue per member against the runner-up; once `clears`, it
    /// may be promoted.
    async fn leader(&self) -> Option<JourneyLeader> {
        self.0.leader.as_ref().map(|l| JourneyLeader {
            name: l.name.clone(),
            runner_up: l.runner_up.clone(),
            against_runner_up: UpliftEstimate::from(&l.against_runner_up),
            clears: l.clears,
        })
    }
    /// Each A/B arm against the control group.
    #[graphql(complexity = "page::cost(None, 10, child_complexity)")]
    async fn arms(&self) -> Vec<JourneyArm> {
        self.0
            .arms
            .iter()
            .map(|arm| JourneyArm {
                name: arm.name.clone(),
                group: GroupEarnings::from(&arm.group),
                uplift: arm.uplift.map(|u| UpliftEstimate::from(&u.raw)),
            })
            .collect()
    }
}

fn days(counts: &[report::DayCount]) -> Vec<DayCount> {
    counts
        .iter()
        .map(|d| DayCount {
            date: d.date,
            count: d.count,
        })
        .collect()
}

#[derive(SimpleObject)]
pub struct DayCount {
    date: NaiveDate,
    count: i64,
}

/// One step of one version.
pub struct JourneyStepCount<'a>(&'a report::StepCount);

#[Object]
impl JourneyStepCount<'_> {
    async fn version(&self) -> i32 {
        self.0.version
    }
    /// The step's number in its version.
    async fn node(&self) -> i32 {
        self.0.node as i32
    }
    /// Where it is written in the definition, e.g. `steps[2].then[0]`.
    async fn path(&self) -> &str {
        &self.0.path
    }
    /// `send`, `wait`, `waitUntil`, `waitFor`, `branch`, `split`, `coupon`, `task`, `setField`
    /// or `exit`, as in the definition.
    async fn kind(&self) -> &str {
        self.0.kind
    }
    /// On it now.
    async fn waiting(&self) -> i64 {
        self.0.waiting
    }
    /// Went through it.
    async fn passed(&self) -> i64 {
        self.0.passed
    }
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn passed_by_day(&self) -> Vec<DayCount> {
        days(&self.0.passed_by_day)
    }
}

/// The leading arm: `againstRunnerUp` counts the leader as sent to and the runner-up as held out.
#[derive(SimpleObject)]
pub struct JourneyLeader {
    name: String,
    runner_up: String,
    against_runner_up: UpliftEstimate,
    /// The interval of the difference is above zero.
    clears: bool,
}

#[derive(SimpleObject)]
pub struct JourneyArm {
    name: String,
    group: GroupEarnings,
    /// Against the control group.
    uplift: Option<UpliftEstimate>,
}

fn parse_id(id: &ID) -> Result<i64, AppError> {
    id.parse::<i64>().map_err(|_| AppError::field("id", "not a journey id"))
}

#[derive(Default)]
pub struct JourneyQuery;

#[Object]
impl JourneyQuery {
    /// Every journey, the shipped ones first. Marketers and admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn journeys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Journey>> {
        Ok(service::list(db(ctx)?).await?.into_iter().map(Journey).collect())
    }

    async fn journey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Journey> {
        Ok(Journey(service::find(db(ctx)?, parse_id(&id)?).await?))
    }
}

#[derive(Default)]
pub struct JourneyMutation;

#[Object]
impl JourneyMutation {
    /// A new journey, a draft. Audited.
    async fn create_journey(
        &self,
        ctx: &Context<'_>,
        name: String,
        definition: Json<serde_json::Value>,
    ) -> async_graphql::Result<Journey> {
        let definition = service::parse(definition.0)?;
        Ok(Journey(
            service::create(db(ctx)?, viewer(ctx)?, &name, &definition).await?,
        ))
    }

    /// Saves a journey's draft (and its name): members keep entering the published version.
    /// Audited.
    async fn save_journey(
        &self,
        ctx: &Context<'_>,
        id: ID,
        name: Option<String>,
        definition: Json<serde_json::Value>,
    ) -> async_graphql::Result<Journey> {
        let definition = service::parse(definition.0)?;
        let saved = service::save(db(ctx)?, viewer(ctx)?, parse_id(&id)?, name.as_deref(), &definition).await?;
        Ok(Journey(saved))
    }

    /// Checks the draft (a refusal names its place, e.g. `steps[2].offerId`) and publishes it
    /// as the next version: members enter it from the next tick, those on earlier versions
    /// finish on theirs. The journey goes live. Audited.
    async fn publish_journey(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<Journey> {
        let today = brand(ctx)?.today();
        Ok(Journey(
            service::publish(db(ctx)?, viewer(ctx)?, parse_id(&id)?, today).await?,
        ))
    }

    /// Ends an A/B test once an arm leads with its interval above zero: its steps replace the
    /// split and the journey is published again. Audited.
    async fn promote_journey_arm(&self, ctx: &Context<'_>, id: ID, arm: String) -> async_graphql::Result<Journey> {
        let brand = brand(ctx)?;
        let promoted = service::promote(
            db(ctx)?,
            viewer(ctx)?,
            parse_id(&id)?,
            &arm,
            brand.time_zone,
            brand.today(),
        )
        .await?;
        Ok(Journey(promoted))
    }

    /// PAUSED: nobody enters or moves on; LIVE: again. Audited.
    async fn set_journey_status(
        &self,
        ctx: &Context<'_>,
        id: ID,
        status: JourneyStatus,
    ) -> async_graphql::Result<Journey> {
        Ok(Journey(
            service::set_status(db(ctx)?, viewer(ctx)?, parse_id(&id)?, status).await?,
        ))
    }
}
