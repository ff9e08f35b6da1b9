//! What every channel's sender answers for one message, whatever carries it (SMTP, an SMS
//! provider's API, WeChat's), and what the HTTP senders share.
use std::time::Duration;

/// A message the channel's server accepted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Accepted {
    /// The provider's id of the message (Aliyun's BizId, Tencent's SerialNo, Twilio's Message
    /// SID, WeChat's msgid): delivery receipts name it.
    pub provider_ref: Option<String>,
    /// SMS parts the provider bills, when it says (else counted from the text).
    pub parts: Option<i32>,
}

impl Accepted {
    /// Nothing to note beyond the acceptance (an email's case).
    pub fn is_plain(&self) -> bool {
        self.provider_ref.is_none() && self.parts.is_none()
    }
}

/// Why a message was not delivered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying: 4xx replies, timeouts, refused or dropped connections, rate limits,
    /// a provider's "system busy".
    #[error("temporary: {0}")]
    Temporary(String),
    /// The address is undeliverable for good (an SMTP 5xx, an invalid or out-of-service number):
    /// it is suppressed.
    #[error("permanent: {0}")]
    Permanent(String),
    /// The member cannot receive on this channel now (does not follow the Official Account,
    /// declined the subscription, blocked the sender): not retried, not suppressed, and the
    /// next channel of the message's preference is tried.
    #[error("refused: {0}")]
    Refused(String),
    /// The message as composed cannot be sent (a template id or parameter the provider refuses,
    /// bad credentials): neither the member nor the address is to blame.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// The HTTP client of one provider's sender: its pool keeps up to `connections` connections
/// open between batches. How many requests are in flight is the caller's to bound.
pub(crate) fn http_client(timeout_seconds: u64, connections: u32, provider: &str) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(timeout_seconds.max(1)))
        .pool_max_idle_per_host(usize::try_from(connections.max(1)).unwrap_or(1))
        .build()
        .map_err(|err| format!("the {provider} HTTP client could not be built: {err}"))
}

/// A request that got no answer (refused connection, timeout, reset): worth retrying. The URL is
/// left out of the text, lest it carry a credential.
pub(crate) fn unanswered(provider: &str, err: reqwest::Error) -> SendError {
    SendError::Temporary(format!("{provider} did not answer: {}", err.without_url()))
}
