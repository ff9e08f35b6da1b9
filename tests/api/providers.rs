//! A stand-in for the SMS and WeChat providers: `tests/providers/mock.py` (Python, standard
//! library) run as a child process. It checks each request and its signature as the provider
//! documents them and stores every accepted message as a JSON file; this module starts it,
//! points Patron at it and reads what it stored.
use std::fs;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use jobs::outreach::sms::{Provider, SmsConfig};
use jobs::outreach::wechat::WechatConfig;
use serde_json::Value;

const MOCK_SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/providers/mock.py");
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// The callback secret Aliyun's and Tencent's callback URLs carry in the tests.
pub const CALLBACK_TOKEN: &str = "test-callback-token";

/// The stand-in provider process.
pub struct ProviderMock {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl ProviderMock {
    pub fn start() -> Self {
        Self::start_with_delay(0.0)
    }

    /// With a delay before each send is answered (and stored), so a test can stop a sender
    /// while requests are on the wire.
    pub fn start_with_delay(delay: f64) -> Self {
        let dir = tempfile::tempdir().expect("a folder for the provider stand-in");
        let mut child = Command::new("python3")
            .arg(MOCK_SCRIPT)
            .arg("--dir")
            .arg(dir.path())
            .arg("--delay")
            .arg(delay.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot run python3 for the provider stand-in: {err}"));
        match crate::helpers::reported_port(&mut child, START_TIMEOUT) {
            Ok(port) => Self { child, port, dir },
            Err(problem) => {
                let _ = child.kill();
                panic!("the provider stand-in ({MOCK_SCRIPT}) {problem}")
            }
        }
    }

    fn base(&self, provider: &str) -> String {
        format!("http://127.0.0.1:{}/{provider}", self.port)
    }

    /// SMS settings for `provider` against the stand-in, with its test credentials.
    pub fn sms(&self, provider: Provider) -> SmsConfig {
        let (name, key_id, key_secret) = match provider {
            Provider::Aliyun => ("aliyun", "test-key-id", "test-key-secret"),
            Provider::Tencent => ("tencent", "test-secret-id", "test-secret-key"),
            Provider::Twilio => ("twilio", "AC00000000000000000000000000000001", "test-auth-token"),
        };
        SmsConfig {
            provider: Some(provider),
            endpoint: Some(self.base(name)),
            key_id: key_id.to_owned(),
            key_secret: key_secret.to_owned(),
            sdk_app_id: "1400000001".to_owned(),
            sign_name: "衣橱".to_owned(),
            from: "+15005550006".to_owned(),
            callback_token: CALLBACK_TOKEN.to_owned(),
            ..SmsConfig::default()
        }
    }

    /// WeChat settings against the stand-in: an Official Account and a mini-program.
    pub fn wechat(&self) -> WechatConfig {
        WechatConfig {
            app_id: "wx-test-app".to_owned(),
            app_secret: "test-app-secret".to_owned(),
            mini_app_id: "wx-test-mini".to_owned(),
            mini_app_secret: "test-mini-secret".to_owned(),
            endpoint: self.base("wechat"),
            ..WechatConfig::default()
        }
    }

    /// The same settings as environment variables, for the `patron` binary.
    pub fn env(&self, provider: Provider) -> Vec<(String, String)> {
        let sms = serde_json::to_value(self.sms(provider)).expect("settings as JSON");
        let wechat = serde_json::to_value(self.wechat()).expect("settings as JSON");
        let mut env = Vec::new();
        for (prefix, section) in [("PATRON_SMS__", sms), ("PATRON_WECHAT__", wechat)] {
            for (key, value) in section.as_object().into_iter().flatten() {
                let value = match value {
                    Value::String(s) => s.clone(),
                    Value::Null => continue,
                    other => other.to_string(),
                };
                env.push((format!("{prefix}{}", key.to_uppercase()), value));
            }
        }
        env
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Value> {
        let mut names: Vec<String> = fs::read_dir(self.dir.path())
            .expect("read the stand-in's folder")
            .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
            .filter(|name| name.ends_with(".json") && !name.starts_with('.'))
            .collect();
        names.sort();
        names
            .iter()
            .filter_map(|name| fs::read_to_string(self.dir.path().join(name)).ok())
            .map(|text| serde_json::from_str(&text).expect("a stored message is JSON"))
            .collect()
    }

    pub fn count(&self) -> usize {
        self.messages().len()
    }

    /// The stand-in's counters (`/_stats`).
    pub async fn stats(&self) -> Value {
        reqwest::get(format!("http://127.0.0.1:{}/_stats", self.port))
            .await
            .expect("ask the stand-in")
            .json()
            .await
            .expect("its stats are JSON")
    }
}

impl Drop for ProviderMock {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
