//! Staff users: the people behind admin, marketer and associate tokens.
use std::collections::HashMap;

use chrono::Utc;
use entity::vocabulary::TaskStatus;
use entity::{member, member_metrics, staff_user, task};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::auth::{Role, TokenKeys, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::{audit, store};
use crate::validate;

pub async fn by_username(conn: &impl ConnectionTrait, username: &str) -> AppResult<Option<staff_user::Model>> {
    Ok(staff_user::Entity::find()
        .filter(staff_user::Column::Username.eq(username.trim()))
        .one(conn)
        .await?)
}

/// The staff user called `username`, or a field error naming it.
pub async fn named(conn: &impl ConnectionTrait, username: &str) -> AppResult<staff_user::Model> {
    by_username(conn, username)
        .await?
        .ok_or_else(|| unknown("username", username))
}

pub async fn by_ids(conn: &impl ConnectionTrait, ids: &[i64]) -> AppResult<HashMap<i64, staff_user::Model>> {
    let staff = staff_user::Entity::find()
        .filter(staff_user::Column::Id.is_in(ids.iter().copied()))
        .all(conn)
        .await?;
    Ok(staff.into_iter().map(|s| (s.id, s)).collect())
}

/// What a new staff user needs.
pub struct NewStaff {
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub store_code: Option<String>,
}

/// Creates a staff user. Associates belong to a store; a member is not staff.
pub async fn create(conn: &impl ConnectionTrait, viewer: &Viewer, new: NewStaff) -> AppResult<staff_user::Model> {
    let username = validate::member_no("username", &new.username)?;
    if new.role == Role::Member {
        return Err(AppError::keyed(
            "role",
            "staff.role",
            "staff users are admins, marketers or associates",
        ));
    }
    if by_username(conn, &username).await?.is_some() {
        let message = format!("the username {username:?} is taken");
        return Err(AppError::keyed("username", "staff.usernameTaken", message).with("username", username));
    }
    let store_id = match (new.role, new.store_code.as_deref()) {
        (Role::Associate, None) => {
            return Err(AppError::keyed(
                "storeCode",
                "staff.associateNeedsStore",
                "an associate needs a store",
            ))
        }
        (_, Some(code)) => Some(store::id_for_code(conn, "storeCode", code).await?),
        (_, None) => None,
    };
    let email = new.email.as_deref().map(|e| validate::email("email", e)).transpose()?;
    let display_name = validate::optional_text(new.display_name).unwrap_or_else(|| username.clone());
    let staff = staff_user::ActiveModel {
        username: Set(username.clone()),
        display_name: Set(validate::bounded("displayName", &display_name, 200)?),
        email: Set(email),
        role: Set(new.role.as_str().to_owned()),
        store_id: Set(store_id),
        created_at: Set(Utc::now()),
        disabled_at: Set(None),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    let detail = serde_json::json!({ "username": username, "role": new.role.as_str() });
    audit::record(conn, viewer, "staff.create", None, detail).await?;
    Ok(staff)
}

/// Every staff user, by username, disabled ones included.
pub async fn all(conn: &impl ConnectionTrait) -> AppResult<Vec<staff_user::Model>> {
    Ok(staff_user::Entity::find()
        .order_by_asc(staff_user::Column::Username)
        .all(conn)
        .await?)
}

/// A store's active associates, by name: whom its tasks and members may go to.
pub async fn associates_of(conn: &impl ConnectionTrait, store_id: i64) -> AppResult<Vec<staff_user::Model>> {
    Ok(staff_user::Entity::find()
        .filter(staff_user::Column::StoreId.eq(store_id))
        .filter(staff_user::Column::Role.eq(Role::Associate.as_str()))
        .filter(staff_user::Column::DisabledAt.is_null())
        .order_by_asc(staff_user::Column::Username)
        .all(conn)
        .await?)
}

/// Switches a staff user off (someone who left) or on again. Disabling refuses their sign-in
/// from now on and revokes every token they hold; their audit entries keep naming them.
pub async fn set_disabled(
    db: &DatabaseConnection,
    viewer: &Viewer,
    keys: &TokenKeys,
    username: &str,
    disabled: bool,
) -> AppResult<staff_user::Model> {
    let txn = db.begin().await?;
    let user = named(&txn, username).await?;
    if disabled && viewer.staff_id == Some(user.id) {
        return Err(AppError::keyed(
            "username",
            "staff.notYourself",
            "you cannot disable yourself",
        ));
    }
    // Disabling twice keeps the first time.
    let disabled_at = disabled.then(|| user.disabled_at.unwrap_or_else(Utc::now));
    let mut row: staff_user::ActiveModel = user.into();
    row.disabled_at = Set(disabled_at);
    let user = row.update(&txn).await?;
    if disabled {
        let subject = Viewer::staff_actor(user.id);
        keys.revoked
            .revoke_subject(&txn, viewer, &subject, keys.lifetime())
            .await?;
    }
    let action = if disabled { "staff.disable" } else { "staff.enable" };
    let detail = serde_json::json!({ "username": user.username });
    audit::record(&txn, viewer, action, None, detail).await?;
    txn.commit().await?;
    Ok(user)
}

/// What a hand-over moved.
pub struct HandOver {
    pub members: u64,
    pub tasks: u64,
}

/// Hands an associate's members and open tasks over in bulk (someone who left, or moved on): to
/// another active associate of the same store, or, without one, to the store's pool.
pub async fn hand_over(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    from: &str,
    to: Option<&str>,
) -> AppResult<HandOver> {
    let leaving = named(conn, from).await.map_err(|_| unknown("fromUsername", from))?;
    if leaving.role != Role::Associate.as_str() {
        let message = format!("{from:?} is not an associate");
        return Err(AppError::keyed("fromUsername", "staff.notAssociate", message).with("username", from));
    }
    let taking = match to {
        None => None,
        Some(to) => {
            let taking = named(conn, to).await.map_err(|_| unknown("toUsername", to))?;
            let fit = taking.role == Role::Associate.as_str() && taking.disabled_at.is_none();
            if !fit || taking.id == leaving.id {
                let message = format!("{to:?} is not another active associate");
                return Err(
                    AppError::keyed("toUsername", "staff.notOtherActiveAssociate", message).with("username", to)
                );
            }
            if taking.store_id != leaving.store_id {
                let message = format!("{to:?} works at another store than {from:?}");
                return Err(AppError::keyed("toUsername", "staff.otherStore", message)
                    .with("username", to)
                    .with("from", from));
            }
            Some(taking.id)
        }
    };
    let txn = conn.begin().await?;
    let members = member::Entity::update_many()
        .col_expr(member::Column::AssignedAssociateId, Expr::value(taking))
        .filter(member::Column::AssignedAssociateId.eq(leaving.id))
        .exec(&txn)
        .await?
        .rows_affected;
    let tasks = task::Entity::update_many()
        .col_expr(task::Column::AssigneeId, Expr::value(taking))
        .filter(task::Column::AssigneeId.eq(leaving.id))
        .filter(task::Column::Status.eq(TaskStatus::Open))
        .exec(&txn)
        .await?
        .rows_affected;
    let detail = serde_json::json!({ "from": leaving.username, "to": to, "members": members, "tasks": tasks });
    audit::record(&txn, viewer, "staff.hand_over", None, detail).await?;
    txn.commit().await?;
    Ok(HandOver { members, tasks })
}

/// The refusal of a username no staff user has, about input `field`.
pub fn unknown(field: &str, username: &str) -> AppError {
    let message = format!("no staff user is called {:?}", username.trim());
    AppError::keyed(field, "staff.noSuchUser", message).with("username", username.trim())
}

/// A store's active members nobody looks after: no associate, or one who was disabled; the most
/// valuable (by CLV) first.
pub async fn unattended(
    conn: &impl ConnectionTrait,
    store_id: i64,
    limit: u64,
) -> AppResult<Vec<entity::member::Model>> {
    let clv = Expr::col((member_metrics::Entity, member_metrics::Column::ClvCents));
    let condition = jobs::segments::everyone()
        .add(member::Column::StoreId.eq(store_id))
        .add(jobs::tasks::unattended());
    Ok(jobs::segments::members(condition)
        .order_by_desc(Expr::expr(Func::coalesce([clv.into(), Expr::val(0).into()])))
        .order_by_asc(member::Column::Id)
        .limit(limit)
        .all(conn)
        .await?)
}

/// Makes an associate their store's manager, or no longer. Admins.
pub async fn set_manager(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    username: &str,
    manager: bool,
) -> AppResult<staff_user::Model> {
    let user = named(conn, username).await?;
    if user.role != Role::Associate.as_str() {
        let message = format!("{username:?} is not an associate: managers run a store");
        return Err(AppError::keyed("username", "staff.managerIsAssociate", message).with("username", username));
    }
    let mut row: staff_user::ActiveModel = user.into();
    row.manager = Set(manager);
    let user = row.update(conn).await?;
    let detail = serde_json::json!({ "username": user.username, "manager": manager });
    audit::record(conn, viewer, "staff.manager", None, detail).await?;
    Ok(user)
}

/// Whether the viewer is an active associate who manages their store.
pub async fn manages_store(conn: &impl ConnectionTrait, viewer: &Viewer) -> AppResult<bool> {
    let (Role::Associate, Some(staff_id)) = (viewer.role, viewer.staff_id) else {
        return Ok(false);
    };
    let user = staff_user::Entity::find_by_id(staff_id).one(conn).await?;
    Ok(user.is_some_and(|u| u.manager && u.disabled_at.is_none()))
}
