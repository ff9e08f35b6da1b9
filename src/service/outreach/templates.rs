//! Email templates: the effective ones, saving and resetting an edit, previews (of a saved
//! template or an unsaved draft) and test sends.
use async_graphql::InputObject;
use chrono::Utc;
use entity::vocabulary::CampaignKind;
use entity::{email_template, member};
use jobs::campaigns::Messages;
use jobs::outreach::mailer::Outgoing;
use jobs::outreach::recipient;
use jobs::outreach::template::{self, MailContext, Rendered, TemplateSource, Templates};
use jobs::JobContext;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, EntityTrait, Set, TransactionTrait};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};

/// A template as marketing sees it: the saved edit, or the built-in default.
pub struct EffectiveTemplate {
    pub kind: String,
    pub locale: String,
    pub source: TemplateSource,
    /// Edited by the brand (false: the shipped default).
    pub custom: bool,
}

#[derive(InputObject, Debug)]
pub struct TemplateInput {
    /// `birthday`, `holiday`, `winback` or a campaign's `campaign:<id>`.
    pub kind: String,
    /// `zh-CN` or `en`.
    pub locale: String,
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub async fn templates(conn: &impl ConnectionTrait) -> AppResult<Vec<EffectiveTemplate>> {
    let saved = template::saved(conn).await?;
    let mut all = Vec::new();
    for kind in template::KINDS {
        for locale in template::LOCALES {
            let edited = saved.iter().find(|(k, l, _)| k == kind && l == locale);
            let source = match edited {
                Some((_, _, source)) => Some(source.clone()),
                None => template::builtin(kind, locale),
            };
            all.extend(source.map(|source| EffectiveTemplate {
                kind: kind.to_owned(),
                locale: locale.to_owned(),
                source,
                custom: edited.is_some(),
            }));
        }
    }
    let campaigns = saved
        .into_iter()
        .filter(|(kind, _, _)| template::is_campaign_kind(kind));
    all.extend(campaigns.map(|(kind, locale, source)| EffectiveTemplate {
        kind,
        locale,
        source,
        custom: true,
    }));
    Ok(all)
}

fn check_kind_and_locale(kind: &str, locale: &str) -> AppResult<()> {
    if !template::is_known_kind(kind) {
        return Err(AppError::field(
            "kind",
            format!(
                "templates exist for {} and each campaign's campaign:<id>",
                template::KINDS.join(", ")
            ),
        ));
    }
    if !template::LOCALES.contains(&locale) {
        return Err(AppError::field(
            "locale",
            format!("templates exist for {}", template::LOCALES.join(", ")),
        ));
    }
    Ok(())
}

/// Saves marketing's edit after checking it renders.
pub async fn save_template(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    input: TemplateInput,
) -> AppResult<()> {
    check_kind_and_locale(&input.kind, &input.locale)?;
    let source = TemplateSource {
        subject: input.subject,
        text: input.text,
        html: input.html,
    };
    let (kind, checked) = (input.kind.clone(), source.clone());
    off_the_workers(move || template::validate(&kind, &checked))
        .await?
        .map_err(|err| AppError::field(err.part, err.to_string()))?;
    let row = email_template::ActiveModel {
        kind: Set(input.kind.clone()),
        locale: Set(input.locale.clone()),
        subject: Set(source.subject),
        text_body: Set(source.text),
        html_body: Set(source.html),
        updated_by: Set(viewer.actor.clone()),
        updated_at: Set(Utc::now()),
    };
    let txn = conn.begin().await?;
    email_template::Entity::insert(row)
        .on_conflict(
            OnConflict::columns([email_template::Column::Kind, email_template::Column::Locale])
                .update_columns([
                    email_template::Column::Subject,
                    email_template::Column::TextBody,
                    email_template::Column::HtmlBody,
                    email_template::Column::UpdatedBy,
                    email_template::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let target = format!("{}/{}", input.kind, input.locale);
    audit::record(&txn, viewer, "template.save", Some(&target), serde_json::Value::Null).await?;
    txn.commit().await?;
    Ok(())
}

/// Goes back to the shipped default.
pub async fn reset_template(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    kind: &str,
    locale: &str,
) -> AppResult<()> {
    check_kind_and_locale(kind, locale)?;
    let txn = conn.begin().await?;
    email_template::Entity::delete_by_id((kind.to_owned(), locale.to_owned()))
        .exec(&txn)
        .await?;
    audit::record(
        &txn,
        viewer,
        "template.reset",
        Some(&format!("{kind}/{locale}")),
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// What to preview: a kind for a member, in their locale unless another is asked for.
pub struct PreviewRequest<'a> {
    pub kind: &'a str,
    pub member_no: &'a str,
    pub locale: Option<&'a str>,
    /// For holiday emails; the next enabled holiday when omitted.
    pub holiday_key: Option<&'a str>,
}

/// Renders the email a member would get, with the templates as saved now.
pub async fn preview(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
) -> AppResult<(member::Model, Rendered)> {
    let (member, locale, context) = mail_context(conn, jobs, request).await?;
    let saved = template::saved(conn).await?;
    let kind = request.kind.to_owned();
    let rendered = off_the_workers(move || {
        let templates = Templates::new(saved)
            .map_err(|err| AppError::field(err.part, format!("a saved template is broken: {err}")))?;
        render(&templates, &kind, &locale, &context)?
            .map_err(|err| AppError::field(err.part, format!("the template does not render: {err}")))
    })
    .await??;
    Ok((member, rendered))
}

/// Renders an unsaved edit of a template for a member, as the editor shows it: the email, or
/// the problem that saving it would report (part, line, message). Nothing is stored.
pub async fn preview_draft(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    draft: TemplateInput,
    member_no: &str,
    holiday_key: Option<&str>,
) -> AppResult<Result<Rendered, template::TemplateError>> {
    check_kind_and_locale(&draft.kind, &draft.locale)?;
    let source = TemplateSource {
        subject: draft.subject,
        text: draft.text,
        html: draft.html,
    };
    let (kind, checked) = (draft.kind.clone(), source.clone());
    if let Err(problem) = off_the_workers(move || template::validate(&kind, &checked)).await? {
        return Ok(Err(problem));
    }
    let request = PreviewRequest {
        kind: &draft.kind,
        member_no,
        locale: Some(&draft.locale),
        holiday_key,
    };
    let (_, locale, context) = mail_context(conn, jobs, &request).await?;
    let mut sources = template::saved(conn).await?;
    sources.push((draft.kind.clone(), draft.locale, source));
    let kind = draft.kind;
    off_the_workers(move || match Templates::new(sources) {
        Ok(templates) => render(&templates, &kind, &locale, &context),
        Err(problem) => Ok(Err(problem)),
    })
    .await?
}

/// Runs template work (compiling, rendering: a marketer's code) on a blocking thread, so a slow
/// template holds no async worker. Its bounds (`template::FUEL`, `MAX_PART_BYTES`,
/// `MAX_RENDER_TIME`) end it; should work that writes nothing outlast the time limit, the
/// answer does not wait for it.
pub(super) async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    // Compiling is quick; the margin is for a busy machine.
    let patience = template::MAX_RENDER_TIME * 2;
    match tokio::time::timeout(patience, tokio::task::spawn_blocking(work)).await {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(failed)) => Err(anyhow::anyhow!("rendering a template failed: {failed}").into()),
        Err(_) => Err(AppError::field(
            "template",
            format!(
                "takes longer than the limit of {} s to render",
                template::MAX_RENDER_TIME.as_secs_f32()
            ),
        )),
    }
}

fn render(
    templates: &Templates,
    kind: &str,
    locale: &str,
    context: &MailContext,
) -> AppResult<Result<Rendered, template::TemplateError>> {
    templates
        .render(kind, locale, context)
        .ok_or_else(|| AppError::field("kind", "no such template"))
}

/// The member and what their email is rendered with, in the locale asked for or theirs: the
/// context a send would have today in the member's own zone.
pub(super) async fn mail_context(
    conn: &impl ConnectionTrait,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
) -> AppResult<(member::Model, String, MailContext)> {
    let member = members::find(conn, request.member_no).await?;
    let locale = request.locale.unwrap_or(&member.locale).to_owned();
    check_kind_and_locale(request.kind, &locale)?;
    let outreach = &*jobs.outreach;
    let zone = member.time_zone.parse().unwrap_or(jobs.time_zone);
    let today = Utc::now().with_timezone(&zone).date_naive();
    let occasion = Messages::load(conn, &outreach.config)
        .await?
        // A campaign's own template (`campaign:<id>`) tells of no occasion, as a custom one.
        .preview(
            CampaignKind::parse(request.kind).unwrap_or(CampaignKind::Custom),
            request.holiday_key,
            &locale,
            today,
        )
        .map_err(|problem| AppError::field("holidayKey", problem))?;
    let recipient = recipient::load(conn, &[member.id], Utc::now())
        .await?
        .remove(&member.id)
        .ok_or_else(|| AppError::NotFound(format!("no member has the number {:?}", member.member_no)))?;
    let context = MailContext::new(
        &outreach.config.brand_name,
        recipient.member,
        occasion,
        today,
        outreach.links.preview_links(),
    );
    Ok((member, locale, context))
}

/// Sends a preview to the calling staff user's own address, marked as a test; it bypasses the
/// outbox.
pub async fn send_test(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    jobs: &JobContext,
    request: &PreviewRequest<'_>,
    to: &str,
) -> AppResult<()> {
    let to = to.trim().to_lowercase();
    let staff = test_recipient(conn, viewer, &to).await?;
    let (member, mut rendered) = preview(conn, jobs, request).await?;
    let outreach = &*jobs.outreach;
    rendered.subject = format!("[TEST] {}", rendered.subject);
    let key = format!(
        "test:{}:{}:{}",
        request.kind,
        member.id,
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let unsubscribe_url = outreach.links.preview_url();
    let email = Outgoing {
        to_name: &staff.display_name,
        to_address: &to,
        rendered: &rendered,
        dedupe_key: &key,
        unsubscribe_url: &unsubscribe_url,
    };
    let message = outreach
        .compose_email(&email)
        .map_err(|err| AppError::field("to", err))?;
    outreach
        .mailer
        .send(&message)
        .await
        .map_err(|err| AppError::input(format!("the mail server did not take the test email: {err}")))
}

/// The calling staff user, when `to` is their own address: a test email carries a member's
/// data, so it goes to nobody else (the console fills in the address).
async fn test_recipient(
    conn: &impl ConnectionTrait,
    viewer: &Viewer,
    to: &str,
) -> AppResult<entity::staff_user::Model> {
    let own = match viewer.staff_id {
        Some(id) => entity::staff_user::Entity::find_by_id(id).one(conn).await?,
        None => None,
    };
    let own_address = own
        .as_ref()
        .and_then(|staff| staff.email.as_deref())
        .map(|email| email.trim().to_lowercase());
    match (own, own_address) {
        (Some(staff), Some(address)) if address == to => Ok(staff),
        (_, Some(_)) => Err(AppError::field(
            "to",
            "test emails go to your own address only (the email of your staff account)",
        )),
        _ => Err(AppError::field(
            "to",
            "test emails go to your own address, and your staff account has none: ask an admin to add it",
        )),
    }
}
