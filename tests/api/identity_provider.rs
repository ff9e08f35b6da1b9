//! Member tokens from the brand's own identity provider: key pairs this test makes (RS256 and
//! ES256), a JWKS it serves over HTTP, and tokens good, expired, from another issuer, for
//! another audience, signed by an unknown key, after a key rotation, and signed out.
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::traits::PublicKeyParts;
use serde_json::{json, Value};

use crate::helpers::{spawn_app, spawn_app_with, TestApp};

const ISSUER: &str = "https://id.brand.example/";
const AUDIENCE: &str = "patron";

/// A signing key of the test provider and its public half as a JWK.
struct SigningKey {
    kid: String,
    algorithm: Algorithm,
    encoding: EncodingKey,
    jwk: Value,
}

impl SigningKey {
    fn rsa(kid: &str) -> Self {
        let private = rsa::RsaPrivateKey::new(&mut rand::thread_rng(), 2048).expect("RSA key");
        let der = private.to_pkcs1_der().expect("PKCS#1");
        let jwk = json!({ "kty": "RSA", "kid": kid, "alg": "RS256", "use": "sig",
            "n": URL_SAFE_NO_PAD.encode(private.n().to_bytes_be()),
            "e": URL_SAFE_NO_PAD.encode(private.e().to_bytes_be()) });
        Self {
            kid: kid.to_owned(),
            algorithm: Algorithm::RS256,
            encoding: EncodingKey::from_rsa_der(der.as_bytes()),
            jwk,
        }
    }

    fn ec(kid: &str) -> Self {
        let random = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &random).expect("EC key");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &random).expect("pair");
        // An uncompressed point: 0x04, then x and y.
        let point = pair.public_key().as_ref();
        let jwk = json!({ "kty": "EC", "crv": "P-256", "kid": kid, "alg": "ES256", "use": "sig",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..]) });
        Self {
            kid: kid.to_owned(),
            algorithm: Algorithm::ES256,
            encoding: EncodingKey::from_ec_der(pkcs8.as_ref()),
            jwk,
        }
    }

    /// A token for `member_no`, with `changes` over good claims.
    fn token(&self, member_no: &str, changes: Value) -> String {
        let now = Utc::now().timestamp();
        let mut claims = json!({ "iss": ISSUER, "aud": AUDIENCE, "sub": format!("user-{member_no}"),
            "member_no": member_no, "iat": now, "exp": now + 600, "jti": uuid::Uuid::new_v4().to_string() });
        if let (Some(claims), Some(changes)) = (claims.as_object_mut(), changes.as_object()) {
            claims.extend(changes.clone());
        }
        let mut header = Header::new(self.algorithm);
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, &claims, &self.encoding).expect("sign")
    }
}

/// The provider's JWKS endpoint; `publish` replaces the keys it serves.
struct Jwks {
    url: String,
    keys: Arc<Mutex<Value>>,
}

impl Jwks {
    fn start(keys: &[&SigningKey]) -> Self {
        let served = Arc::new(Mutex::new(Value::Null));
        let data = web::Data::from(served.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route(
                    "/jwks.json",
                    web::get().to(|keys: web::Data<Mutex<Value>>| async move {
                        HttpResponse::Ok().json(&*keys.lock().unwrap())
                    }),
                )
                // The same set through a redirect, and a set padded past 1 MiB.
                .route(
                    "/moved",
                    web::get()
                        .to(|| async { HttpResponse::Found().insert_header(("location", "/jwks.json")).finish() }),
                )
                .route(
                    "/huge",
                    web::get().to(|keys: web::Data<Mutex<Value>>| async move {
                        let set = keys.lock().unwrap().to_string();
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .body(format!("{set}{}", " ".repeat(2 * 1024 * 1024)))
                    }),
                )
                // Past 1 MiB without saying so beforehand (chunked, no Content-Length).
                .route(
                    "/endless",
                    web::get().to(|| async {
                        let spaces =
                            (0..40).map(|_| Ok::<_, actix_web::Error>(web::Bytes::from(vec![b' '; 64 * 1024])));
                        HttpResponse::Ok()
                            .content_type("application/json")
                            .streaming(futures_util::stream::iter(spaces))
                    }),
                )
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind");
        let url = format!("http://{}/jwks.json", server.addrs()[0]);
        tokio::spawn(server.run());
        let jwks = Self { url, keys: served };
        jwks.publish(keys);
        jwks
    }

    fn publish(&self, keys: &[&SigningKey]) {
        *self.keys.lock().unwrap() = json!({ "keys": keys.iter().map(|k| k.jwk.clone()).collect::<Vec<_>>() });
    }
}

/// The HTTP status and the first error (code and message) of reading `member_no` with `token`.
async fn read(app: &TestApp, token: &str, member_no: &str) -> (u16, String, String) {
    let body = json!({ "query": "query($no: String!) { member(memberNo: $no) { memberNo } }", "variables": { "no": member_no } });
    let (status, response) = app.post(Some(token), body.to_string()).await;
    let error = &response["errors"][0];
    let code = error["extensions"]["code"].as_str().unwrap_or("").to_owned();
    (status, code, error["message"].as_str().unwrap_or("").to_owned())
}

#[tokio::test]
async fn member_tokens_of_the_brands_identity_provider_are_checked_against_its_keys() {
    let (old_rsa, ec, unpublished) = (
        SigningKey::rsa("rsa-2026"),
        SigningKey::ec("ec-1"),
        SigningKey::ec("stranger"),
    );
    let jwks = Jwks::start(&[&old_rsa, &ec]);
    let app = spawn_app_with(|settings| {
        settings.member_idp.jwks = Some(jwks.url.clone());
        settings.member_idp.issuer = ISSUER.to_owned();
        settings.member_idp.audience = AUDIENCE.to_owned();
        settings.member_idp.member_claim = "member_no".to_owned();
        settings.member_idp.refetch_after_seconds = 0;
    })
    .await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    app.create_member(&admin, "M2", json!({})).await;

    // Good tokens of either algorithm speak for their member, and for nobody else.
    let by_rsa = old_rsa.token("M1", json!({}));
    assert_eq!(read(&app, &by_rsa, "M1").await.0, 200);
    assert_eq!(read(&app, &by_rsa, "M2").await.1, "NOT_FOUND");
    assert_eq!(read(&app, &ec.token("M2", json!({})), "M2").await.0, 200);

    // Refused, each saying why.
    let hour_ago = Utc::now().timestamp() - 3600;
    let refused = [
        (
            old_rsa.token("M1", json!({ "exp": hour_ago, "iat": hour_ago - 600 })),
            "expired",
        ),
        (
            old_rsa.token("M1", json!({ "iss": "https://id.elsewhere.example/" })),
            "another issuer",
        ),
        (ec.token("M1", json!({ "aud": "another-service" })), "audience"),
        (unpublished.token("M1", json!({})), "does not publish"),
        (ec.token("NOBODY", json!({})), "no member"),
        (ec.token("M1", json!({ "member_no": null })), "member_no"),
    ];
    for (token, why) in &refused {
        let (status, code, message) = read(&app, token, "M1").await;
        assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"), "{why}: {message}");
        assert!(message.contains(why), "{why}: {message}");
    }

    // The provider rotates its RSA key: a token of the new key makes Patron fetch the set
    // again; the retired key's tokens are refused from then on.
    let new_rsa = SigningKey::rsa("rsa-2027");
    jwks.publish(&[&new_rsa, &ec]);
    assert_eq!(read(&app, &new_rsa.token("M1", json!({})), "M1").await.0, 200);
    assert_eq!(read(&app, &by_rsa, "M1").await.0, 401);

    // Signing out revokes that token (by its jti), not the member's others.
    let (phone, tablet) = (ec.token("M1", json!({})), ec.token("M1", json!({})));
    let (status, out) = app
        .post(Some(&phone), json!({ "query": "mutation { signOut }" }).to_string())
        .await;
    assert_eq!((status, &out["data"]["signOut"]), (200, &json!(true)), "{out}");
    assert_eq!(read(&app, &phone, "M1").await.0, 401);
    assert_eq!(read(&app, &tablet, "M1").await.0, 200);
}

#[tokio::test]
async fn without_a_provider_its_tokens_are_not_valid() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    let token = SigningKey::ec("ec-1").token("M1", json!({}));
    let (status, code, _) = read(&app, &token, "M1").await;
    assert_eq!((status, code.as_str()), (401, "UNAUTHENTICATED"));
}

#[tokio::test]
async fn the_providers_keys_may_come_from_a_file() {
    let key = SigningKey::ec("ec-file");
    let file = tempfile::NamedTempFile::new().expect("file");
    std::fs::write(file.path(), json!({ "keys": [key.jwk] }).to_string()).expect("write");
    let app = spawn_app_with(|settings| {
        settings.member_idp.jwks = Some(file.path().display().to_string());
        settings.member_idp.issuer = ISSUER.to_owned();
        settings.member_idp.audience = AUDIENCE.to_owned();
        settings.member_idp.member_claim = "member_no".to_owned();
    })
    .await;
    let admin = app.admin().await;
    app.create_member(&admin, "M1", json!({})).await;
    assert_eq!(read(&app, &key.token("M1", json!({})), "M1").await.0, 200);
}

/// Starts the provider as the server does at startup, and returns its error.
async fn refused_at_start(jwks: &str) -> String {
    let config = patron::auth::idp::IdpConfig {
        jwks: Some(jwks.to_owned()),
        issuer: ISSUER.to_owned(),
        audience: AUDIENCE.to_owned(),
        ..Default::default()
    };
    match patron::auth::idp::IdentityProvider::start(&config).await {
        Ok(_) => panic!("{jwks} was accepted"),
        Err(err) => format!("{err:#}"),
    }
}

#[tokio::test]
async fn a_jwks_over_plain_http_is_refused_unless_it_is_on_this_machine() {
    let error = refused_at_start("http://id.brand.example/jwks.json").await;
    assert!(error.contains("https://"), "{error}");
    // The test provider is on loopback, where http:// stays allowed.
    let key = SigningKey::ec("ec-1");
    let jwks = Jwks::start(&[&key]);
    let localhost = jwks.url.replace("127.0.0.1", "localhost");
    for url in [&jwks.url, &localhost] {
        let config = patron::auth::idp::IdpConfig {
            jwks: Some(url.clone()),
            issuer: ISSUER.to_owned(),
            audience: AUDIENCE.to_owned(),
            ..Default::default()
        };
        let started = patron::auth::idp::IdentityProvider::start(&config).await;
        assert!(matches!(started, Ok(Some(_))), "{url}");
    }
}

#[tokio::test]
async fn a_jwks_behind_a_redirect_or_larger_than_a_mebibyte_is_refused() {
    let key = SigningKey::ec("ec-1");
    let jwks = Jwks::start(&[&key]);
    let error = refused_at_start(&jwks.url.replace("/jwks.json", "/moved")).await;
    assert!(error.contains("redirect"), "{error}");
    for path in ["/huge", "/endless"] {
        let error = refused_at_start(&jwks.url.replace("/jwks.json", path)).await;
        assert!(error.contains("larger than 1024 KiB"), "{path}: {error}");
    }
}
