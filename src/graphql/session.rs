//! Signing in and out: staff by password, members through the brand's apps (app keys), and
//! revoking tokens. `signIn` and `issueMemberToken` are the operations that run without a
//! bearer token.
use std::net::IpAddr;

use actix_web::HttpRequest;
use async_graphql::{Context, Object, SimpleObject, ID};
use chrono::{DateTime, Utc};
use entity::app_key;

use crate::auth::{self, viewer, Role, TokenKeys, Viewer};
use crate::error::AppError;
use crate::graphql::{db, page};
use crate::service::audit::AuditTrail;
use crate::service::sign_in::{self, Attempt};
use crate::service::{app_key as keys, member, staff};

/// The calling client's IP address (written out only when used).
pub struct ClientAddr(pub Option<IpAddr>);

impl ClientAddr {
    /// The peer, or, when the peer is one of the `trusted` proxies, the nearest address in
    /// `X-Forwarded-For` that is not one of them: what a client writes there itself is only
    /// believed as far as a trusted proxy vouches for it.
    pub fn of(request: &HttpRequest, trusted: &[IpAddr]) -> Self {
        let mut client = request.peer_addr().map(|a| a.ip());
        if client.is_some_and(|peer| trusted.contains(&peer)) {
            let forwarded = request
                .headers()
                .get_all("x-forwarded-for")
                .filter_map(|v| v.to_str().ok());
            let hops: Vec<&str> = forwarded.flat_map(|v| v.split(',')).map(str::trim).collect();
            for hop in hops.iter().rev() {
                match hop.parse::<IpAddr>() {
                    Ok(address) if trusted.contains(&address) => client = Some(address),
                    Ok(address) => return Self(Some(address)),
                    Err(_) => break,
                }
            }
        }
        Self(client)
    }
}

/// A bearer token: for a signed-in staff user the same as `patron token create` prints; for a
/// member, short-lived.
#[derive(SimpleObject)]
pub struct SignedIn {
    pub token: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
}

impl SignedIn {
    fn issue(ctx: &Context<'_>, viewer: &Viewer, lifetime: chrono::Duration) -> async_graphql::Result<Self> {
        let (token, expires_at) = ctx
            .data::<TokenKeys>()?
            .issue_for(viewer, lifetime)
            .map_err(AppError::Internal)?;
        Ok(Self {
            token,
            role: viewer.role,
            expires_at,
        })
    }
}

/// A key one of the brand's apps exchanges for member tokens.
#[derive(SimpleObject)]
pub struct AppKey {
    pub id: ID,
    pub name: String,
    /// Who made it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When it was last exchanged for a member token.
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<app_key::Model> for AppKey {
    fn from(key: app_key::Model) -> Self {
        Self {
            id: ID(key.id.to_string()),
            name: key.name,
            created_by: key.created_by,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A new app key. `key` is shown this once: Patron keeps only its hash.
#[derive(SimpleObject)]
pub struct CreatedAppKey {
    pub key: String,
    pub app_key: AppKey,
}

#[derive(Default)]
pub struct SessionQuery;

#[Object]
impl SessionQuery {
    /// Every app key, newest first, revoked ones included. Admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn app_keys(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<AppKey>> {
        let found = keys::list(db(ctx)?).await?;
        Ok(found.into_iter().map(AppKey::from).collect())
    }
}

#[derive(Default)]
pub struct SessionMutation;

#[Object]
impl SessionMutation {
    /// Signs a staff user in with username and password. Attempts are rate-limited per
    /// username and per client address, and audited. Needs no token.
    async fn sign_in(&self, ctx: &Context<'_>, username: String, password: String) -> async_graphql::Result<SignedIn> {
        let client = ctx
            .data_opt::<ClientAddr>()
            .and_then(|c| c.0)
            .map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
        let attempt = Attempt {
            username: &username,
            password: &password,
            client: &client,
        };
        let trail = ctx.data::<AuditTrail>()?;
        let viewer = sign_in::sign_in(db(ctx)?, trail, &attempt).await?;
        SignedIn::issue(ctx, &viewer, ctx.data::<TokenKeys>()?.lifetime())
    }

    /// A short-lived member token for the brand's app, which vouches for the member with its
    /// app key (sent from the app's backend, never shipped in the app). Audited under the app's
    /// name. Needs no bearer token.
    async fn issue_member_token(
        &self,
        ctx: &Context<'_>,
        app_key: String,
        member_no: String,
    ) -> async_graphql::Result<SignedIn> {
        let viewer = keys::exchange(db(ctx)?, &app_key, &member_no).await?;
        SignedIn::issue(ctx, &viewer, ctx.data::<TokenKeys>()?.member_lifetime)
    }

    /// Makes a key for one of the brand's apps. Admins.
    async fn create_app_key(&self, ctx: &Context<'_>, name: String) -> async_graphql::Result<CreatedAppKey> {
        let (saved, key) = keys::create(db(ctx)?, viewer(ctx)?, &name).await?;
        Ok(CreatedAppKey {
            key,
            app_key: saved.into(),
        })
    }

    /// Revokes an app key: it is refused from now on. Admins.
    async fn revoke_app_key(&self, ctx: &Context<'_>, id: ID) -> async_graphql::Result<AppKey> {
        let id = id
            .parse::<i64>()
            .map_err(|_| AppError::field("id", "not an app key id"))?;
        Ok(keys::revoke(db(ctx)?, viewer(ctx)?, id).await?.into())
    }

    /// Revokes the token this request came with (signing out on a shared device).
    async fn sign_out(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        let viewer = viewer(ctx)?;
        let token = viewer
            .token
            .as_ref()
            .ok_or_else(|| AppError::input("this request came without a token to revoke"))?;
        let revoked = &ctx.data::<TokenKeys>()?.revoked;
        revoked
            .revoke_presented(db(ctx)?, viewer, &viewer.actor, token.id.as_deref(), token.expires_at)
            .await?;
        Ok(true)
    }

    /// Revokes one token of this server (a leaked one), refused from now on everywhere. Admins.
    async fn revoke_token(&self, ctx: &Context<'_>, token: String) -> async_graphql::Result<bool> {
        let viewer = viewer(ctx)?;
        let keys = ctx.data::<TokenKeys>()?;
        let claims = keys.read_signed(&token)?;
        keys.revoked
            .revoke_presented(
                db(ctx)?,
                viewer,
                &claims.sub,
                claims.jti.as_deref(),
                auth::expiry(claims.exp),
            )
            .await?;
        Ok(true)
    }

    /// Revokes every token a member or a staff user holds now (give exactly one); tokens made
    /// afterwards work. Admins.
    async fn revoke_tokens_of(
        &self,
        ctx: &Context<'_>,
        member_no: Option<String>,
        username: Option<String>,
    ) -> async_graphql::Result<bool> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let subject = match (member_no, username) {
            (Some(no), None) => Viewer::member(&member::find(db, &no).await?).actor,
            (None, Some(name)) => Viewer::staff_actor(staff::named(db, &name).await?.id),
            _ => return Err(AppError::input("give either memberNo or username").into()),
        };
        let keys = ctx.data::<TokenKeys>()?;
        keys.revoked
            .revoke_subject(db, viewer, &subject, keys.lifetime())
            .await?;
        Ok(true)
    }
}
