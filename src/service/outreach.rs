//! Outreach as staff and members see it: one-click unsubscribe, the holiday calendar, email
//! templates (edit, preview, test-send), campaigns and the outbox.
use async_graphql::{Enum, InputObject, SimpleObject};
use chrono::{NaiveDate, Utc};
use entity::vocabulary::CampaignKind;
use entity::{email_template, holiday, member, outbox};
use jobs::calendar::{date_in_year, supported_years, HolidayDate};
use jobs::campaigns::builtin::holiday_calendar;
use jobs::campaigns::holidays::BrandHoliday;
use jobs::campaigns::Messages;
use jobs::outreach::mailer::{compose, Outgoing};
use jobs::outreach::template::{self, MailContext, Rendered, TemplateSource, Templates};
use jobs::outreach::{recipient, suppression, Outreach};
use jobs::JobContext;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};

use crate::auth::{Role, Viewer};
use crate::error::{AppError, AppResult};
use crate::service::{audit, member as members};

/// Staff who plan outreach.
pub const PLANNERS: &[Role] = &[Role::Admin, Role::Marketer];

/// Withdraws a member's email consent at once and suppresses the address; no login, the signed
/// link is the proof. Idempotent: a second click changes nothing.
pub async fn unsubscribe(conn: &(impl ConnectionTrait + TransactionTrait), member_id: i64) -> AppResult<member::Model> {
    let txn = conn.begin().await?;
    let current = member::Entity::find_by_id(member_id)
        .one(&txn)
        .await?
        .ok_or_else(|| AppError::NotFound("this unsubscribe link's member no longer exists".into()))?;
    if let Some(email) = &current.email {
        suppression::suppress(&txn, &[email.as_str()], suppression::UNSUBSCRIBED).await?;
    }
    if !current.email_consent {
        txn.commit().await?;
        return Ok(current);
    }
    let updated = member::ActiveModel {
        id: ActiveValue::Unchanged(current.id),
        email_consent: Set(false),
        consent_source: Set(Some("unsubscribe-link".to_owned())),
        consent_at: Set(Some(Utc::now())),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .update(&txn)
    .await?;
    let viewer = Viewer::member(&current);
    audit::record(
        &txn,
        &viewer,
        "member.unsubscribe",
        Some(&current.member_no),
        serde_json::Value::Null,
    )
    .await?;
    txn.commit().await?;
    Ok(updated)
}

// ---------------------------------------------------------------------------------------------
// Holidays

#[derive(Enum, Copy, Clone, Debug, PartialEq, Eq)]
pub enum CalendarKind {
    Solar,
    Lunar,
}

/// A brand's own holiday, or a change to a built-in one (same key).
#[derive(InputObject, Debug)]
pub struct HolidayInput {
    /// Stable key, lower case with underscores, e.g. `store_anniversary`.
    pub key: String,
    pub name_zh: String,
    pub name_en: String,
    pub calendar: CalendarKind,
    pub month: i32,
    pub day: i32,
    #[graphql(default = true)]
    pub enabled: bool,
    /// Days before the holiday its email goes out; the configured default when omitted.
    pub days_before: Option<i32>,
}

pub async fn holidays(conn: &impl ConnectionTrait, outreach: &Outreach) -> AppResult<Vec<BrandHoliday>> {
    Ok(holiday_calendar(conn, &outreach.config).await?)
}

/// A holiday's date in `year`, with the calendar's coverage checked for lunar ones.
pub fn holiday_date(holiday: &BrandHoliday, year: i32) -> AppResult<Option<NaiveDate>> {
    if matches!(holiday.holiday.date, HolidayDate::Lunar { .. }) && !supported_years().contains(&year) {
        let years = supported_years();
        return Err(AppError::field(
            "year",
            format!("lunar dates are known for {} to {} only", years.start(), years.end()),
        ));
    }
    Ok(date_in_year(&holiday.holiday.date, year))
}

/// Adds a holiday, or changes (re-dates, renames, disables) one with the same key.
pub async fn save_holiday(
    conn: &(impl ConnectionTrait + TransactionTrait),
    viewer: &Viewer,
    input: HolidayInput,
) -> AppResult<()> {
    let key = input.key.trim();
    if key.is_empty()
        || key.len() > 64
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(AppError::field(
            "key",
            "use 1 to 64 lower-case letters, digits or underscores",
        ));
    }
    for (field, name) in [("nameZh", &input.name_zh), ("nameEn", &input.name_en)] {
        if name.trim().is_empty() || name.chars().count() > 100 {
            return Err(AppError::field(field, "give a name of 1 to 100 characters"));
        }
    }
    let (month, day) = (
        u32::try_from(input.month).unwrap_or(0),
        u32::try_from(input.day).unwrap_or(0),
    );
    let date = match input.calendar {
        CalendarKind::Solar => HolidayDate::Solar { month, day },
        CalendarKind::Lunar => HolidayDate::Lunar { month, day },
    };
    date.validate().map_err(|err| AppError::field("day", err.to_string()))?;
    if input.days_before.is_some_and(|d| !(0..=60).contains(&d)) {
        return Err(AppError::field(
            "daysBefore",
            "send between 0 and 60 days before the holiday",
        ));
    }
    let row = holiday::ActiveModel {
        key: Set(key.to_owned()),
        name_zh: Set(input.name_zh.trim().to_owned()),
        name_en: Set(input.name_en.trim().to_owned()),
        calendar: Set(match input.calendar {
            CalendarKind::Solar => "solar",
            CalendarKind::Lunar => "lunar",
        }
        .to_owned()),
        month: Set(i16::try_from(input.month).unwrap_or_default()),
        day: Set(i16::try_from(input.day).unwrap_or_default()),
        enabled: Set(input.enabled),
        days_before: Set(input.days_before.and_then(|d| i16::try_from(d).ok())),
        updated_at: Set(Utc::now()),
    };
    let txn = conn.begin().await?;
    holiday::Entity::insert(row)
        .on_conflict(
            OnConflict::column(holiday::Column::Key)
                .update_columns([
                    holiday::Column::NameZh,
                    holiday::Column::NameEn,
                    holiday::Column::Calendar,
                    holiday::Column::Month,
                    holiday::Column::Day,
                    holiday::Column::Enabled,
                    holiday::Column::DaysBefore,
                    holiday::Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    let detail = serde_json::json!({ "calendar": format!("{:?}", input.calendar), "month": input.month,
        "day": input.day, "enabled": input.enabled, "daysBefore": input.days_before });
    audit::record(&txn, viewer, "holiday.save", Some(key), detail).await?;
    txn.commit().await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Templates

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
async fn off_the_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
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
async fn mail_context(
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
        outreach.links.preview_url(),
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
    let message = compose(&outreach.from, &email).map_err(|err| AppError::field("to", err))?;
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

// ---------------------------------------------------------------------------------------------
// Campaigns and the outbox

/// One occurrence of any campaign in the outbox (a birthday date, a holiday, a win-back day, a
/// campaign's occurrence), with where its emails stand.
#[derive(Debug, FromQueryResult, SimpleObject)]
#[graphql(complex)]
pub struct OutboxOccurrence {
    /// `birthday`, `holiday`, `winback`, `custom` or `new_arrivals`.
    pub kind: String,
    /// A date, or `holiday_key:date`.
    pub occurrence: String,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub suppressed: i64,
}

pub async fn outbox_occurrences(conn: &impl ConnectionTrait, limit: u64) -> AppResult<Vec<OutboxOccurrence>> {
    let sql = format!(
        "SELECT kind, occurrence, \
           SUM(CASE WHEN status = 'queued' THEN 1 ELSE 0 END) AS queued, \
           SUM(CASE WHEN status = 'sent' THEN 1 ELSE 0 END) AS sent, \
           SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed, \
           SUM(CASE WHEN status = 'suppressed' THEN 1 ELSE 0 END) AS suppressed \
         FROM outbox GROUP BY kind, occurrence ORDER BY MAX(id) DESC LIMIT {limit}"
    );
    let stmt = jobs::sql::statement(conn, &sql, Vec::new());
    Ok(OutboxOccurrence::find_by_statement(stmt).all(conn).await?)
}

#[derive(InputObject, Debug, Default, serde::Serialize)]
pub struct OutboxFilter {
    pub kind: Option<String>,
    /// `queued`, `sent`, `failed` or `suppressed`.
    pub status: Option<String>,
    pub member_no: Option<String>,
    pub occurrence: Option<String>,
}

pub async fn outbox(
    conn: &impl ConnectionTrait,
    filter: &OutboxFilter,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<outbox::Model>, u64)> {
    use sea_orm::PaginatorTrait;
    let mut query = outbox::Entity::find();
    if let Some(kind) = &filter.kind {
        query = query.filter(outbox::Column::Kind.eq(kind.as_str()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(outbox::Column::Status.eq(status.as_str()));
    }
    if let Some(occurrence) = &filter.occurrence {
        query = query.filter(outbox::Column::Occurrence.eq(occurrence.as_str()));
    }
    if let Some(member_no) = &filter.member_no {
        let member = members::find(conn, member_no).await?;
        query = query.filter(outbox::Column::MemberId.eq(member.id));
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_asc(outbox::Column::Id)
        .offset(offset)
        .limit(limit)
        .all(conn)
        .await?;
    Ok((rows, total))
}
