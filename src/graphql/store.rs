//! Stores, staff, the caller (`me`) and the audit log.
use async_graphql::{Context, InputObject, Object, SimpleObject};
use chrono::{DateTime, Utc};
use entity::{audit_log, staff_user, store};

use crate::auth::{viewer, Role, TokenKeys};
use crate::graphql::{db, loaders::Loaders, page};
use crate::service::{self, staff::NewStaff};

pub struct Store(pub store::Model);

#[Object]
impl Store {
    async fn code(&self) -> &str {
        &self.0.code
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
}

pub struct Staff(pub staff_user::Model);

#[Object]
impl Staff {
    async fn username(&self) -> &str {
        &self.0.username
    }
    async fn display_name(&self) -> &str {
        &self.0.display_name
    }
    async fn role(&self) -> &str {
        &self.0.role
    }
    /// A work address: where the console sends this user's test emails.
    async fn email(&self) -> Option<&str> {
        self.0.email.as_deref()
    }
    /// An associate who manages their store.
    async fn manager(&self) -> bool {
        self.0.manager
    }
    /// When an admin switched the user off; null while they may sign in.
    async fn disabled_at(&self) -> Option<DateTime<Utc>> {
        self.0.disabled_at
    }
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = self.0.store_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
}

#[derive(SimpleObject)]
pub struct AuditEntry {
    pub actor: String,
    pub role: String,
    pub action: String,
    pub target: Option<String>,
    /// JSON.
    pub detail: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        Self {
            actor: m.actor,
            role: m.role,
            action: m.action,
            target: m.target,
            detail: m.detail,
            created_at: m.created_at,
        }
    }
}

#[derive(Default)]
pub struct StoreQuery;

#[Object]
impl StoreQuery {
    /// A store's active associates: an associate's own store's; for an admin, `storeCode`'s.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn store_associates(
        &self,
        ctx: &Context<'_>,
        store_code: Option<String>,
    ) -> async_graphql::Result<Vec<Staff>> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let store_id = match (viewer.role, store_code.as_deref()) {
            (crate::auth::Role::Associate, _) => viewer.store_id.unwrap_or(-1),
            (_, Some(code)) => service::store::id_for_code(db, "storeCode", code).await?,
            (_, None) => return Err(crate::error::AppError::field("storeCode", "name the store").into()),
        };
        let staff = service::staff::associates_of(db, store_id).await?;
        Ok(staff.into_iter().map(Staff).collect())
    }

    /// A store's active members nobody looks after — no associate, or one who was disabled —
    /// the most valuable first: whom to hand over. Admins.
    #[graphql(complexity = "page::cost(first, 50, child_complexity)")]
    async fn unattended_members(
        &self,
        ctx: &Context<'_>,
        store_code: String,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<crate::graphql::member::Member>> {
        let db = db(ctx)?;
        let store_id = service::store::id_for_code(db, "storeCode", &store_code).await?;
        let limit = page::page_size(first, 50)?;
        let members = service::staff::unattended(db, store_id, limit).await?;
        Ok(members.into_iter().map(crate::graphql::member::Member).collect())
    }

    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn stores(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Store>> {
        Ok(service::store::all(db(ctx)?).await?.into_iter().map(Store).collect())
    }

    /// Every staff user, disabled ones included. Admins only.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn staff_users(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Staff>> {
        Ok(service::staff::all(db(ctx)?).await?.into_iter().map(Staff).collect())
    }

    /// The newest audit entries, optionally for one member number. Admins only.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn audit_log(
        &self,
        ctx: &Context<'_>,
        target: Option<String>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<AuditEntry>> {
        let limit = crate::graphql::page::page_size(first, 20)?;
        ctx.data::<service::audit::AuditTrail>()?.flush().await;
        let entries = service::audit::latest(db(ctx)?, target.as_deref(), limit).await?;
        Ok(entries.into_iter().map(AuditEntry::from).collect())
    }
}

/// What a hand-over moved.
#[derive(SimpleObject)]
pub struct HandOverResult {
    members: u64,
    /// Open tasks.
    tasks: u64,
}

#[derive(InputObject)]
pub struct StaffInput {
    pub username: String,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    /// Required for associates.
    pub store_code: Option<String>,
}

#[derive(Default)]
pub struct StoreMutation;

#[Object]
impl StoreMutation {
    async fn create_store(
        &self,
        ctx: &Context<'_>,
        code: String,
        name: String,
        city: Option<String>,
    ) -> async_graphql::Result<Store> {
        Ok(Store(
            service::store::create(db(ctx)?, viewer(ctx)?, &code, &name, city).await?,
        ))
    }

    async fn create_staff_user(&self, ctx: &Context<'_>, input: StaffInput) -> async_graphql::Result<Staff> {
        let new = NewStaff {
            username: input.username,
            display_name: input.display_name,
            email: input.email,
            role: input.role,
            store_code: input.store_code,
        };
        Ok(Staff(service::staff::create(db(ctx)?, viewer(ctx)?, new).await?))
    }

    /// Switches off a staff user who left: their sign-in is refused and every token they hold
    /// stops working (on every replica within seconds). Admins only.
    async fn disable_staff_user(&self, ctx: &Context<'_>, username: String) -> async_graphql::Result<Staff> {
        set_disabled(ctx, &username, true).await
    }

    /// Hands an associate's members and open tasks over in bulk: to another active associate of
    /// their store, or without `toUsername` to the store's pool. Admins only.
    async fn hand_over_members(
        &self,
        ctx: &Context<'_>,
        from_username: String,
        to_username: Option<String>,
    ) -> async_graphql::Result<HandOverResult> {
        let moved = service::staff::hand_over(db(ctx)?, viewer(ctx)?, &from_username, to_username.as_deref()).await?;
        Ok(HandOverResult {
            members: moved.members,
            tasks: moved.tasks,
        })
    }

    /// Makes an associate their store's manager (they see and assign all of its tasks), or no
    /// longer. Admins only.
    async fn set_store_manager(
        &self,
        ctx: &Context<'_>,
        username: String,
        manager: bool,
    ) -> async_graphql::Result<Staff> {
        Ok(Staff(
            service::staff::set_manager(db(ctx)?, viewer(ctx)?, &username, manager).await?,
        ))
    }

    /// Lets a disabled staff user sign in again (their old tokens stay revoked). Admins only.
    async fn enable_staff_user(&self, ctx: &Context<'_>, username: String) -> async_graphql::Result<Staff> {
        set_disabled(ctx, &username, false).await
    }
}

async fn set_disabled(ctx: &Context<'_>, username: &str, disabled: bool) -> async_graphql::Result<Staff> {
    let keys = ctx.data::<TokenKeys>()?;
    let user = service::staff::set_disabled(db(ctx)?, viewer(ctx)?, keys, username, disabled).await?;
    Ok(Staff(user))
}
