//! Delivery: SMTP through lettre's pooled async transport, or .eml files in a folder when no
//! SMTP server is configured (a new user sees the emails without setting anything up).
use std::path::PathBuf;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;
use sha2::{Digest, Sha256};
use tokio::io::AsyncWriteExt;

use super::config::OutreachConfig;
use super::recorder::Written;
use super::smtp::SmtpPool;
use super::template::Rendered;
pub use super::transport::SendError;

pub enum Mailer {
    Smtp(SmtpPool),
    Folder(PathBuf),
}

impl Mailer {
    pub fn new(config: &OutreachConfig, default_folder: PathBuf) -> Result<Self, String> {
        let Some(url) = &config.smtp_url else {
            return Ok(Self::Folder(config.outbox_dir.clone().unwrap_or(default_folder)));
        };
        let timeout = Duration::from_secs(config.smtp_timeout_seconds);
        let connections = usize::try_from(config.smtp_connections).unwrap_or(1);
        Ok(Self::Smtp(SmtpPool::new(url, timeout, connections)?))
    }

    /// Delivers one message. In a folder the file is named after the Message-ID, so sending the
    /// same email twice leaves one file.
    pub async fn send(&self, email: &Email) -> Result<(), SendError> {
        match self {
            Self::Smtp(pool) => pool.send(&email.envelope, &email.bytes).await,
            Self::Folder(dir) => write_eml(dir, email).await,
        }
    }

    /// Whether a message may have an 8-bit body: in a folder always; over SMTP once the server
    /// offered 8BITMIME (see `compose`, and `Outreach::compose_email`, which asks).
    pub fn takes_eight_bit(&self) -> bool {
        match self {
            Self::Smtp(pool) => pool.takes_eight_bit(),
            Self::Folder(_) => true,
        }
    }

    /// Delivers one message of a dispatch and hands its answer to `record`. Over SMTP the
    /// connection goes on to its next message while the outcome is written (see `SmtpPool`);
    /// a folder waits for the write.
    pub async fn deliver(&self, email: &Email, record: impl FnOnce(&Result<(), SendError>) -> Written) {
        match self {
            Self::Smtp(pool) => {
                let _ = pool.deliver(&email.envelope, &email.bytes, record).await;
            }
            Self::Folder(dir) => {
                record(&write_eml(dir, email).await).await;
            }
        }
    }
}

/// Writes the message aside, then renames it into place. Emails carry members' names and
/// addresses, so the folder (when Patron creates it) and the files are the owner's only.
async fn write_eml(dir: &std::path::Path, email: &Email) -> Result<(), SendError> {
    let stem = email.file_stem();
    let io = |err: std::io::Error| SendError::Temporary(format!("cannot write to {}: {err}", dir.display()));
    let mut folder = tokio::fs::DirBuilder::new();
    folder.recursive(true);
    #[cfg(unix)]
    folder.mode(0o700);
    folder.create(dir).await.map_err(io)?;
    let partial = dir.join(format!(".{stem}.partial"));
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(&partial).await.map_err(io)?;
    file.write_all(&email.bytes).await.map_err(io)?;
    // A tokio file finishes its last write in the background unless flushed.
    file.flush().await.map_err(io)?;
    drop(file);
    tokio::fs::rename(&partial, dir.join(format!("{stem}.eml")))
        .await
        .map_err(io)
}

/// The parts of one outgoing email.
pub struct Outgoing<'a> {
    pub to_name: &'a str,
    pub to_address: &'a str,
    pub rendered: &'a Rendered,
    /// The outbox row's dedupe key: the Message-ID is derived from it, so a re-send after a crash
    /// carries the same Message-ID and receivers can tell it is the same email.
    pub dedupe_key: &'a str,
    pub unsubscribe_url: &'a str,
}

/// A message ready for the wire: formatted once, when it is composed.
pub struct Email {
    pub envelope: Envelope,
    pub bytes: Vec<u8>,
    /// Without angle brackets.
    pub message_id: String,
}

impl Email {
    /// The addresses it goes to, as a permanent refusal blames them.
    pub fn recipients(&self) -> String {
        let to = self.envelope.to().iter().map(ToString::to_string);
        to.collect::<Vec<_>>().join(",")
    }

    fn file_stem(&self) -> String {
        self.message_id.replace(['/', '\\'], "_")
    }
}

/// Builds a multipart/alternative (plain text + HTML) UTF-8 message with RFC 8058 one-click
/// unsubscribe headers. With `eight_bit` the parts go as they are (8bit), where their lines
/// allow; otherwise lettre encodes them quoted-printable or base64 (quoted-printable alone took
/// about 6% of the dispatcher's CPU, and makes a Chinese text three times its size).
pub fn compose(from: &Mailbox, email: &Outgoing<'_>, eight_bit: bool) -> Result<Email, String> {
    let to: Mailbox = format!("{} <{}>", quote_name(email.to_name), email.to_address)
        .parse()
        .map_err(|err| format!("address {:?} is not valid: {err}", email.to_address))?;
    let message_id = message_id(email.dedupe_key, from);
    let message = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.rendered.subject.as_str())
        .message_id(Some(message_id.clone()))
        .raw_header(header("List-Unsubscribe", format!("<{}>", email.unsubscribe_url)))
        .raw_header(header("List-Unsubscribe-Post", "List-Unsubscribe=One-Click".to_owned()))
        .multipart(
            MultiPart::alternative()
                .singlepart(part(ContentType::TEXT_PLAIN, &email.rendered.text, eight_bit))
                .singlepart(part(ContentType::TEXT_HTML, &email.rendered.html, eight_bit)),
        )
        .map_err(|err| format!("the message could not be built: {err}"))?;
    Ok(Email {
        envelope: message.envelope().clone(),
        bytes: message.formatted(),
        message_id: message_id.trim_matches(|c| c == '<' || c == '>').to_owned(),
    })
}

/// One part of the message: 8bit when allowed and it can be, otherwise as lettre chooses.
fn part(content_type: ContentType, text: &str, eight_bit: bool) -> SinglePart {
    let body = eight_bit
        .then(|| eight_bit_body(text))
        .flatten()
        .unwrap_or_else(|| Body::new(text.to_owned()));
    SinglePart::builder().header(content_type).body(body)
}

/// The text as an 8bit body (RFC 6152: lines of at most 998 octets ended by CRLF, no NUL and no
/// lone CR), or `None` when it cannot be one. lettre's own check refuses lines of 76 octets or
/// more, which every HTML template has.
fn eight_bit_body(text: &str) -> Option<Body> {
    let mut body = String::with_capacity(text.len() + text.len() / 32);
    for (n, line) in text.split('\n').enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > 998 || line.contains(['\r', '\0']) {
            return None;
        }
        if n > 0 {
            body.push_str("\r\n");
        }
        body.push_str(line);
    }
    Some(Body::dangerous_pre_encoded(
        body.into_bytes(),
        ContentTransferEncoding::EightBit,
    ))
}

fn header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// A display name as a quoted string, so commas and angle brackets in names stay harmless.
fn quote_name(name: &str) -> String {
    format!("\"{}\"", name.replace(['\\', '"', '\r', '\n'], " "))
}

/// `<sha256(dedupe key), 32 hex digits @ sender's domain>`: stable across re-sends.
pub fn message_id(dedupe_key: &str, from: &Mailbox) -> String {
    let digest = hex_prefix(&Sha256::digest(dedupe_key.as_bytes()), 16);
    format!("<{digest}@{}>", from.email.domain())
}

fn hex_prefix(bytes: &[u8], len: usize) -> String {
    bytes.iter().take(len).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered() -> Rendered {
        Rendered {
            subject: "王小明，生日快乐！".to_owned(),
            text: "祝你生日快乐".to_owned(),
            html: "<p>祝你生日快乐</p>".to_owned(),
        }
    }

    fn outgoing(rendered: &Rendered) -> Outgoing<'_> {
        Outgoing {
            to_name: "王小明",
            to_address: "ming@example.com",
            rendered,
            dedupe_key: "birthday:2026-11-24:7",
            unsubscribe_url: "https://brand.example/unsubscribe/7.abc",
        }
    }

    #[test]
    fn message_id_is_stable_per_dedupe_key() {
        let from: Mailbox = "Patron <hello@brand.example>".parse().unwrap();
        let one = message_id("birthday:2026-11-24:7", &from);
        assert_eq!(one, message_id("birthday:2026-11-24:7", &from));
        assert_ne!(one, message_id("birthday:2026-11-24:8", &from));
        assert!(one.ends_with("@brand.example>") && one.len() == 32 + "<@brand.example>".len());
    }

    #[test]
    fn composes_alternative_parts_and_unsubscribe_headers() {
        let from: Mailbox = "Patron <hello@brand.example>".parse().unwrap();
        let rendered = rendered();
        let email = Outgoing {
            to_name: "王, \"小明\" <x>",
            ..outgoing(&rendered)
        };
        let message = compose(&from, &email, false).unwrap();
        let raw = String::from_utf8(message.bytes).unwrap();
        assert!(raw.contains("List-Unsubscribe: <https://brand.example/unsubscribe/7.abc>"));
        assert!(raw.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
        assert!(raw.contains("multipart/alternative"));
        assert!(raw.contains("<ming@example.com>"));
        assert!(compose(
            &from,
            &Outgoing {
                to_address: "not an address",
                ..email
            },
            false
        )
        .is_err());
    }

    #[test]
    fn parts_go_eight_bit_only_where_allowed_and_their_lines_fit() {
        let from: Mailbox = "Patron <hello@brand.example>".parse().unwrap();
        let raw = |html: &str, text: &str, eight_bit| {
            let rendered = Rendered {
                html: html.to_owned(),
                text: text.to_owned(),
                ..rendered()
            };
            let bytes = compose(&from, &outgoing(&rendered), eight_bit).unwrap().bytes;
            String::from_utf8(bytes).unwrap()
        };
        let eight_bit_parts = |raw: &str| raw.matches("Content-Transfer-Encoding: 8bit").count();
        // A 580-byte line, and a line that is a dot (stuffed on the wire, not here).
        let html = format!("<p style=\"{}\">祝你生日快乐</p>\n.\n", "color:#9a9a9a;".repeat(40));
        let eight = raw(&html, "祝你生日快乐", true);
        assert_eq!(eight_bit_parts(&eight), 2, "{eight}");
        assert!(
            eight.contains(&format!("\r\n\r\n{}", html.replace('\n', "\r\n"))),
            "{eight}"
        );
        let seven = raw(&html, "祝你生日快乐", false);
        assert!(seven.is_ascii() && eight_bit_parts(&seven) == 0, "{seven}");
        let long_line = format!("<p>{}</p>", "祝".repeat(400));
        assert_eq!(
            eight_bit_parts(&raw(&long_line, "ok", true)),
            1,
            "a 1,200-byte line is encoded"
        );
        assert_eq!(eight_bit_parts(&raw(&html, "a\rb", true)), 1, "a lone CR is encoded");
    }

    #[tokio::test]
    async fn folder_mailer_writes_one_file_per_message_id() {
        let dir = std::env::temp_dir().join(format!("patron-mailer-{}", std::process::id()));
        let mailer = Mailer::Folder(dir.clone());
        let from: Mailbox = "Patron <hello@brand.example>".parse().unwrap();
        let rendered = rendered();
        let message = compose(&from, &outgoing(&rendered), true).unwrap();
        mailer.send(&message).await.unwrap();
        mailer.send(&message).await.unwrap();
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect::<Result<_, _>>().unwrap();
        assert_eq!(files.len(), 1);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |path: &std::path::Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&files[0].path()), 0o600, "the .eml file is the owner's only");
            assert_eq!(mode(&dir), 0o700, "so is its folder");
        }
        std::fs::remove_dir_all(dir).unwrap();
    }
}
