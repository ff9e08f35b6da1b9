//! Tencent Cloud SMS: `SendSms` of API 3.0 (version 2021-01-11), signed with TC3-HMAC-SHA256;
//! and its two callbacks, the delivery status report and members' replies.
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HOST};
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::{e164, Failure, Receipt, Reply, Sms, SmsConfig};
use crate::outreach::transport::{self, Accepted, SendError};

const PUBLIC_ENDPOINT: &str = "https://sms.tencentcloudapi.com";
const DEFAULT_REGION: &str = "ap-guangzhou";
const VERSION: &str = "2021-01-11";
/// The service name in the signature's credential scope.
const SERVICE: &str = "sms";
const JSON: &str = "application/json; charset=utf-8";

/// What a callback answers ("短信下发状态通知" and "短信回复": `result` 0 is success).
pub const CALLBACK_ANSWER: &str = r#"{"result":0,"errmsg":"OK"}"#;

/// Codes that blame one number. A request of several numbers failing whole with one of them is
/// sent again number by number, so that only that number is blamed.
const NUMBER_CODES: [&str; 2] = [
    "InvalidParameterValue.IncorrectPhoneNumber",
    "FailedOperation.PhoneNumberInBlacklist",
];

/// Speaks to Tencent Cloud's SMS API.
pub(super) struct Tencent {
    client: reqwest::Client,
    url: String,
    /// The endpoint's `host[:port]`, as the Host header carries it: the signature covers it.
    host: String,
    key_id: String,
    key_secret: String,
    region: String,
    sdk_app_id: String,
    sign_name: String,
}

/// `{"Response": {...}}`: the per-number statuses, or the whole request's error.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    response: Response,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Response {
    #[serde(default)]
    send_status_set: Vec<Status>,
    error: Option<ApiError>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct ApiError {
    code: String,
    #[serde(default)]
    message: String,
}

/// One number's answer.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Status {
    #[serde(default)]
    serial_no: String,
    phone_number: String,
    fee: Option<u32>,
    code: String,
    #[serde(default)]
    message: String,
}

impl Status {
    fn outcome(self) -> Result<Accepted, SendError> {
        if self.code != "Ok" {
            return Err(classify(&self.code, &self.message));
        }
        Ok(Accepted {
            provider_ref: Some(self.serial_no).filter(|serial| !serial.is_empty()),
            parts: self.fee.and_then(|fee| i32::try_from(fee).ok()),
        })
    }
}

impl Tencent {
    pub(super) fn new(config: &SmsConfig, client: reqwest::Client) -> Result<Self, String> {
        super::require(&config.key_id, "KEY_ID", "Tencent Cloud")?;
        super::require(&config.key_secret, "KEY_SECRET", "Tencent Cloud")?;
        super::require(&config.sdk_app_id, "SDK_APP_ID", "Tencent Cloud")?;
        let endpoint = super::endpoint(config, PUBLIC_ENDPOINT);
        Ok(Self {
            client,
            url: format!("{endpoint}/"),
            host: host(&endpoint)?,
            key_id: config.key_id.clone(),
            key_secret: config.key_secret.clone(),
            region: super::or_default(&config.region, DEFAULT_REGION),
            sdk_app_id: config.sdk_app_id.clone(),
            sign_name: config.sign_name.clone(),
        })
    }

    /// One `SendSms` per group of messages that can share a request (see `share_request`), one
    /// after the other. The dispatcher hands over only messages that share one, so a batch is one
    /// call; a mixed batch is still sent whole.
    pub(super) async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        let unanswered = Err(SendError::Temporary("Tencent Cloud was not asked".to_owned()));
        let mut answers = vec![unanswered; batch.len()];
        for group in requests(batch) {
            let messages: Vec<&Sms> = group.iter().filter_map(|&at| batch.get(at)).collect();
            let group_answers = self.send_group(&messages).await;
            for (at, answer) in group.into_iter().zip(group_answers) {
                answers[at] = answer;
            }
        }
        answers
    }

    async fn send_group(&self, messages: &[&Sms]) -> Vec<Result<Accepted, SendError>> {
        match self.call(messages).await {
            Ok(statuses) => by_number(messages, statuses),
            Err(failure) if messages.len() > 1 && NUMBER_CODES.contains(&failure.code.as_str()) => {
                let mut answers = Vec::with_capacity(messages.len());
                for &sms in messages {
                    let answer = match self.call(&[sms]).await {
                        Ok(statuses) => by_number(&[sms], statuses).remove(0),
                        Err(failure) => Err(failure.error),
                    };
                    answers.push(answer);
                }
                answers
            }
            Err(failure) => messages.iter().map(|_| Err(failure.error.clone())).collect(),
        }
    }

    /// Posts one signed `SendSms` for `messages`, which share their template and parameters.
    async fn call(&self, messages: &[&Sms]) -> Result<Vec<Status>, Failure> {
        let payload = self.payload(messages).to_string();
        let timestamp = Utc::now().timestamp();
        let authorization = authorization(&self.key_id, &self.key_secret, &self.host, SERVICE, timestamp, &payload);
        let response = self
            .client
            .post(&self.url)
            .header(HOST, &self.host)
            .header(CONTENT_TYPE, JSON)
            .header(AUTHORIZATION, authorization)
            .header("X-TC-Action", "SendSms")
            .header("X-TC-Version", VERSION)
            .header("X-TC-Timestamp", timestamp.to_string())
            .header("X-TC-Region", &self.region)
            .body(payload)
            .send()
            .await
            .map_err(unanswered)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unanswered)?;
        read_answer(status, &body)
    }

    /// The request body. `TemplateParamSet` fills the template for every number alike.
    /// `SessionContext`, which Tencent returns as it is, is one per request: it names the message
    /// only when the request carries one.
    fn payload(&self, messages: &[&Sms]) -> Value {
        let numbers: Vec<String> = messages.iter().map(|sms| e164(&sms.phone)).collect();
        let first = messages.first();
        let template_id = first.map(|sms| sms.template_code.clone()).unwrap_or_default();
        let params: Vec<String> = first
            .map(|sms| sms.params.iter().map(|(_, value)| value.clone()).collect())
            .unwrap_or_default();
        let mut payload = json!({
            "PhoneNumberSet": numbers,
            "SmsSdkAppId": self.sdk_app_id,
            "TemplateId": template_id,
            "TemplateParamSet": params,
        });
        if !self.sign_name.is_empty() {
            payload["SignName"] = json!(self.sign_name);
        }
        if let [only] = messages {
            payload["SessionContext"] = json!(only.reference);
        }
        payload
    }
}

/// Whether two messages of one template can go in one request. One request fills the template
/// with one set of parameters for all its numbers, and its numbers must be all mainland or all
/// international (`SendSms`, "PhoneNumberSet"); so messages go together only when both agree.
pub(super) fn share_request(a: &Sms, b: &Sms) -> bool {
    let mainland = |sms: &Sms| e164(&sms.phone).starts_with("+86");
    let same_values = a
        .params
        .iter()
        .map(|(_, value)| value)
        .eq(b.params.iter().map(|(_, value)| value));
    mainland(a) == mainland(b) && same_values
}

/// Which messages can share a request (see `share_request`), as indexes into `batch`.
fn requests(batch: &[Sms]) -> Vec<Vec<usize>> {
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (at, sms) in batch.iter().enumerate() {
        match groups.iter_mut().find(|group| share_request(&batch[group[0]], sms)) {
            Some(group) => group.push(at),
            None => groups.push(vec![at]),
        }
    }
    groups
}

/// Each message's answer, found by its number in `SendStatusSet` (a number twice in a request
/// takes the statuses in turn).
fn by_number(messages: &[&Sms], statuses: Vec<Status>) -> Vec<Result<Accepted, SendError>> {
    let mut statuses: Vec<Option<Status>> = statuses.into_iter().map(Some).collect();
    messages
        .iter()
        .map(|sms| {
            let number = e164(&sms.phone);
            let status = statuses
                .iter_mut()
                .find(|status| status.as_ref().is_some_and(|status| status.phone_number == number))
                .and_then(Option::take);
            match status {
                Some(status) => status.outcome(),
                None => Err(SendError::Temporary(
                    "Tencent Cloud's answer has no status for this number".to_owned(),
                )),
            }
        })
        .collect()
}

fn unanswered(err: reqwest::Error) -> Failure {
    Failure::without_code(transport::unanswered("Tencent Cloud", err))
}

/// Tencent answers HTTP 200 even for a failed request; the JSON says what happened.
fn read_answer(status: StatusCode, body: &[u8]) -> Result<Vec<Status>, Failure> {
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return Err(Failure::without_code(SendError::Temporary(format!(
            "Tencent Cloud answered HTTP {status} with no readable JSON"
        ))));
    };
    match envelope.response.error {
        Some(error) => Err(Failure {
            error: classify(&error.code, &error.message),
            code: error.code,
        }),
        None => Ok(envelope.response.send_status_set),
    }
}

/// What a Tencent code (a number's, or a whole request's) means for the message. Codes from the
/// SMS error list and the API's common errors; one not listed is retried, its text kept.
fn classify(code: &str, message: &str) -> SendError {
    let text = format!("{code} {message}");
    let family = code.split('.').next().unwrap_or(code);
    match code {
        "InvalidParameterValue.IncorrectPhoneNumber" | "FailedOperation.PhoneNumberInBlacklist" => {
            SendError::Permanent(text)
        }
        // Marketing SMS may only go out 8:00 to 22:00; a top-up or paid bill lets it through later.
        "FailedOperation.MarketingSendTimeConstraint"
        | "FailedOperation.InsufficientBalanceInSmsPackage"
        | "UnauthorizedOperation.SerivceSuspendDueToArrears" => SendError::Temporary(text),
        "LimitExceeded.PhoneNumberCountLimit"
        | "FailedOperation.SignatureIncorrectOrUnapproved"
        | "FailedOperation.TemplateIncorrectOrUnapproved"
        | "FailedOperation.ContainSensitiveWord"
        | "FailedOperation.FailResolvePacket"
        | "FailedOperation.JsonParseFail"
        | "FailedOperation.MissingSignatureList"
        | "FailedOperation.MissingTemplateList" => SendError::Rejected(text),
        _ => match family {
            "LimitExceeded" | "RequestLimitExceeded" | "InternalError" => SendError::Temporary(text),
            "AuthFailure"
            | "InvalidParameter"
            | "InvalidParameterValue"
            | "MissingParameter"
            | "UnauthorizedOperation"
            | "UnsupportedOperation" => SendError::Rejected(text),
            _ => SendError::Temporary(text),
        },
    }
}

/// `host[:port]` of the endpoint, as an HTTP client puts it in the Host header (no port when it
/// is the scheme's).
fn host(endpoint: &str) -> Result<String, String> {
    let url = url::Url::parse(endpoint).map_err(|err| format!("PATRON_SMS__ENDPOINT {endpoint:?}: {err}"))?;
    let host = url
        .host_str()
        .ok_or_else(|| format!("PATRON_SMS__ENDPOINT {endpoint:?} has no host"))?;
    Ok(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

/// The `Authorization` header of TC3-HMAC-SHA256 over `content-type` and `host`.
fn authorization(key_id: &str, key_secret: &str, host: &str, service: &str, timestamp: i64, payload: &str) -> String {
    let date = DateTime::<Utc>::from_timestamp(timestamp, 0)
        .map(|time| time.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let to_sign = string_to_sign(timestamp, &date, service, &canonical_request(host, payload));
    format!(
        "TC3-HMAC-SHA256 Credential={key_id}/{date}/{service}/tc3_request, SignedHeaders=content-type;host, Signature={}",
        signature(key_secret, &date, service, &to_sign)
    )
}

/// POST to `/` with no query, the two signed headers, and the payload's SHA-256.
fn canonical_request(host: &str, payload: &str) -> String {
    format!(
        "POST\n/\n\ncontent-type:{JSON}\nhost:{host}\n\ncontent-type;host\n{}",
        sha256_hex(payload.as_bytes())
    )
}

fn string_to_sign(timestamp: i64, date: &str, service: &str, canonical_request: &str) -> String {
    format!(
        "TC3-HMAC-SHA256\n{timestamp}\n{date}/{service}/tc3_request\n{}",
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The key is derived from the secret, the date and the service, then signs the string.
fn signature(key_secret: &str, date: &str, service: &str, string_to_sign: &str) -> String {
    let secret_date = hmac_sha256(format!("TC3{key_secret}").as_bytes(), date.as_bytes());
    let secret_service = hmac_sha256(&secret_date, service.as_bytes());
    let secret_signing = hmac_sha256(&secret_service, b"tc3_request");
    hex::encode(hmac_sha256(&secret_signing, string_to_sign.as_bytes()))
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    // HMAC takes keys of any length (a long one is hashed first), so this never fails.
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        return Vec::new();
    };
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// One report of the status callback.
#[derive(Deserialize)]
struct Report {
    nationcode: String,
    mobile: String,
    report_status: String,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    description: String,
    sid: String,
}

/// The reply callback's body.
#[derive(Deserialize)]
struct Up {
    nationcode: String,
    mobile: String,
    text: String,
}

/// The receipts of a status callback: a JSON array of reports (`sid` is the SerialNo the send
/// answered).
pub fn receipts(body: &[u8]) -> Result<Vec<Receipt>, String> {
    let reports: Vec<Report> =
        serde_json::from_slice(body).map_err(|err| format!("not a Tencent Cloud status callback: {err}"))?;
    Ok(reports
        .into_iter()
        .map(|report| Receipt {
            provider_ref: report.sid,
            phone: Some(format!("+{}{}", report.nationcode, report.mobile)),
            delivered: report.report_status == "SUCCESS",
            detail: format!("{} {}", report.errmsg, report.description).trim().to_owned(),
        })
        .collect())
}

/// The replies of a reply callback: one JSON object per reply (an array of them is read too).
pub fn replies(body: &[u8]) -> Result<Vec<Reply>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|err| format!("not a Tencent Cloud reply callback: {err}"))?;
    let ups: Vec<Up> = match value {
        Value::Array(_) => serde_json::from_value(value),
        _ => serde_json::from_value(value).map(|up| vec![up]),
    }
    .map_err(|err| format!("not a Tencent Cloud reply callback: {err}"))?;
    Ok(ups
        .into_iter()
        .map(|up| Reply {
            phone: format!("+{}{}", up.nationcode, up.mobile),
            text: up.text,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::stub::{birthday_sms, Stub};
    use super::*;

    /// The worked example of Tencent Cloud API 3.0's "签名方法 v3" page (e.g.
    /// https://cloud.tencent.com/document/api/382/52072, SMS's copy): DescribeInstances of `cvm`
    /// at timestamp 1551113065, SecretKey `Gu5t9xGARNpq86cd98joQYCN3*******` (asterisks and all),
    /// signed headers `content-type;host`.
    #[test]
    fn reproduces_the_tc3_documentations_signature_example() {
        let payload = r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;
        assert_eq!(
            sha256_hex(payload.as_bytes()),
            "35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let canonical = canonical_request("cvm.tencentcloudapi.com", payload);
        assert_eq!(
            canonical,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
        let to_sign = string_to_sign(1551113065, "2019-02-25", "cvm", &canonical);
        assert_eq!(
            to_sign,
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
        assert_eq!(
            authorization(
                "AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******",
                "Gu5t9xGARNpq86cd98joQYCN3*******",
                "cvm.tencentcloudapi.com",
                "cvm",
                1551113065,
                payload,
            ),
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3*******/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=2230eefd229f582d8b1b891af7107b91597240707d778ab3738f756258d7652c"
        );
    }

    #[test]
    fn the_signed_host_is_the_one_the_host_header_carries() {
        assert_eq!(
            host("https://sms.tencentcloudapi.com").unwrap(),
            "sms.tencentcloudapi.com"
        );
        assert_eq!(
            host("https://sms.tencentcloudapi.com:443").unwrap(),
            "sms.tencentcloudapi.com"
        );
        assert_eq!(host("http://127.0.0.1:8081").unwrap(), "127.0.0.1:8081");
    }

    #[test]
    fn codes_are_classified() {
        let cases = [
            ("InvalidParameterValue.IncorrectPhoneNumber", "permanent"),
            ("FailedOperation.PhoneNumberInBlacklist", "permanent"),
            ("LimitExceeded.PhoneNumberDailyLimit", "temporary"),
            ("LimitExceeded.DeliveryFrequencyLimit", "temporary"),
            ("RequestLimitExceeded", "temporary"),
            ("InternalError.Timeout", "temporary"),
            ("InternalError", "temporary"),
            ("FailedOperation.MarketingSendTimeConstraint", "temporary"),
            ("FailedOperation.TemplateIncorrectOrUnapproved", "rejected"),
            ("FailedOperation.SignatureIncorrectOrUnapproved", "rejected"),
            ("InvalidParameterValue.TemplateParameterLengthLimit", "rejected"),
            ("InvalidParameter", "rejected"),
            ("AuthFailure.SignatureFailure", "rejected"),
            ("AuthFailure.SecretIdNotFound", "rejected"),
            ("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "rejected"),
            ("LimitExceeded.PhoneNumberCountLimit", "rejected"),
            ("SomethingNew", "temporary"),
        ];
        for (code, expected) in cases {
            let kind = match classify(code, "text") {
                SendError::Temporary(_) => "temporary",
                SendError::Permanent(_) => "permanent",
                SendError::Refused(_) => "refused",
                SendError::Rejected(_) => "rejected",
            };
            assert_eq!(kind, expected, "{code}");
        }
    }

    /// The request samples of "短信下发状态通知" and "短信回复".
    #[test]
    fn documented_callback_samples_are_read() {
        let status = r#"[{"user_receive_time": "2015-10-17 08:03:04", "nationcode": "86",
            "mobile": "13xxxxxxxxx", "report_status": "SUCCESS", "errmsg": "DELIVRD",
            "description": "用户短信送达成功", "sid": "xxxxxxx"}]"#;
        assert_eq!(
            receipts(status.as_bytes()).unwrap(),
            vec![Receipt {
                provider_ref: "xxxxxxx".to_owned(),
                phone: Some("+8613xxxxxxxxx".to_owned()),
                delivered: true,
                detail: "DELIVRD 用户短信送达成功".to_owned(),
            }]
        );
        let reply = r#"{"extend": "扩展码", "mobile": "13xxxxxxxxx", "nationcode": "86",
            "sign": "短信签名", "text": "用户回复的内容", "time": 1457336869}"#;
        let expected = Reply {
            phone: "+8613xxxxxxxxx".to_owned(),
            text: "用户回复的内容".to_owned(),
        };
        assert_eq!(replies(reply.as_bytes()).unwrap(), vec![expected.clone()]);
        assert_eq!(replies(format!("[{reply}]").as_bytes()).unwrap(), vec![expected]);
        assert!(receipts(b"[{}]").is_err());
    }

    fn sms(phone: &str, name: &str) -> Sms {
        birthday_sms(phone, name, "1110")
    }

    fn sender(stub: &Stub) -> Tencent {
        let config = SmsConfig {
            endpoint: Some(stub.url.clone()),
            key_id: "AKIDtest".to_owned(),
            key_secret: "secret".to_owned(),
            sdk_app_id: "1400006666".to_owned(),
            sign_name: "品牌".to_owned(),
            ..SmsConfig::default()
        };
        Tencent::new(&config, reqwest::Client::new()).unwrap()
    }

    /// Answers each number of the request: numbers ending in 9 are blacklisted, the rest sent.
    /// The statuses come back in reverse order, so answers must be found by number.
    fn statuses(request: &super::super::stub::Request) -> (u16, String) {
        let payload: Value = serde_json::from_str(&request.body).unwrap();
        let statuses: Vec<Value> = payload["PhoneNumberSet"]
            .as_array()
            .unwrap()
            .iter()
            .rev()
            .map(|number| {
                let number = number.as_str().unwrap();
                if number.ends_with('9') {
                    json!({"SerialNo": "", "PhoneNumber": number, "Fee": 0, "Code": "FailedOperation.PhoneNumberInBlacklist",
                           "Message": "blacklisted", "SessionContext": "", "IsoCode": "CN"})
                } else {
                    json!({"SerialNo": format!("serial-{number}"), "PhoneNumber": number, "Fee": 2, "Code": "Ok",
                           "Message": "send success", "SessionContext": "", "IsoCode": "CN"})
                }
            })
            .collect();
        (
            200,
            json!({"Response": {"SendStatusSet": statuses, "RequestId": "r"}}).to_string(),
        )
    }

    #[tokio::test]
    async fn each_number_gets_its_own_answer_from_the_status_set() {
        let stub = Stub::start(statuses).await;
        let batch = [
            sms("13800000001", "甲"),
            sms("+8613800000009", "甲"),
            sms("13800000003", "甲"),
        ];
        let answers = sender(&stub).send(&batch).await;
        assert_eq!(
            answers[0],
            Ok(Accepted {
                provider_ref: Some("serial-+8613800000001".to_owned()),
                parts: Some(2),
            })
        );
        assert!(matches!(&answers[1], Err(SendError::Permanent(text)) if text.contains("Blacklist")));
        assert_eq!(
            answers[2].as_ref().unwrap().provider_ref.as_deref(),
            Some("serial-+8613800000003")
        );
        let requests = stub.requests();
        assert_eq!(requests.len(), 1, "same parameters, all mainland: one request");
        let payload: Value = serde_json::from_str(&requests[0].body).unwrap();
        assert_eq!(
            payload,
            json!({"PhoneNumberSet": ["+8613800000001", "+8613800000009", "+8613800000003"],
                   "SmsSdkAppId": "1400006666", "SignName": "品牌", "TemplateId": "1110",
                   "TemplateParamSet": ["甲"]})
        );
    }

    #[tokio::test]
    async fn messages_go_together_only_with_the_same_parameters_and_the_same_side_of_the_border() {
        let stub = Stub::start(statuses).await;
        let batch = [
            sms("13800000001", "甲"),
            sms("13800000002", "乙"),
            sms("+85261234561", "甲"),
            sms("13800000003", "甲"),
        ];
        let answers = sender(&stub).send(&batch).await;
        assert!(answers.iter().all(Result::is_ok), "{answers:?}");
        let sets: Vec<Value> = stub
            .requests()
            .iter()
            .map(|request| serde_json::from_str::<Value>(&request.body).unwrap()["PhoneNumberSet"].clone())
            .collect();
        assert_eq!(
            sets,
            vec![
                json!(["+8613800000001", "+8613800000003"]),
                json!(["+8613800000002"]),
                json!(["+85261234561"])
            ]
        );
        let single: Value = serde_json::from_str(&stub.requests()[1].body).unwrap();
        assert_eq!(single["SessionContext"], "birthday:13800000002");
    }

    #[tokio::test]
    async fn the_request_is_signed_over_the_host_it_is_sent_to() {
        let stub = Stub::start(statuses).await;
        let tencent = sender(&stub);
        let _ = tencent.send(&[sms("13800000001", "甲")]).await;
        let request = &stub.requests()[0];
        assert_eq!(request.target, "/");
        assert_eq!(request.header("Host"), Some(tencent.host.as_str()));
        assert_eq!(request.header("Content-Type"), Some(JSON));
        assert_eq!(request.header("X-TC-Action"), Some("SendSms"));
        assert_eq!(request.header("X-TC-Version"), Some("2021-01-11"));
        assert_eq!(request.header("X-TC-Region"), Some("ap-guangzhou"));
        let timestamp: i64 = request.header("X-TC-Timestamp").unwrap().parse().unwrap();
        let expected = authorization("AKIDtest", "secret", &tencent.host, "sms", timestamp, &request.body);
        assert_eq!(request.header("Authorization"), Some(expected.as_str()));
    }

    #[tokio::test]
    async fn a_whole_request_error_answers_every_message() {
        let stub = Stub::start(|_| {
            let error = json!({"Response": {"Error": {"Code": "AuthFailure.SignatureFailure",
                "Message": "The provided credentials could not be validated."}, "RequestId": "r"}});
            (200, error.to_string())
        })
        .await;
        let answers = sender(&stub)
            .send(&[sms("13800000001", "甲"), sms("13800000002", "甲")])
            .await;
        assert!(answers
            .iter()
            .all(|answer| matches!(answer, Err(SendError::Rejected(_)))));
        let stub = Stub::start(|_| (502, "bad gateway".to_owned())).await;
        let answers = sender(&stub).send(&[sms("13800000001", "甲")]).await;
        assert!(matches!(&answers[0], Err(SendError::Temporary(text)) if text.contains("502")));
    }
}
