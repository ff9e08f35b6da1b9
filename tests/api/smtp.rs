//! A real SMTP server for tests: `tests/smtp/sink.py` (Python, aiosmtpd) run as a child process.
//! It stores each accepted message as an .eml file with a JSON envelope beside it; this module
//! starts, stops and restarts it and parses what it stored with `mail-parser`.
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use mail_parser::{HeaderName, HeaderValue, MessageParser, MimeHeaders, PartType};

const SINK_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/smtp/sink.py");
/// How long a start may take before the test fails (a cold Python start on a busy CI machine).
const START_TIMEOUT: Duration = Duration::from_secs(20);
/// How long `restart` keeps retrying while the old socket still holds the port.
const REBIND_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// A real SMTP server process (tests/smtp/sink.py) that stores what it receives.
pub struct SmtpSink {
    child: Option<Child>,
    port: u16,
    delay: f64,
    /// Holds `mail/` (the stored messages) and `sink.log` (the server's stderr, kept across restarts).
    dir: tempfile::TempDir,
}

impl SmtpSink {
    /// Starts the sink on a free port; panics with a clear message if python3/aiosmtpd is missing.
    pub fn start() -> SmtpSink {
        SmtpSink::start_with_delay(0.0)
    }

    /// Starts with a DATA delay in seconds: the sink waits that long after the message body before it
    /// stores the message and answers 250, so a test can kill it while a send is in flight.
    pub fn start_with_delay(delay: f64) -> SmtpSink {
        let dir = tempfile::tempdir().expect("create a temporary folder for the SMTP sink");
        fs::create_dir(dir.path().join("mail")).expect("create the SMTP sink's mail folder");
        let mut sink = SmtpSink {
            child: None,
            port: 0,
            delay,
            dir,
        };
        let (child, port) = sink.spawn(0).unwrap_or_else(|problem| panic!("{problem}"));
        sink.child = Some(child);
        sink.port = port;
        sink
    }

    /// `smtp://127.0.0.1:<port>`, plain SMTP without TLS or authentication.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Kills the process (SMTP down); the received mail stays readable.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // SIGKILL: the server gets no chance to finish a session, like a crashed relay.
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts again on the same port and directory (SMTP back up). Retries binding briefly if the port
    /// is still held (TIME_WAIT, or a socket not yet released by the killed process).
    pub fn restart(&mut self) {
        self.stop();
        let deadline = Instant::now() + REBIND_TIMEOUT;
        loop {
            match self.spawn(self.port) {
                Ok((child, _)) => {
                    self.child = Some(child);
                    return;
                }
                Err(problem) if Instant::now() >= deadline => panic!("{problem}"),
                Err(_) => thread::sleep(Duration::from_millis(100)),
            }
        }
    }

    /// Everything received so far, oldest first, parsed.
    pub fn messages(&self) -> Vec<Received> {
        let mail = self.mail_dir();
        self.stored("eml")
            .iter()
            .map(|name| Received::load(&mail.join(name)))
            .collect()
    }

    /// How many messages arrived so far, without reading them.
    pub fn count(&self) -> usize {
        self.stored("eml").len()
    }

    /// The recipients of every message received so far, one entry per message (envelopes only:
    /// cheap enough for thousands of messages).
    pub fn envelopes(&self) -> Vec<Vec<String>> {
        let mail = self.mail_dir();
        self.stored("json")
            .iter()
            .map(|name| {
                let text = fs::read_to_string(mail.join(name)).expect("read an envelope");
                let envelope: serde_json::Value = serde_json::from_str(&text).expect("an envelope is JSON");
                let recipients = envelope["rcpt_tos"].as_array().cloned().unwrap_or_default();
                recipients
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .collect()
    }

    /// The names of complete stored files with this extension, oldest first (temporary files
    /// start with a dot; only renamed, complete ones count).
    fn stored(&self, extension: &str) -> Vec<String> {
        let suffix = format!(".{extension}");
        let mut names: Vec<String> = fs::read_dir(self.mail_dir())
            .expect("read the SMTP sink's mail folder")
            .map(|entry| entry.expect("list the SMTP sink's mail folder").file_name())
            .filter_map(|name| name.into_string().ok())
            .filter(|name| name.ends_with(&suffix) && !name.starts_with('.'))
            .collect();
        names.sort();
        names
    }

    /// Waits (polling, up to `timeout`) until at least n messages arrived; returns them.
    ///
    /// This blocks the thread: in a `#[tokio::test]` where the app sends from a task on the same
    /// runtime, use `wait_for_async` so that task can run meanwhile.
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                self.fail_waiting(n, timeout, &messages);
            }
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// `wait_for` that yields to the async runtime between polls.
    pub async fn wait_for_async(&self, n: usize, timeout: Duration) -> Vec<Received> {
        let deadline = Instant::now() + timeout;
        loop {
            let messages = self.messages();
            if messages.len() >= n {
                return messages;
            }
            if Instant::now() >= deadline {
                self.fail_waiting(n, timeout, &messages);
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    fn fail_waiting(&self, n: usize, timeout: Duration, messages: &[Received]) -> ! {
        let subjects: Vec<&str> = messages.iter().map(|message| message.subject.as_str()).collect();
        panic!(
            "SMTP sink on port {} received {} message(s) within {timeout:?}, expected at least {n}; \
             subjects so far: {subjects:?}{}",
            self.port,
            messages.len(),
            self.log_tail()
        )
    }

    fn mail_dir(&self) -> PathBuf {
        self.dir.path().join("mail")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.path().join("sink.log")
    }

    /// Runs sink.py and waits for its `PORT <n>` line; `Err` says why it did not come up.
    fn spawn(&self, port: u16) -> Result<(Child, u16), String> {
        let log = OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.log_path())
            .expect("open the SMTP sink's log file");
        let mut child = Command::new("python3")
            .arg(SINK_SCRIPT)
            .arg("--dir")
            .arg(self.mail_dir())
            .arg("--port")
            .arg(port.to_string())
            .arg("--delay")
            .arg(self.delay.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|err| {
                panic!(
                    "cannot run python3 for the SMTP sink ({err}); the mail tests need Python 3 with aiosmtpd \
                     (python3 -m pip install aiosmtpd)"
                )
            });

        let problem = match crate::helpers::reported_port(&mut child, START_TIMEOUT) {
            Ok(port) => return Ok((child, port)),
            Err(problem) => problem,
        };
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "SMTP sink ({SINK_SCRIPT}, port {port}) {problem}; it needs python3 with aiosmtpd \
             (python3 -m pip install aiosmtpd){}",
            self.log_tail()
        ))
    }

    /// The end of the sink's stderr, to put in a failure message.
    fn log_tail(&self) -> String {
        let log = fs::read_to_string(self.log_path()).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        if tail.is_empty() {
            String::new()
        } else {
            format!("\n--- sink.log ---\n{tail}")
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One message as the sink received it: the SMTP envelope, the raw bytes and the decoded parts.
#[derive(Debug, Clone)]
pub struct Received {
    pub mail_from: String,
    pub rcpt_to: Vec<String>,
    pub raw: Vec<u8>,
    /// Without angle brackets.
    pub message_id: Option<String>,
    /// Decoded (RFC 2047).
    pub subject: String,
    /// Addresses from the To: header.
    pub to: Vec<String>,
    /// The first text/plain part that is not an attachment, transfer-decoded and charset-decoded.
    pub text: Option<String>,
    /// The first text/html part that is not an attachment, decoded likewise.
    pub html: Option<String>,
    /// Top-level Content-Type as written (unfolded), e.g. `multipart/alternative; boundary=...`;
    /// empty when the header is missing.
    pub content_type: String,
}

impl Received {
    /// A header's decoded value (case-insensitive name), first occurrence: unfolded, trimmed, with
    /// RFC 2047 encoded words decoded, otherwise as written (`<https://x/u/1>` keeps its brackets).
    pub fn header(&self, name: &str) -> Option<String> {
        // Every header as unstructured text; the Subject entry only makes the map non-empty, which
        // is what makes mail-parser use the default for all other names.
        let parser = MessageParser::new()
            .header_text(HeaderName::Subject)
            .default_header_text();
        let message = parser.parse_headers(&self.raw)?;
        let header = message
            .headers()
            .iter()
            .find(|header| header.name().eq_ignore_ascii_case(name))?;
        Some(match header.value() {
            HeaderValue::Text(text) => text.trim().to_owned(),
            _ => String::new(),
        })
    }

    fn load(eml: &Path) -> Received {
        let raw = fs::read(eml).unwrap_or_else(|err| panic!("read {}: {err}", eml.display()));
        // sink.py renames the .json into place before the .eml, so it is there.
        let json = eml.with_extension("json");
        let envelope: serde_json::Value =
            serde_json::from_reader(File::open(&json).unwrap_or_else(|err| panic!("open {}: {err}", json.display())))
                .unwrap_or_else(|err| panic!("parse {}: {err}", json.display()));
        let mail_from = envelope["mail_from"].as_str().unwrap_or_default().to_owned();
        let rcpt_to = envelope["rcpt_tos"]
            .as_array()
            .map(|recipients| {
                recipients
                    .iter()
                    .filter_map(|r| r.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Received::parse(mail_from, rcpt_to, raw)
    }

    fn parse(mail_from: String, rcpt_to: Vec<String>, raw: Vec<u8>) -> Received {
        let mut received = Received {
            mail_from,
            rcpt_to,
            raw,
            message_id: None,
            subject: String::new(),
            to: Vec::new(),
            text: None,
            html: None,
            content_type: String::new(),
        };
        received.content_type = received.header("Content-Type").unwrap_or_default();
        let Some(message) = MessageParser::default().parse(&received.raw) else {
            return received; // no headers at all: only the raw bytes are meaningful
        };
        received.message_id = message.message_id().map(str::to_owned);
        received.subject = message.subject().unwrap_or_default().to_owned();
        received.to = message
            .to()
            .map(|to| to.iter().filter_map(|addr| addr.address().map(str::to_owned)).collect())
            .unwrap_or_default();
        let parts = message.parts.iter().filter(|part| {
            !part
                .content_disposition()
                .is_some_and(|disposition| disposition.is_attachment())
        });
        for part in parts {
            match &part.body {
                // PartType::Text is any text/*; a part without Content-Type is text/plain (RFC 2045).
                PartType::Text(text)
                    if received.text.is_none()
                        && part.content_type().is_none_or(|ct| {
                            ct.ctype().eq_ignore_ascii_case("text")
                                && ct.subtype().is_some_and(|sub| sub.eq_ignore_ascii_case("plain"))
                        }) =>
                {
                    received.text = Some(text.to_string());
                }
                PartType::Html(html) if received.html.is_none() => received.html = Some(html.to_string()),
                _ => {}
            }
        }
        received
    }
}

/// A user and password in `SMTP_URL` never cross the network in clear text: without TLS the
/// server does not start, and with `tls=opportunistic` against a server that offers no STARTTLS
/// nothing is sent.
#[tokio::test]
async fn smtp_credentials_are_refused_without_tls_unless_the_url_says_so() {
    use crate::helpers::{spawn_app_with, TestDatabase, TEST_SECRET};
    use serde_json::json;

    let sink = SmtpSink::start();
    let database = TestDatabase::new().await;
    let plain = format!("smtp://patron:s3cret@127.0.0.1:{}", sink.port);
    let settings = patron::settings::Settings {
        database_url: database.url.clone(),
        listen: "127.0.0.1:0".to_owned(),
        data_dir: database.dir.path().to_path_buf(),
        token_secret: Some(TEST_SECRET.to_owned()),
        scheduler: false,
        outreach: jobs::outreach::OutreachConfig {
            smtp_url: Some(plain),
            ..Default::default()
        },
        ..Default::default()
    };
    let error = match patron::startup::Application::build(&settings).await {
        Ok(_) => panic!("a password over plain SMTP was accepted"),
        Err(err) => format!("{err:#}"),
    };
    assert!(error.contains("SMTP_URL") && error.contains("clear text"), "{error}");
    assert!(!error.contains("s3cret"), "the password is not repeated: {error}");

    let opportunistic = format!("smtp://patron:s3cret@127.0.0.1:{}?tls=opportunistic", sink.port);
    let app = spawn_app_with(move |settings| settings.outreach.smtp_url = Some(opportunistic)).await;
    let admin = app.admin().await;
    app.create_member(&admin, "S1", json!({ "email": "s1@example.com" }))
        .await;
    let me =
        "mutation{ createStaffUser(input:{username:\"mia\", role:MARKETER, email:\"mia@brand.example\"}){ username } }";
    app.ok(&admin, me, json!({})).await;
    let marketer = app.token(patron::auth::Role::Marketer, None, None, Some("mia")).await;
    let send = "mutation{ sendTestEmail(kind:\"winback\", memberNo:\"S1\", to:\"mia@brand.example\") }";
    let response = app.graphql(&marketer, send, json!({})).await;
    assert!(response.to_string().contains("not sent in clear text"), "{response}");
    assert_eq!(sink.count(), 0);
}
