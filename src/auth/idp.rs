//! Member tokens signed by the brand's own identity provider: RS256 or ES256 JWTs checked
//! against the provider's JWKS (a file or a URL), its issuer and the audience it issues for
//! Patron, with a configured claim naming the member number. Keys rotate: a token signed by a
//! key Patron has not seen makes it fetch the set again (at most once per
//! `refetch_after_seconds`, so made-up key ids cannot make it fetch on every request), and the
//! set is fetched again anyway once it is an hour old, which drops retired keys.
use std::collections::HashMap;
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, RwLock};

use crate::error::{AppError, AppResult};

/// `[member_idp]` in `patron.toml`, or `PATRON_MEMBER_IDP__…`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct IdpConfig {
    /// The provider's JWKS: an `https://` URL (`http://` only on loopback), or a file. Unset: no
    /// provider.
    pub jwks: Option<String>,
    /// The `iss` its tokens carry.
    pub issuer: String,
    /// The `aud` its tokens for Patron carry.
    pub audience: String,
    /// The claim that holds the member number.
    pub member_claim: String,
    /// Least time between two fetches that unknown key ids cause.
    pub refetch_after_seconds: u64,
}

impl Default for IdpConfig {
    fn default() -> Self {
        Self {
            jwks: None,
            issuer: String::new(),
            audience: String::new(),
            member_claim: "sub".to_owned(),
            refetch_after_seconds: 10,
        }
    }
}

/// The set is fetched again once it is this old.
const MAX_AGE: Duration = Duration::from_secs(3600);

/// The largest JWKS read: a provider's set is a few KiB.
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// What a good provider token says: the member and what revocation checks.
pub struct IdpToken {
    pub member_no: String,
    pub issued_at: i64,
    pub expires_at: i64,
    pub id: Option<String>,
}

pub struct IdentityProvider {
    config: IdpConfig,
    validation: Validation,
    keys: RwLock<Keys>,
    /// One fetch at a time.
    fetching: Mutex<()>,
    client: reqwest::Client,
}

struct Keys {
    by_id: HashMap<String, DecodingKey>,
    fetched: Instant,
}

impl IdentityProvider {
    /// The provider the configuration names, its keys loaded (`None` without a JWKS). A JWKS
    /// that cannot be read stops the server from starting: it is a setting to fix.
    pub async fn start(config: &IdpConfig) -> anyhow::Result<Option<Self>> {
        let Some(source) = config.jwks.clone() else {
            return Ok(None);
        };
        if config.issuer.is_empty() || config.audience.is_empty() {
            anyhow::bail!("member_idp needs an issuer and an audience beside its jwks");
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.set_issuer(&[&config.issuer]);
        validation.set_audience(&[&config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        if let Some(url) = jwks_url(&source)? {
            if url.scheme() != "https" && !is_loopback(&url) {
                anyhow::bail!(
                    "member_idp.jwks {source:?}: the keys that sign member tokens must come over https:// \
                     (http:// only from this machine), or from a file"
                );
            }
        }
        // A redirect could lead anywhere, plain http:// included: the configured URL is the one.
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let by_id = fetch(&client, &source)
            .await
            .map_err(|err| anyhow::anyhow!("member_idp.jwks {source:?}: {err}"))?;
        Ok(Some(Self {
            config: config.clone(),
            validation,
            keys: RwLock::new(Keys {
                by_id,
                fetched: Instant::now(),
            }),
            fetching: Mutex::new(()),
            client,
        }))
    }

    /// Whether a token of this algorithm is the provider's to check (Patron signs HS256).
    pub fn signs_with(algorithm: Algorithm) -> bool {
        matches!(algorithm, Algorithm::RS256 | Algorithm::ES256)
    }

    /// Checks signature, issuer, audience and expiry, and reads the member number.
    pub async fn verify(&self, token: &str) -> AppResult<IdpToken> {
        let invalid = |why: &str| AppError::unauthenticated(format!("the identity provider's token {why}"));
        let header = jsonwebtoken::decode_header(token).map_err(|_| invalid("cannot be read"))?;
        if !Self::signs_with(header.alg) {
            return Err(invalid("is not signed with RS256 or ES256"));
        }
        // The token's own algorithm, which its key must be made for.
        let mut validation = self.validation.clone();
        validation.algorithms = vec![header.alg];
        let kid = header.kid.ok_or_else(|| invalid("names no key (kid)"))?;
        let key = self
            .key(&kid)
            .await
            .ok_or_else(|| invalid("is signed by a key the provider does not publish"))?;
        let claims = jsonwebtoken::decode::<serde_json::Map<String, serde_json::Value>>(token, &key, &validation)
            .map_err(|err| {
                use jsonwebtoken::errors::ErrorKind;
                invalid(match err.kind() {
                    ErrorKind::ExpiredSignature => "has expired",
                    ErrorKind::InvalidIssuer => "comes from another issuer",
                    ErrorKind::InvalidAudience => "is not meant for this server (audience)",
                    _ => "is not valid",
                })
            })?
            .claims;
        let member_no = claims
            .get(&self.config.member_claim)
            .and_then(|value| value.as_str())
            .filter(|no| !no.trim().is_empty())
            .ok_or_else(|| {
                invalid(&format!(
                    "has no {:?} claim with a member number",
                    self.config.member_claim
                ))
            })?;
        let number = |name: &str| claims.get(name).and_then(serde_json::Value::as_i64);
        Ok(IdpToken {
            member_no: member_no.trim().to_owned(),
            issued_at: number("iat").unwrap_or(0),
            expires_at: number("exp").unwrap_or(0),
            id: claims.get("jti").and_then(|v| v.as_str()).map(str::to_owned),
        })
    }

    /// The key with this id, fetching the set again when it is unknown or the set is old.
    async fn key(&self, kid: &str) -> Option<DecodingKey> {
        {
            let keys = self.keys.read().await;
            let fresh = keys.fetched.elapsed() < MAX_AGE;
            match keys.by_id.get(kid) {
                Some(key) if fresh => return Some(key.clone()),
                None if keys.fetched.elapsed() < Duration::from_secs(self.config.refetch_after_seconds) => return None,
                _ => {}
            }
        }
        self.refetch().await;
        self.keys.read().await.by_id.get(kid).cloned()
    }

    async fn refetch(&self) {
        let Ok(_only_one) = self.fetching.try_lock() else {
            // Another request is fetching: wait for it to finish.
            let _done = self.fetching.lock().await;
            return;
        };
        let source = self.config.jwks.as_deref().unwrap_or_default();
        match fetch(&self.client, source).await {
            Ok(by_id) => {
                *self.keys.write().await = Keys {
                    by_id,
                    fetched: Instant::now(),
                };
            }
            Err(error) => {
                // Keep the keys there are; try again after the wait.
                tracing::warn!(%error, source, "could not fetch the identity provider's keys");
                self.keys.write().await.fetched = Instant::now();
            }
        }
    }
}

/// The JWKS source as a URL, or `None` for a file.
fn jwks_url(source: &str) -> anyhow::Result<Option<reqwest::Url>> {
    if !(source.starts_with("https://") || source.starts_with("http://")) {
        return Ok(None);
    }
    Ok(Some(reqwest::Url::parse(source).map_err(|err| {
        anyhow::anyhow!("member_idp.jwks {source:?} is not a URL: {err}")
    })?))
}

/// An address of this machine: `localhost`, 127.0.0.0/8 or ::1.
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The body of a JWKS answer, refused past `MAX_JWKS_BYTES` and when it is a redirect.
async fn download(client: &reqwest::Client, url: &str) -> anyhow::Result<Vec<u8>> {
    let mut response = client.get(url).send().await?.error_for_status()?;
    if response.status().is_redirection() {
        let location = response.headers().get(reqwest::header::LOCATION);
        let to = location.and_then(|l| l.to_str().ok()).unwrap_or("elsewhere");
        anyhow::bail!("the server redirects to {to}; redirects are not followed: configure the final URL");
    }
    let too_large = || anyhow::anyhow!("the answer is larger than {} KiB", MAX_JWKS_BYTES / 1024);
    if response
        .content_length()
        .is_some_and(|length| length > MAX_JWKS_BYTES as u64)
    {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_JWKS_BYTES {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The signing keys of a JWKS, by key id (keys without an id cannot be chosen, and are left).
async fn fetch(client: &reqwest::Client, source: &str) -> anyhow::Result<HashMap<String, DecodingKey>> {
    let text = if jwks_url(source)?.is_some() {
        download(client, source).await?
    } else {
        tokio::fs::read(source).await?
    };
    let set: JwkSet = serde_json::from_slice(&text)?;
    let mut by_id = HashMap::new();
    for jwk in &set.keys {
        if let Some(kid) = &jwk.common.key_id {
            by_id.insert(kid.clone(), DecodingKey::from_jwk(jwk)?);
        }
    }
    Ok(by_id)
}
