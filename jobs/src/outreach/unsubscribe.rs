//! One-click unsubscribe links: `<public url>/unsubscribe/<member id>.<signature>`, signed with
//! HMAC-SHA256 so nobody can unsubscribe someone else, and needing no login.
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Signature bytes kept in a link: 128 bits.
const SIGNATURE_BYTES: usize = 16;

/// The token of a preview's link (see `preview_url`).
pub const PREVIEW_TOKEN: &str = "preview";

/// The links a message carries back to Patron.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Links {
    pub unsubscribe: String,
    pub preferences: String,
}

#[derive(Clone)]
pub struct UnsubscribeLinks {
    keyed: HmacSha256,
    base_url: String,
}

impl UnsubscribeLinks {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_verify_only_for_their_member_and_secret() {
        let links = UnsubscribeLinks::new(b"secret-one", "https://brand.example/");
        let token = links.token(42);
        assert_eq!(links.verify(&token), Some(42));
        assert_eq!(links.url(42), format!("https://brand.example/unsubscribe/{token}"));
        let signature = token.split_once('.').unwrap().1;
        assert_eq!(links.verify(&format!("43.{signature}")), None);
        assert_eq!(UnsubscribeLinks::new(b"secret-two", "x").verify(&token), None);
        assert_eq!(links.verify(&token[..token.len() - 2]), None);
        assert_eq!(links.preview_url(), "https://brand.example/unsubscribe/preview");
        for junk in ["", "42", "42.", "x.y", "42.!!!", PREVIEW_TOKEN] {
            assert_eq!(links.verify(junk), None, "{junk:?}");
        }
    }
}
