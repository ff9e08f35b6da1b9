//! Campaigns: who may manage them, their life cycle (draft → scheduled → sending → finished,
//! with pause, resume and cancel), and their reports. Starting occurrences and the statistics
//! live in `jobs::campaigns`.
use chrono::{NaiveTime, Utc};
use entity::vocabulary::{CampaignKind, CampaignStatus, Channel, OutboxStatus};
use entity::{campaign, campaign_occurrence, email_template, outbox, segment};
use jobs::campaigns::{self as engine, report, Schedule};
use rust_decimal::prelude::ToPrimitive;
use rust_decimal::Decimal;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::validate;

/// What a marketer sets on a campaign; `None` leaves a field as it is on update.
#[derive(Debug, Default)]
pub struct CampaignFields {
    pub name: Option<String>,
    /// Custom or new arrivals (set at creation).
    pub kind: Option<CampaignKind>,
    /// `Some(None)`: every consenting member.
    pub segment_id: Option<Option<i64>>,
    pub schedule: Option<Schedule>,
    pub once_per_member: Option<bool>,
    /// 0 to 0.5.
    pub holdout_share: Option<Decimal>,
    pub priority: Option<i32>,
    /// The channel preference, in order.
    pub channels: Option<Vec<Channel>>,
    pub attribution_days: Option<i32>,
    pub category: Option<String>,
    pub category_window_days: Option<i32>,
    /// Built-in kinds: when their emails are due in each member's zone, and how many days early
    /// birthday and holiday emails go.
    pub send_time: Option<NaiveTime>,
    pub days_before: Option<i32>,
    /// `Some(None)`: no offer.
    pub coupon_definition_id: Option<Option<i64>>,
}

/// Every campaign, or those of one kind, newest first.
pub async fn list(conn: &impl ConnectionTrait, kind: Option<CampaignKind>) -> AppResult<Vec<campaign::Model>> {
    let mut select = campaign::Entity::find().order_by_desc(campaign::Column::Id);
    if let Some(kind) = kind {
        select = select.filter(campaign::Column::Kind.eq(kind));
    }
    Ok(select.all(conn).await?)
}

pub async fn find(conn: &impl ConnectionTrait, id: i64) -> AppResult<campaign::Model> {
    campaign::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign has the id {id}")))
}

pub async fn create(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    fields: CampaignFields,
) -> AppResult<campaign::Model> {
    let kind = fields.kind.unwrap_or(CampaignKind::Custom);
    if !matches!(
        kind,
        CampaignKind::Custom | CampaignKind::NewArrivals | CampaignKind::Journey
    ) {
        return Err(AppError::field(
            "input.kind",
            "a new campaign is CUSTOM, NEW_ARRIVALS, or JOURNEY (a journey's message)",
        ));
    }
    let now = Utc::now();
    let row = campaign::ActiveModel {
        kind: Set(kind),
        status: Set(CampaignStatus::Draft),
        created_by: Set(viewer.actor.clone()),
        updated_by: Set(viewer.actor.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        attribution_days: Set(30),
        holdout_basis_points: Set(0),
        priority: Set(0),
        channels: Set(Channel::Email.as_str().to_owned()),
        once_per_member: Set(false),
        ..Default::default()
    };
    let row = apply(conn, None, kind, row, fields).await?;
    let txn = conn.begin().await?;
    let created = row.insert(&txn).await?;
    audit::record(&txn, viewer, "campaign.create", Some(&created.name), detail(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a campaign that has not started sending.
pub async fn update(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    fields: CampaignFields,
) -> AppResult<campaign::Model> {
    let current = find(conn, id).await?;
    use CampaignStatus::{Draft, Paused, Scheduled};
    if ![Draft, Scheduled, Paused].contains(&current.status) {
        let message = format!("a {} campaign cannot be changed", current.status);
        return Err(AppError::keyed("id", "campaign.notChangeable", message).with("status", current.status.as_str()));
    }
    if fields.kind.is_some() {
        return Err(AppError::field(
            "input.kind",
            "the kind is set when a campaign is created",
        ));
    }
    let kind = current.kind;
    let mut row: campaign::ActiveModel = current.into();
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let row = apply(conn, Some(id), kind, row, fields).await?;
    let txn = conn.begin().await?;
    let updated = row.update(&txn).await?;
    audit::record(&txn, viewer, "campaign.update", Some(&updated.name), detail(&updated)).await?;
    txn.commit().await?;
    Ok(updated)
}

/// Checks the given fields and sets them on `row`.
async fn apply(
    conn: &impl ConnectionTrait,
    id: Option<i64>,
    kind: CampaignKind,
    mut row: campaign::ActiveModel,
    fields: CampaignFields,
) -> AppResult<campaign::ActiveModel> {
    if let Some(name) = &fields.name {
        let name = validate::required_text("input.name", name, 100)?;
        let mut taken = campaign::Entity::find().filter(campaign::Column::Name.eq(&name));
        if let Some(id) = id {
            taken = taken.filter(campaign::Column::Id.ne(id));
        }
        if taken.count(conn).await? > 0 {
            let message = format!("a campaign called {name:?} already exists");
            return Err(AppError::keyed("input.name", "campaign.nameTaken", message).with("name", name));
        }
        row.name = Set(name);
    } else if id.is_none() {
        return Err(AppError::keyed(
            "input.name",
            "campaign.nameNeeded",
            "a campaign needs a name",
        ));
    }
    if let Some(segment_id) = fields.segment_id {
        if let Some(segment_id) = segment_id {
            if segment::Entity::find_by_id(segment_id).one(conn).await?.is_none() {
                let message = format!("no segment has the id {segment_id}");
                return Err(
                    AppError::keyed("input.segmentId", "campaign.noSuchSegment", message).with("id", segment_id)
                );
            }
        }
        row.segment_id = Set(segment_id);
    }
    if let Some(offer) = fields.coupon_definition_id {
        if let Some(offer) = offer {
            let exists = entity::coupon_definition::Entity::find_by_id(offer).one(conn).await?;
            if exists.is_none() {
                return Err(AppError::field(
                    "input.couponDefinitionId",
                    format!("no offer has the id {offer}"),
                ));
            }
        }
        row.coupon_definition_id = Set(offer);
    }
    if let Some(schedule) = &fields.schedule {
        schedule
            .check()
            .map_err(|message| AppError::field("input.schedule", message))?;
        row.schedule = Set(Some(serde_json::to_string(schedule).map_err(anyhow::Error::from)?));
    }
    if let Some(share) = fields.holdout_share {
        row.holdout_basis_points = Set(holdout_basis_points(share)?);
    }
    if let Some(days) = fields.attribution_days {
        if !(1..=365).contains(&days) {
            return Err(AppError::keyed(
                "input.attributionDays",
                "campaign.attributionDays",
                "1 to 365 days",
            ));
        }
        row.attribution_days = Set(days);
    }
    if let Some(days) = fields.category_window_days {
        if !(1..=3660).contains(&days) {
            return Err(AppError::keyed(
                "input.categoryWindowDays",
                "campaign.categoryWindowDays",
                "1 to 3660 days",
            ));
        }
        row.category_window_days = Set(Some(days));
    }
    if let Some(category) = &fields.category {
        row.category = Set(Some(validate::required_text("input.category", category, 100)?));
    }
    if let Some(priority) = fields.priority {
        row.priority = Set(priority);
    }
    if let Some(channels) = &fields.channels {
        row.channels = Set(channel_preference(channels)?);
    }
    if let Some(once) = fields.once_per_member {
        row.once_per_member = Set(once);
    }
    apply_timing(kind, &mut row, &fields)?;
    Ok(row)
}

/// A control group's share (0 to 0.5, in steps of 0.0001) in basis points, as stored; a
/// campaign's and a task rule's alike.
pub fn holdout_basis_points(share: Decimal) -> AppResult<i32> {
    let points = share * Decimal::from(10_000);
    match points.to_i32() {
        Some(whole) if (0..=5_000).contains(&whole) && points.fract().is_zero() => Ok(whole),
        _ => Err(AppError::keyed(
            "input.holdoutShare",
            "campaign.holdoutShare",
            "a share from 0 to 0.5, in steps of 0.0001",
        )),
    }
}

/// A built-in campaign's send time and days early; the kinds a marketer schedules have a
/// schedule instead.
fn apply_timing(kind: CampaignKind, row: &mut campaign::ActiveModel, fields: &CampaignFields) -> AppResult<()> {
    if let Some(time) = fields.send_time {
        if !kind.is_built_in() {
            return Err(AppError::keyed(
                "input.sendTime",
                "campaign.sendTimeBuiltInOnly",
                "only the built-in birthday, holiday, win-back, points-expiry and coupon-expiry campaigns have a send time; give this one a schedule",
            ));
        }
        row.send_time = Set(Some(time));
    }
    if let Some(days) = fields.days_before {
        use CampaignKind::{Birthday, CouponExpiry, Holiday, PointsExpiry};
        if ![Birthday, Holiday, PointsExpiry, CouponExpiry].contains(&kind) {
            return Err(AppError::keyed(
                "input.daysBefore",
                "campaign.daysBeforeNotForKind",
                "only the birthday, holiday, points-expiry and coupon-expiry campaigns go days early",
            ));
        }
        if !(0..=60).contains(&days) {
            return Err(AppError::keyed(
                "input.daysBefore",
                "campaign.daysBefore",
                "0 to 60 days",
            ));
        }
        row.days_before = Set(Some(days));
    }
    Ok(())
}

/// A preference as stored: at least one channel, each once.
fn channel_preference(channels: &[Channel]) -> AppResult<String> {
    if channels.is_empty() {
        return Err(AppError::keyed(
            "input.channels",
            "campaign.channelsEmpty",
            "choose at least one channel",
        ));
    }
    let mut seen = channels.to_vec();
    seen.sort_unstable();
    seen.dedup();
    if seen.len() < channels.len() {
        return Err(AppError::keyed(
            "input.channels",
            "campaign.channelsRepeated",
            "name each channel once, in order of preference",
        ));
    }
    Ok(Channel::list(channels))
}

fn detail(campaign: &campaign::Model) -> serde_json::Value {
    serde_json::json!({
        "id": campaign.id, "kind": campaign.kind, "status": campaign.status,
        "segmentId": campaign.segment_id, "schedule": campaign.schedule,
        "holdoutBasisPoints": campaign.holdout_basis_points, "priority": campaign.priority,
        "channels": campaign.channels, "sendTime": campaign.send_time, "daysBefore": campaign.days_before,
    })
}

/// draft → scheduled, once it has a schedule, an audience that fits its kind and a template in
/// the fallback locale.
/// A journey message is sent by its journeys' steps: it is never scheduled, paused or cancelled
/// on its own (its journey is).
fn has_a_life_of_its_own(campaign: &campaign::Model) -> AppResult<()> {
    if campaign.kind == CampaignKind::Journey {
        let message = "a journey message is sent by its journeys: pause or edit the journey instead";
        return Err(AppError::keyed("id", "campaign.journeyMessage", message));
    }
    Ok(())
}

pub async fn schedule(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
) -> AppResult<campaign::Model> {
    let current = find(conn, id).await?;
    has_a_life_of_its_own(&current)?;
    if current.status != CampaignStatus::Draft {
        let message = format!("only a draft can be scheduled; this one is {}", current.status);
        return Err(
            AppError::keyed("id", "campaign.scheduleDraftOnly", message).with("status", current.status.as_str())
        );
    }
    let Some(schedule) = Schedule::of(&current) else {
        return Err(AppError::keyed(
            "id",
            "campaign.scheduleNeeded",
            "give the campaign a schedule first",
        ));
    };
    if schedule == Schedule::OnEntry && current.segment_id.is_none() {
        let message = "a campaign sent on entering a segment needs a segment";
        return Err(AppError::keyed("id", "campaign.onEntryNeedsSegment", message));
    }
    if current.kind == CampaignKind::NewArrivals && current.category.is_none() {
        return Err(AppError::keyed(
            "id",
            "campaign.categoryNeeded",
            "a new-arrivals campaign needs its category",
        ));
    }
    let kind = engine::template_kind(id);
    let template = email_template::Entity::find()
        .filter(email_template::Column::Kind.eq(&kind))
        .filter(email_template::Column::Locale.eq("zh-CN"))
        .one(conn)
        .await?;
    if template.is_none() {
        let message = format!("save its zh-CN template first (saveEmailTemplate kind {kind:?})");
        return Err(AppError::keyed("id", "campaign.templateNeeded", message));
    }
    transition(
        conn,
        viewer,
        current,
        CampaignStatus::Scheduled,
        "campaign.schedule",
        None,
    )
    .await
}

/// Stops sending: queued emails wait (those on the wire in the current batch go out).
pub async fn pause(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
) -> AppResult<campaign::Model> {
    let current = find(conn, id).await?;
    has_a_life_of_its_own(&current)?;
    if !current.status.is_live() {
        let message = format!("a {} campaign cannot be paused", current.status);
        return Err(AppError::keyed("id", "campaign.notPausable", message).with("status", current.status.as_str()));
    }
    transition(
        conn,
        viewer,
        current,
        CampaignStatus::Paused,
        "campaign.pause",
        Some((&[OutboxStatus::Queued][..], OutboxStatus::Paused)),
    )
    .await
}

pub async fn resume(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
) -> AppResult<campaign::Model> {
    let current = find(conn, id).await?;
    has_a_life_of_its_own(&current)?;
    if current.status != CampaignStatus::Paused {
        return Err(AppError::keyed(
            "id",
            "campaign.resumePausedOnly",
            "only a paused campaign can be resumed",
        ));
    }
    let started = campaign_occurrence::Entity::find()
        .filter(campaign_occurrence::Column::CampaignId.eq(id))
        .count(conn)
        .await?
        > 0;
    let status = if started {
        CampaignStatus::Sending
    } else {
        CampaignStatus::Scheduled
    };
    transition(
        conn,
        viewer,
        current,
        status,
        "campaign.resume",
        Some((&[OutboxStatus::Paused][..], OutboxStatus::Queued)),
    )
    .await
}

/// Stops for good: emails not yet sent are cancelled.
pub async fn cancel(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
) -> AppResult<campaign::Model> {
    let current = find(conn, id).await?;
    has_a_life_of_its_own(&current)?;
    if [CampaignStatus::Finished, CampaignStatus::Cancelled].contains(&current.status) {
        let message = format!("the campaign is already {}", current.status);
        return Err(AppError::keyed("id", "campaign.alreadyOver", message).with("status", current.status.as_str()));
    }
    let unsent = Some((
        &[OutboxStatus::Queued, OutboxStatus::Paused][..],
        OutboxStatus::Cancelled,
    ));
    transition(
        conn,
        viewer,
        current,
        CampaignStatus::Cancelled,
        "campaign.cancel",
        unsent,
    )
    .await
}

/// Sets the status (and moves its outbox rows from some statuses to another), audited.
async fn transition(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    current: campaign::Model,
    status: CampaignStatus,
    action: &str,
    rows: Option<(&[OutboxStatus], OutboxStatus)>,
) -> AppResult<campaign::Model> {
    let txn = conn.begin().await?;
    if let Some((from, to)) = rows {
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::val(to.as_str()).into())
            .filter(outbox::Column::CampaignId.eq(current.id))
            .filter(outbox::Column::Status.is_in(from.iter().copied()))
            .exec(&txn)
            .await?;
    }
    let name = current.name.clone();
    let previous = current.status;
    let row = campaign::ActiveModel {
        id: ActiveValue::Unchanged(current.id),
        status: Set(status),
        updated_by: Set(viewer.actor.clone()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    };
    let updated = row.update(&txn).await?;
    let detail = serde_json::json!({ "id": updated.id, "from": previous, "to": status });
    audit::record(&txn, viewer, action, Some(&name), detail).await?;
    txn.commit().await?;
    Ok(updated)
}

/// The locales a template kind is saved in.
pub async fn template_locales(conn: &impl ConnectionTrait, kind: &str) -> AppResult<Vec<String>> {
    let rows = email_template::Entity::find()
        .filter(email_template::Column::Kind.eq(kind))
        .order_by_asc(email_template::Column::Locale)
        .all(conn)
        .await?;
    Ok(rows.into_iter().map(|t| t.locale).collect())
}

pub async fn occurrences(conn: &impl ConnectionTrait, campaign_id: i64) -> AppResult<Vec<campaign_occurrence::Model>> {
    Ok(campaign_occurrence::Entity::find()
        .filter(campaign_occurrence::Column::CampaignId.eq(campaign_id))
        .order_by_desc(campaign_occurrence::Column::Id)
        .all(conn)
        .await?)
}

pub async fn delivery(
    conn: &impl ConnectionTrait,
    occurrence: &campaign_occurrence::Model,
) -> AppResult<report::Delivery> {
    Ok(report::delivery(conn, occurrence.campaign_id, &occurrence.key, Utc::now()).await?)
}

pub async fn earnings(
    conn: &impl ConnectionTrait,
    occurrence: &campaign_occurrence::Model,
) -> AppResult<report::Earnings> {
    Ok(report::earnings(conn, occurrence).await?)
}
