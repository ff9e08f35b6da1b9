//! SMTP delivery: lettre's protocol client over a small pool of our own connections.
//!
//! Why not lettre's `AsyncSmtpTransport`: in lettre 0.11.23 its sockets keep Nagle's algorithm on,
//! and every message then waits for the server's delayed ACK (40 ms on Linux) before its final
//! `.` goes out — one message per delayed ACK on each connection, whatever the hardware
//! (lettre pull request #1159 fixes it; not yet released). Our sockets set `TCP_NODELAY`; the
//! SMTP dialogue, STARTTLS and AUTH remain lettre's.
//!
//! A connection carries the write of its last message's outcome with it (see `deliver`): the
//! next message's envelope goes out while that outcome is being written, and only its data,
//! which ends with the `.` that makes the server accept it, waits; so a crash still leaves at
//! most one accepted-but-unrecorded message per connection.
//!
//! Where the server offers PIPELINING (RFC 2920), the envelope's MAIL, RCPTs and DATA go out as
//! one write and their replies are read after it: a message costs two round trips instead of
//! three plus one per recipient, which bounds the rate of a connection on a fast server.
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::FutureExt;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
use lettre::transport::smtp::commands::{Data, Ehlo, Mail, Rcpt};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::Error;
use tokio::net::TcpStream;

use super::mailer::SendError;
use super::recorder::Written;

/// How the connection is secured, from the URL: `smtp://` plain, `smtp://…?tls=required` or
/// `?tls=opportunistic` STARTTLS, `smtps://` TLS from the first byte. Credentials are only sent
/// over TLS, unless the URL says `?tls=none` (plain on purpose, e.g. a relay on a private network).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    Plain { explicit: bool },
    StartTls { required: bool },
    Wrapper,
}

/// Where and how to connect, parsed from `SMTP_URL` (the same form lettre's `from_url` takes).
#[derive(Debug)]
struct Server {
    host: String,
    port: u16,
    security: Security,
    credentials: Option<Credentials>,
    hello: ClientId,
}

pub struct SmtpPool {
    server: Server,
    timeout: Duration,
    /// Idle connections, most recently used last.
    idle: Mutex<Vec<Idle>>,
    max_idle: usize,
    /// Whether the server offered 8BITMIME when a connection was last opened: until one is,
    /// messages are composed 7-bit.
    eight_bit: AtomicBool,
}

/// An idle connection, with the write of the outcome of the last message it carried until that
/// is known to be done.
struct Idle {
    connection: Connection,
    last_outcome: Option<Written>,
}

/// A session with the server, and whether it takes the envelope's commands in one write.
/// (lettre's `ServerInfo` does not keep the PIPELINING keyword, so `connect` asks for it.)
struct Connection {
    session: AsyncSmtpConnection,
    pipelining: bool,
}

impl SmtpPool {
    pub fn new(url: &str, timeout: Duration, max_idle: usize) -> Result<Self, String> {
        Ok(Self {
            server: parse(url).map_err(|err| format!("SMTP_URL is not usable: {err}"))?,
            timeout,
            idle: Mutex::new(Vec::new()),
            max_idle: max_idle.max(1),
            eight_bit: AtomicBool::new(false),
        })
    }

    /// Whether messages may go with an 8-bit body (RFC 6152), as the server last said.
    pub fn takes_eight_bit(&self) -> bool {
        self.eight_bit.load(Ordering::Relaxed)
    }

    /// Sends one message over an idle connection, or a new one, and waits until it is accepted.
    pub async fn send(&self, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
        self.deliver(envelope, message, |_| async { true }.boxed()).await
    }

    /// Sends one message, then hands its answer to `record`, whose write the connection carries
    /// to its next message: that one's envelope (MAIL, RCPT, DATA) goes out meanwhile, and only
    /// its data, whose end makes the server accept it, waits for the write. A connection
    /// that saw any error is dropped, once its outcome is written, so the next message starts a
    /// clean session and no connection ever has two outcomes unwritten.
    pub async fn deliver(
        &self,
        envelope: &Envelope,
        message: &[u8],
        record: impl FnOnce(&Result<(), SendError>) -> Written,
    ) -> Result<(), SendError> {
        let (connection, mut previous) = match self.take_idle() {
            Some(idle) => (
                (!idle.connection.session.has_broken()).then_some(idle.connection),
                idle.last_outcome,
            ),
            None => (None, None),
        };
        let sent = self.transact(connection, envelope, message, &mut previous).await;
        if let Some(previous) = previous {
            // The attempt failed before the end-of-data: its connection is dropped, and the
            // slot it held is not used again before the outcome it carried is written.
            previous.await;
        }
        let (answer, connection) = match sent {
            Ok(connection) => (Ok(()), Some(connection)),
            Err(err) => (Err(err), None),
        };
        let written = record(&answer);
        match connection {
            Some(connection) => self.give_back(connection, written).await,
            None => {
                written.await;
            }
        }
        answer
    }

    /// One mail transaction; the data waits for `previous` (taken from it).
    async fn transact(
        &self,
        connection: Option<Connection>,
        envelope: &Envelope,
        message: &[u8],
        previous: &mut Option<Written>,
    ) -> Result<Connection, SendError> {
        let mut connection = self
            .within_timeout(async {
                let mut connection = match connection {
                    Some(connection) => connection,
                    None => self.connect().await?,
                };
                send_envelope(&mut connection, envelope, message).await?;
                Ok(connection)
            })
            .await?;
        if let Some(previous) = previous.take() {
            if !previous.await {
                return Err(SendError::Temporary(
                    "the outcome of the message before could not be written".to_owned(),
                ));
            }
        }
        self.within_timeout(async {
            send_data(&mut connection.session, message).await?;
            Ok(connection)
        })
        .await
    }

    async fn within_timeout<T>(&self, step: impl Future<Output = Result<T, SendError>>) -> Result<T, SendError> {
        tokio::time::timeout(self.timeout, step).await.map_err(|_| {
            SendError::Temporary(format!(
                "the SMTP server did not answer within {} s",
                self.timeout.as_secs()
            ))
        })?
    }

    fn take_idle(&self) -> Option<Idle> {
        let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        idle.pop()
    }

    /// Keeps a healthy connection for the next message, with the write of its last outcome;
    /// one not kept is closed once that write is done.
    async fn give_back(&self, connection: Connection, written: Written) {
        let refused = {
            let mut idle = self.idle.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if idle.len() < self.max_idle && !connection.session.has_broken() {
                idle.push(Idle {
                    connection,
                    last_outcome: Some(written),
                });
                None
            } else {
                Some(written)
            }
        };
        if let Some(written) = refused {
            written.await;
        }
    }

    async fn connect(&self) -> Result<Connection, SendError> {
        let server = &self.server;
        let tls = || TlsParameters::new(server.host.clone()).map_err(classify);
        let mut connection = if server.security == Security::Wrapper {
            // TLS from the first byte: lettre opens this socket itself (Nagle stays on).
            let address = (server.host.as_str(), server.port);
            AsyncSmtpConnection::connect_tokio1(address, Some(self.timeout), &server.hello, Some(tls()?), None)
                .await
                .map_err(classify)?
        } else {
            let refused = |err: std::io::Error| {
                SendError::Temporary(format!("cannot connect to {}:{}: {err}", server.host, server.port))
            };
            let stream = TcpStream::connect((server.host.as_str(), server.port))
                .await
                .map_err(refused)?;
            stream.set_nodelay(true).map_err(refused)?;
            AsyncSmtpConnection::connect_with_transport(Box::new(stream), &server.hello)
                .await
                .map_err(classify)?
        };
        if let Security::StartTls { required } = server.security {
            if connection.can_starttls() {
                connection.starttls(tls()?, &server.hello).await.map_err(classify)?;
            } else if required {
                connection.abort().await;
                return Err(SendError::Temporary(
                    "the SMTP server does not offer STARTTLS".to_owned(),
                ));
            }
        }
        // A second EHLO, on the session as it now stands (after STARTTLS), for the keyword lettre
        // drops; before AUTH, since an EHLO may reset an authenticated session.
        let hello = connection
            .command(Ehlo::new(server.hello.clone()))
            .await
            .map_err(classify)?;
        let eight_bit = connection.server_info().supports_feature(Extension::EightBitMime);
        self.eight_bit.store(eight_bit, Ordering::Relaxed);
        let pipelining = hello.message().any(|line| {
            line.split_whitespace()
                .next()
                .is_some_and(|word| word.eq_ignore_ascii_case("PIPELINING"))
        });
        if let Some(credentials) = &server.credentials {
            // `tls=opportunistic` against a server without STARTTLS (or one an attacker stripped
            // of it): the password is not worth the email.
            if !connection.is_encrypted() && server.security != (Security::Plain { explicit: true }) {
                connection.abort().await;
                return Err(SendError::Temporary(
                    "the SMTP server does not offer STARTTLS; the credentials are not sent in clear text".to_owned(),
                ));
            }
            connection
                .auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(classify)?;
        }
        Ok(Connection {
            session: connection,
            pipelining,
        })
    }
}

/// MAIL, RCPT and DATA, as lettre's `send` does them: SMTPUTF8 for non-ASCII addresses and
/// 8BITMIME for a non-ASCII body, refused when the server offers neither. Pipelined, the
/// commands go out together and the first refusal among their replies is the answer (the
/// connection is then dropped, so replies left unread do not matter).
async fn send_envelope(connection: &mut Connection, envelope: &Envelope, message: &[u8]) -> Result<(), SendError> {
    let session = &mut connection.session;
    let offers = |extension| session.server_info().supports_feature(extension);
    let mut parameters = Vec::new();
    let addresses = envelope.from().into_iter().chain(envelope.to());
    if addresses.map(AsRef::<str>::as_ref).any(|address| !address.is_ascii()) {
        if !offers(Extension::SmtpUtfEight) {
            return Err(SendError::Temporary(
                "the address is not ASCII and the SMTP server does not offer SMTPUTF8".to_owned(),
            ));
        }
        parameters.push(MailParameter::SmtpUtfEight);
    }
    if !message.is_ascii() {
        if !offers(Extension::EightBitMime) {
            return Err(SendError::Temporary(
                "the message is not ASCII and the SMTP server does not offer 8BITMIME".to_owned(),
            ));
        }
        parameters.push(MailParameter::Body(MailBodyParameter::EightBitMime));
    }
    let mut commands = vec![Mail::new(envelope.from().cloned(), parameters).to_string()];
    commands.extend(
        envelope
            .to()
            .iter()
            .map(|to| Rcpt::new(to.clone(), Vec::new()).to_string()),
    );
    commands.push(Data.to_string());
    if connection.pipelining {
        // `command` writes the whole group and reads the first reply; the others follow it.
        session.command(commands.concat()).await.map_err(classify)?;
        for _ in 1..commands.len() {
            session.read_response().await.map_err(classify)?;
        }
    } else {
        for command in commands {
            session.command(command).await.map_err(classify)?;
        }
    }
    Ok(())
}

/// The message and its end-of-data, then the server's reply. lettre's `message` dot-stuffs the
/// message byte by byte and writes the end-of-data on its own (two writes, two packets without
/// Nagle); the section built by `data_section` goes out as one write through `command`, which
/// writes its argument whole and reads the reply. A message that is not UTF-8 (never one of
/// ours: parts are UTF-8 text, 8bit or encoded) takes lettre's way.
async fn send_data(session: &mut AsyncSmtpConnection, message: &[u8]) -> Result<(), SendError> {
    let sent = match std::str::from_utf8(message) {
        Ok(text) => session.command(data_section(text)).await,
        Err(_) => session.message(message).await,
    };
    sent.map(drop).map_err(classify)
}

/// The DATA section of a message (RFC 5321 4.5.2): a dot that starts a line is doubled, and
/// `CRLF . CRLF` ends it, after the message as lettre ends it.
fn data_section(message: &str) -> String {
    let mut section = String::with_capacity(message.len() + message.len() / 64 + 6);
    if message.starts_with('.') {
        section.push('.');
    }
    // The pieces between line starts that are a dot.
    let mut pieces = message.split("\r\n.");
    section.push_str(pieces.next().unwrap_or_default());
    for rest in pieces {
        section.push_str("\r\n..");
        section.push_str(rest);
    }
    section.push_str("\r\n.\r\n");
    section
}

/// 5xx replies are permanent; everything else (4xx, network, TLS) is worth another try.
pub fn classify(err: Error) -> SendError {
    if err.is_permanent() {
        SendError::Permanent(err.to_string())
    } else {
        SendError::Temporary(err.to_string())
    }
}

fn parse(url: &str) -> Result<Server, String> {
    let url = url::Url::parse(url).map_err(|err| err.to_string())?;
    let tls = url.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
    let (security, default_port) = match (url.scheme(), tls.as_deref()) {
        ("smtp", None) => (Security::Plain { explicit: false }, 25),
        ("smtp", Some("none")) => (Security::Plain { explicit: true }, 25),
        ("smtp", Some("required")) => (Security::StartTls { required: true }, 587),
        ("smtp", Some("opportunistic")) => (Security::StartTls { required: false }, 587),
        ("smtps", _) => (Security::Wrapper, 465),
        (scheme, tls) => return Err(format!("unknown scheme {scheme:?} or tls={tls:?}")),
    };
    let host = url.host_str().ok_or("no host")?.to_owned();
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|s| s.into_owned())
            .map_err(|err| err.to_string())
    };
    let credentials = match url.password() {
        Some(password) => Some(Credentials::new(decode(url.username())?, decode(password)?)),
        None => None,
    };
    if credentials.is_some() && security == (Security::Plain { explicit: false }) {
        return Err(
            "it has a user and password but no TLS, so they would cross the network in clear text: \
             add ?tls=required (STARTTLS) or use smtps://, or say ?tls=none to send them unencrypted"
                .to_owned(),
        );
    }
    let hello = match url.path().trim_matches('/') {
        "" => ClientId::Domain("localhost".to_owned()),
        name => ClientId::Domain(name.to_owned()),
    };
    Ok(Server {
        port: url.port().unwrap_or(default_port),
        host,
        security,
        credentials,
        hello,
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    use tokio::sync::oneshot;

    use super::*;

    /// An SMTP server that notes each connection, command, line of data (with the dot that
    /// stuffing added taken off) and end of data it receives. Offering
    /// PIPELINING, it holds its replies to MAIL and RCPT until DATA arrives, so a client that
    /// waits for each reply never gets one; not offering it, it notes any command that came
    /// before the reply to the one before ("ahead").
    async fn noting_server(pipelining: bool) -> (u16, Arc<Mutex<Vec<String>>>) {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let noted = Arc::new(Mutex::new(Vec::new()));
        let note = Arc::clone(&noted);
        tokio::spawn(async move {
            while let Ok((socket, _)) = listener.accept().await {
                note.lock().unwrap().push("connection".to_owned());
                tokio::spawn(converse(socket, pipelining, Arc::clone(&note)));
            }
        });
        (port, noted)
    }

    async fn converse(socket: tokio::net::TcpStream, pipelining: bool, note: Arc<Mutex<Vec<String>>>) {
        let (read, mut write) = socket.into_split();
        let mut lines = BufReader::new(read).lines();
        write.write_all(b"220 noting\r\n").await.unwrap();
        let mut in_data = false;
        let mut held = Vec::new();
        while let Ok(Some(line)) = lines.next_line().await {
            if in_data {
                if line == "." {
                    in_data = false;
                    note.lock().unwrap().push("end of data".to_owned());
                    write.write_all(b"250 accepted\r\n").await.unwrap();
                } else {
                    let line = line.strip_prefix('.').unwrap_or(&line);
                    note.lock().unwrap().push(format!("data: {line}"));
                }
                continue;
            }
            let command = line.split([' ', ':']).next().unwrap_or_default().to_uppercase();
            note.lock().unwrap().push(command.clone());
            if !pipelining && !lines.get_ref().buffer().is_empty() {
                note.lock().unwrap().push("ahead".to_owned());
            }
            let reply: &[u8] = match command.as_str() {
                "EHLO" if pipelining => b"250-noting\r\n250-PIPELINING\r\n250 8BITMIME\r\n",
                "EHLO" => b"250-noting\r\n250 8BITMIME\r\n",
                "DATA" => {
                    in_data = true;
                    b"354 go on\r\n"
                }
                "QUIT" => b"221 bye\r\n",
                _ => b"250 ok\r\n",
            };
            held.extend_from_slice(reply);
            if !(pipelining && matches!(command.as_str(), "MAIL" | "RCPT")) {
                write.write_all(&std::mem::take(&mut held)).await.unwrap();
            }
        }
    }

    fn envelope() -> Envelope {
        Envelope::new(
            Some("brand@example.com".parse().unwrap()),
            vec!["ann@example.com".parse().unwrap(), "bob@example.com".parse().unwrap()],
        )
        .unwrap()
    }

    fn counter(noted: &Arc<Mutex<Vec<String>>>) -> impl Fn(&str) -> usize + '_ {
        move |what| noted.lock().unwrap().iter().filter(|n| *n == what).count()
    }

    #[tokio::test]
    async fn the_envelope_goes_out_in_one_write_only_where_pipelining_is_offered() {
        for pipelining in [true, false] {
            let (port, noted) = noting_server(pipelining).await;
            let pool = SmtpPool::new(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5), 1).unwrap();
            let message = b"Subject: hi\r\n\r\nhello\r\n";
            for _ in 0..2 {
                let sent = pool.send(&envelope(), message).await;
                assert!(sent.is_ok(), "pipelining offered: {pipelining}: {sent:?}");
            }
            let count = counter(&noted);
            assert_eq!((count("connection"), count("RCPT"), count("end of data")), (1, 4, 2));
            assert_eq!(
                count("ahead"),
                0,
                "a command went out before the reply to the one before"
            );
        }
    }

    #[tokio::test]
    async fn a_message_is_not_accepted_before_the_outcome_of_the_one_before_is_written() {
        let (port, noted) = noting_server(true).await;
        let pool = Arc::new(SmtpPool::new(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5), 1).unwrap());
        let envelope = envelope();
        let message = b"Subject: hi\r\n\r\nhello\r\n".to_vec();
        let count = counter(&noted);

        let (first_written, written) = oneshot::channel::<()>();
        let first = pool.deliver(&envelope, &message, |answer| {
            assert!(answer.is_ok(), "{answer:?}");
            async move { written.await.is_ok() }.boxed()
        });
        assert!(first.await.is_ok());
        assert_eq!(count("end of data"), 1);

        // The next message goes out on the same connection while the first outcome is unwritten:
        // its envelope and body do, its end-of-data waits.
        let second = tokio::spawn({
            let (pool, envelope, message) = (Arc::clone(&pool), envelope.clone(), message.clone());
            async move { pool.deliver(&envelope, &message, |_| async { true }.boxed()).await }
        });
        while count("DATA") < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(
            count("end of data"),
            1,
            "accepted before the outcome before it was written"
        );
        assert_eq!(count("connection"), 1);

        first_written.send(()).unwrap();
        assert!(second.await.unwrap().is_ok());
        assert_eq!(count("end of data"), 2);
    }

    #[test]
    fn the_data_section_doubles_a_leading_dot_and_ends_the_message() {
        assert_eq!(data_section("a\r\nb\r\n"), "a\r\nb\r\n\r\n.\r\n");
        assert_eq!(
            data_section(".top\r\n.\r\n..two\r\nmid.dle\r\n."),
            "..top\r\n..\r\n...two\r\nmid.dle\r\n..\r\n.\r\n"
        );
    }

    #[tokio::test]
    async fn lines_that_start_with_a_dot_arrive_as_they_were_written() {
        let (port, noted) = noting_server(true).await;
        let pool = SmtpPool::new(&format!("smtp://127.0.0.1:{port}"), Duration::from_secs(5), 1).unwrap();
        let message = b"Subject: dots\r\n\r\n.\r\n..two\r\n.end\r\n";
        assert!(pool.send(&envelope(), message).await.is_ok());
        let noted = noted.lock().unwrap().clone();
        let body: Vec<&str> = noted.iter().filter_map(|n| n.strip_prefix("data: ")).collect();
        assert_eq!(body, ["Subject: dots", "", ".", "..two", ".end", ""]);
    }

    #[test]
    fn urls_name_security_port_credentials_and_hello() {
        let plain = parse("smtp://127.0.0.1:2525").unwrap();
        assert_eq!(
            (plain.host.as_str(), plain.port, plain.security),
            ("127.0.0.1", 2525, Security::Plain { explicit: false })
        );
        assert!(plain.credentials.is_none());
        let submission = parse("smtp://user%40brand:p%2Fss@mail.example?tls=required").unwrap();
        assert_eq!(
            (submission.port, submission.security),
            (587, Security::StartTls { required: true })
        );
        assert_eq!(
            submission.credentials,
            Some(Credentials::new("user@brand".to_owned(), "p/ss".to_owned()))
        );
        let wrapped = parse("smtps://mail.example/patron.brand.example").unwrap();
        assert_eq!((wrapped.port, wrapped.security), (465, Security::Wrapper));
        assert_eq!(wrapped.hello, ClientId::Domain("patron.brand.example".to_owned()));
        assert!(parse("http://mail.example").is_err());
        let relay = parse("smtp://user:pass@relay.internal?tls=none").unwrap();
        assert_eq!(
            (relay.port, relay.security, relay.credentials.is_some()),
            (25, Security::Plain { explicit: true }, true)
        );
        assert!(parse("smtp://mail.example?tls=sometimes").is_err());
    }

    #[test]
    fn credentials_without_tls_are_refused_unless_the_url_says_so() {
        let err = parse("smtp://user:pass@mail.example:587").unwrap_err();
        assert!(err.contains("clear text") && err.contains("tls=required"), "{err}");
        assert!(SmtpPool::new("smtp://user:pass@mail.example:587", Duration::from_secs(1), 1).is_err());
        for url in [
            "smtp://user:pass@mail.example?tls=required",
            "smtp://user:pass@mail.example?tls=opportunistic",
            "smtps://user:pass@mail.example",
            "smtp://user:pass@mail.example?tls=none",
            "smtp://mail.example:25",
        ] {
            assert!(parse(url).is_ok(), "{url}");
        }
    }
}
