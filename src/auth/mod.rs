//! Bearer tokens, roles and the per-request viewer.
pub mod idp;
pub mod revoked;

use std::io::Write;
use std::num::NonZeroUsize;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use async_graphql::Context;
use chrono::Utc;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use lru::LruCache;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, AppResult};
use crate::settings::Settings;
use idp::IdentityProvider;
use sea_orm::DatabaseConnection;

/// What a token may do. Staff roles act on the member file; `Member` is a frontend app acting
/// for one member.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, async_graphql::Enum, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Marketer,
    Associate,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Marketer => "marketer",
            Self::Associate => "associate",
            Self::Member => "member",
        }
    }
}

/// The signed content of a bearer token.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Claims {
    /// `staff:<id>` or `member:<member_no>`.
    pub sub: String,
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staff_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_id: Option<i64>,
    pub iat: i64,
    pub exp: i64,
    /// The token's own id, by which it can be revoked alone (tokens made before ids were
    /// issued have none: they are revoked with all of their subject's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

/// Who is calling, as proven by their token.
#[derive(Clone, Debug)]
pub struct Viewer {
    pub actor: String,
    pub role: Role,
    pub staff_id: Option<i64>,
    pub store_id: Option<i64>,
    pub member_id: Option<i64>,
    /// The token the request came with (none for the command line and unsubscribe links).
    pub token: Option<Presented>,
}

/// A token's `exp` as a time.
pub fn expiry(exp: i64) -> chrono::DateTime<Utc> {
    chrono::DateTime::from_timestamp(exp, 0).unwrap_or_default()
}

/// A bearer token as presented: what signing out revokes.
#[derive(Clone, Debug)]
pub struct Presented {
    pub id: Option<String>,
    pub expires_at: chrono::DateTime<Utc>,
}

impl From<Claims> for Viewer {
    fn from(claims: Claims) -> Self {
        Self {
            token: Some(Presented {
                id: claims.jti,
                expires_at: expiry(claims.exp),
            }),
            actor: claims.sub,
            role: claims.role,
            staff_id: claims.staff_id,
            store_id: claims.store_id,
            member_id: claims.member_id,
        }
    }
}

impl Viewer {
    /// The command line acts with full rights; its audit entries say `cli`.
    pub fn cli() -> Self {
        Self {
            actor: "cli".to_owned(),
            role: Role::Admin,
            staff_id: None,
            store_id: None,
            member_id: None,
            token: None,
        }
    }

    /// A staff user in `role` (the role their record holds).
    pub fn staff(user: &entity::staff_user::Model, role: Role) -> Self {
        Self {
            actor: Self::staff_actor(user.id),
            role,
            staff_id: Some(user.id),
            store_id: user.store_id,
            member_id: None,
            token: None,
        }
    }

    /// How a staff user's tokens and audit entries name them.
    pub fn staff_actor(staff_id: i64) -> String {
        format!("staff:{staff_id}")
    }

    /// A member acting for themself (a member token, an unsubscribe link).
    pub fn member(member: &entity::member::Model) -> Self {
        Self {
            actor: format!("member:{}", member.member_no),
            role: Role::Member,
            staff_id: None,
            store_id: member.store_id,
            member_id: Some(member.id),
            token: None,
        }
    }

    /// Fails with FORBIDDEN unless the viewer has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> AppResult<()> {
        if roles.contains(&self.role) {
            return Ok(());
        }
        let names: Vec<_> = roles.iter().map(|r| r.as_str()).collect();
        Err(AppError::Forbidden(format!(
            "this operation needs the role {}; your token has {}",
            names.join(" or "),
            self.role.as_str()
        )))
    }

    /// Row-level access: may the viewer see the member with this id and home store?
    pub fn sees_member(&self, member_id: i64, member_store: Option<i64>) -> bool {
        match self.role {
            Role::Admin | Role::Marketer => true,
            Role::Associate => self.store_id.is_some() && self.store_id == member_store,
            Role::Member => self.member_id == Some(member_id),
        }
    }

    /// Fails unless the viewer sees the member (`sees_member`), with `unseen()`: the error the
    /// caller gives for a member (or order, or feedback) that does not exist. "Exists but not
    /// yours" must not differ from "no such thing", or an associate or a member token could
    /// enumerate member numbers and order ids.
    pub fn check_member_access(
        &self,
        member_id: i64,
        member_store: Option<i64>,
        unseen: impl FnOnce() -> AppError,
    ) -> AppResult<()> {
        if self.sees_member(member_id, member_store) {
            Ok(())
        } else {
            Err(unseen())
        }
    }

    /// Whether phone, email and address are shown unmasked: admins, the member themself, and
    /// the associate assigned to the member ("专人负责"). Marketers work on segments, not contacts.
    pub fn sees_contact_details(&self, member_id: i64, assigned_associate: Option<i64>) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Member => self.member_id == Some(member_id),
            Role::Associate => self.staff_id.is_some() && self.staff_id == assigned_associate,
            Role::Marketer => false,
        }
    }
}

/// Signs and verifies bearer tokens (HS256), and refuses revoked ones.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    /// Tokens whose signature checked out, by their text: a client sends the same token all
    /// day, and checking its signature again was a noticeable share of a member lookup's cost
    /// (see docs/benchmarks.md). Expiry and revocation are checked on every request all the same.
    verified: Arc<Mutex<LruCache<String, Claims>>>,
    ttl_hours: i64,
    /// Lifetime of member tokens exchanged for an app key.
    pub member_lifetime: chrono::Duration,
    pub revoked: revoked::RevokedTokens,
}

impl TokenKeys {
    pub fn new(secret: &[u8], ttl_hours: i64) -> Self {
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            verified: Arc::new(Mutex::new(LruCache::new(VERIFIED_TOKENS))),
            ttl_hours,
            member_lifetime: chrono::Duration::hours(1),
            revoked: revoked::RevokedTokens::default(),
        }
    }

    /// Builds the keys from the server's secret.
    pub fn from_settings(settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            member_lifetime: chrono::Duration::minutes(settings.member_token_minutes),
            ..Self::new(server_secret(settings)?.as_bytes(), settings.token_ttl_hours)
        })
    }

    /// The longest any token of this server lives.
    pub fn lifetime(&self) -> chrono::Duration {
        chrono::Duration::hours(self.ttl_hours)
    }

    /// Signs a token for `viewer`, valid for the configured lifetime.
    pub fn issue(&self, viewer: &Viewer) -> anyhow::Result<String> {
        Ok(self.issue_for(viewer, self.lifetime())?.0)
    }

    /// Signs a token for `viewer`, valid for `lifetime` (at most the configured one); the token
    /// and when it expires.
    pub fn issue_for(
        &self,
        viewer: &Viewer,
        lifetime: chrono::Duration,
    ) -> anyhow::Result<(String, chrono::DateTime<Utc>)> {
        let now = Utc::now().timestamp();
        let exp = now + lifetime.min(self.lifetime()).num_seconds();
        // `iat` has whole seconds, and a token issued in the second of its subject's revocation
        // counts as revoked: one issued right after a staff user was disabled and enabled again
        // is dated the next second.
        let iat = self
            .revoked
            .revoked_until(&viewer.actor)
            .map_or(now, |until| now.max(until + 1));
        let claims = Claims {
            sub: viewer.actor.clone(),
            role: viewer.role,
            staff_id: viewer.staff_id,
            store_id: viewer.store_id,
            member_id: viewer.member_id,
            iat,
            exp,
            jti: Some(uuid::Uuid::new_v4().simple().to_string()),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)?;
        Ok((token, expiry(exp)))
    }

    /// Verifies signature, expiry and revocation of one of this server's tokens.
    pub fn verify(&self, token: &str) -> AppResult<Viewer> {
        let cached = self.verified().get(token).cloned();
        let claims = match cached {
            Some(claims) if claims.exp < Utc::now().timestamp() - EXPIRY_LEEWAY_SECONDS as i64 => {
                return Err(expired());
            }
            Some(claims) => claims,
            None => {
                let claims = self.decode(token, true).map_err(|err| match err.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => expired(),
                    _ => AppError::unauthenticated("the token is not valid for this server".into()),
                })?;
                self.verified().put(token.to_owned(), claims.clone());
                claims
            }
        };
        self.revoked.check(&claims.sub, claims.iat, claims.jti.as_deref())?;
        Ok(claims.into())
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, LruCache<String, Claims>> {
        self.verified.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The claims of one of this server's tokens, whether or not it has expired (to revoke it).
    pub fn read_signed(&self, token: &str) -> AppResult<Claims> {
        self.decode(token.trim(), false)
            .map_err(|_| AppError::field("token", "this is not a token of this server"))
    }

    /// The claims of a token signed with this server's key; its expiry checked when asked.
    fn decode(&self, token: &str, check_expiry: bool) -> jsonwebtoken::errors::Result<Claims> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = EXPIRY_LEEWAY_SECONDS;
        validation.validate_exp = check_expiry;
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map(|data| data.claims)
    }
}

/// Tokens whose signature is remembered (a few hundred bytes each).
const VERIFIED_TOKENS: NonZeroUsize = NonZeroUsize::new(4096).unwrap();

/// How long past its expiry a token is still accepted, for clocks slightly apart.
const EXPIRY_LEEWAY_SECONDS: u64 = 60;

fn expired() -> AppError {
    AppError::unauthenticated("the token has expired; create a new one".into())
}

/// Who a request's `Authorization` header speaks for: a token of this server, or a member
/// token of the brand's identity provider (when one is configured); revoked tokens refused.
pub async fn authenticate(
    keys: &TokenKeys,
    provider: Option<&IdentityProvider>,
    db: &DatabaseConnection,
    header: Option<&str>,
) -> AppResult<Viewer> {
    let header = header.ok_or_else(|| {
        AppError::unauthenticated("missing Authorization header: send `Authorization: Bearer TOKEN`".into())
    })?;
    let token = header
        .strip_prefix("Bearer ")
        .ok_or_else(|| AppError::unauthenticated("the Authorization header must be `Bearer TOKEN`".into()))?
        .trim();
    // Only with a provider is the header read first: without one every token is the server's.
    let signed_by_provider =
        || jsonwebtoken::decode_header(token).is_ok_and(|header| IdentityProvider::signs_with(header.alg));
    match provider {
        Some(provider) if signed_by_provider() => provider_member(keys, provider, db, token).await,
        _ => keys.verify(token),
    }
}

/// The member a provider token speaks for, as long as the member is on file.
async fn provider_member(
    keys: &TokenKeys,
    provider: &IdentityProvider,
    db: &DatabaseConnection,
    token: &str,
) -> AppResult<Viewer> {
    let signed = provider.verify(token).await?;
    let unknown = || AppError::unauthenticated(format!("no member has the number {:?}", signed.member_no));
    let member = crate::service::member::find_unerased(db, &signed.member_no)
        .await
        .map_err(|_| unknown())?;
    let mut viewer = Viewer::member(&member);
    keys.revoked
        .check(&viewer.actor, signed.issued_at, signed.id.as_deref())?;
    viewer.token = Some(Presented {
        id: signed.id,
        expires_at: expiry(signed.expires_at),
    });
    Ok(viewer)
}

/// The server's signing secret (bearer tokens, unsubscribe links): PATRON_TOKEN_SECRET, or the
/// one kept in the data folder.
pub fn server_secret(settings: &Settings) -> anyhow::Result<String> {
    match &settings.token_secret {
        Some(secret) if secret.len() >= MIN_SECRET_BYTES => Ok(secret.clone()),
        Some(_) => anyhow::bail!("PATRON_TOKEN_SECRET must be at least {MIN_SECRET_BYTES} characters"),
        None => stored_secret(&settings.data_dir),
    }
}

/// The shortest secret accepted: 256 bits for HS256, as RFC 7518 asks.
const MIN_SECRET_BYTES: usize = 32;

/// Reads the token secret kept in the data folder, creating it (owner-only) on first use. The
/// file appears whole or not at all (written aside, synced, then linked into place without
/// replacing one another process made first), and a short one is refused: an empty key would
/// let anyone sign an admin token.
fn stored_secret(data_dir: &Path) -> anyhow::Result<String> {
    let path = data_dir.join(".patron-secret");
    match std::fs::read_to_string(&path) {
        Ok(secret) => return long_enough(&path, secret),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
    }
    let mut folder = std::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut folder, 0o700);
    folder.create(data_dir)?;
    let secret = random_hex::<MIN_SECRET_BYTES>();
    let mut file = tempfile::NamedTempFile::new_in(data_dir)?;
    file.write_all(secret.as_bytes())?;
    file.as_file().sync_all()?;
    match file.persist_noclobber(&path) {
        Ok(_) => Ok(secret),
        // Another process made it first: use theirs.
        Err(err) if err.error.kind() == std::io::ErrorKind::AlreadyExists => {
            long_enough(&path, std::fs::read_to_string(&path)?)
        }
        Err(err) => Err(err.error.into()),
    }
}

fn long_enough(path: &Path, secret: String) -> anyhow::Result<String> {
    let secret = secret.trim().to_owned();
    if secret.len() < MIN_SECRET_BYTES {
        anyhow::bail!(
            "{} holds {} bytes; a token secret needs at least {MIN_SECRET_BYTES}. Delete the file to \
             have a new one made (tokens signed with the old one stop working), or set PATRON_TOKEN_SECRET",
            path.display(),
            secret.len()
        );
    }
    Ok(secret)
}

/// `N` random bytes from the operating system, in hex: secrets and keys.
pub fn random_hex<const N: usize>() -> String {
    let mut bytes = [0u8; N];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The viewer of the current request.
pub fn viewer<'a>(ctx: &Context<'a>) -> AppResult<&'a Viewer> {
    ctx.data_opt::<Viewer>()
        .ok_or_else(|| AppError::unauthenticated("no bearer token".into()))
}

/// Who a new token speaks for: the member, or a staff user (created on first use).
/// `patron token create` and the tests use it.
pub async fn viewer_for(
    db: &sea_orm::DatabaseConnection,
    role: Role,
    member: Option<String>,
    store: Option<String>,
    staff: Option<String>,
) -> anyhow::Result<Viewer> {
    if role == Role::Member {
        let member_no = member.ok_or_else(|| anyhow::anyhow!("a member token needs --member MEMBER_NO"))?;
        let member = crate::service::member::find(db, &member_no).await?;
        return Ok(Viewer::member(&member));
    }
    if role == Role::Associate && store.is_none() {
        anyhow::bail!("an associate token needs --store CODE");
    }
    let username = staff.unwrap_or_else(|| match &store {
        Some(code) if role == Role::Associate => format!("associate-{code}"),
        _ => role.as_str().to_owned(),
    });
    let user = match crate::service::staff::by_username(db, &username).await? {
        Some(user) if user.disabled_at.is_some() => anyhow::bail!("staff user {username:?} is disabled"),
        Some(user) if user.role == role.as_str() => user,
        Some(user) => anyhow::bail!(
            "staff user {username:?} has the role {}, not {}",
            user.role,
            role.as_str()
        ),
        None => {
            if let Some(code) = &store {
                crate::service::store::ensure(db, code).await?;
            }
            let new = crate::service::staff::NewStaff {
                username,
                display_name: None,
                email: None,
                role,
                store_code: store,
            };
            crate::service::staff::create(db, &Viewer::cli(), new).await?
        }
    };
    Ok(Viewer::staff(&user, role))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_token_still_expires() {
        let keys = TokenKeys::new(b"a secret of the tests", 1);
        let token = keys.issue(&Viewer::cli()).expect("signed");
        assert_eq!(keys.verify(&token).expect("valid").actor, "cli");
        // The same token, remembered, as it is once its lifetime and the leeway have passed.
        keys.verified().get_mut(token.as_str()).expect("remembered").exp =
            Utc::now().timestamp() - EXPIRY_LEEWAY_SECONDS as i64 - 1;
        let refused = keys.verify(&token).expect_err("expired");
        assert!(
            matches!(&refused, AppError::Unauthenticated { message, .. } if message.contains("expired")),
            "{refused:?}"
        );
        assert!(
            keys.verify(&format!("{token}x")).is_err(),
            "a changed signature is checked"
        );
    }
}
