//! Staff sign-in: the one operation that runs without a bearer token.
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Utc};

use crate::auth::{Role, TokenKeys};
use crate::error::AppError;
use crate::graphql::db;
use crate::service::sign_in::{self, Attempt};

/// The calling client's IP address, as the HTTP server saw it.
pub struct ClientAddr(pub String);

/// A bearer token for a signed-in staff user, the same as `patron token create` prints.
#[derive(SimpleObject)]
pub struct SignedIn {
    pub token: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Signs a staff user in with username and password. Attempts are rate-limited per
    /// username and per client address, and audited. Needs no token.
    async fn sign_in(&self, ctx: &Context<'_>, username: String, password: String) -> async_graphql::Result<SignedIn> {
        let client = ctx.data_opt::<ClientAddr>().map_or("unknown", |c| c.0.as_str());
        let attempt = Attempt {
            username: &username,
            password: &password,
            client,
        };
        let viewer = sign_in::sign_in(db(ctx)?, &attempt).await?;
        let keys = ctx.data::<TokenKeys>()?;
        let token = keys.issue(&viewer).map_err(AppError::Internal)?;
        Ok(SignedIn {
            token,
            role: viewer.role,
            expires_at: keys.expiry(Utc::now()),
        })
    }
}
