//! SMS and WeChat beside email, end to end: a campaign preferring WeChat, then SMS, then email
//! reaches each consenting member once, on their best channel, through the stand-in providers
//! (which check every request's signature) and a real SMTP server; delivery receipts and
//! opt-out replies come back through the providers' callbacks.
use jobs::outreach::sms::Provider;
use patron::auth::Role;
use serde_json::{json, Value};

use crate::campaigns::a_minute_ago;
use crate::helpers::{spawn_app_with, TestApp};
use crate::providers::{ProviderMock, CALLBACK_TOKEN};
use crate::smtp::SmtpSink;

async fn app_with(mock: &ProviderMock, sink: &SmtpSink, provider: Provider) -> TestApp {
    let (mut sms, wechat, smtp) = (mock.sms(provider), mock.wechat(), sink.url());
    sms.price_per_part = "0.045".to_owned();
    spawn_app_with(move |settings| {
        settings.outreach.smtp_url = Some(smtp);
        settings.outreach.quiet_start_hour = 0;
        settings.outreach.quiet_end_hour = 0;
        settings.sms = sms;
        settings.wechat = wechat;
    })
    .await
}

/// Members and what they consented to. The WeChat and SMS ids steer the stand-in: an openid
/// with `unfollowed` is refused (43004), a number ending 0000 is invalid.
const MEMBERS: &str = "member_no,name,email,email_consent,phone,sms_consent,wechat_openid,wechat_consent
ALL,全渠道,all@example.com,true,13800000011,true,o-all,true
UNFOLLOWED,没关注,unfollowed@example.com,true,13800000012,true,o-unfollowed-12,true
SMS,只短信,sms@example.com,true,13800000013,true,,false
DEAD,空号,dead@example.com,true,13800010000,true,,false
EMAIL,只邮件,email@example.com,true,13800000014,false,,false
BOUND,绑了没同意,bound@example.com,true,,false,o-bound,false
NONE,都没同意,none@example.com,false,13800000015,false,o-none,false
";

/// A campaign to everyone preferring WeChat, then SMS, then email, with a template on each.
async fn campaign(app: &TestApp, marketer: &str, provider: Provider) -> String {
    let create = "mutation($in:CampaignInput!){ createCampaign(input:$in){ id templateKind channels } }";
    let input = json!({ "name": "冬季上新", "channels": ["WECHAT", "SMS", "EMAIL"],
        "schedule": { "at": a_minute_ago(app) } });
    let created = app.ok(marketer, create, json!({ "in": input })).await["createCampaign"].clone();
    assert_eq!(created["channels"], json!(["WECHAT", "SMS", "EMAIL"]));
    let kind = created["templateKind"].as_str().unwrap().to_owned();
    let email = json!({ "kind": kind, "locale": "zh-CN", "subject": "冬季上新 {{ member.name }}",
        "text": "你好 {{ member.name }}\n退订: {{ unsubscribe_url }}",
        "html": "<p>你好 {{ member.name }}</p><a href=\"{{ unsubscribe_url }}\">退订</a>" });
    app.ok(
        marketer,
        "mutation($in:TemplateInput!){ saveEmailTemplate(input:$in) }",
        json!({ "in": email }),
    )
    .await;
    let sms = json!({ "kind": kind, "locale": "zh-CN", "templateCode": template_code(provider),
        "text": "${name}您好，冬季新品已上市，欢迎光临。拒收请回复R",
        "params": [{ "name": "name", "value": "{{ member.name }}" }] });
    app.ok(
        marketer,
        "mutation($in:SmsTemplateInput!){ saveSmsTemplate(input:$in) }",
        json!({ "in": sms }),
    )
    .await;
    let wechat = json!({ "kind": kind, "locale": "zh-CN", "messageKind": "OFFICIAL", "templateId": "TM-winter",
        "link": "https://brand.example/new", "fields": [
            { "name": "thing1", "value": "{{ member.name }}" }, { "name": "thing2", "value": "冬季新品上市" }] });
    app.ok(
        marketer,
        "mutation($in:WechatTemplateInput!){ saveWechatTemplate(input:$in) }",
        json!({ "in": wechat }),
    )
    .await;
    let id = created["id"].as_str().unwrap().to_owned();
    let schedule = "mutation($id:ID!){ scheduleCampaign(id:$id){ status } }";
    app.ok(marketer, schedule, json!({ "id": id })).await;
    id
}

/// Who got what, by channel: (channel, recipient) of every message the stand-in and the SMTP
/// server accepted.
fn arrivals(mock: &ProviderMock, sink: &SmtpSink) -> Vec<(String, String)> {
    let mut arrivals: Vec<(String, String)> = mock
        .messages()
        .iter()
        .map(|m| {
            (
                m["channel"].as_str().unwrap().to_owned(),
                m["to"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    arrivals.extend(
        sink.envelopes()
            .into_iter()
            .flatten()
            .map(|to| ("email".to_owned(), to)),
    );
    arrivals.sort();
    arrivals
}

/// The code each provider approved the campaign's SMS under (Tencent's are numbers).
fn template_code(provider: Provider) -> &'static str {
    match provider {
        Provider::Tencent => "1274830",
        Provider::Aliyun | Provider::Twilio => "SMS_274830001",
    }
}

/// The number as each provider is sent it.
fn number(provider: Provider, mainland: &str) -> String {
    match provider {
        Provider::Aliyun => mainland.to_owned(),
        Provider::Tencent | Provider::Twilio => format!("+86{mainland}"),
    }
}

async fn each_member_once_on_their_best_channel(provider: Provider) {
    let (mock, sink) = (ProviderMock::start(), SmtpSink::start());
    let app = app_with(&mock, &sink, provider).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    let report = app.import("members", MEMBERS).await;
    assert_eq!(report.added, 7, "{report}");
    campaign(&app, &marketer, provider).await;
    let today = app.jobs.today().to_string();
    let started = app.run_job("campaigns", &today).await.expect("campaigns job");
    // NONE consented to nothing: not in the audience.
    assert_eq!(started["started"][0]["audience"], 6, "{started}");
    let sent = app.run_job("outbox", &today).await.expect("dispatch");
    // UNFOLLOWED is refused by WeChat and DEAD's number is invalid: both go on to their next
    // channel in the same pass or the next.
    if sent["fell_back"].as_u64().unwrap_or(0) > 0 {
        app.run_job("outbox", &today).await.expect("dispatch the fallbacks");
    }
    let mut expected = vec![
        ("wechat".to_owned(), "o-all".to_owned()),
        ("sms".to_owned(), number(provider, "13800000012")),
        ("sms".to_owned(), number(provider, "13800000013")),
        ("email".to_owned(), "dead@example.com".to_owned()),
        ("email".to_owned(), "email@example.com".to_owned()),
        ("email".to_owned(), "bound@example.com".to_owned()),
    ];
    expected.sort();
    assert_eq!(arrivals(&mock, &sink), expected, "{provider:?}: {sent}");

    // What each message said: the SMS its template and parameters, the WeChat message its fields.
    let messages = mock.messages();
    let sms = messages
        .iter()
        .find(|m| m["to"] == number(provider, "13800000013"))
        .unwrap();
    match provider {
        Provider::Twilio => assert_eq!(sms["text"], "【衣橱】只短信您好，冬季新品已上市，欢迎光临。拒收请回复R"),
        Provider::Aliyun => assert_eq!(
            (&sms["template"], &sms["params"]),
            (&json!("SMS_274830001"), &json!({ "name": "只短信" }))
        ),
        Provider::Tencent => assert_eq!(
            (&sms["template"], &sms["params"]),
            (&json!("1274830"), &json!(["只短信"]))
        ),
    }
    let wechat = messages.iter().find(|m| m["channel"] == "wechat").unwrap();
    assert_eq!(wechat["params"]["thing1"]["value"], "全渠道", "{wechat}");

    // The outbox says which channel each went out on; the dead number is suppressed.
    let admin = app.admin().await;
    let outbox = app
        .ok(
            &admin,
            "{ outbox(first: 20) { edges { node { member { memberNo } status channel lastError } } } }",
            json!({}),
        )
        .await;
    let channel_of = |no: &str| -> Value {
        let edges = outbox["outbox"]["edges"].as_array().unwrap();
        let node = edges.iter().find(|e| e["node"]["member"]["memberNo"] == no).unwrap();
        node["node"]["channel"].clone()
    };
    assert_eq!(channel_of("UNFOLLOWED"), "SMS");
    assert_eq!(channel_of("ALL"), "WECHAT");
    assert_eq!(channel_of("DEAD"), "EMAIL");
    assert!(jobs::outreach::suppression::Suppressions::PHONE
        .contains(&app.db, "13800010000")
        .await
        .unwrap());
}

#[tokio::test]
async fn a_wechat_sms_email_campaign_reaches_each_member_once_through_aliyun() {
    each_member_once_on_their_best_channel(Provider::Aliyun).await;
}

#[tokio::test]
async fn a_wechat_sms_email_campaign_reaches_each_member_once_through_tencent() {
    each_member_once_on_their_best_channel(Provider::Tencent).await;
}

#[tokio::test]
async fn a_wechat_sms_email_campaign_reaches_each_member_once_through_twilio() {
    each_member_once_on_their_best_channel(Provider::Twilio).await;
}

/// Posts a provider's callback to the server.
async fn callback(app: &TestApp, path: &str, body: &str) -> reqwest::Response {
    app.client
        .post(format!("{}{path}", app.address))
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .expect("post the callback")
}

#[tokio::test]
async fn a_td_reply_withdraws_sms_consent_and_a_receipt_marks_delivery_each_once() {
    let (mock, sink) = (ProviderMock::start(), SmtpSink::start());
    let app = app_with(&mock, &sink, Provider::Aliyun).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    app.import("members", MEMBERS).await;
    let id = campaign(&app, &marketer, Provider::Aliyun).await;
    // What the campaign's SMS and WeChat message say to a member, before anything is sent.
    let previews = "query($kind: String!){
        sms: previewSms(kind: $kind, memberNo: \"SMS\") { text length parts templateCode }
        wechat: previewWechat(kind: $kind, memberNo: \"ALL\") { messageKind templateId link fields { name value } } }";
    let previews = app
        .ok(&marketer, previews, json!({ "kind": format!("campaign:{id}") }))
        .await;
    assert_eq!(
        previews,
        json!({
            "sms": { "text": "【衣橱】只短信您好，冬季新品已上市，欢迎光临。拒收请回复R", "length": 29, "parts": 1,
                "templateCode": "SMS_274830001" },
            "wechat": { "messageKind": "OFFICIAL", "templateId": "TM-winter", "link": "https://brand.example/new",
                "fields": [{ "name": "thing1", "value": "全渠道" }, { "name": "thing2", "value": "冬季新品上市" }] },
        })
    );
    let today = app.jobs.today().to_string();
    app.run_job("campaigns", &today).await.expect("campaigns job");
    while app.run_job("outbox", &today).await.expect("dispatch")["fell_back"] != 0 {}
    let sms = mock.messages().into_iter().find(|m| m["to"] == "13800000013").unwrap();
    let biz_id = sms["ref"].as_str().unwrap();

    // Aliyun's delivery report (SmsReport), posted twice as a provider may.
    let report = json!([{ "phone_number": "13800000013", "send_time": "2026-12-05 10:00:00",
        "report_time": "2026-12-05 10:00:05", "success": true, "err_code": "DELIVERED",
        "err_msg": "用户接收成功", "sms_size": "1", "biz_id": biz_id, "out_id": "" }])
    .to_string();
    let path = format!("/callbacks/sms/aliyun/report?token={CALLBACK_TOKEN}");
    for _ in 0..2 {
        let answer = callback(&app, &path, &report).await;
        assert_eq!(answer.status(), 200);
        assert_eq!(
            answer.text().await.unwrap(),
            jobs::outreach::sms::aliyun::CALLBACK_ANSWER
        );
    }
    let forged = callback(&app, "/callbacks/sms/aliyun/report?token=guess", &report).await;
    assert_eq!(forged.status(), 403, "a callback without the shared secret is refused");
    let admin = app.admin().await;
    let delivered = app
        .ok(
            &admin,
            "{ outbox(first: 20) { edges { node { member { memberNo } deliveredAt } } } }",
            json!({}),
        )
        .await;
    let edges = delivered["outbox"]["edges"].as_array().unwrap();
    let delivered: Vec<&str> = edges
        .iter()
        .filter(|e| !e["node"]["deliveredAt"].is_null())
        .map(|e| e["node"]["member"]["memberNo"].as_str().unwrap())
        .collect();
    assert_eq!(delivered, ["SMS"]);

    // The member replies TD (Aliyun's SmsUp): SMS consent is withdrawn at once, with the proof.
    let reply = json!([{ "phone_number": "13800000013", "send_time": "2026-12-05 10:05:00",
        "content": "TD", "sign_name": "衣橱", "dest_code": "1234", "sequence_id": 1 }])
    .to_string();
    let path = format!("/callbacks/sms/aliyun/reply?token={CALLBACK_TOKEN}");
    for _ in 0..2 {
        assert_eq!(callback(&app, &path, &reply).await.status(), 200);
    }
    // The campaign's report per channel: what went where, what was delivered, who opted out
    // and what the texts cost (one part each at 0.045).
    let report = "query($id:ID!){ campaign(id:$id){ occurrences { report { channels {
        channel sent delivered failed optedOut smsParts smsCost } } } } }";
    let report = app.ok(&admin, report, json!({ "id": id })).await;
    assert_eq!(
        report["campaign"]["occurrences"][0]["report"]["channels"],
        json!([
            { "channel": "EMAIL", "sent": 3, "delivered": 0, "failed": 0, "optedOut": 0, "smsParts": 0, "smsCost": null },
            { "channel": "SMS", "sent": 2, "delivered": 1, "failed": 0, "optedOut": 1, "smsParts": 2, "smsCost": "0.090" },
            { "channel": "WECHAT", "sent": 1, "delivered": 0, "failed": 0, "optedOut": 0, "smsParts": 0, "smsCost": null },
        ])
    );
    let member = app
        .ok(
            &admin,
            "{ member(memberNo: \"SMS\") { smsConsent emailConsent consents { channel granted source wording } } }",
            json!({}),
        )
        .await["member"]
        .clone();
    assert_eq!(member["smsConsent"], false);
    assert_eq!(member["emailConsent"], true, "only SMS consent is withdrawn");
    assert_eq!(
        member["consents"],
        json!([
            { "channel": "SMS", "granted": false, "source": "sms reply", "wording": "TD" },
            { "channel": "SMS", "granted": true, "source": "import", "wording": null },
            { "channel": "EMAIL", "granted": true, "source": "import", "wording": null },
        ]),
        "one withdrawal for two posts"
    );
}

/// Twilio's webhook signature as its documentation gives it: base64 of HMAC-SHA1, keyed with the
/// auth token, over the URL followed by each posted field's name and value, sorted by name.
fn twilio_signature(auth_token: &str, url: &str, fields: &[(&str, &str)]) -> String {
    use base64::Engine;
    let mut sorted = fields.to_vec();
    sorted.sort();
    let signed: String = std::iter::once(url.to_owned())
        .chain(sorted.iter().map(|(name, value)| format!("{name}{value}")))
        .collect();
    let key = ring::hmac::Key::new(ring::hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, auth_token.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(ring::hmac::sign(&key, signed.as_bytes()).as_ref())
}

#[tokio::test]
async fn twilio_callbacks_count_only_with_twilios_signature() {
    let (mock, sink) = (ProviderMock::start(), SmtpSink::start());
    let app = app_with(&mock, &sink, Provider::Twilio).await;
    let marketer = app.token(Role::Marketer, None, None, None).await;
    app.import("members", MEMBERS).await;
    campaign(&app, &marketer, Provider::Twilio).await;
    let today = app.jobs.today().to_string();
    app.run_job("campaigns", &today).await.expect("campaigns job");
    while app.run_job("outbox", &today).await.expect("dispatch")["fell_back"] != 0 {}
    let sms = mock
        .messages()
        .into_iter()
        .find(|m| m["to"] == "+8613800000013")
        .unwrap();
    let sid = sms["ref"].as_str().unwrap().to_owned();

    // Twilio signs the public URL it calls; the test server's public URL is the default one.
    let post = |path: &'static str, fields: Vec<(&'static str, String)>, signed: bool| {
        let app = &app;
        async move {
            let public = format!("{}{path}", app.jobs.outreach.config.public_url);
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let signature = if signed {
                twilio_signature("test-auth-token", &public, &pairs)
            } else {
                twilio_signature("someone-else", &public, &pairs)
            };
            app.client
                .post(format!("{}{path}", app.address))
                .header("X-Twilio-Signature", signature)
                .form(&pairs)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let delivered = vec![
        ("MessageSid", sid.clone()),
        ("MessageStatus", "delivered".to_owned()),
        ("To", "+8613800000013".to_owned()),
    ];
    assert_eq!(
        post("/callbacks/sms/twilio/report", delivered.clone(), false).await,
        403
    );
    assert_eq!(post("/callbacks/sms/twilio/report", delivered, true).await, 200);
    let stop = vec![
        ("From", "+8613800000013".to_owned()),
        ("Body", "STOP".to_owned()),
        ("MessageSid", "SMreply".to_owned()),
    ];
    assert_eq!(post("/callbacks/sms/twilio/reply", stop.clone(), false).await, 403);
    let admin = app.admin().await;
    let consent = "{ member(memberNo: \"SMS\") { smsConsent } }";
    assert_eq!(
        app.ok(&admin, consent, json!({})).await["member"]["smsConsent"],
        true,
        "a forged reply changes nothing"
    );
    assert_eq!(post("/callbacks/sms/twilio/reply", stop, true).await, 200);
    assert_eq!(app.ok(&admin, consent, json!({})).await["member"]["smsConsent"], false);
    let outbox = app
        .ok(
            &admin,
            "{ outbox(first: 20) { edges { node { member { memberNo } deliveredAt parts } } } }",
            json!({}),
        )
        .await;
    let edges = outbox["outbox"]["edges"].as_array().unwrap();
    let row = edges.iter().find(|e| e["node"]["member"]["memberNo"] == "SMS").unwrap();
    assert!(row["node"]["deliveredAt"].is_string(), "{row}");
    assert_eq!(
        row["node"]["parts"], 1,
        "29 characters with the sign name: one part: {row}"
    );
}
