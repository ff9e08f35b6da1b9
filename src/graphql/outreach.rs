//! Outreach in the API: holidays, email templates (preview, test-send), campaigns, the outbox and
//! the associates' win-back call list.
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::{Context, Object, SimpleObject};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use entity::{call_outcome, outbox};
use jobs::campaigns::holidays::BrandHoliday;
use jobs::outreach::template::Rendered;
use jobs::JobContext;

use crate::auth::viewer;
use crate::graphql::member::Member;
use crate::graphql::{db, page};
use crate::service::audit::AuditTrail;
use crate::service::call_list::{self, CallOutcome};
use crate::service::outreach::{
    self as service, CalendarKind, EffectiveTemplate, HolidayInput, OutboxFilter, PreviewRequest, TemplateInput,
};

/// A holiday of the brand's calendar, dated in the year asked for.
pub struct Holiday {
    holiday: BrandHoliday,
    date: Option<NaiveDate>,
}

#[Object]
impl Holiday {
    /// Stable key, e.g. `spring_festival`.
    async fn key(&self) -> &str {
        &self.holiday.holiday.key
    }
    /// The Chinese name (the brand's primary locale).
    async fn name(&self) -> &str {
        &self.holiday.holiday.name_zh
    }
    async fn name_zh(&self) -> &str {
        &self.holiday.holiday.name_zh
    }
    async fn name_en(&self) -> &str {
        &self.holiday.holiday.name_en
    }
    /// Its Gregorian date that year; null when it does not occur (e.g. 29 February).
    async fn date(&self) -> Option<NaiveDate> {
        self.date
    }
    async fn calendar(&self) -> CalendarKind {
        match self.holiday.holiday.date {
            jobs::calendar::HolidayDate::Solar { .. } => CalendarKind::Solar,
            jobs::calendar::HolidayDate::Lunar { .. } => CalendarKind::Lunar,
        }
    }
    async fn enabled(&self) -> bool {
        self.holiday.enabled
    }
    /// Days before the holiday its email goes out.
    async fn days_before(&self) -> u32 {
        self.holiday.days_before
    }
    /// Shipped with Patron (false: added by the brand).
    async fn builtin(&self) -> bool {
        self.holiday.builtin
    }
}

pub struct EmailTemplate(EffectiveTemplate);

#[Object]
impl EmailTemplate {
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn subject(&self) -> &str {
        &self.0.source.subject
    }
    async fn text(&self) -> &str {
        &self.0.source.text
    }
    async fn html(&self) -> &str {
        &self.0.source.html
    }
    /// Edited by the brand (false: the shipped default).
    async fn custom(&self) -> bool {
        self.0.custom
    }
}

/// A rendered email.
#[derive(SimpleObject)]
pub struct EmailPreview {
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl From<Rendered> for EmailPreview {
    fn from(rendered: Rendered) -> Self {
        Self {
            subject: rendered.subject,
            text: rendered.text,
            html: rendered.html,
        }
    }
}

/// An unsaved template as the editor shows it: the email, or why it cannot be saved.
#[derive(SimpleObject)]
pub struct TemplateDraftPreview {
    pub email: Option<EmailPreview>,
    pub problem: Option<TemplateProblem>,
}

/// Where a template fails: `subject`, `text` or `html`, the line when known, and what is wrong.
#[derive(SimpleObject)]
pub struct TemplateProblem {
    pub part: String,
    pub line: Option<i32>,
    pub message: String,
}

pub struct OutboxOccurrence(service::OutboxOccurrence);

/// One occurrence of any campaign in the outbox (a birthday date, a holiday, a win-back day, a
/// campaign's occurrence), with where its emails stand.
#[Object]
impl OutboxOccurrence {
    /// Its campaign's kind: `birthday`, `holiday`, `winback`, `points_expiry`, `coupon_expiry`, `custom` or
    /// `new_arrivals`.
    async fn kind(&self) -> &str {
        &self.0.kind
    }
    /// A date, or `holiday_key:date`.
    async fn occurrence(&self) -> &str {
        &self.0.occurrence
    }
    async fn queued(&self) -> i64 {
        self.0.queued
    }
    async fn sent(&self) -> i64 {
        self.0.sent
    }
    async fn failed(&self) -> i64 {
        self.0.failed
    }
    async fn suppressed(&self) -> i64 {
        self.0.suppressed
    }
    /// Every email is sent, failed permanently or suppressed.
    async fn finished(&self) -> bool {
        self.0.queued == 0
    }
}

pub struct OutboxEntry(pub outbox::Model);

#[Object]
impl OutboxEntry {
    async fn kind(&self) -> &str {
        self.0.kind.as_str()
    }
    async fn occurrence(&self) -> &str {
        &self.0.occurrence
    }
    /// `queued`, `sent`, `failed` or `suppressed`.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    async fn due_at(&self) -> DateTime<Utc> {
        self.0.due_at
    }
    /// When the server accepted it (a queued row's reservation is not shown).
    async fn sent_at(&self) -> Option<DateTime<Utc>> {
        self.0
            .sent_at
            .filter(|_| self.0.status == entity::vocabulary::OutboxStatus::Sent)
    }
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// Why it was not sent (yet).
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// The channel it went out (or is going out) on.
    async fn channel(&self) -> Option<entity::vocabulary::Channel> {
        self.0.channel
    }
    /// The channels still to try, in order.
    async fn channels(&self) -> Vec<entity::vocabulary::Channel> {
        entity::vocabulary::Channel::parse_list(&self.0.channels)
    }
    /// When the provider reported it delivered (SMS receipts).
    async fn delivered_at(&self) -> Option<DateTime<Utc>> {
        self.0.delivered_at
    }
    /// SMS parts billed.
    async fn parts(&self) -> Option<i32> {
        self.0.parts
    }
    async fn member(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        Member::by_id(ctx, self.0.member_id).await
    }
}

#[derive(SimpleObject)]
pub struct CallOutcomeEntry {
    pub outcome: String,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<call_outcome::Model> for CallOutcomeEntry {
    fn from(row: call_outcome::Model) -> Self {
        Self {
            outcome: row.outcome.to_string(),
            note: row.note,
            created_at: row.created_at,
        }
    }
}

pub(super) fn jobs<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a JobContext> {
    ctx.data::<JobContext>()
}

#[derive(Default)]
pub struct OutreachQuery;

#[Object]
impl OutreachQuery {
    /// The brand's holidays with their dates in `year`. Staff.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn holidays(&self, ctx: &Context<'_>, year: i32) -> async_graphql::Result<Vec<Holiday>> {
        let all = service::holidays(db(ctx)?, &jobs(ctx)?.outreach).await?;
        let mut dated = Vec::with_capacity(all.len());
        for holiday in all {
            let date = service::holiday_date(&holiday, year)?;
            dated.push(Holiday { holiday, date });
        }
        Ok(dated)
    }

    /// Every template, per kind and locale: for the built-in kinds the brand's edit or the
    /// shipped default, then each campaign's saved ones (`campaign:<id>`); only `kind`'s if
    /// given. Admins and marketers.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn email_templates(
        &self,
        ctx: &Context<'_>,
        kind: Option<String>,
    ) -> async_graphql::Result<Vec<EmailTemplate>> {
        let templates = service::templates(db(ctx)?).await?;
        Ok(templates
            .into_iter()
            .filter(|t| kind.as_ref().is_none_or(|k| *k == t.kind))
            .map(EmailTemplate)
            .collect())
    }

    /// The email a member would get (in their locale unless `locale` is given), with an inert
    /// unsubscribe link. Admins and marketers.
    async fn preview_email(
        &self,
        ctx: &Context<'_>,
        kind: String,
        member_no: String,
        locale: Option<String>,
        holiday_key: Option<String>,
    ) -> async_graphql::Result<EmailPreview> {
        let request = PreviewRequest {
            kind: &kind,
            member_no: &member_no,
            locale: locale.as_deref(),
            holiday_key: holiday_key.as_deref(),
        };
        let (_, rendered) = service::preview(db(ctx)?, jobs(ctx)?, &request).await?;
        Ok(rendered.into())
    }

    /// An edit of a template rendered for a member before it is saved, with the problem saving
    /// it would report. Admins and marketers.
    async fn preview_template(
        &self,
        ctx: &Context<'_>,
        input: TemplateInput,
        member_no: String,
        holiday_key: Option<String>,
    ) -> async_graphql::Result<TemplateDraftPreview> {
        let rendered = service::preview_draft(db(ctx)?, jobs(ctx)?, input, &member_no, holiday_key.as_deref()).await?;
        Ok(match rendered {
            Ok(email) => TemplateDraftPreview {
                email: Some(email.into()),
                problem: None,
            },
            Err(err) => TemplateDraftPreview {
                email: None,
                problem: Some(TemplateProblem {
                    part: err.part.to_owned(),
                    line: err.line.and_then(|l| i32::try_from(l).ok()),
                    message: err.message,
                }),
            },
        })
    }

    /// Where each occurrence's emails stand in the outbox, newest first. Admins and marketers.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn outbox_occurrences(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<OutboxOccurrence>> {
        let limit = page::page_size(first, 20)?;
        let occurrences = service::outbox_occurrences(db(ctx)?, limit).await?;
        Ok(occurrences.into_iter().map(OutboxOccurrence).collect())
    }

    /// The outbox, oldest first. Admins and marketers. Every call is an export of member data
    /// (who was mailed what, and why not) and is written to the audit log.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn outbox(
        &self,
        ctx: &Context<'_>,
        filter: Option<OutboxFilter>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, OutboxEntry, OutboxInfo, EmptyFields>> {
        let limit = page::page_size(first, 20)?;
        let offset = page::offset_after(after.as_deref())?;
        let filter = filter.unwrap_or_default();
        let viewer = viewer(ctx)?;
        let (rows, total) = service::outbox(db(ctx)?, &filter, offset, limit).await?;
        let detail = serde_json::json!({ "filter": filter, "offset": offset, "returned": rows.len() });
        ctx.data::<AuditTrail>()?.record(viewer, "outbox.export", None, detail);
        let has_next = offset + (rows.len() as u64) < total;
        let mut connection =
            Connection::with_additional_fields(offset > 0, has_next, OutboxInfo { total_count: total });
        connection.edges.extend(
            rows.into_iter()
                .enumerate()
                .map(|(i, row)| Edge::new(page::offset_cursor(offset + i as u64), OutboxEntry(row))),
        );
        Ok(connection)
    }

    /// The calling associate's win-back call list, most valuable first. The win-back call task
    /// rule gives the same members as tasks, with the store's pool, outcomes and the measured
    /// worth of the calls.
    #[graphql(
        complexity = "page::cost(first, 50, child_complexity)",
        deprecation = "switch on the WINBACK_CALL task rule and use openTasks"
    )]
    async fn my_call_list(&self, ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Vec<Member>> {
        let limit = page::page_size(first, 50)?;
        let config = &jobs(ctx)?.outreach.config;
        let members = call_list::my_call_list(db(ctx)?, viewer(ctx)?, config, limit).await?;
        Ok(members.into_iter().map(Member).collect())
    }
}

#[derive(SimpleObject)]
pub struct OutboxInfo {
    pub total_count: u64,
}

#[derive(Default)]
pub struct OutreachMutation;

#[Object]
impl OutreachMutation {
    /// Adds a holiday, or changes one (same key): re-date, rename, disable, another lead time.
    /// The answer carries its date in `year` (default: this year). Admins and marketers.
    async fn save_holiday(
        &self,
        ctx: &Context<'_>,
        input: HolidayInput,
        year: Option<i32>,
    ) -> async_graphql::Result<Holiday> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let key = input.key.trim().to_owned();
        service::save_holiday(db, viewer, input).await?;
        let all = service::holidays(db, &jobs(ctx)?.outreach).await?;
        let holiday = all
            .into_iter()
            .find(|h| h.holiday.key == key)
            .ok_or_else(|| async_graphql::Error::new("the holiday was saved but cannot be read back"))?;
        let year = year.unwrap_or_else(|| jobs(ctx).map(|j| j.today().year()).unwrap_or(2026));
        let date = service::holiday_date(&holiday, year)?;
        Ok(Holiday { holiday, date })
    }

    /// Saves marketing's edit of a template after checking that it renders. Admins and marketers.
    async fn save_email_template(&self, ctx: &Context<'_>, input: TemplateInput) -> async_graphql::Result<bool> {
        service::save_template(db(ctx)?, viewer(ctx)?, input).await?;
        Ok(true)
    }

    /// Goes back to the shipped template. Admins and marketers.
    async fn reset_email_template(
        &self,
        ctx: &Context<'_>,
        kind: String,
        locale: String,
    ) -> async_graphql::Result<bool> {
        service::reset_template(db(ctx)?, viewer(ctx)?, &kind, &locale).await?;
        Ok(true)
    }

    /// Sends a member's email, marked [TEST], to the caller's own address (`to` must be the
    /// email of their staff account); its unsubscribe link is inert. Admins and marketers.
    async fn send_test_email(
        &self,
        ctx: &Context<'_>,
        kind: String,
        member_no: String,
        to: String,
        locale: Option<String>,
        holiday_key: Option<String>,
    ) -> async_graphql::Result<bool> {
        let request = PreviewRequest {
            kind: &kind,
            member_no: &member_no,
            locale: locale.as_deref(),
            holiday_key: holiday_key.as_deref(),
        };
        service::send_test(db(ctx)?, viewer(ctx)?, jobs(ctx)?, &request, &to).await?;
        Ok(true)
    }

    /// Records how a win-back call went; the member leaves the list for the cooldown. Associates.
    async fn record_call_outcome(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        outcome: CallOutcome,
        note: Option<String>,
    ) -> async_graphql::Result<CallOutcomeEntry> {
        let saved = call_list::record_outcome(db(ctx)?, viewer(ctx)?, &member_no, outcome, note).await?;
        Ok(saved.into())
    }
}
