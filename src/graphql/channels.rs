//! SMS and WeChat in the API: their templates (edit, preview) for marketing.
use async_graphql::{Context, Object, SimpleObject};
use entity::vocabulary::Channel;
use jobs::outreach::channel_template::{ChannelTemplate, Field, RenderedSms, WechatDraft};
use jobs::outreach::wechat::WechatKind;

use crate::auth::viewer;
use crate::graphql::outreach::jobs;
use crate::graphql::{db, page};
use crate::service::outreach::{
    self as service, EffectiveChannelTemplate, PreviewRequest, SmsTemplateInput, WechatMessageKind, WechatTemplateInput,
};

/// What a template's parameters or fields are counted as, for the query cost (a WeChat template
/// has at most a handful, an SMS template a few).
const FIELDS: i32 = 10;
/// What a list of templates is counted as: the built-in kinds and the campaigns', per locale.
const TEMPLATES: i32 = 40;

/// A parameter of an SMS template or a field of a WeChat template, and what fills it.
#[derive(SimpleObject)]
pub struct TemplateField {
    pub name: String,
    pub value: String,
}

fn template_fields(fields: &[Field]) -> Vec<TemplateField> {
    fields
        .iter()
        .map(|f| TemplateField {
            name: f.name.clone(),
            value: f.value.clone(),
        })
        .collect()
}

/// An SMS template as approved at the provider.
pub struct SmsTemplate(EffectiveChannelTemplate);

#[Object]
impl SmsTemplate {
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    /// Saved by the brand (false: the shipped wording, without a provider code).
    async fn custom(&self) -> bool {
        self.0.custom
    }
    /// The provider's template code (empty: not yet approved; only Twilio sends without one).
    async fn template_code(&self) -> &str {
        self.sms().map_or("", |t| t.template_code.as_str())
    }
    /// The approved wording with its placeholders.
    async fn text(&self) -> &str {
        self.sms().map_or("", |t| t.text.as_str())
    }
    #[graphql(complexity = "page::cost(None, FIELDS, child_complexity)")]
    async fn params(&self) -> Vec<TemplateField> {
        self.sms().map(|t| template_fields(&t.params)).unwrap_or_default()
    }
}

impl SmsTemplate {
    fn sms(&self) -> Option<&jobs::outreach::channel_template::SmsTemplate> {
        match &self.0.template {
            ChannelTemplate::Sms(t) => Some(t),
            ChannelTemplate::Wechat(_) => None,
        }
    }
}

/// A WeChat template message or subscribe message.
pub struct WechatTemplate(EffectiveChannelTemplate);

#[Object]
impl WechatTemplate {
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn message_kind(&self) -> Option<WechatMessageKind> {
        self.wechat().map(|t| t.kind.into())
    }
    async fn template_id(&self) -> &str {
        self.wechat().map_or("", |t| t.template_id.as_str())
    }
    async fn link(&self) -> Option<&str> {
        self.wechat().and_then(|t| t.link.as_deref())
    }
    #[graphql(complexity = "page::cost(None, FIELDS, child_complexity)")]
    async fn fields(&self) -> Vec<TemplateField> {
        self.wechat().map(|t| template_fields(&t.fields)).unwrap_or_default()
    }
}

impl WechatTemplate {
    fn wechat(&self) -> Option<&jobs::outreach::channel_template::WechatTemplate> {
        match &self.0.template {
            ChannelTemplate::Wechat(t) => Some(t),
            ChannelTemplate::Sms(_) => None,
        }
    }
}

/// The SMS a member would get.
pub struct SmsPreview(RenderedSms);

#[Object]
impl SmsPreview {
    /// What the member reads: the sign name, then the approved wording filled in.
    async fn text(&self) -> &str {
        &self.0.text
    }
    /// Characters, as the providers count them.
    async fn length(&self) -> u32 {
        u32::try_from(self.0.text.chars().count()).unwrap_or(u32::MAX)
    }
    /// Messages billed: one up to 70 characters, then one per 67.
    async fn parts(&self) -> u32 {
        self.0.parts
    }
    async fn template_code(&self) -> &str {
        &self.0.template_code
    }
    #[graphql(complexity = "page::cost(None, FIELDS, child_complexity)")]
    async fn params(&self) -> Vec<TemplateField> {
        let params = self.0.params.iter();
        params
            .map(|(name, value)| TemplateField {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

/// The WeChat message a member would get.
pub struct WechatPreview(WechatKind, WechatDraft);

#[Object]
impl WechatPreview {
    async fn message_kind(&self) -> WechatMessageKind {
        self.0.into()
    }
    async fn template_id(&self) -> &str {
        &self.1.template_id
    }
    /// Where a tap leads, filled in.
    async fn link(&self) -> Option<&str> {
        self.1.link.as_deref()
    }
    /// Each field as sent (a subscribe message's `thing` and `name` values cut to WeChat's limits
    /// at send time).
    #[graphql(complexity = "page::cost(None, FIELDS, child_complexity)")]
    async fn fields(&self) -> Vec<TemplateField> {
        let fields = self.1.data.iter();
        fields
            .map(|(name, value)| TemplateField {
                name: name.clone(),
                value: value.clone(),
            })
            .collect()
    }
}

#[derive(Default)]
pub struct ChannelsQuery;

#[Object]
impl ChannelsQuery {
    /// The SMS templates: every built-in kind's (saved, else shipped) and the campaigns'.
    /// Admins and marketers.
    #[graphql(complexity = "page::cost(None, TEMPLATES, child_complexity)")]
    async fn sms_templates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<SmsTemplate>> {
        let templates = service::channel_templates(db(ctx)?, Channel::Sms).await?;
        Ok(templates.into_iter().map(SmsTemplate).collect())
    }

    /// The saved WeChat templates. Admins and marketers.
    #[graphql(complexity = "page::cost(None, TEMPLATES, child_complexity)")]
    async fn wechat_templates(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<WechatTemplate>> {
        let templates = service::channel_templates(db(ctx)?, Channel::Wechat).await?;
        Ok(templates.into_iter().map(WechatTemplate).collect())
    }

    /// The SMS a member would get (in their locale unless `locale` is given), its length and
    /// billed parts. Admins and marketers.
    async fn preview_sms(
        &self,
        ctx: &Context<'_>,
        kind: String,
        member_no: String,
        locale: Option<String>,
        holiday_key: Option<String>,
    ) -> async_graphql::Result<SmsPreview> {
        let request = PreviewRequest {
            kind: &kind,
            member_no: &member_no,
            locale: locale.as_deref(),
            holiday_key: holiday_key.as_deref(),
        };
        Ok(SmsPreview(service::preview_sms(db(ctx)?, jobs(ctx)?, &request).await?))
    }

    /// The WeChat message a member would get (in their locale unless `locale` is given): its
    /// fields filled in. Admins and marketers.
    async fn preview_wechat(
        &self,
        ctx: &Context<'_>,
        kind: String,
        member_no: String,
        locale: Option<String>,
        holiday_key: Option<String>,
    ) -> async_graphql::Result<WechatPreview> {
        let request = PreviewRequest {
            kind: &kind,
            member_no: &member_no,
            locale: locale.as_deref(),
            holiday_key: holiday_key.as_deref(),
        };
        let (message_kind, draft) = service::preview_wechat(db(ctx)?, jobs(ctx)?, &request).await?;
        Ok(WechatPreview(message_kind, draft))
    }
}

#[derive(Default)]
pub struct ChannelsMutation;

#[Object]
impl ChannelsMutation {
    /// Saves an SMS template after checking it renders and fills every placeholder. Admins and
    /// marketers.
    async fn save_sms_template(&self, ctx: &Context<'_>, input: SmsTemplateInput) -> async_graphql::Result<bool> {
        service::save_sms(db(ctx)?, jobs(ctx)?, viewer(ctx)?, input).await?;
        Ok(true)
    }

    /// Saves a WeChat template after checking it renders. Admins and marketers.
    async fn save_wechat_template(&self, ctx: &Context<'_>, input: WechatTemplateInput) -> async_graphql::Result<bool> {
        service::save_wechat(db(ctx)?, jobs(ctx)?, viewer(ctx)?, input).await?;
        Ok(true)
    }
}
