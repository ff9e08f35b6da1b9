//! The outbox as staff see it: each occurrence's counts by status, and its rows by filter.
use async_graphql::InputObject;
use entity::outbox;
use entity::vocabulary::OutboxStatus;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};

use crate::error::AppResult;
use crate::service::member as members;

/// One occurrence of any campaign in the outbox (a birthday date, a holiday, a win-back day, a
/// campaign's occurrence), with where its emails stand.
#[derive(Debug, FromQueryResult)]
pub struct OutboxOccurrence {
    /// Its campaign's kind.
    pub kind: String,
    /// A date, or `holiday_key:date`.
    pub occurrence: String,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub suppressed: i64,
}

pub async fn outbox_occurrences(conn: &impl ConnectionTrait, limit: u64) -> AppResult<Vec<OutboxOccurrence>> {
    use OutboxStatus::{Failed, Queued, Sent, Suppressed};
    let sql = format!(
        "SELECT kind, occurrence, \
           SUM(CASE WHEN status = '{Queued}' THEN 1 ELSE 0 END) AS queued, \
           SUM(CASE WHEN status = '{Sent}' THEN 1 ELSE 0 END) AS sent, \
           SUM(CASE WHEN status = '{Failed}' THEN 1 ELSE 0 END) AS failed, \
           SUM(CASE WHEN status = '{Suppressed}' THEN 1 ELSE 0 END) AS suppressed \
         FROM outbox GROUP BY kind, occurrence ORDER BY MAX(id) DESC LIMIT {limit}"
    );
    let stmt = jobs::sql::statement(conn, &sql, Vec::new());
    Ok(OutboxOccurrence::find_by_statement(stmt).all(conn).await?)
}

#[derive(InputObject, Debug, Default, serde::Serialize)]
pub struct OutboxFilter {
    pub kind: Option<String>,
    /// `queued`, `sent`, `failed` or `suppressed`.
    pub status: Option<String>,
    pub member_no: Option<String>,
    pub occurrence: Option<String>,
}

pub async fn outbox(
    conn: &impl ConnectionTrait,
    filter: &OutboxFilter,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<outbox::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let mut query = outbox::Entity::find();
    if let Some(kind) = &filter.kind {
        query = query.filter(outbox::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(occurrence) = &filter.occurrence {
        query = query.filter(outbox::Column::Occurrence.eq(occurrence.as_str()));
    }
    if let Some(member_no) = &filter.member_no {
        let member = members::find(conn, member_no).await?;
        query = query.filter(outbox::Column::MemberId.eq(member.id));
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(outbox::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((rows, total))
}
