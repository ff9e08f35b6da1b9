//! SMS and WeChat templates: the effective ones (the shipped SMS wording, marketing's saves),
//! saving one after checking it renders, and the SMS a member would get.
use async_graphql::InputObject;
use chrono::Utc;
use entity::channel_template;
use entity::vocabulary::Channel;
use jobs::outreach::channel_template::{
    self as templates, ChannelTemplate, ChannelTemplates, Field, RenderedSms, SmsTemplate, WechatDraft, WechatTemplate,
};
use jobs::outreach::template::{self, MailContext, TemplateError, LOCALES};
use jobs::outreach::wechat::WechatKind;
use jobs::JobContext;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

use super::templates::{mail_context, off_the_workers, PreviewRequest};
use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;

/// A named value: an SMS parameter or a WeChat field, and the minijinja that fills it.
#[derive(InputObject, Debug, Clone)]
pub struct FieldInput {
    pub name: String,
    pub value: String,
}

#[derive(InputObject, Debug)]
pub struct SmsTemplateInput {
    /// `birthday`, `holiday`, `winback`, `points_expiry`, `coupon_expiry` or a campaign's `campaign:<id>`.
    pub kind: String,
    pub locale: String,
    /// The template code the provider approved (Aliyun `SMS_…`, Tencent's id); Twilio needs none.
    pub template_code: String,
    /// The approved wording, with the provider's placeholders (`${name}`, or `{1}`).
    pub text: String,
    /// Each placeholder's value, e.g. `name` → `{{ member.name }}`.
    pub params: Vec<FieldInput>,
}

#[derive(InputObject, Debug)]
pub struct WechatTemplateInput {
    pub kind: String,
    pub locale: String,
    pub message_kind: WechatMessageKind,
    pub template_id: String,
    /// Where a tap leads: a URL, or a mini-program page (minijinja).
    pub link: Option<String>,
    /// Each field of the template (`thing1`, `time2`, …) and what fills it.
    pub fields: Vec<FieldInput>,
}

/// Which WeChat message a template is.
#[derive(async_graphql::Enum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum WechatMessageKind {
    /// An Official Account template message, to followers.
    Official,
    /// A mini-program subscribe message, to members who accepted it.
    Subscribe,
}

impl From<WechatMessageKind> for WechatKind {
    fn from(kind: WechatMessageKind) -> Self {
        match kind {
            WechatMessageKind::Official => Self::Official,
            WechatMessageKind::Subscribe => Self::Subscribe,
        }
    }
}

impl From<WechatKind> for WechatMessageKind {
    fn from(kind: WechatKind) -> Self {
        match kind {
            WechatKind::Official => Self::Official,
            WechatKind::Subscribe => Self::Subscribe,
        }
    }
}

/// A template of a channel as marketing sees it.
pub struct EffectiveChannelTemplate {
    pub kind: String,
    pub locale: String,
    pub template: ChannelTemplate,
    /// Saved by the brand (false: shipped).
    pub custom: bool,
}

fn fields(inputs: Vec<FieldInput>) -> Vec<Field> {
    inputs
        .into_iter()
        .map(|f| Field {
            name: f.name.trim().to_owned(),
            value: f.value,
        })
        .collect()
}

impl SmsTemplateInput {
    fn into_template(self) -> (String, String, ChannelTemplate) {
        let template = SmsTemplate {
            template_code: self.template_code.trim().to_owned(),
            text: self.text,
            params: fields(self.params),
        };
        (self.kind, self.locale, ChannelTemplate::Sms(template))
    }
}

impl WechatTemplateInput {
    fn into_template(self) -> (String, String, ChannelTemplate) {
        let template = WechatTemplate {
            kind: self.message_kind.into(),
            template_id: self.template_id.trim().to_owned(),
            link: self.link.filter(|l| !l.trim().is_empty()),
            fields: fields(self.fields),
        };
        (self.kind, self.locale, ChannelTemplate::Wechat(template))
    }
}

/// The templates of `channel`: for SMS every built-in kind's (saved, else shipped), and every
/// saved one besides.
pub async fn effective(conn: &impl ConnectionTrait, channel: Channel) -> AppResult<Vec<EffectiveChannelTemplate>> {
    let saved: Vec<_> = templates::saved(conn)
        .await?
        .into_iter()
        .filter(|(_, _, t)| t.channel() == channel)
        .collect();
    let mut all = Vec::new();
    if channel == Channel::Sms {
        for kind in template::KINDS {
            for locale in LOCALES {
                let is_saved = saved.iter().any(|(k, l, _)| k == kind && l == locale);
                if let (false, Some(shipped)) = (is_saved, templates::shipped_sms(kind, locale)) {
                    all.push(EffectiveChannelTemplate {
                        kind: kind.to_owned(),
                        locale: locale.to_owned(),
                        template: ChannelTemplate::Sms(shipped),
                        custom: false,
                    });
                }
            }
        }
    }
    all.extend(
        saved
            .into_iter()
            .map(|(kind, locale, template)| EffectiveChannelTemplate {
                kind,
                locale,
                template,
                custom: true,
            }),
    );
    Ok(all)
}

pub async fn save_sms(
    conn: &(impl ConnectionTrait + TransactionTrait),
    jobs: &JobContext,
    viewer: &Viewer,
    input: SmsTemplateInput,
) -> AppResult<()> {
    save(conn, jobs, viewer, input.into_template()).await
}

pub async fn save_wechat(
    conn: &(impl ConnectionTrait + TransactionTrait),
    jobs: &JobContext,
    viewer: &Viewer,
    input: WechatTemplateInput,
) -> AppResult<()> {
    save(conn, jobs, viewer, input.into_template()).await
}

/// Saves a template after checking it renders for every sample member.
async fn save(
    conn: &(impl ConnectionTrait + TransactionTrait),
    jobs: &JobContext,
    viewer: &Viewer,
    (kind, locale, template): (String, String, ChannelTemplate),
) -> AppResult<()> {
    if !template::is_known_kind(&kind) {
        let message = format!(
            "templates exist for {} and each campaign's campaign:<id>",
            template::KINDS.join(", ")
        );
        return Err(AppError::field("input.kind", message));
    }
    if !LOCALES.contains(&locale.as_str()) {
        return Err(AppError::field(
            "input.locale",
            format!("templates exist for {}", LOCALES.join(", ")),
        ));
    }
    let opt_out = jobs.outreach.sms.as_ref().map_or("拒收请回复R".to_owned(), |sms| {
        sms.sender.opt_out_text().to_owned()
    });
    let (checked, checked_kind) = (template.clone(), kind.clone());
    off_the_workers(move || templates::validate(&checked_kind, &checked, &opt_out))
        .await?
        .map_err(|err| AppError::field(&format!("input.{}", err.part), err.to_string()))?;
    let channel = template.channel();
    let row = channel_template::ActiveModel {
        channel: Set(channel),
        kind: Set(kind.clone()),
        locale: Set(locale.clone()),
        source: Set(template.source()),
        updated_by: Set(viewer.actor.clone()),
        updated_at: Set(Utc::now()),
    };
    use channel_template::Column;
    let txn = conn.begin().await?;
    channel_template::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([Column::Channel, Column::Kind, Column::Locale])
                .update_columns([Column::Source, Column::UpdatedBy, Column::UpdatedAt])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let target = format!("{channel}/{kind}/{locale}");
    audit::record(&txn, viewer, "template.save", Some(&target), serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(())
}

/// The SMS a member would get, as saved now: its text with the sign name, its parameters and
/// its billed parts.
pub async fn preview_sms(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
) -> AppResult<RenderedSms> {
    let sign_name = jobs
        .outreach
        .sms
        .as_ref()
        .map_or(String::new(), |sms| sms.sender.sign_name().to_owned());
    preview(
        conn,
        jobs,
        request,
        Channel::Sms,
        move |templates, kind, locale, context| templates.sms(kind, locale, context, &sign_name),
    )
    .await
}

/// The WeChat message a member would get, as saved now: its kind and its fields filled in.
pub async fn preview_wechat(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
) -> AppResult<(WechatKind, WechatDraft)> {
    preview(
        conn,
        jobs,
        request,
        Channel::Wechat,
        |templates, kind, locale, context| templates.wechat(kind, locale, context),
    )
    .await
}

/// Renders the saved template of `channel` for the member of `request`, off the async workers.
async fn preview<T: Send + 'static>(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
    channel: Channel,
    render: impl FnOnce(&ChannelTemplates, &str, &str, &MailContext) -> Option<Result<T, TemplateError>> + Send + 'static,
) -> AppResult<T> {
    let (_, locale, context) = mail_context(conn, jobs, request).await?;
    let saved = templates::saved(conn).await?;
    let kind = request.kind.to_owned();
    off_the_workers(move || {
        let templates = ChannelTemplates::new(saved)
            .map_err(|err| AppError::field("kind", format!("a saved template is broken: {err}")))?;
        match render(&templates, &kind, &locale, &context) {
            Some(rendered) => {
                rendered.map_err(|err| AppError::field("kind", format!("the template does not render: {err}")))
            }
            None => Err(AppError::field(
                "kind",
                format!("there is no {channel} template for {kind:?}"),
            )),
        }
    })
    .await?
}
