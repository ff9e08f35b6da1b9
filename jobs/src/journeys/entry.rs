//! Who enters a journey on a tick: members its entry names (a segment they entered, a filter they
//! match, something that happened to them that day) who are not on it now and, by its re-entry
//! rule, may enter again. Each enters at the first step with a new visit; the control group is
//! drawn at entry by the stable hash and recorded, never sent anything. One statement adds
//! them all; the positions' key (journey, member, visit) refuses a second replica's.
use chrono::Duration;
use entity::journey_position::{Column as P, Entity as Positions};
use entity::vocabulary::{FeedbackKind, FeedbackStatus, JourneyPositionStatus as Status, PurchaseKind};
use entity::{member, member_metrics as metrics};
use sea_orm::sea_query::{Alias, Expr, OnConflict, Query, SimpleExpr};
use sea_orm::{Condition, ConnectionTrait, DbBackend, DbErr, TransactionTrait};

use super::definition::{Entry, EntryEvent};
use super::{arrival, Tick, Version, Zones, IDS_PER_STATEMENT};
use crate::campaigns::holdout;
use crate::points::expiry::start_of;
use crate::segments::{self, AsOf, Filter, SegmentError};
use crate::sql::{custom_expr as custom, first_column};

/// Lets in who may enter `version`'s journey now; (entered, of them held out).
pub(super) async fn enter(tick: &Tick<'_>, version: &Version, zones: &Zones) -> Result<(u64, u64), SegmentError> {
    let db = &tick.ctx.db;
    let candidates = candidates(tick, &version.definition.entry).await?;
    let condition = candidates.add(may_enter(tick, version));
    let journey_id = version.journey_id;
    let visit = Expr::cust(format!(
        "COALESCE((SELECT MAX(v.visit) FROM journey_positions v WHERE v.journey_id = {journey_id} AND v.member_id = members.id), 0) + 1"
    ));
    let zone: SimpleExpr = Expr::col((member::Entity, member::Column::TimeZone)).into();
    let due = arrival(db, &version.flow, Some(0), tick.now, zones, zone).await?;
    let select = segments::matching(condition)
        .expr(Expr::val(journey_id))
        .expr(Expr::val(version.id))
        .column((member::Entity, member::Column::Id))
        .expr(visit)
        .expr(Expr::val(0))
        .expr(Expr::val(Status::Active.as_str()))
        .expr(Expr::val(tick.now))
        .expr(Expr::val(tick.now))
        .expr(due)
        .expr(Expr::val(
            tick.now + Duration::days(i64::from(version.definition.attribution_days)),
        ))
        .column((metrics::Entity, metrics::Column::ExpectedValue365Cents))
        .to_owned();
    let insert = Query::insert()
        .into_table(Positions)
        .columns([
            P::JourneyId,
            P::VersionId,
            P::MemberId,
            P::Visit,
            P::Node,
            P::Status,
            P::EnteredAt,
            P::StepAt,
            P::DueAt,
            P::WindowEndsAt,
            P::ExpectedValueCents,
        ])
        .select_from(select)
        .map_err(|e| DbErr::Custom(format!("letting members into a journey: {e}")))?
        .on_conflict(
            OnConflict::columns([P::JourneyId, P::MemberId, P::Visit])
                .do_nothing()
                .to_owned(),
        )
        .returning_col(P::MemberId)
        .to_owned();
    let txn = db.begin().await?;
    let entered: Vec<i64> = first_column(&txn, txn.get_database_backend().build(&insert)).await?;
    let scope = format!("journey:{journey_id}");
    let basis_points = i32::try_from(version.definition.holdout_basis_points).unwrap_or(0);
    let held: Vec<i64> = entered
        .iter()
        .copied()
        .filter(|m| holdout::held_out_of(&scope, *m, basis_points))
        .collect();
    for chunk in held.chunks(IDS_PER_STATEMENT) {
        let update = Query::update()
            .table(Positions)
            .value(P::Status, Status::HeldOut.as_str())
            .and_where(Expr::col(P::JourneyId).eq(journey_id))
            .and_where(Expr::col(P::Status).eq(Status::Active.as_str()))
            .and_where(Expr::col(P::MemberId).is_in(chunk.iter().copied()))
            .to_owned();
        txn.execute(txn.get_database_backend().build(&update)).await?;
    }
    txn.commit().await?;
    // A tick's next statements probe the positions member by member; with statistics from
    // before a large entry the planner would scan the whole table for each member instead.
    let entered_count = entered.len() as u64;
    crate::sql::analyze_after(db, "journey_positions", &[], entered_count, &[DbBackend::Postgres]).await?;
    Ok((entered_count, held.len() as u64))
}

/// Members the entry names on the tick's day, as a condition over `members`.
async fn candidates(tick: &Tick<'_>, entry: &Entry) -> Result<Condition, SegmentError> {
    let conn = &tick.ctx.db;
    let as_of = AsOf::new(tick.as_of, tick.ctx.today());
    let compiled =
        |filter: Filter, path: &'static str| async move { segments::compile(conn, &filter, path, as_of, None).await };
    let day = vec![start_of(tick.as_of, tick.ctx.time_zone).into(), tick.now.into()];
    let backend = conn.get_database_backend();
    let happened =
        |sql: String| segments::everyone().add(custom(backend, &format!("members.id IN ({sql})"), day.clone()));
    Ok(match entry {
        Entry::Filter { filter } => compiled(filter.clone(), "entry.filter").await?,
        Entry::Segment { segment_id } => happened(format!(
            "SELECT member_id FROM segment_changes WHERE segment_id = {} AND entered = TRUE AND at >= $1 AND at <= $2",
            segment_id.unwrap_or_default()
        )),
        Entry::Event { event } => match event {
            EntryEvent::Joined => {
                segments::everyone().add(Expr::col((member::Entity, member::Column::JoinedAt)).eq(tick.as_of))
            }
            EntryEvent::Birthday => compiled(Filter::BirthdayWithin(0), "entry.event").await?,
            // By the brand's day the purchase is on (indexed), up to now.
            EntryEvent::Purchased => segments::everyone().add(custom(
                backend,
                &format!(
                    "members.id IN (SELECT member_id FROM purchases WHERE occurred_on = $1 AND kind = '{}' AND occurred_at <= $2)",
                    PurchaseKind::Purchase
                ),
                vec![tick.as_of.into(), tick.now.into()],
            )),
            EntryEvent::TierChanged => {
                happened("SELECT member_id FROM tier_history WHERE changed_at >= $1 AND changed_at <= $2".to_owned())
            }
            EntryEvent::ComplaintResolved => happened(format!(
                "SELECT member_id FROM feedback WHERE kind = '{}' AND status = '{}' AND resolved_at >= $1 AND resolved_at <= $2",
                FeedbackKind::Complaint,
                FeedbackStatus::Resolved
            )),
        },
    })
}

/// Not on the journey now, and by the re-entry rule free to enter again: never entered (once
/// ever), or not within the last N days.
fn may_enter(tick: &Tick<'_>, version: &Version) -> SimpleExpr {
    let v = Alias::new("v");
    let mut blocking = Condition::any().add(Expr::col((v.clone(), P::Status)).eq(Status::Active.as_str()));
    blocking = match version.definition.reentry_days {
        None => Condition::any().add(Expr::val(true).eq(true)),
        Some(days) => blocking.add(Expr::col((v.clone(), P::EnteredAt)).gt(tick.now - Duration::days(i64::from(days)))),
    };
    Expr::exists(
        Query::select()
            .expr(Expr::val(1))
            .from_as(Positions, v.clone())
            .and_where(Expr::col((v.clone(), P::JourneyId)).eq(version.journey_id))
            .and_where(Expr::col((v, P::MemberId)).equals((member::Entity, member::Column::Id)))
            .cond_where(blocking)
            .to_owned(),
    )
    .not()
}
