//! The strategy playbooks: which are on, and what each made (its segment, its campaign).
use async_graphql::{Context, Object};
use entity::playbook;
use entity::vocabulary::{LoyaltyQuadrant, Strategy, ValueQuadrant};

use crate::auth::viewer;
use crate::graphql::campaign::Campaign;
use crate::graphql::segment::Segment;
use crate::graphql::{brand, db, page};
use crate::service::{campaign, playbook as playbooks, segment};

pub struct Playbook(playbook::Model);

#[Object]
impl Playbook {
    async fn strategy(&self) -> Strategy {
        self.0.strategy
    }
    /// 深度关爱 Deep care, …
    async fn name(&self) -> &str {
        playbooks::name(self.0.strategy)
    }
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Its members' associate calls each of them this often; null: it does not call.
    async fn call_every_days(&self) -> Option<i32> {
        self.0.call_every_days
    }
    /// The loyalty and value quadrants whose members it is for.
    async fn loyalty_quadrants(&self) -> Vec<LoyaltyQuadrant> {
        let strategy = self.0.strategy;
        LoyaltyQuadrant::ALL
            .iter()
            .copied()
            .filter(|q| q.strategy() == strategy)
            .collect()
    }
    async fn value_quadrants(&self) -> Vec<ValueQuadrant> {
        let strategy = self.0.strategy;
        ValueQuadrant::ALL
            .iter()
            .copied()
            .filter(|q| q.strategy() == strategy)
            .collect()
    }
    /// The saved segment of its members, once it was first switched on.
    async fn segment(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Segment>> {
        let Some(id) = self.0.segment_id else { return Ok(None) };
        Ok(Some(Segment(segment::find(db(ctx)?, id).await?)))
    }
    /// Its campaign, a draft until a marketer gives it a message and a schedule.
    async fn campaign(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Campaign>> {
        let Some(id) = self.0.campaign_id else { return Ok(None) };
        Ok(Some(Campaign(campaign::find(db(ctx)?, id).await?)))
    }
}

#[derive(Default)]
pub struct PlaybookQuery;

#[Object]
impl PlaybookQuery {
    /// The four strategy playbooks.
    #[graphql(complexity = "page::cost(None, 4, child_complexity)")]
    async fn playbooks(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Playbook>> {
        Ok(playbooks::all(db(ctx)?).await?.into_iter().map(Playbook).collect())
    }
}

#[derive(Default)]
pub struct PlaybookMutation;

#[Object]
impl PlaybookMutation {
    /// Switches a playbook on (the first time, making its segment and draft campaign; its
    /// calls start with the next tasks run) or off (its campaign pauses, its calls stop).
    async fn set_playbook(
        &self,
        ctx: &Context<'_>,
        strategy: Strategy,
        enabled: bool,
    ) -> async_graphql::Result<Playbook> {
        let today = brand(ctx)?.today();
        let as_of = jobs::segments::AsOf::new(today, today);
        Ok(Playbook(
            playbooks::set(db(ctx)?, viewer(ctx)?, as_of, strategy, enabled).await?,
        ))
    }
}
