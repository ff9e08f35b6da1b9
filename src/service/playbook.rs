//! The strategy playbooks: what a brand does for each quadrant strategy's members, switched on
//! as a whole. The first time one is switched on it gets a saved segment of the strategy's
//! members and a draft campaign for them, held-out group included, for a marketer to give its
//! message and schedule; a calling playbook's members get an associate's call every so many
//! days (the `care_call` task rule, on while any calling playbook is). Switched off, its
//! campaign pauses and its calls stop.
use chrono::Utc;
use entity::vocabulary::{Channel, Strategy, TaskKind};
use entity::{playbook, task_rule};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::campaign::{self, CampaignFields};
use crate::service::{audit, segment};
use jobs::segments::AsOf;

pub async fn all(conn: &impl ConnectionTrait) -> AppResult<Vec<playbook::Model>> {
    Ok(playbook::Entity::find()
        .order_by_asc(playbook::Column::Id)
        .all(conn)
        .await?)
}

/// How the playbook names what it makes.
pub fn name(strategy: Strategy) -> &'static str {
    match strategy {
        Strategy::DeepCare => "深度关爱 Deep care",
        Strategy::DeepAcquisition => "深度获取 Deep acquisition",
        Strategy::DeepMining => "深度挖掘 Deep mining",
        Strategy::LongTermCultivation => "长期培育 Long-term cultivation",
    }
}

/// The channels its campaign tries, in order: long-term cultivation is low-cost, email only.
fn channels(strategy: Strategy) -> Vec<Channel> {
    match strategy {
        Strategy::LongTermCultivation => vec![Channel::Email],
        _ => vec![Channel::Wechat, Channel::Sms, Channel::Email],
    }
}

/// Switches the playbook of `strategy` on or off.
pub async fn set(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    as_of: AsOf,
    strategy: Strategy,
    enabled: bool,
) -> AppResult<playbook::Model> {
    let current = playbook::Entity::find()
        .filter(playbook::Column::Strategy.eq(strategy))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no playbook for {strategy}")))?;
    if enabled {
        let title = format!("Playbook · {}", name(strategy));
        let segment_id = match current.segment_id {
            Some(id) => id,
            None => {
                let filter = jobs::tasks::of_strategy(strategy);
                let description = format!("Members whose loyalty or value quadrant calls for {strategy}");
                let made = segment::create(conn, viewer, &title, Some(&description), &filter, as_of).await?;
                keep(conn, current.id, playbook::Column::SegmentId, made.id).await?;
                made.id
            }
        };
        if current.campaign_id.is_none() {
            let fields = CampaignFields {
                name: Some(title),
                segment_id: Some(Some(segment_id)),
                holdout_share: Some(Decimal::new(1, 1)),
                channels: Some(channels(strategy)),
                ..CampaignFields::default()
            };
            let made = campaign::create(conn, viewer, fields).await?;
            keep(conn, current.id, playbook::Column::CampaignId, made.id).await?;
        }
    } else if let Some(id) = current.campaign_id {
        if campaign::find(conn, id).await?.status.is_live() {
            campaign::pause(conn, viewer, id).await?;
        }
    }
    let mut row: playbook::ActiveModel = current.into();
    row.enabled = Set(enabled);
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let txn = conn.begin().await?;
    let saved = row.update(&txn).await?;
    // The calls are on while any playbook that calls is.
    let calling = all(&txn)
        .await?
        .iter()
        .any(|p| p.enabled && p.call_every_days.is_some());
    task_rule::Entity::update_many()
        .col_expr(task_rule::Column::Enabled, calling.into())
        .filter(task_rule::Column::Kind.eq(TaskKind::CareCall))
        .exec(&txn)
        .await?;
    let detail = serde_json::json!({ "enabled": enabled, "calls": calling });
    audit::record(&txn, viewer, "playbook.set", Some(strategy.as_str()), detail).await?;
    txn.commit().await?;
    Ok(saved)
}

/// Records what a playbook made the moment it is made: a failure after it (the campaign, say)
/// then finds it on the next try instead of making it twice.
async fn keep(conn: &impl ConnectionTrait, id: i64, column: playbook::Column, made: i64) -> AppResult<()> {
    playbook::Entity::update_many()
        .col_expr(column, made.into())
        .filter(playbook::Column::Id.eq(id))
        .exec(conn)
        .await?;
    Ok(())
}
