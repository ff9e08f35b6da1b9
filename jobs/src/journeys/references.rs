//! What a definition names in the database, checked before it is published: its messages are
//! journey messages with a template for each of their channels, and its offers, segments,
//! member fields and filters exist and compile.
use chrono::NaiveDate;
use entity::vocabulary::{CampaignKind, Channel};
use entity::{campaign, channel_template, email_template, member_field};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter};

use super::definition::{refusal, Entry, WaitEvent};
use super::{Action, Definition, Flow};
use crate::campaigns::template_kind;
use crate::segments::{self, AsOf, Filter, FilterError, SegmentError};

/// Every problem with what the definition names, each at its place; a database failure is an
/// error.
pub async fn check_references(
    conn: &impl ConnectionTrait,
    definition: &Definition,
    today: NaiveDate,
) -> Result<Vec<FilterError>, DbErr> {
    let check = Check {
        conn,
        as_of: AsOf::new(today, today),
    };
    let mut problems = Vec::new();
    match &definition.entry {
        Entry::Segment { segment_id: Some(id) } => problems.extend(check.segment(*id, "entry.segmentId").await?),
        Entry::Filter { filter } => problems.extend(check.filter(filter, "entry.filter").await?),
        _ => {}
    }
    if let Some(filter) = &definition.exit.filter {
        problems.extend(check.filter(filter, "exit.filter").await?);
    }
    for node in &Flow::of(definition).nodes {
        let at = |field: &str| format!("{}.{field}", node.path);
        match &node.action {
            Action::Send { campaign_id, offer_id } => {
                // An unchosen message (0) is the definition's own problem, named once there.
                if *campaign_id != 0 {
                    problems.extend(check.message(*campaign_id, &at("campaignId")).await?);
                }
                if let Some(offer) = offer_id {
                    problems.extend(check.offer(*offer, &at("offerId")).await?);
                }
            }
            Action::Coupon { offer_id } if *offer_id != 0 => {
                problems.extend(check.offer(*offer_id, &at("offerId")).await?)
            }
            Action::SetField { key, value } if !key.trim().is_empty() => {
                problems.extend(check.field(key, value, &node.path).await?)
            }
            Action::Branch { filter, .. } => problems.extend(check.filter(filter, &at("filter")).await?),
            Action::WaitFor {
                event:
                    WaitEvent::EnteredSegment { segment_id: Some(id) } | WaitEvent::LeftSegment { segment_id: Some(id) },
                ..
            } => problems.extend(check.segment(*id, &at("event.segmentId")).await?),
            _ => {}
        }
    }
    Ok(problems)
}

struct Check<'a, C> {
    conn: &'a C,
    as_of: AsOf,
}

impl<C: ConnectionTrait> Check<'_, C> {
    async fn filter(&self, filter: &Filter, path: &str) -> Result<Option<FilterError>, DbErr> {
        match segments::compile(self.conn, filter, path, self.as_of, None).await {
            Ok(_) => Ok(None),
            Err(SegmentError::Invalid(problem)) => Ok(Some(problem)),
            Err(SegmentError::Db(e)) => Err(e),
        }
    }

    async fn segment(&self, id: i64, path: &str) -> Result<Option<FilterError>, DbErr> {
        let found = entity::segment::Entity::find_by_id(id).one(self.conn).await?;
        Ok(found
            .is_none()
            .then(|| refusal(path, "journey.unknownSegment", "no saved segment has this id").with("id", id)))
    }

    async fn offer(&self, id: i64, path: &str) -> Result<Option<FilterError>, DbErr> {
        let found = entity::coupon_definition::Entity::find_by_id(id).one(self.conn).await?;
        Ok(found
            .is_none()
            .then(|| refusal(path, "journey.unknownOffer", "no offer has this id").with("id", id)))
    }

    /// A journey message with a template for each of its channels.
    async fn message(&self, id: i64, path: &str) -> Result<Option<FilterError>, DbErr> {
        let message = campaign::Entity::find_by_id(id).one(self.conn).await?;
        let Some(message) = message.filter(|m| m.kind == CampaignKind::Journey) else {
            return Ok(Some(refusal(
                path,
                "journey.noMessage",
                "choose one of the journey messages",
            )));
        };
        for channel in Channel::parse_list(&message.channels) {
            if !self.has_template(id, channel).await? {
                let text = format!("the message {:?} has no {channel} template yet", message.name);
                let problem = refusal(path, "journey.noTemplate", &text)
                    .with("message", message.name.as_str())
                    .with("channel", channel.as_str());
                return Ok(Some(problem));
            }
        }
        Ok(None)
    }

    async fn has_template(&self, id: i64, channel: Channel) -> Result<bool, DbErr> {
        let kind = template_kind(id);
        let saved = match channel {
            Channel::Email => {
                email_template::Entity::find()
                    .filter(email_template::Column::Kind.eq(kind))
                    .count(self.conn)
                    .await?
            }
            _ => {
                channel_template::Entity::find()
                    .filter(channel_template::Column::Channel.eq(channel))
                    .filter(channel_template::Column::Kind.eq(kind))
                    .count(self.conn)
                    .await?
            }
        };
        Ok(saved > 0)
    }

    /// The field exists and takes the value (empty clears it).
    async fn field(&self, key: &str, value: &str, step: &str) -> Result<Option<FilterError>, DbErr> {
        let field = member_field::Entity::find()
            .filter(member_field::Column::Key.eq(key))
            .one(self.conn)
            .await?;
        let Some(field) = field else {
            let problem = refusal(
                &format!("{step}.key"),
                "journey.unknownField",
                "no member field has this key",
            );
            return Ok(Some(problem.with("key", key)));
        };
        if value.trim().is_empty() {
            return Ok(None);
        }
        Ok(crate::member_fields::read(&field, value, &format!("{step}.value")).err())
    }
}
