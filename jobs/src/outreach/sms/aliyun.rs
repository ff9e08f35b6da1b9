//! Alibaba Cloud SMS (dysmsapi, version 2017-05-25): `SendSms` for one message, `SendBatchSms`
//! for several, both signed with Alibaba Cloud's RPC signature (HMAC-SHA1); and the HTTP
//! batch-push callbacks, `SmsReport` (delivery receipts) and `SmsUp` (members' replies).
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use reqwest::header::CONTENT_TYPE;
use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::Value;
use sha1::Sha1;

use super::{e164, Failure, Receipt, Reply, Sms, SmsConfig};
use crate::outreach::transport::{unanswered, Accepted, SendError};

const PUBLIC_ENDPOINT: &str = "https://dysmsapi.aliyuncs.com";
const DEFAULT_REGION: &str = "cn-hangzhou";
const VERSION: &str = "2017-05-25";

/// What a callback answers: Aliyun checks only that `code` is a number and the status is 200,
/// and pushes again otherwise (SmsReport and SmsUp, "响应说明").
pub const CALLBACK_ANSWER: &str = r#"{"code":0,"msg":"接收成功"}"#;

/// RFC 3986's unreserved characters stay as they are; everything else, UTF-8 byte by byte, becomes
/// `%XY` (so a space is `%20`, `*` is `%2A` and `~` stays), as the signature mechanism requires.
const UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'_').remove(b'.').remove(b'~');

/// Codes that blame one number of a request: an invalid number, or one over Aliyun's per-number
/// rate limit. `SendBatchSms` fails whole for one of them, so its messages are then sent one by
/// one and only that number is blamed (or retried later); the rest go out now.
const NUMBER_CODES: [&str; 3] = [
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    "isv.BUSINESS_LIMIT_CONTROL",
];

/// Speaks to Aliyun's SMS API.
pub(super) struct Aliyun {
    client: reqwest::Client,
    url: String,
    key_id: String,
    key_secret: String,
    region: String,
    sign_name: String,
}

/// Aliyun's answer: `Code` is `OK` or an error code; a sent request carries `BizId`.
#[derive(Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Answer {
    code: Option<String>,
    #[serde(default)]
    message: String,
    biz_id: Option<String>,
}

impl Aliyun {
    pub(super) fn new(config: &SmsConfig, client: reqwest::Client) -> Result<Self, String> {
        super::require(&config.key_id, "KEY_ID", "Aliyun")?;
        super::require(&config.key_secret, "KEY_SECRET", "Aliyun")?;
        super::require(&config.sign_name, "SIGN_NAME", "Aliyun")?;
        Ok(Self {
            client,
            url: format!("{}/", super::endpoint(config, PUBLIC_ENDPOINT)),
            key_id: config.key_id.clone(),
            key_secret: config.key_secret.clone(),
            region: super::or_default(&config.region, DEFAULT_REGION),
            sign_name: config.sign_name.clone(),
        })
    }

    /// One message goes by `SendSms`, several by one `SendBatchSms`.
    pub(super) async fn send(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        match batch {
            [] => Vec::new(),
            [sms] => vec![self.send_one(sms).await],
            _ => self.send_together(batch).await,
        }
    }

    async fn send_one(&self, sms: &Sms) -> Result<Accepted, SendError> {
        let mut params = vec![
            ("PhoneNumbers", number(&sms.phone)),
            ("SignName", self.sign_name.clone()),
            ("TemplateCode", sms.template_code.clone()),
            ("OutId", sms.reference.clone()),
        ];
        if !sms.params.is_empty() {
            params.push(("TemplateParam", template_param(&sms.params).to_string()));
        }
        self.call("SendSms", params)
            .await
            .map(accepted)
            .map_err(|failure| failure.error)
    }

    /// One `SendBatchSms`. When Aliyun refuses it for a number, each message is sent on its own,
    /// one after the other: the caller bounds the requests in flight and counts this batch as one.
    async fn send_together(&self, batch: &[Sms]) -> Vec<Result<Accepted, SendError>> {
        match self.call("SendBatchSms", self.batch_params(batch)).await {
            Ok(biz_id) => batch.iter().map(|_| Ok(accepted(biz_id.clone()))).collect(),
            Err(failure) if NUMBER_CODES.contains(&failure.code.as_str()) => {
                let mut answers = Vec::with_capacity(batch.len());
                for sms in batch {
                    answers.push(self.send_one(sms).await);
                }
                answers
            }
            Err(failure) => batch.iter().map(|_| Err(failure.error.clone())).collect(),
        }
    }

    /// `SendBatchSms` takes each message's number, sign name and parameters as JSON arrays, in
    /// the same order.
    fn batch_params(&self, batch: &[Sms]) -> Vec<(&'static str, String)> {
        let numbers: Vec<String> = batch.iter().map(|sms| number(&sms.phone)).collect();
        let sign_names = vec![self.sign_name.clone(); batch.len()];
        let template_code = batch.first().map(|sms| sms.template_code.clone()).unwrap_or_default();
        let mut params = vec![
            ("PhoneNumberJson", Value::from(numbers).to_string()),
            ("SignNameJson", Value::from(sign_names).to_string()),
            ("TemplateCode", template_code),
        ];
        if batch.iter().any(|sms| !sms.params.is_empty()) {
            let values: Vec<Value> = batch.iter().map(|sms| template_param(&sms.params)).collect();
            params.push(("TemplateParamJson", Value::from(values).to_string()));
        }
        params
    }

    /// Posts one signed action; the BizId when Aliyun took it.
    async fn call(&self, action: &str, params: Vec<(&str, String)>) -> Result<String, Failure> {
        let response = self
            .client
            .post(&self.url)
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(self.signed_form(action, params))
            .send()
            .await
            .map_err(|err| Failure::without_code(unanswered("Aliyun", err)))?;
        let status = response.status();
        let body = response
            .bytes()
            .await
            .map_err(|err| Failure::without_code(unanswered("Aliyun", err)))?;
        read_answer(status, &body)
    }

    /// The form body: the common parameters, the action's own, and the signature over them all.
    fn signed_form(&self, action: &str, params: Vec<(&str, String)>) -> String {
        let all: BTreeMap<String, String> = [
            ("AccessKeyId", self.key_id.clone()),
            ("Action", action.to_owned()),
            ("Format", "JSON".to_owned()),
            ("RegionId", self.region.clone()),
            ("SignatureMethod", "HMAC-SHA1".to_owned()),
            ("SignatureNonce", uuid::Uuid::new_v4().to_string()),
            ("SignatureVersion", "1.0".to_owned()),
            ("Timestamp", Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()),
            ("Version", VERSION.to_owned()),
        ]
        .into_iter()
        .chain(params)
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
        let query = canonical_query(&all);
        let signature = sign(&self.key_secret, &string_to_sign("POST", &query));
        format!("{query}&Signature={}", percent_encode(&signature))
    }
}

fn accepted(biz_id: String) -> Accepted {
    Accepted {
        provider_ref: Some(biz_id).filter(|id| !id.is_empty()),
        parts: None,
    }
}

fn read_answer(status: StatusCode, body: &[u8]) -> Result<String, Failure> {
    let answer: Answer = serde_json::from_slice(body).unwrap_or_default();
    match answer.code.as_deref() {
        Some("OK") => Ok(answer.biz_id.unwrap_or_default()),
        Some(code) => Err(Failure {
            code: code.to_owned(),
            error: classify(code, &answer.message),
        }),
        None => Err(Failure::without_code(SendError::Temporary(format!(
            "Aliyun answered HTTP {status} without a code"
        )))),
    }
}

/// What an Aliyun error code means for the message (the SMS API's and the RPC gateway's codes).
/// A code not listed is retried, its text kept for whoever looks.
fn classify(code: &str, message: &str) -> SendError {
    let text = format!("{code} {message}");
    match code {
        "isv.MOBILE_NUMBER_ILLEGAL" => SendError::Permanent(text),
        // The template, the sign name, the parameters, the request's form or the account.
        "isp.RAM_PERMISSION_DENY"
        | "isv.SMS_TEMPLATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_ILLEGAL"
        | "isv.SMS_SIGN_ILLEGAL"
        | "isv.SIGN_STATE_ILLEGAL"
        | "isv.SMS_SIGNATURE_SCENE_ILLEGAL"
        | "isv.SMS_CONTENT_ILLEGAL"
        | "isv.TEMPLATE_MISSING_PARAMETERS"
        | "isv.TEMPLATE_PARAMS_ILLEGAL"
        | "isv.INVALID_PARAMETERS"
        | "isv.INVALID_JSON_PARAM"
        | "isv.PARAM_LENGTH_LIMIT"
        | "isv.PARAM_NOT_SUPPORT_URL"
        | "isv.BLACK_KEY_CONTROL_LIMIT"
        | "isv.MOBILE_COUNT_OVER_LIMIT"
        | "isv.DOMESTIC_NUMBER_NOT_SUPPORTED"
        | "isv.EXTEND_CODE_ERROR"
        | "isv.DENY_IP_RANGE"
        | "isv.ACCOUNT_NOT_EXISTS"
        | "isv.ACCOUNT_ABNORMAL"
        | "isv.PRODUCT_UN_SUBSCRIPT"
        | "isv.PRODUCT_UNSUBSCRIBE"
        | "SignatureDoesNotMatch" => SendError::Rejected(text),
        _ if code.starts_with("InvalidAccessKeyId") => SendError::Rejected(text),
        // Rate and quota limits, an empty balance, Aliyun's own faults: later may work.
        "isv.BUSINESS_LIMIT_CONTROL"
        | "isv.DAY_LIMIT_CONTROL"
        | "isv.MONTH_LIMIT_CONTROL"
        | "isv.AMOUNT_NOT_ENOUGH"
        | "isv.OUT_OF_SERVICE"
        | "isp.SYSTEM_ERROR" => SendError::Temporary(text),
        _ if code.starts_with("Throttling") || code.starts_with("isp.") => SendError::Temporary(text),
        _ => SendError::Temporary(text),
    }
}

/// Aliyun's number forms: a mainland mobile as its 11 digits, any other number as `00`, the
/// country code and the number.
fn number(phone: &str) -> String {
    match phone.strip_prefix('+') {
        Some(international) => match international.strip_prefix("86") {
            Some(mainland) => mainland.to_owned(),
            None => format!("00{international}"),
        },
        None => phone.to_owned(),
    }
}

/// The template's named parameters as the JSON object Aliyun takes (string values only).
fn template_param(params: &[(String, String)]) -> Value {
    Value::Object(
        params
            .iter()
            .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
            .collect(),
    )
}

fn percent_encode(text: &str) -> String {
    utf8_percent_encode(text, UNRESERVED).to_string()
}

/// `name=value` pairs, each side percent-encoded, sorted by name and joined with `&`.
fn canonical_query(params: &BTreeMap<String, String>) -> String {
    params
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// `METHOD&%2F&` and the canonical query, percent-encoded once more.
fn string_to_sign(method: &str, canonical_query: &str) -> String {
    format!("{method}&{}&{}", percent_encode("/"), percent_encode(canonical_query))
}

/// Base64 of HMAC-SHA1 keyed with the AccessKey secret and `&`.
fn sign(key_secret: &str, string_to_sign: &str) -> String {
    // HMAC takes keys of any length (a long one is hashed first), so this never fails.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(format!("{key_secret}&").as_bytes()) else {
        return String::new();
    };
    mac.update(string_to_sign.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

/// One delivery report of an `SmsReport` push.
#[derive(Deserialize)]
struct Report {
    phone_number: Option<String>,
    success: bool,
    #[serde(default)]
    err_code: String,
    #[serde(default)]
    err_msg: String,
    biz_id: String,
}

/// One reply of an `SmsUp` push.
#[derive(Deserialize)]
struct Up {
    phone_number: String,
    content: String,
}

/// The receipts of an `SmsReport` push: a JSON array, one report per message. A batch's messages
/// share one BizId, so each receipt names its number too.
pub fn receipts(body: &[u8]) -> Result<Vec<Receipt>, String> {
    let reports: Vec<Report> =
        serde_json::from_slice(body).map_err(|err| format!("not an Aliyun SmsReport body: {err}"))?;
    Ok(reports
        .into_iter()
        .map(|report| Receipt {
            provider_ref: report.biz_id,
            phone: report.phone_number,
            delivered: report.success,
            detail: format!("{} {}", report.err_code, report.err_msg).trim().to_owned(),
        })
        .collect())
}

/// The replies of an `SmsUp` push: a JSON array. Aliyun gives mainland numbers as 11 digits;
/// replies carry them in E.164 like the other providers'.
pub fn replies(body: &[u8]) -> Result<Vec<Reply>, String> {
    let ups: Vec<Up> = serde_json::from_slice(body).map_err(|err| format!("not an Aliyun SmsUp body: {err}"))?;
    Ok(ups
        .into_iter()
        .map(|up| Reply {
            phone: e164(&up.phone_number),
            text: up.content,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::super::stub::{birthday_sms, Stub};
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// The worked example of Aliyun SMS's signature documentation ("短信服务 > 签名机制",
    /// https://help.aliyun.com/document_detail/101343.html): AccessKey testId / testSecret,
    /// a GET SendSms whose canonical query, string to sign and signature it prints in full.
    #[test]
    fn reproduces_the_sms_documentations_signature_example() {
        let request = params(&[
            ("AccessKeyId", "testId"),
            ("Action", "SendSms"),
            ("Format", "XML"),
            ("OutId", "123"),
            ("PhoneNumbers", "15300000001"),
            ("RegionId", "cn-hangzhou"),
            ("SignName", "阿里云短信测试专用"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "45e25e9b-0a6f-4070-8c85-2956eda1b466"),
            ("SignatureVersion", "1.0"),
            ("TemplateCode", "SMS_71390007"),
            ("TemplateParam", r#"{"customer":"test"}"#),
            ("Timestamp", "2017-07-12T02:42:19Z"),
            ("Version", "2017-05-25"),
        ]);
        let query = canonical_query(&request);
        assert_eq!(
            query,
            "AccessKeyId=testId&Action=SendSms&Format=XML&OutId=123&PhoneNumbers=15300000001\
             &RegionId=cn-hangzhou&SignName=%E9%98%BF%E9%87%8C%E4%BA%91%E7%9F%AD%E4%BF%A1%E6%B5%8B%E8%AF%95%E4%B8%93%E7%94%A8\
             &SignatureMethod=HMAC-SHA1&SignatureNonce=45e25e9b-0a6f-4070-8c85-2956eda1b466&SignatureVersion=1.0\
             &TemplateCode=SMS_71390007&TemplateParam=%7B%22customer%22%3A%22test%22%7D\
             &Timestamp=2017-07-12T02%3A42%3A19Z&Version=2017-05-25"
        );
        let to_sign = string_to_sign("GET", &query);
        assert_eq!(
            to_sign,
            "GET&%2F&AccessKeyId%3DtestId%26Action%3DSendSms%26Format%3DXML%26OutId%3D123\
             %26PhoneNumbers%3D15300000001%26RegionId%3Dcn-hangzhou\
             %26SignName%3D%25E9%2598%25BF%25E9%2587%258C%25E4%25BA%2591%25E7%259F%25AD%25E4%25BF%25A1%25E6%25B5%258B%25E8%25AF%2595%25E4%25B8%2593%25E7%2594%25A8\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D45e25e9b-0a6f-4070-8c85-2956eda1b466\
             %26SignatureVersion%3D1.0%26TemplateCode%3DSMS_71390007\
             %26TemplateParam%3D%257B%2522customer%2522%253A%2522test%2522%257D\
             %26Timestamp%3D2017-07-12T02%253A42%253A19Z%26Version%3D2017-05-25"
        );
        let signature = sign("testSecret", &to_sign);
        assert_eq!(signature, "zJDF+Lrzhj/ThnlvIToysFRq6t4=");
        assert_eq!(percent_encode(&signature), "zJDF%2BLrzhj%2FThnlvIToysFRq6t4%3D");
    }

    /// The DescribeRegions example of Alibaba Cloud's RPC signature documentation ("API 签名机制
    /// (示例)", republished at https://developer.aliyun.com/ask/210168): testid / testsecret.
    #[test]
    fn reproduces_the_rpc_documentations_describe_regions_example() {
        let request = params(&[
            ("TimeStamp", "2016-02-23T12:46:24Z"),
            ("Format", "XML"),
            ("AccessKeyId", "testid"),
            ("Action", "DescribeRegions"),
            ("SignatureMethod", "HMAC-SHA1"),
            ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
            ("Version", "2014-05-26"),
            ("SignatureVersion", "1.0"),
        ]);
        let to_sign = string_to_sign("GET", &canonical_query(&request));
        // The page prints the `%26` between parameters as `&`; its signature is of this string.
        assert_eq!(
            to_sign,
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26TimeStamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
        );
        assert_eq!(sign("testsecret", &to_sign), "CT9X0VtwR86fNWSnsc6v8YGOjuE=");
    }

    #[test]
    fn percent_encoding_keeps_only_unreserved_characters() {
        assert_eq!(percent_encode("a b*c~d-e_f.g+h/"), "a%20b%2Ac~d-e_f.g%2Bh%2F");
        assert_eq!(percent_encode("生"), "%E7%94%9F");
    }

    #[test]
    fn mainland_numbers_lose_their_country_code_and_others_take_00() {
        assert_eq!(number("+8613812345678"), "13812345678");
        assert_eq!(number("13812345678"), "13812345678");
        assert_eq!(number("+85261234567"), "0085261234567");
    }

    #[test]
    fn error_codes_are_classified() {
        let cases = [
            ("isv.MOBILE_NUMBER_ILLEGAL", "permanent"),
            ("isv.BUSINESS_LIMIT_CONTROL", "temporary"),
            ("isv.DAY_LIMIT_CONTROL", "temporary"),
            ("Throttling.User", "temporary"),
            ("isp.SYSTEM_ERROR", "temporary"),
            ("isv.SMS_TEMPLATE_ILLEGAL", "rejected"),
            ("isv.SMS_SIGNATURE_ILLEGAL", "rejected"),
            ("isv.TEMPLATE_MISSING_PARAMETERS", "rejected"),
            ("isv.INVALID_PARAMETERS", "rejected"),
            ("isv.INVALID_JSON_PARAM", "rejected"),
            ("isv.BLACK_KEY_CONTROL_LIMIT", "rejected"),
            ("isv.MOBILE_COUNT_OVER_LIMIT", "rejected"),
            ("isp.RAM_PERMISSION_DENY", "rejected"),
            ("SignatureDoesNotMatch", "rejected"),
            ("InvalidAccessKeyId.NotFound", "rejected"),
            ("isv.SOMETHING_NEW", "temporary"),
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
        assert_eq!(classify("isv.X", "新的"), SendError::Temporary("isv.X 新的".to_owned()));
    }

    /// The request samples of the SmsReport and SmsUp pages ("HTTP批量推送模式").
    #[test]
    fn documented_callback_samples_are_read() {
        let report = r#"[{"phone_number" : "1381111****", "send_time" : "2017-01-01 00:00:00",
            "report_time" : "2017-01-01 00:00:00", "success" : true, "err_code" : "DELIVERED",
            "err_msg" : "用户接收成功", "sms_size" : "1", "biz_id" : "12345", "out_id" : "67890"}]"#;
        assert_eq!(
            receipts(report.as_bytes()).unwrap(),
            vec![Receipt {
                provider_ref: "12345".to_owned(),
                phone: Some("1381111****".to_owned()),
                delivered: true,
                detail: "DELIVERED 用户接收成功".to_owned(),
            }]
        );
        let up = r#"[{"phone_number" : "13811111111", "send_time" : "2017-09-01 00:00:00",
            "content" : "TD", "sign_name" : "签名", "dest_code" : "1234", "sequence_id" : 1234567890}]"#;
        assert_eq!(
            replies(up.as_bytes()).unwrap(),
            vec![Reply {
                phone: "+8613811111111".to_owned(),
                text: "TD".to_owned(),
            }]
        );
        assert!(receipts(b"{}").is_err());
    }

    fn sms(phone: &str, name: &str) -> Sms {
        birthday_sms(phone, name, "SMS_123")
    }

    fn sender(stub: &Stub) -> Aliyun {
        let config = SmsConfig {
            endpoint: Some(stub.url.clone()),
            key_id: "id".to_owned(),
            key_secret: "secret".to_owned(),
            sign_name: "品牌".to_owned(),
            ..SmsConfig::default()
        };
        Aliyun::new(&config, reqwest::Client::new()).unwrap()
    }

    /// Aliyun refuses a whole batch for one bad number; each message is then sent alone.
    #[tokio::test]
    async fn a_batch_refused_for_one_number_is_resent_singly_and_only_that_number_is_blamed() {
        let stub = Stub::start(|request| {
            let bad = r#"{"Code":"isv.MOBILE_NUMBER_ILLEGAL","Message":"非法手机号","RequestId":"r"}"#;
            match (
                request.field("Action").as_deref(),
                request.field("PhoneNumbers").as_deref(),
            ) {
                (Some("SendBatchSms"), _) | (_, Some("123")) => (200, bad.to_owned()),
                (_, Some(number)) => (200, format!(r#"{{"Code":"OK","Message":"OK","BizId":"biz-{number}"}}"#)),
                _ => (400, "{}".to_owned()),
            }
        })
        .await;
        let batch = [sms("+8613800000001", "甲"), sms("123", "乙"), sms("13800000003", "丙")];
        let answers = sender(&stub).send(&batch).await;
        assert_eq!(
            answers[0].as_ref().unwrap().provider_ref.as_deref(),
            Some("biz-13800000001")
        );
        assert!(matches!(&answers[1], Err(SendError::Permanent(text)) if text.contains("MOBILE_NUMBER_ILLEGAL")));
        assert_eq!(
            answers[2].as_ref().unwrap().provider_ref.as_deref(),
            Some("biz-13800000003")
        );
        let requests = stub.requests();
        assert_eq!(requests.len(), 4, "one batch, then three single sends");
        let batch_request = &requests[0];
        assert_eq!(
            batch_request.field("PhoneNumberJson").as_deref(),
            Some(r#"["13800000001","123","13800000003"]"#)
        );
        assert_eq!(
            batch_request.field("TemplateParamJson").as_deref(),
            Some(r#"[{"name":"甲"},{"name":"乙"},{"name":"丙"}]"#)
        );
        assert_eq!(requests[1].field("OutId").as_deref(), Some("birthday:+8613800000001"));
    }

    #[tokio::test]
    async fn a_batch_shares_its_biz_id_and_a_template_error_rejects_every_message() {
        let stub = Stub::start(|request| match request.field("TemplateCode").as_deref() {
            Some("SMS_123") => (200, r#"{"Code":"OK","Message":"OK","BizId":"batch-1"}"#.to_owned()),
            _ => (
                200,
                r#"{"Code":"isv.SMS_TEMPLATE_ILLEGAL","Message":"模板不合法"}"#.to_owned(),
            ),
        })
        .await;
        let aliyun = sender(&stub);
        let batch = [sms("13800000001", "甲"), sms("13800000002", "乙")];
        let answers = aliyun.send(&batch).await;
        assert!(answers
            .iter()
            .all(|answer| answer.as_ref().unwrap().provider_ref.as_deref() == Some("batch-1")));
        let gone = Sms {
            template_code: "SMS_GONE".to_owned(),
            ..sms("13800000001", "甲")
        };
        let unknown = [gone.clone(), gone];
        let answers = aliyun.send(&unknown).await;
        assert!(answers
            .iter()
            .all(|answer| matches!(answer, Err(SendError::Rejected(_)))));
        assert_eq!(stub.requests().len(), 2, "no single sends for a template error");
    }

    /// What was posted verifies against the secret: the signature covers every other field.
    #[tokio::test]
    async fn the_posted_form_is_signed_and_carries_the_common_parameters() {
        let stub = Stub::start(|_| (200, r#"{"Code":"OK","BizId":"b"}"#.to_owned())).await;
        let answer = sender(&stub).send(&[sms("13800000001", "甲")]).await;
        assert!(answer[0].is_ok());
        let request = &stub.requests()[0];
        assert_eq!(request.target, "/");
        let mut form: BTreeMap<String, String> = request.form().into_iter().collect();
        let signature = form.remove("Signature").unwrap();
        assert_eq!(
            sign("secret", &string_to_sign("POST", &canonical_query(&form))),
            signature
        );
        assert_eq!(form["Action"], "SendSms");
        assert_eq!(form["Version"], "2017-05-25");
        assert_eq!(form["RegionId"], "cn-hangzhou");
        assert_eq!(form["Format"], "JSON");
        assert_eq!(form["SignName"], "品牌");
        assert_eq!(form["TemplateParam"], r#"{"name":"甲"}"#);
    }

    #[tokio::test]
    async fn no_answer_and_a_server_error_are_temporary() {
        let stub = Stub::start(|_| (503, "<html>busy</html>".to_owned())).await;
        let answers = sender(&stub).send(&[sms("13800000001", "甲")]).await;
        assert!(matches!(&answers[0], Err(SendError::Temporary(text)) if text.contains("503")));
        let config = SmsConfig {
            endpoint: Some("http://127.0.0.1:9".to_owned()),
            key_id: "id".to_owned(),
            key_secret: "secret".to_owned(),
            sign_name: "品牌".to_owned(),
            ..SmsConfig::default()
        };
        let closed = Aliyun::new(&config, reqwest::Client::new()).unwrap();
        let answers = closed.send(&[sms("13800000001", "甲")]).await;
        assert!(matches!(&answers[0], Err(SendError::Temporary(_))));
    }
}
