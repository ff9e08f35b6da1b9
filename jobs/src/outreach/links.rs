//! The links a message carries back to Patron, signed with HMAC-SHA256 so they need no login
//! and nobody can forge one for someone else:
//! - one-click unsubscribe and the preference page: `<public url>/unsubscribe/<member id>.<signature>`
//!   (`/preferences/` with the same token);
//! - the confirmation of email consent (double opt-in):
//!   `<public url>/confirm/<member id>.<asked at, ms>.<signature>`, whose signature also covers the
//!   address it went to, so it dies when the address changes or a newer request replaces it;
//! - a coupon's code as a QR image: `<public url>/codes/<code>.<signature>.png`, signed so the
//!   server draws the codes it issued and is nobody's free QR generator;
//! - a satisfaction survey: `<public url>/survey/<member id>.<day asked>.<signature>`, the
//!   member's survey of that day.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Signature bytes kept in a link: 128 bits.
const SIGNATURE_BYTES: usize = 16;

/// How long a confirmation link stays good.
pub const CONFIRMATION_DAYS: i64 = 7;

/// The token of a preview's link (see `preview_url`).
pub const PREVIEW_TOKEN: &str = "preview";

/// The links a message carries back to Patron.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub unsubscribe: String,
    pub preferences: String,
}

#[derive(Clone)]
pub struct SignedLinks {
    keyed: HmacSha256,
    base_url: String,
}

impl SignedLinks {
    /// The key is SHA-256 of the server's secret, zero-padded to HMAC's block as HMAC itself would.
    pub fn new(secret: &[u8], public_url: &str) -> Self {
        let mut key = hmac::digest::Key::<HmacSha256>::default();
        key[..32].copy_from_slice(&Sha256::digest(secret));
        Self {
            keyed: <HmacSha256 as KeyInit>::new(&key),
            base_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    /// The token for a member: their id and a signature over it.
    pub fn token(&self, member_id: i64) -> String {
        let signature = self.mac(member_id).finalize().into_bytes();
        format!("{member_id}.{}", URL_SAFE_NO_PAD.encode(&signature[..SIGNATURE_BYTES]))
    }

    pub fn url(&self, member_id: i64) -> String {
        format!("{}/unsubscribe/{}", self.base_url, self.token(member_id))
    }

    /// A member's links in a message: unsubscribe, and the preference page (the same signed
    /// token opens both).
    pub fn links(&self, member_id: i64) -> Links {
        let token = self.token(member_id);
        Links {
            unsubscribe: format!("{}/unsubscribe/{token}", self.base_url),
            preferences: format!("{}/preferences/{token}", self.base_url),
        }
    }

    /// The links previews and test emails carry (see `preview_url`).
    pub fn preview_links(&self) -> Links {
        Links {
            unsubscribe: self.preview_url(),
            preferences: format!("{}/preferences/{PREVIEW_TOKEN}", self.base_url),
        }
    }

    /// The link previews and test emails carry: staff see and send those, and may not change a
    /// member's consent, so it names no member and `verify` refuses it.
    pub fn preview_url(&self) -> String {
        format!("{}/unsubscribe/{PREVIEW_TOKEN}", self.base_url)
    }

    /// The member a token was issued for, if its signature holds (compared in constant time).
    pub fn verify(&self, token: &str) -> Option<i64> {
        let (id, signature) = token.split_once('.')?;
        let member_id: i64 = id.parse().ok()?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(member_id).verify_truncated_left(&signature).ok()?;
        (signature.len() == SIGNATURE_BYTES).then_some(member_id)
    }

    fn mac(&self, member_id: i64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(b"patron-unsubscribe:");
        mac.update(member_id.to_string().as_bytes());
        mac
    }

    /// The link that confirms the email consent `member_id` asked for at `asked_at`, sent to
    /// `email`.
    pub fn confirmation_url(&self, member_id: i64, email: &str, asked_at: DateTime<Utc>) -> String {
        let asked_at = asked_at.timestamp_millis();
        let signature = self
            .confirmation_mac(member_id, email, asked_at)
            .finalize()
            .into_bytes();
        let signature = URL_SAFE_NO_PAD.encode(&signature[..SIGNATURE_BYTES]);
        format!("{}/confirm/{member_id}.{asked_at}.{signature}", self.base_url)
    }

    /// What a confirmation token claims, not yet checked: `confirms` checks it against the
    /// member's record.
    pub fn confirmation(token: &str) -> Option<Confirmation> {
        let mut parts = token.splitn(3, '.');
        let member_id = parts.next()?.parse().ok()?;
        let asked_at = DateTime::from_timestamp_millis(parts.next()?.parse().ok()?)?;
        let signature = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        Some(Confirmation {
            member_id,
            asked_at,
            signature,
        })
    }

    /// Whether the token was issued for this address, and is still good at `now`.
    pub fn confirms(&self, confirmation: &Confirmation, email: &str, now: DateTime<Utc>) -> bool {
        let asked_at = confirmation.asked_at.timestamp_millis();
        let mac = self.confirmation_mac(confirmation.member_id, email, asked_at);
        confirmation.signature.len() == SIGNATURE_BYTES
            && mac.verify_truncated_left(&confirmation.signature).is_ok()
            && now - confirmation.asked_at <= Duration::days(CONFIRMATION_DAYS)
    }

    /// Where a message's image of a coupon code is drawn.
    pub fn code_image_url(&self, code: &str) -> String {
        let signature = self.code_mac(code).finalize().into_bytes();
        let signature = URL_SAFE_NO_PAD.encode(&signature[..SIGNATURE_BYTES]);
        format!("{}/codes/{code}.{signature}.png", self.base_url)
    }

    /// The code an image token (`<code>.<signature>`) was issued for, if its signature holds.
    pub fn verify_code_image(&self, token: &str) -> Option<String> {
        let (code, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.code_mac(code).verify_truncated_left(&signature).ok()?;
        (signature.len() == SIGNATURE_BYTES).then(|| code.to_owned())
    }

    /// Where the member answers the survey they were asked on `asked_on`.
    pub fn survey_url(&self, member_id: i64, asked_on: NaiveDate) -> String {
        format!("{}/survey/{}", self.base_url, self.survey_token(member_id, asked_on))
    }

    /// The token of that survey: `<member id>.<day>.<signature>`.
    pub fn survey_token(&self, member_id: i64, asked_on: NaiveDate) -> String {
        let signature = self.survey_mac(member_id, asked_on).finalize().into_bytes();
        let signature = URL_SAFE_NO_PAD.encode(&signature[..SIGNATURE_BYTES]);
        format!("{member_id}.{asked_on}.{signature}")
    }

    /// The member and day a survey token names, if its signature holds.
    pub fn verify_survey(&self, token: &str) -> Option<(i64, NaiveDate)> {
        let mut parts = token.splitn(3, '.');
        let member_id = parts.next()?.parse().ok()?;
        let asked_on = parts.next()?.parse().ok()?;
        let signature = URL_SAFE_NO_PAD.decode(parts.next()?).ok()?;
        self.survey_mac(member_id, asked_on)
            .verify_truncated_left(&signature)
            .ok()?;
        (signature.len() == SIGNATURE_BYTES).then_some((member_id, asked_on))
    }

    fn survey_mac(&self, member_id: i64, asked_on: NaiveDate) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(format!("patron-survey:{member_id}:{asked_on}").as_bytes());
        mac
    }

    fn code_mac(&self, code: &str) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(b"patron-code:");
        mac.update(code.as_bytes());
        mac
    }

    fn confirmation_mac(&self, member_id: i64, email: &str, asked_at: i64) -> HmacSha256 {
        let mut mac = self.keyed.clone();
        mac.update(format!("patron-confirm:{member_id}:{asked_at}:").as_bytes());
        mac.update(email.as_bytes());
        mac
    }
}

/// A confirmation link's claim: the member, and when they asked (the request it confirms).
#[derive(Debug)]
pub struct Confirmation {
    pub member_id: i64,
    pub asked_at: DateTime<Utc>,
    signature: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_member_and_secret() {
        let links = SignedLinks::new(b"secret-one", "https://brand.example/");
        let token = links.token(42);
        assert_eq!(links.verify(&token), Some(42));
        assert_eq!(links.url(42), format!("https://brand.example/unsubscribe/{token}"));
        let signature = token.split_once('.').unwrap().1;
        assert_eq!(links.verify(&format!("43.{signature}")), None);
        assert_eq!(SignedLinks::new(b"secret-two", "x").verify(&token), None);
        assert_eq!(links.verify(&token[..token.len() - 2]), None);
        assert_eq!(links.preview_url(), "https://brand.example/unsubscribe/preview");
        for junk in ["", "42", "42.", "x.y", "42.!!!", PREVIEW_TOKEN] {
            assert_eq!(links.verify(junk), None, "{junk:?}");
        }
    }

    #[test]
    fn a_code_image_is_drawn_only_for_the_code_it_was_signed_for() {
        let links = SignedLinks::new(b"secret-one", "https://brand.example");
        let url = links.code_image_url("POS-2026_7");
        let token = url
            .strip_prefix("https://brand.example/codes/")
            .and_then(|t| t.strip_suffix(".png"))
            .unwrap();
        assert_eq!(links.verify_code_image(token).as_deref(), Some("POS-2026_7"));
        let signature = token.rsplit_once('.').unwrap().1;
        assert_eq!(links.verify_code_image(&format!("POS-2026_8.{signature}")), None);
        assert_eq!(SignedLinks::new(b"secret-two", "x").verify_code_image(token), None);
        // An unsubscribe signature is not an image's.
        assert_eq!(links.verify_code_image(&links.token(42)), None);
    }

    #[test]
    fn a_survey_link_names_its_member_and_day_only() {
        let links = SignedLinks::new(b"secret-one", "https://brand.example");
        let day = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
        let url = links.survey_url(42, day);
        let token = url.strip_prefix("https://brand.example/survey/").unwrap();
        assert!(token.starts_with("42.2026-12-06."), "{token}");
        assert_eq!(links.verify_survey(token), Some((42, day)));
        let signature = token.rsplit('.').next().unwrap();
        for forged in [
            format!("43.2026-12-06.{signature}"),
            format!("42.2026-12-07.{signature}"),
        ] {
            assert_eq!(links.verify_survey(&forged), None, "{forged}");
        }
        assert_eq!(SignedLinks::new(b"secret-two", "x").verify_survey(token), None);
        assert_eq!(links.verify_survey(&links.token(42)), None);
    }

    #[test]
    fn a_confirmation_holds_for_its_address_and_request_for_a_week() {
        let links = SignedLinks::new(b"secret-one", "https://brand.example");
        let asked_at = DateTime::from_timestamp_millis(1_796_000_000_123).unwrap();
        let url = links.confirmation_url(42, "ann@example.com", asked_at);
        let token = url.strip_prefix("https://brand.example/confirm/").unwrap();
        assert!(token.starts_with("42.1796000000123."), "{token}");
        let confirmation = SignedLinks::confirmation(token).unwrap();
        assert_eq!((confirmation.member_id, confirmation.asked_at), (42, asked_at));
        let day = Duration::days(1);
        assert!(links.confirms(&confirmation, "ann@example.com", asked_at + day));
        assert!(links.confirms(&confirmation, "ann@example.com", asked_at + day * 7));
        assert!(
            !links.confirms(&confirmation, "ann@example.com", asked_at + day * 8),
            "expired"
        );
        assert!(
            !links.confirms(&confirmation, "bob@example.com", asked_at),
            "another address"
        );
        let signature = token.rsplit('.').next().unwrap();
        for forged in [
            format!("43.1796000000123.{signature}"),
            format!("42.1796000000124.{signature}"),
        ] {
            let claim = SignedLinks::confirmation(&forged).unwrap();
            assert!(!links.confirms(&claim, "ann@example.com", asked_at), "{forged}");
        }
        let unsubscribe = links.token(42);
        assert!(
            SignedLinks::confirmation(&unsubscribe).is_none(),
            "an unsubscribe token is no confirmation"
        );
        assert!(!SignedLinks::new(b"secret-two", "x").confirms(&confirmation, "ann@example.com", asked_at));
    }
}
