//! Templates for SMS and WeChat, per kind and locale, filled from the same context as emails.
//!
//! An **SMS template** is the one approved at the provider: its code, its wording as approved
//! (with the provider's placeholders: Aliyun's `${name}`, Tencent's `{1}`) and, for each
//! parameter, a minijinja expression that fills it (`name` → `{{ member.name }}`). Patron sends
//! the code and the parameters; the wording, filled in, is what the member reads (Twilio sends
//! it as it is; the console shows it, its length and its billed parts).
//!
//! A **WeChat template** is a template message of the Official Account or a subscribe message
//! of the mini-program: its id, where a tap leads, and a minijinja expression per field
//! (`thing1`, `time2`, …).
//!
//! Both are stored as JSON in `channel_templates`; the shipped SMS templates (no provider code:
//! a brand sets the one its provider approved) cover the built-in kinds.
use std::collections::HashMap;
use std::time::Instant;

use entity::vocabulary::Channel;
use minijinja::{Environment, Value};
use serde::{Deserialize, Serialize};

use super::sms::{billed_parts, Provider, Sms};
use super::template::{
    context_value, environment, render_part, sample_contexts, MailContext, TemplateError, FALLBACK_LOCALE,
    MAX_RENDER_TIME,
};
use super::wechat::{WechatKind, WechatMessage};

/// One named value of a template: an SMS parameter or a WeChat field, and its minijinja source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// An SMS template as approved at the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsTemplate {
    /// The provider's template code; empty until the brand sets the one its provider approved
    /// (Twilio needs none).
    pub template_code: String,
    /// The approved wording, with `${name}` or `{1}` placeholders.
    pub text: String,
    pub params: Vec<Field>,
}

/// A WeChat template message or subscribe message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WechatTemplate {
    pub kind: WechatKind,
    pub template_id: String,
    /// Where a tap leads (a URL, or a mini-program page), minijinja.
    pub link: Option<String>,
    pub fields: Vec<Field>,
}

/// A template of either channel, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ChannelTemplate {
    Sms(SmsTemplate),
    Wechat(WechatTemplate),
}

impl ChannelTemplate {
    pub fn channel(&self) -> Channel {
        match self {
            Self::Sms(_) => Channel::Sms,
            Self::Wechat(_) => Channel::Wechat,
        }
    }

    /// Reads a stored source.
    pub fn parse(channel: Channel, source: &str) -> Result<Self, String> {
        let parsed = match channel {
            Channel::Sms => serde_json::from_str(source).map(Self::Sms),
            Channel::Wechat => serde_json::from_str(source).map(Self::Wechat),
            Channel::Email => return Err("email templates are not channel templates".to_owned()),
        };
        parsed.map_err(|err| format!("the stored {channel} template is not readable: {err}"))
    }

    /// As stored.
    pub fn source(&self) -> String {
        let json = match self {
            Self::Sms(t) => serde_json::to_string(t),
            Self::Wechat(t) => serde_json::to_string(t),
        };
        json.unwrap_or_default()
    }

    fn fields(&self) -> impl Iterator<Item = (String, &str)> {
        let (fields, link) = match self {
            Self::Sms(t) => (&t.params, None),
            Self::Wechat(t) => (&t.fields, t.link.as_deref()),
        };
        let named = fields.iter().map(|f| (format!("field.{}", f.name), f.value.as_str()));
        named.chain(link.map(|link| ("link".to_owned(), link)))
    }
}

/// An SMS filled in for one member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedSms {
    pub template_code: String,
    pub params: Vec<(String, String)>,
    /// The wording filled in, with the sign name before it: what the member reads.
    pub text: String,
    pub parts: u32,
}

impl RenderedSms {
    /// The message to `phone`.
    pub fn to(self, phone: &str, reference: &str) -> Sms {
        Sms {
            phone: phone.to_owned(),
            template_code: self.template_code,
            params: self.params,
            text: self.text,
            reference: reference.to_owned(),
        }
    }
}

/// A shipped SMS template: (kind, locale, text, params by name).
type Shipped = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
);

/// The shipped SMS wording of the built-in kinds.
const SHIPPED_SMS: [Shipped; 12] = [
    (
        "birthday",
        "zh-CN",
        "${name}您好，${brand}祝您生日快乐！生日礼遇已为您备好，欢迎到店领取。拒收请回复R",
        &[("name", "{{ member.name }}"), ("brand", "{{ brand }}")],
    ),
    (
        "birthday",
        "en",
        "Happy birthday, ${name}! A birthday treat from ${brand} awaits you in store. Reply STOP to opt out",
        &[("name", "{{ member.name }}"), ("brand", "{{ brand }}")],
    ),
    (
        "holiday",
        "zh-CN",
        "${name}您好，${holiday}将至，${brand}祝您节日快乐！拒收请回复R",
        &[
            ("name", "{{ member.name }}"),
            ("holiday", "{{ holiday.name }}"),
            ("brand", "{{ brand }}"),
        ],
    ),
    (
        "holiday",
        "en",
        "${name}, ${brand} wishes you a happy ${holiday}! Reply STOP to opt out",
        &[
            ("name", "{{ member.name }}"),
            ("holiday", "{{ holiday.name }}"),
            ("brand", "{{ brand }}"),
        ],
    ),
    (
        "winback",
        "zh-CN",
        "${name}您好，好久不见！${brand}上新了，期待您再次光临。拒收请回复R",
        &[("name", "{{ member.name }}"), ("brand", "{{ brand }}")],
    ),
    (
        "winback",
        "en",
        "${name}, we miss you! New arrivals at ${brand} are waiting. Reply STOP to opt out",
        &[("name", "{{ member.name }}"), ("brand", "{{ brand }}")],
    ),
    (
        "points_expiry",
        "zh-CN",
        "${name}您好，您的部分积分将于${date}到期，当前积分${points}，请尽快使用。拒收请回复R",
        &[
            ("name", "{{ member.name }}"),
            ("date", "{{ points_expiry.last_day|date(\"%-m月%-d日\") }}"),
            ("points", "{{ member.points }}"),
        ],
    ),
    (
        "points_expiry",
        "en",
        "${name}, some of your ${points} points lapse on ${date}. Reply STOP to opt out",
        &[
            ("name", "{{ member.name }}"),
            ("points", "{{ member.points }}"),
            ("date", "{{ points_expiry.last_day|date(\"%B %-d\") }}"),
        ],
    ),
    (
        "coupon_expiry",
        "zh-CN",
        "${name}您好，您的优惠券${code}将于${date}到期，还未使用，请尽快到店使用。拒收请回复R",
        &[
            ("name", "{{ member.name }}"),
            ("code", "{{ coupon.code }}"),
            ("date", "{{ coupon.valid_until|date(\"%-m月%-d日\") }}"),
        ],
    ),
    (
        "coupon_expiry",
        "en",
        "${name}, your coupon ${code} expires on ${date} unused. Reply STOP to opt out",
        &[
            ("name", "{{ member.name }}"),
            ("code", "{{ coupon.code }}"),
            ("date", "{{ coupon.valid_until|date(\"%B %-d\") }}"),
        ],
    ),
    (
        "satisfaction_survey",
        "zh-CN",
        "${name}您好，感谢光临${brand}！请为我们的服务打分，只需一步：${url} 拒收请回复R",
        &[
            ("name", "{{ member.name }}"),
            ("brand", "{{ brand }}"),
            ("url", "{{ survey.url }}"),
        ],
    ),
    (
        "satisfaction_survey",
        "en",
        "${name}, thank you for visiting ${brand}! How did we do? One tap: ${url} Reply STOP to opt out",
        &[
            ("name", "{{ member.name }}"),
            ("brand", "{{ brand }}"),
            ("url", "{{ survey.url }}"),
        ],
    ),
];

/// The shipped SMS template of a built-in kind.
pub fn shipped_sms(kind: &str, locale: &str) -> Option<SmsTemplate> {
    let (_, _, text, params) = SHIPPED_SMS.iter().find(|(k, l, _, _)| *k == kind && *l == locale)?;
    Some(SmsTemplate {
        template_code: String::new(),
        text: (*text).to_owned(),
        params: params
            .iter()
            .map(|(name, value)| Field {
                name: (*name).to_owned(),
                value: (*value).to_owned(),
            })
            .collect(),
    })
}

/// A channel's templates by kind, then locale (looked up by `&str`: nothing is built per
/// message), each with the prefix of its parts' names in the environment.
type ByKindAndLocale = HashMap<String, HashMap<String, (ChannelTemplate, String)>>;

/// Every SMS and WeChat template, compiled once for a dispatch pass.
pub struct ChannelTemplates {
    env: Environment<'static>,
    templates: HashMap<Channel, ByKindAndLocale>,
}

impl ChannelTemplates {
    /// The shipped SMS templates with the saved ones (channel, kind, locale, template) over them.
    pub fn new(saved: impl IntoIterator<Item = (String, String, ChannelTemplate)>) -> Result<Self, TemplateError> {
        let shipped = SHIPPED_SMS.iter().filter_map(|(kind, locale, _, _)| {
            let template = ChannelTemplate::Sms(shipped_sms(kind, locale)?);
            Some(((*kind).to_owned(), (*locale).to_owned(), template))
        });
        let mut env = environment();
        let mut templates: HashMap<Channel, ByKindAndLocale> = HashMap::new();
        // Saved after shipped, so a saved template replaces the shipped one.
        for (kind, locale, template) in shipped.chain(saved) {
            let channel = template.channel();
            let prefix = prefix(channel, &kind, &locale);
            compile(&mut env, &prefix, &template)?;
            templates
                .entry(channel)
                .or_default()
                .entry(kind)
                .or_default()
                .insert(locale, (template, prefix));
        }
        Ok(Self { env, templates })
    }

    /// The template of `channel` for `kind` in `locale` (else in the fallback locale), with the
    /// prefix of its parts' names.
    pub fn get(&self, channel: Channel, kind: &str, locale: &str) -> Option<(&ChannelTemplate, &str)> {
        let locales = self.templates.get(&channel)?.get(kind)?;
        let (template, prefix) = locales.get(locale).or_else(|| locales.get(FALLBACK_LOCALE))?;
        Some((template, prefix))
    }

    /// Whether `kind` can go out on `channel` in `locale` as configured: a WeChat template of a
    /// configured app; an SMS template with a provider code (Twilio needs none).
    pub fn sendable(
        &self,
        channel: Channel,
        kind: &str,
        locale: &str,
        sms: Option<Provider>,
        wechat: &dyn Fn(WechatKind) -> bool,
    ) -> bool {
        match self.get(channel, kind, locale) {
            Some((ChannelTemplate::Sms(t), _)) => {
                sms.is_some_and(|p| p == Provider::Twilio || !t.template_code.is_empty())
            }
            Some((ChannelTemplate::Wechat(t), _)) => wechat(t.kind),
            None => false,
        }
    }

    /// The SMS of `kind` for the member of `ctx`, with `sign_name` before it. None when there is
    /// no SMS template for the kind.
    pub fn sms(
        &self,
        kind: &str,
        locale: &str,
        ctx: &MailContext,
        sign_name: &str,
    ) -> Option<Result<RenderedSms, TemplateError>> {
        let (ChannelTemplate::Sms(template), prefix) = self.get(Channel::Sms, kind, locale)? else {
            return None;
        };
        Some(render_sms(&self.env, prefix, template, ctx, sign_name))
    }

    /// The WeChat message of `kind` to `openid`. None when there is no WeChat template.
    pub fn wechat(
        &self,
        kind: &str,
        locale: &str,
        ctx: &MailContext,
    ) -> Option<Result<(WechatKind, WechatDraft), TemplateError>> {
        let (ChannelTemplate::Wechat(template), prefix) = self.get(Channel::Wechat, kind, locale)? else {
            return None;
        };
        Some(render_wechat(&self.env, prefix, template, ctx).map(|draft| (template.kind, draft)))
    }
}

/// A WeChat message filled in, before its openid is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WechatDraft {
    pub template_id: String,
    pub link: Option<String>,
    pub data: Vec<(String, String)>,
}

impl WechatDraft {
    pub fn to(self, kind: WechatKind, openid: &str) -> WechatMessage {
        WechatMessage {
            openid: openid.to_owned(),
            kind,
            template_id: self.template_id,
            link: self.link,
            data: self.data,
        }
    }
}

fn prefix(channel: Channel, kind: &str, locale: &str) -> String {
    format!("{channel}.{kind}.{locale}")
}

fn compile(env: &mut Environment<'static>, prefix: &str, template: &ChannelTemplate) -> Result<(), TemplateError> {
    for (name, source) in template.fields() {
        if let Err(err) = env.add_template_owned(format!("{prefix}.{name}"), source.to_owned()) {
            return Err(named(TemplateError::new("field", source, &err), &name));
        }
    }
    Ok(())
}

/// The error with the field it is about in front of its message.
fn named(err: TemplateError, name: &str) -> TemplateError {
    let name = name.strip_prefix("field.").unwrap_or(name);
    TemplateError {
        message: format!("{name}: {}", err.message),
        ..err
    }
}

fn render_fields(
    env: &Environment<'_>,
    prefix: &str,
    fields: &[Field],
    ctx: &Value,
    deadline: Instant,
) -> Result<Vec<(String, String)>, TemplateError> {
    fields
        .iter()
        .map(|field| {
            let name = format!("{prefix}.field.{}", field.name);
            let value = render_part(env, "field", &name, ctx, deadline).map_err(|err| named(err, &field.name))?;
            Ok((field.name.clone(), super::template::one_line(&value)))
        })
        .collect()
}

fn render_sms(
    env: &Environment<'_>,
    prefix: &str,
    template: &SmsTemplate,
    ctx: &MailContext,
    sign_name: &str,
) -> Result<RenderedSms, TemplateError> {
    let deadline = Instant::now() + MAX_RENDER_TIME;
    let params = render_fields(env, prefix, &template.params, &context_value(ctx), deadline)?;
    let body = fill(&template.text, &params);
    let text = if sign_name.is_empty() {
        body
    } else {
        format!("【{sign_name}】{body}")
    };
    Ok(RenderedSms {
        template_code: template.template_code.clone(),
        parts: billed_parts(&text),
        params,
        text,
    })
}

fn render_wechat(
    env: &Environment<'_>,
    prefix: &str,
    template: &WechatTemplate,
    ctx: &MailContext,
) -> Result<WechatDraft, TemplateError> {
    let deadline = Instant::now() + MAX_RENDER_TIME;
    let value = context_value(ctx);
    let data = render_fields(env, prefix, &template.fields, &value, deadline)?;
    let link = match template.link {
        Some(_) => {
            Some(render_part(env, "link", &format!("{prefix}.link"), &value, deadline)?).filter(|l| !l.is_empty())
        }
        None => None,
    };
    Ok(WechatDraft {
        template_id: template.template_id.clone(),
        link,
        data,
    })
}

/// The approved wording with its placeholders filled: `${name}` by name, `{n}` by position.
fn fill(text: &str, params: &[(String, String)]) -> String {
    let mut filled = text.to_owned();
    for (n, (name, value)) in params.iter().enumerate() {
        filled = filled
            .replace(&format!("${{{name}}}"), value)
            .replace(&format!("{{{}}}", n + 1), value);
    }
    filled
}

/// The placeholders of an approved wording that no parameter fills.
fn unfilled(text: &str, params: &[Field]) -> Vec<String> {
    let mut missing = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let Some(end) = rest[start..].find('}') else { break };
        let name = &rest[start + 2..start + end];
        if !params.iter().any(|p| p.name == name) {
            missing.push(format!("${{{name}}}"));
        }
        rest = &rest[start + end + 1..];
    }
    for n in params.len() + 1..=params.len() + 9 {
        let placeholder = format!("{{{n}}}");
        if text.contains(&placeholder) {
            missing.push(placeholder);
        }
    }
    missing
}

/// Checks a template before it is saved: every field compiles and renders against the sample
/// contexts of its kind; an SMS template fills every placeholder of its wording and keeps the
/// opt-out `opt_out` asks for; a WeChat template names its template id.
pub fn validate(kind: &str, template: &ChannelTemplate, opt_out: &str) -> Result<(), TemplateError> {
    let invalid = |part, message: String| TemplateError {
        part,
        message,
        line: None,
    };
    match template {
        ChannelTemplate::Sms(t) => {
            let missing = unfilled(&t.text, &t.params);
            if !missing.is_empty() {
                return Err(invalid("text", format!("no parameter fills {}", missing.join(", "))));
            }
            // The provider checks the parameters against the template it approved: one the
            // wording does not use would fail every send.
            let unused: Vec<&str> = t
                .params
                .iter()
                .enumerate()
                .filter(|(n, p)| {
                    !t.text.contains(&format!("${{{}}}", p.name)) && !t.text.contains(&format!("{{{}}}", n + 1))
                })
                .map(|(_, p)| p.name.as_str())
                .collect();
            if !unused.is_empty() {
                return Err(invalid(
                    "params",
                    format!("the wording has no placeholder for {}", unused.join(", ")),
                ));
            }
            if !opt_out.is_empty() && !t.text.contains(opt_out) && !t.text.to_uppercase().contains("STOP") {
                return Err(invalid("text", format!("must tell how to opt out, e.g. \"{opt_out}\"")));
            }
        }
        ChannelTemplate::Wechat(t) if t.template_id.trim().is_empty() => {
            return Err(invalid("templateId", "is required".to_owned()));
        }
        ChannelTemplate::Wechat(_) => {}
    }
    let mut env = environment();
    let prefix = prefix(template.channel(), kind, "draft");
    compile(&mut env, &prefix, template)?;
    for ctx in sample_contexts(kind) {
        match template {
            ChannelTemplate::Sms(t) => render_sms(&env, &prefix, t, &ctx, "").map(drop)?,
            ChannelTemplate::Wechat(t) => render_wechat(&env, &prefix, t, &ctx).map(drop)?,
        }
    }
    Ok(())
}

/// The saved SMS and WeChat templates, as `ChannelTemplates::new` takes them; a row that cannot
/// be read is skipped with a warning (one stray row must not stop every message).
pub async fn saved(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<(String, String, ChannelTemplate)>, sea_orm::DbErr> {
    use sea_orm::EntityTrait;
    let rows = entity::channel_template::Entity::find().all(db).await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| match ChannelTemplate::parse(row.channel, &row.source) {
            Ok(template) => Some((row.kind, row.locale, template)),
            Err(err) => {
                tracing::warn!(kind = row.kind, locale = row.locale, "{err}");
                None
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::template::{MemberContext, Occasion};

    fn context() -> MailContext {
        let member = MemberContext {
            name: "李娜".to_owned(),
            member_no: "M1".to_owned(),
            tier: Some("A".to_owned()),
            points: 1280,
            store: None,
        };
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap_or_default();
        MailContext::new("衣橱", member, Occasion::Nothing, today, Default::default())
    }

    #[test]
    fn an_sms_fills_named_and_numbered_placeholders_and_counts_its_parts_with_the_sign_name() {
        let templates = ChannelTemplates::new([]).unwrap();
        let sms = templates.sms("birthday", "zh-CN", &context(), "衣橱").unwrap().unwrap();
        assert_eq!(
            sms.text,
            "【衣橱】李娜您好，衣橱祝您生日快乐！生日礼遇已为您备好，欢迎到店领取。拒收请回复R"
        );
        assert_eq!(
            sms.params,
            [
                ("name".to_owned(), "李娜".to_owned()),
                ("brand".to_owned(), "衣橱".to_owned())
            ]
        );
        assert_eq!(sms.parts, 1);
        let params = [("a".to_owned(), "1".to_owned()), ("b".to_owned(), "2".to_owned())];
        assert_eq!(fill("{1} and ${b}, {2}", &params), "1 and 2, 2");
    }

    #[test]
    fn every_shipped_sms_template_passes_its_own_checks() {
        for (kind, locale, _, _) in SHIPPED_SMS {
            let shipped = ChannelTemplate::Sms(shipped_sms(kind, locale).unwrap());
            let opt_out = if locale == "en" { "STOP" } else { "拒收请回复R" };
            validate(kind, &shipped, opt_out).unwrap_or_else(|err| panic!("{kind}/{locale}: {err}"));
        }
    }

    #[test]
    fn validation_wants_every_placeholder_filled_and_the_opt_out() {
        let sms = |text: &str| {
            ChannelTemplate::Sms(SmsTemplate {
                template_code: "SMS_1".to_owned(),
                text: text.to_owned(),
                params: vec![Field {
                    name: "name".to_owned(),
                    value: "{{ member.name }}".to_owned(),
                }],
            })
        };
        assert!(validate("birthday", &sms("${name}生日快乐 拒收请回复R"), "拒收请回复R").is_ok());
        let err = validate("birthday", &sms("${name}${gift} 拒收请回复R"), "拒收请回复R").unwrap_err();
        assert!(err.message.contains("${gift}"), "{err}");
        let err = validate("birthday", &sms("{1}{2} 拒收请回复R"), "拒收请回复R").unwrap_err();
        assert!(err.message.contains("{2}"), "{err}");
        assert!(validate("birthday", &sms("${name}生日快乐"), "拒收请回复R").is_err());
        let err = validate("birthday", &sms("生日快乐 拒收请回复R"), "拒收请回复R").unwrap_err();
        assert!(err.message.contains("no placeholder for name"), "{err}");
        assert!(validate("birthday", &sms("{1}生日快乐 拒收请回复R"), "拒收请回复R").is_ok());
        let typo = ChannelTemplate::Wechat(WechatTemplate {
            kind: WechatKind::Official,
            template_id: "T1".to_owned(),
            link: None,
            fields: vec![Field {
                name: "thing1".to_owned(),
                value: "{{ memebr.name }}".to_owned(),
            }],
        });
        let err = validate("birthday", &typo, "").unwrap_err();
        assert!(err.message.starts_with("thing1:"), "{err}");
    }
}
