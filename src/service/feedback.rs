//! Feedback: inquiries, complaints and satisfaction scores, and their resolution.
use async_graphql::InputObject;
use chrono::Utc;
use entity::feedback;
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member};
use crate::validate;

use entity::vocabulary::SurveyScale;
pub use entity::vocabulary::{FeedbackKind, FeedbackStatus};

#[derive(InputObject, Clone, Debug)]
pub struct FeedbackInput {
    pub member_no: String,
    pub kind: FeedbackKind,
    /// 1–5; required for a satisfaction score.
    pub score: Option<i32>,
    pub body: Option<String>,
}

/// Records feedback. A satisfaction score needs no follow-up, so it is stored resolved; inquiries
/// and complaints stay open until someone resolves them.
pub async fn record(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    input: FeedbackInput,
) -> AppResult<feedback::Model> {
    let member = member::find_visible(conn, viewer, &input.member_no).await?;
    if let Some(score) = input.score {
        if !(1..=5).contains(&score) {
            let message = format!("score must be 1–5, not {score}");
            return Err(AppError::keyed("score", "feedback.score", message).with("got", score));
        }
    }
    if input.kind == FeedbackKind::Satisfaction && input.score.is_none() {
        return Err(AppError::keyed(
            "score",
            "feedback.scoreNeeded",
            "a satisfaction entry needs a score of 1–5",
        ));
    }
    let body = validate::optional_text(input.body)
        .map(|b| validate::bounded("body", &b, 5000))
        .transpose()?;
    let status = if input.kind == FeedbackKind::Satisfaction {
        FeedbackStatus::Resolved
    } else {
        FeedbackStatus::Open
    };
    let txn = conn.begin().await?;
    let created = feedback::ActiveModel {
        member_id: Set(member.id),
        kind: Set(input.kind),
        score: Set(input.score.map(|s| s as i16)),
        scale: Set(input.score.map(|_| SurveyScale::Csat)),
        body: Set(body),
        status: Set(status),
        created_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let detail = serde_json::json!({ "feedbackId": created.id, "kind": created.kind });
    audit::record(&txn, viewer, "feedback.record", Some(&member.member_no), detail).await?;
    txn.commit().await?;
    Ok(created)
}

/// Marks feedback resolved, with what was done.
pub async fn resolve(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
    resolution: &str,
) -> AppResult<feedback::Model> {
    let unseen = || AppError::NotFound(format!("no feedback has the id {id}"));
    let entry = feedback::Entity::find_by_id(id).one(conn).await?.ok_or_else(unseen)?;
    let owner = member::by_ids(conn, &[entry.member_id]).await?.pop();
    let owner = owner.ok_or_else(|| AppError::NotFound("the feedback's member no longer exists".into()))?;
    viewer.check_member_access(owner.id, owner.store_id, unseen)?;
    if entry.status == FeedbackStatus::Resolved {
        return Err(AppError::keyed(
            "id",
            "feedback.resolvedAlready",
            format!("feedback {id} is already resolved"),
        ));
    }
    let resolution = validate::required_text("resolution", resolution, 5000)?;
    let txn = conn.begin().await?;
    let resolved = feedback::ActiveModel {
        id: ActiveValue::Unchanged(id),
        status: Set(FeedbackStatus::Resolved),
        resolution: Set(Some(resolution)),
        resolved_at: Set(Some(Utc::now())),
        resolved_by_id: Set(viewer.staff_id),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    audit::record(
        &txn,
        viewer,
        "feedback.resolve",
        Some(&owner.member_no),
        serde_json::json!({ "feedbackId": id }),
    )
    .await?;
    txn.commit().await?;
    Ok(resolved)
}

/// Open complaints, oldest first: an associate's store's; an admin's, every store's or one's.
pub async fn open_complaints(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    store_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<feedback::Model>> {
    let store_id = match viewer.role {
        crate::auth::Role::Associate => Some(viewer.store_id.unwrap_or(-1)),
        _ => store_id,
    };
    let mut query = feedback::Entity::find()
        .filter(feedback::Column::Kind.eq(FeedbackKind::Complaint))
        .filter(feedback::Column::Status.eq(FeedbackStatus::Open));
    if let Some(store_id) = store_id {
        let of_store = Query::select()
            .column(entity::member::Column::Id)
            .from(entity::member::Entity)
            .and_where(Expr::col(entity::member::Column::StoreId).eq(store_id))
            .to_owned();
        query = query.filter(feedback::Column::MemberId.in_subquery(of_store));
    }
    Ok(query
        .order_by_asc(feedback::Column::CreatedAt)
        .order_by_asc(feedback::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}
