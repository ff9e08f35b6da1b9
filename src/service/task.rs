//! The associates' tasks as people work them: the day's list, claiming one from the store's
//! pool (the claimer becomes the member's associate, 专人负责), its outcome; and the rules
//! that generate them, which planners switch on and tune.
use async_graphql::InputObject;
use chrono::Utc;
use entity::vocabulary::{CallOutcome, LapseReason, TaskKind, TaskStatus, Tier};
use entity::{member, task, task_rule};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
    TransactionTrait,
};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::{audit, staff};
use crate::{money, validate};

/// The open tasks the viewer works, soonest due first: an associate's own and their store's
/// pool; a store manager's, all of their store's; an admin's, every store's (or one store's).
/// Held-back tasks are never listed.
pub async fn open_tasks(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    store_id: Option<i64>,
    limit: u64,
) -> AppResult<Vec<task::Model>> {
    let mut query = task::Entity::find()
        .filter(task::Column::Status.eq(TaskStatus::Open))
        .filter(task::Column::HeldOut.eq(false));
    let manager = staff::manages_store(conn, viewer).await?;
    query = match viewer.role {
        Role::Associate if manager => query.filter(task::Column::StoreId.eq(viewer.store_id.unwrap_or(-1))),
        Role::Associate => {
            let staff_id = viewer
                .staff_id
                .ok_or_else(|| AppError::Forbidden("tasks belong to an associate's staff login".into()))?;
            let pool = Condition::all()
                .add(task::Column::AssigneeId.is_null())
                .add(task::Column::StoreId.eq(viewer.store_id.unwrap_or(-1)));
            query.filter(Condition::any().add(task::Column::AssigneeId.eq(staff_id)).add(pool))
        }
        _ => match store_id {
            Some(store_id) => query.filter(task::Column::StoreId.eq(store_id)),
            None => query,
        },
    };
    Ok(query
        .order_by_asc(task::Column::ExpiresOn)
        .order_by_asc(task::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// A task the viewer may act on: an associate's own or their store's pool's, any of their store's
/// for its manager; any for an admin.
/// Another's, or a held-back one, is "not found" (its existence is not the viewer's business).
async fn workable(conn: &impl ConnectionTrait, viewer: &Viewer, id: i64) -> AppResult<task::Model> {
    let unseen = || AppError::NotFound(format!("no task has the id {id}"));
    let found = task::Entity::find_by_id(id).one(conn).await?.ok_or_else(unseen)?;
    let in_store = found.store_id.is_some() && found.store_id == viewer.store_id;
    let mine = match viewer.role {
        Role::Admin => true,
        Role::Associate => {
            found.assignee_id == viewer.staff_id
                || (found.assignee_id.is_none() && in_store)
                || (in_store && staff::manages_store(conn, viewer).await?)
        }
        _ => false,
    };
    if !mine || found.held_out {
        return Err(unseen());
    }
    Ok(found)
}

/// Takes a pool task: it becomes the associate's, and so does the member if they had no active
/// associate. Of two associates claiming at once, one gets it.
pub async fn claim(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    id: i64,
) -> AppResult<task::Model> {
    let staff_id = viewer
        .staff_id
        .filter(|_| viewer.role == Role::Associate)
        .ok_or_else(|| AppError::Forbidden("an associate claims tasks, for themself".into()))?;
    let found = workable(conn, viewer, id).await?;
    if found.assignee_id == Some(staff_id) {
        return Ok(found);
    }
    let txn = conn.begin().await?;
    let taken = task::Entity::update_many()
        .col_expr(task::Column::AssigneeId, Expr::value(staff_id))
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::AssigneeId.is_null())
        .filter(task::Column::Status.eq(TaskStatus::Open))
        .exec(&txn)
        .await?;
    if taken.rows_affected == 0 {
        return Err(AppError::keyed(
            "id",
            "task.claimedFirst",
            "another associate claimed this task first, or it is closed",
        ));
    }
    // 专人负责: the member is now this associate's, unless someone active already looks after them.
    member::Entity::update_many()
        .col_expr(member::Column::AssignedAssociateId, Expr::value(staff_id))
        .filter(member::Column::Id.eq(found.member_id))
        .filter(jobs::tasks::unattended())
        .exec(&txn)
        .await?;
    let detail = serde_json::json!({ "taskId": id, "kind": found.kind });
    audit::record(&txn, viewer, "task.claim", None, detail).await?;
    let claimed = task::Entity::find_by_id(id).one(&txn).await?;
    txn.commit().await?;
    claimed.ok_or_else(|| AppError::Internal(anyhow::anyhow!("task {id} vanished while claimed")))
}

/// Gives an open task to an active associate of its store, or back to the pool: the store's
/// manager, or an admin.
pub async fn assign(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    id: i64,
    username: Option<&str>,
) -> AppResult<task::Model> {
    let found = workable(conn, viewer, id).await?;
    if viewer.role == Role::Associate && !staff::manages_store(conn, viewer).await? {
        return Err(AppError::Forbidden("a store's manager assigns its tasks".into()));
    }
    let assignee = match username {
        None => None,
        Some(username) => {
            let user = staff::named(conn, username).await?;
            let fit =
                user.role == Role::Associate.as_str() && user.disabled_at.is_none() && user.store_id == found.store_id;
            if !fit {
                let message = format!("{username:?} is not an active associate of the task's store");
                return Err(AppError::keyed("username", "task.notStoreAssociate", message).with("username", username));
            }
            Some(user.id)
        }
    };
    let moved = task::Entity::update_many()
        .col_expr(task::Column::AssigneeId, Expr::value(assignee))
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::Status.eq(TaskStatus::Open))
        .exec(conn)
        .await?;
    if moved.rows_affected == 0 {
        return Err(AppError::keyed("id", "task.notOpen", "the task is no longer open"));
    }
    let detail = serde_json::json!({ "taskId": id, "to": username });
    audit::record(conn, viewer, "task.assign", None, detail).await?;
    let assigned = task::Entity::find_by_id(id).one(conn).await?;
    assigned.ok_or_else(|| AppError::Internal(anyhow::anyhow!("task {id} vanished while assigned")))
}

/// How a task ended.
#[derive(InputObject, Debug)]
pub struct TaskOutcomeInput {
    /// Done with this outcome; none: skipped.
    pub outcome: Option<CallOutcome>,
    /// For a win-back call: why the member stopped coming, as they said.
    pub lapse_reason: Option<LapseReason>,
    pub note: Option<String>,
}

/// Closes an open task the viewer works: done with an outcome, or skipped. A pool task closed
/// by an associate becomes theirs.
pub async fn close(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    today: chrono::NaiveDate,
    id: i64,
    input: TaskOutcomeInput,
) -> AppResult<task::Model> {
    let found = workable(conn, viewer, id).await?;
    if found.status != TaskStatus::Open {
        let message = format!("the task is {} already", found.status);
        return Err(AppError::keyed("id", "task.closedAlready", message).with("status", found.status.as_str()));
    }
    if input.lapse_reason.is_some() && found.kind != TaskKind::WinbackCall {
        return Err(AppError::keyed(
            "input.lapseReason",
            "task.lapseReasonWinbackOnly",
            "a lapse reason is for win-back calls only",
        ));
    }
    let note = validate::optional_text(input.note)
        .map(|n| validate::bounded("input.note", &n, 2000))
        .transpose()?;
    let status = if input.outcome.is_some() {
        TaskStatus::Done
    } else {
        TaskStatus::Skipped
    };
    let closed = task::Entity::update_many()
        .col_expr(task::Column::Status, Expr::value(status.as_str()))
        .col_expr(
            task::Column::Outcome,
            Expr::value(input.outcome.map(CallOutcome::as_str)),
        )
        .col_expr(
            task::Column::LapseReason,
            Expr::value(input.lapse_reason.map(LapseReason::as_str)),
        )
        .col_expr(task::Column::Note, Expr::value(note))
        .col_expr(task::Column::DoneBy, Expr::value(viewer.actor.clone()))
        .col_expr(task::Column::DoneAt, Expr::value(Utc::now()))
        .col_expr(task::Column::DoneOn, Expr::value(today))
        .col_expr(
            task::Column::AssigneeId,
            Expr::value(found.assignee_id.or(viewer.staff_id)),
        )
        .filter(task::Column::Id.eq(id))
        .filter(task::Column::Status.eq(TaskStatus::Open))
        .exec(conn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(AppError::keyed(
            "id",
            "task.closedMeanwhile",
            "the task was closed meanwhile",
        ));
    }
    let detail = serde_json::json!({ "taskId": id, "status": status, "outcome": input.outcome });
    let holder = member::Entity::find_by_id(found.member_id).one(conn).await?;
    audit::record(
        conn,
        viewer,
        "task.close",
        holder.as_ref().map(|m| m.member_no.as_str()),
        detail,
    )
    .await?;
    let closed = task::Entity::find_by_id(id).one(conn).await?;
    closed.ok_or_else(|| AppError::Internal(anyhow::anyhow!("task {id} vanished while closed")))
}

/// Every rule, in the order of their kinds.
pub async fn rules(conn: &impl ConnectionTrait) -> AppResult<Vec<task_rule::Model>> {
    let mut rules = task_rule::Entity::find().all(conn).await?;
    rules.sort_by_key(|r| r.kind);
    Ok(rules)
}

/// A rule's settings; what is left out stays as it is.
#[derive(InputObject, Debug, Default)]
pub struct TaskRuleInput {
    pub enabled: Option<bool>,
    /// Birthday: days before it (0–30); after a purchase or a resolved complaint: days after it
    /// (0–60).
    pub days: Option<i32>,
    /// After a purchase: the least amount that earns a call.
    pub min_amount: Option<rust_decimal::Decimal>,
    /// The tiers it is for; empty: every tier.
    pub tiers: Option<Vec<Tier>>,
    /// Days a task stays open (1–60); a birthday call stays open until the birthday.
    pub open_days: Option<i32>,
    /// The share held back to measure the calls' worth: 0 to 0.5, in steps of 0.0001.
    pub holdout_share: Option<rust_decimal::Decimal>,
}

/// Tunes the rule of `kind`.
pub async fn update_rule(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    kind: TaskKind,
    input: TaskRuleInput,
) -> AppResult<task_rule::Model> {
    let rule = task_rule::Entity::find()
        .filter(task_rule::Column::Kind.eq(kind))
        .one(conn)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no rule for {kind}")))?;
    let mut row: task_rule::ActiveModel = rule.into();
    let within = |field: &str, value: i32, range: std::ops::RangeInclusive<i32>| -> AppResult<i32> {
        if range.contains(&value) {
            Ok(value)
        } else {
            let message = format!("from {} to {}", range.start(), range.end());
            Err(AppError::keyed(field, "input.range", message)
                .with("min", *range.start())
                .with("max", *range.end()))
        }
    };
    if let Some(enabled) = input.enabled {
        if kind == TaskKind::CareCall {
            let message = "the care calls are on while a calling playbook is: switch playbooks instead";
            return Err(AppError::keyed("input.enabled", "task.careCallByPlaybooks", message));
        }
        row.enabled = Set(enabled);
    }
    if let Some(days) = input.days {
        let most = match kind {
            TaskKind::BirthdayCall | TaskKind::HolidayCall => 30,
            TaskKind::AfterPurchaseCall | TaskKind::ComplaintFollowUp => 60,
            TaskKind::WinbackCall | TaskKind::WelcomeCall | TaskKind::CareCall | TaskKind::JourneyCall => {
                let reason = match kind {
                    // How often comes from each playbook.
                    TaskKind::CareCall => format!("the {kind} rule calls as often as each playbook says"),
                    _ => format!("the {kind} rule counts no days"),
                };
                return Err(AppError::keyed("input.days", "task.noDays", reason).with("kind", kind.as_str()));
            }
        };
        row.days = Set(Some(within("input.days", days, 0..=most)?));
    }
    if let Some(amount) = input.min_amount {
        if kind != TaskKind::AfterPurchaseCall {
            return Err(AppError::keyed(
                "input.minAmount",
                "task.minAmountAfterPurchaseOnly",
                "only the after-purchase rule has a least amount",
            ));
        }
        let cents = money::to_cents("input.minAmount", amount)?;
        if cents < 0 {
            return Err(AppError::keyed(
                "input.minAmount",
                "input.notNegative",
                "the least amount is zero or more",
            ));
        }
        row.min_amount_cents = Set(Some(cents));
    }
    if let Some(tiers) = input.tiers {
        let named: Vec<&str> = tiers.iter().map(|t| t.as_str()).collect();
        row.tiers = Set((!named.is_empty()).then(|| named.join(",")));
    }
    if let Some(days) = input.open_days {
        row.open_days = Set(within("input.openDays", days, 1..=60)?);
    }
    if let Some(share) = input.holdout_share {
        row.holdout_basis_points = Set(crate::service::campaign::holdout_basis_points(share)?);
    }
    row.updated_by = Set(viewer.actor.clone());
    row.updated_at = Set(Utc::now());
    let saved = row.update(conn).await?;
    let detail = serde_json::json!({ "kind": kind, "enabled": saved.enabled });
    audit::record(conn, viewer, "task_rule.update", None, detail).await?;
    Ok(saved)
}
