//! The marketing emails as minijinja templates: a subject, a plain-text body and an HTML body per
//! kind and locale. The shipped ones live in `templates/`; marketing's edits replace them.
//!
//! A template sees a [`MailContext`] (`brand`, `member.*`, `holiday.*`, `unsubscribe_url`) and two
//! filters besides minijinja's built-ins: `date(format)` formats a date with chrono's strftime
//! (`{{ holiday.date|date("%-m月%-d日") }}`) and `number` groups digits (`{{ member.points|number }}`
//! gives `12,345`). Undefined variables are errors, so a typo fails validation instead of sending a
//! blank. `trim_blocks` and `lstrip_blocks` are on, so a `{% if %}` on its own line leaves no gap.
//!
//! Marketers edit these templates, so one render is bounded (`FUEL`, `MAX_PART_BYTES`,
//! `MAX_RENDER_TIME`): a loop over a large range or a huge output is an error naming its limit,
//! not a stalled server.
use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io;
use std::time::{Duration, Instant};

use chrono::NaiveDate;
use minijinja::{AutoEscape, Environment, Error, ErrorKind, HtmlEscape, UndefinedBehavior, Value};
use serde::{Deserialize, Serialize};

use super::links::{Links, CONFIRMATION_DAYS};

/// The built-in kinds; each campaign has its own kind besides, `campaign:<id>` (no shipped default).
pub const KINDS: [&str; 6] = [
    "birthday",
    "holiday",
    "winback",
    "points_expiry",
    "coupon_expiry",
    "satisfaction_survey",
];
pub const LOCALES: [&str; 2] = ["zh-CN", "en"];

/// Instructions one part may execute (minijinja's fuel): the shipped templates take under 100,
/// two nested loops over `range(100000)` would take billions (200,000 run out long before
/// `MAX_RENDER_TIME`).
pub const FUEL: u64 = 200_000;
/// Bytes one rendered part may have (Gmail clips a message past about 100 KB anyway).
pub const MAX_PART_BYTES: usize = 512 * 1024;
/// How long rendering one email (all its parts) may take.
pub const MAX_RENDER_TIME: Duration = Duration::from_secs(1);

/// What is rendered when a member's locale has no template.
pub(super) const FALLBACK_LOCALE: &str = "zh-CN";

/// The parts of a template, as named in errors, and the suffix of their template names. The suffix
/// decides escaping: only `.html` is HTML-escaped.
const PARTS: [(&str, &str); 3] = [("subject", "subject.txt"), ("text", "txt"), ("html", "html")];

macro_rules! shipped {
    ($kind:literal, $locale:literal) => {
        (
            $kind,
            $locale,
            [
                include_str!(concat!("templates/", $kind, ".", $locale, ".subject.txt")),
                include_str!(concat!("templates/", $kind, ".", $locale, ".txt")),
                include_str!(concat!("templates/", $kind, ".", $locale, ".html")),
            ],
        )
    };
}

/// The kind of the email that asks a member to confirm their email consent (double opt-in):
/// shipped, and not edited, since what it says is part of the proof of consent.
pub const CONFIRMATION_KIND: &str = entity::vocabulary::CampaignKind::EmailConfirmation.as_str();

/// The shipped templates: (kind, locale, [subject, text, html]) for every KIND × LOCALE, and the
/// confirmation.
const BUILTINS: [(&str, &str, [&str; 3]); 14] = [
    shipped!("birthday", "zh-CN"),
    shipped!("birthday", "en"),
    shipped!("holiday", "zh-CN"),
    shipped!("holiday", "en"),
    shipped!("winback", "zh-CN"),
    shipped!("winback", "en"),
    shipped!("points_expiry", "zh-CN"),
    shipped!("points_expiry", "en"),
    shipped!("coupon_expiry", "zh-CN"),
    shipped!("coupon_expiry", "en"),
    shipped!("satisfaction_survey", "zh-CN"),
    shipped!("satisfaction_survey", "en"),
    shipped!("email_confirmation", "zh-CN"),
    shipped!("email_confirmation", "en"),
];

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSource {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// A kind templates exist for: a built-in one, or a campaign's own (`campaign:<id>`).
pub fn is_known_kind(kind: &str) -> bool {
    KINDS.contains(&kind) || is_campaign_kind(kind)
}

pub fn is_campaign_kind(kind: &str) -> bool {
    kind.strip_prefix("campaign:")
        .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()))
}

/// The shipped default for a kind and locale (None for an unknown kind/locale).
pub fn builtin(kind: &str, locale: &str) -> Option<TemplateSource> {
    let (_, _, [subject, text, html]) = BUILTINS.iter().find(|(k, l, _)| *k == kind && *l == locale)?;
    Some(TemplateSource {
        subject: (*subject).to_owned(),
        text: (*text).to_owned(),
        html: (*html).to_owned(),
    })
}

/// What a template may use. Serialized into the minijinja context. Built by [`MailContext::new`]
/// alone, so a send, a preview and a template's validation see the same days.
#[derive(Clone, Debug, Serialize)]
pub struct MailContext {
    /// Brand name, e.g. "Patron".
    pub brand: String,
    pub member: MemberContext,
    /// Only for a message about a holiday.
    pub holiday: Option<HolidayContext>,
    /// Only for a notice of points lapsing.
    pub points_expiry: Option<PointsExpiryContext>,
    pub unsubscribe_url: String,
    /// The member's preference page: topics, frequency, channels.
    pub preferences_url: String,
    /// Only for the confirmation of email consent.
    pub confirmation: Option<ConfirmationContext>,
    /// For a campaign that gives each recipient a code of an offer, and for the reminder
    /// before a coupon lapses: the member's code.
    pub coupon: Option<CouponContext>,
    /// Only for a satisfaction survey: where the member answers it.
    pub survey: Option<SurveyContext>,
}

/// The member's satisfaction survey.
#[derive(Clone, Debug, Serialize)]
pub struct SurveyContext {
    /// The page that asks the question, signed for this member and day.
    pub url: String,
    /// `csat` (1–5) or `nps` (0–10).
    pub scale: String,
}

/// The member's code of the campaign's offer.
#[derive(Clone, Debug, Serialize)]
pub struct CouponContext {
    /// As typed at the till: `K7QM-3ZP9-XW4`.
    pub code: String,
    /// The code as a QR image a till scans, for `<img src>` in an email.
    pub image_url: String,
    /// The offer's name.
    pub name: String,
    pub valid_until: NaiveDate,
    /// What it takes off ("20.00") or gives, by its kind.
    pub amount_off: Option<rust_decimal::Decimal>,
    pub percent_off: Option<i32>,
    pub gift: Option<String>,
    /// The spend an order needs; none when any order will do.
    pub min_spend: Option<rust_decimal::Decimal>,
}

/// What a message tells of beyond the member, as its sender knows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Occasion {
    Nothing,
    /// A holiday: its key, its name in the member's locale, its date.
    Holiday {
        key: String,
        name: String,
        date: NaiveDate,
    },
    /// Points that lapse at the end of `last_day`.
    PointsLapse {
        last_day: NaiveDate,
    },
    /// The member asked for marketing email: the link that confirms it.
    Confirmation {
        url: String,
    },
}

impl Occasion {
    /// The day it falls on, if it has one.
    pub fn date(&self) -> Option<NaiveDate> {
        match self {
            Self::Holiday { date, .. } => Some(*date),
            Self::PointsLapse { last_day } => Some(*last_day),
            Self::Nothing | Self::Confirmation { .. } => None,
        }
    }
}

impl MailContext {
    /// The context of a message to `member` about `occasion`, counting days from `today`, the
    /// member's own date in their zone.
    pub fn new(brand: &str, member: MemberContext, occasion: Occasion, today: NaiveDate, links: Links) -> Self {
        let days_until = |date: NaiveDate| (date - today).num_days();
        let (mut holiday, mut points_expiry, mut confirmation) = (None, None, None);
        match occasion {
            Occasion::Nothing => {}
            Occasion::Confirmation { url } => {
                confirmation = Some(ConfirmationContext {
                    url,
                    days: CONFIRMATION_DAYS,
                });
            }
            Occasion::Holiday { key, name, date } => {
                holiday = Some(HolidayContext {
                    key,
                    name,
                    date,
                    days_until: days_until(date),
                });
            }
            Occasion::PointsLapse { last_day } => {
                points_expiry = Some(PointsExpiryContext {
                    last_day,
                    days_until: days_until(last_day),
                });
            }
        }
        Self {
            brand: brand.to_owned(),
            member,
            holiday,
            points_expiry,
            unsubscribe_url: links.unsubscribe,
            preferences_url: links.preferences,
            confirmation,
            coupon: None,
            survey: None,
        }
    }
}

/// The link that confirms email consent, and how many days it works.
#[derive(Clone, Debug, Serialize)]
pub struct ConfirmationContext {
    pub url: String,
    pub days: i64,
}

/// When some of the member's points lapse: at the end of `last_day`.
#[derive(Clone, Debug, Serialize)]
pub struct PointsExpiryContext {
    pub last_day: NaiveDate,
    pub days_until: i64,
}

#[derive(Clone, Debug, Serialize)]
pub struct MemberContext {
    pub name: String,
    pub member_no: String,
    /// "A".."D", or None before the first analytics run.
    pub tier: Option<String>,
    /// Points balance.
    pub points: i64,
    /// Home store name.
    pub store: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct HolidayContext {
    pub key: String,
    pub name: String,
    pub date: NaiveDate,
    pub days_until: i64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("{part} template: {message}")]
pub struct TemplateError {
    /// "subject", "text" or "html" ("email" when `validate` is given an unknown kind).
    pub part: &'static str,
    pub message: String,
    /// The line of the part where minijinja stopped, when it knows (editors mark it).
    pub line: Option<usize>,
}

impl TemplateError {
    /// minijinja's own description plus, where it has them, the offending source and the line.
    pub(super) fn new(part: &'static str, source: &str, err: &Error) -> Self {
        let mut message = err.kind().to_string();
        if err.kind() == ErrorKind::OutOfFuel {
            message = format!("takes more than the limit of {FUEL} steps to render (a loop too long?)");
        }
        if let Some(detail) = err.detail() {
            let _ = write!(message, ": {detail}");
        }
        // At run time the span is the failing expression (`memebr.name`); a syntax error's span is
        // merely the token the parser stopped at, so it is left out.
        let snippet = err.range().and_then(|range| source.get(range)).map(str::trim);
        let snippet = snippet.filter(|s| err.kind() != ErrorKind::SyntaxError && !s.is_empty() && s.len() <= 80);
        if let Some(snippet) = snippet.filter(|s| !s.contains('\n')) {
            let _ = write!(message, " at `{snippet}`");
        }
        if let Some(line) = err.line() {
            let _ = write!(message, " (line {line})");
        }
        Self {
            part,
            message,
            line: err.line(),
        }
    }
}

/// A set of compiled templates keyed by (kind, locale), compiled once and rendered many times
/// (the dispatcher renders every email of a send, so never recompile per message).
pub struct Templates {
    env: Environment<'static>,
    /// Template names in `env` by kind, then locale: [subject, text, html].
    names: HashMap<String, HashMap<&'static str, [String; 3]>>,
}

impl Templates {
    /// Built-ins for every KIND×LOCALE, with the given overrides (kind, locale, source) replacing
    /// them. Overrides for a kind or locale Patron does not know are skipped: nothing would render
    /// them, and one stray row must not stop every email.
    pub fn new(overrides: impl IntoIterator<Item = (String, String, TemplateSource)>) -> Result<Self, TemplateError> {
        let mut sources: HashMap<(String, &'static str), [Cow<'static, str>; 3]> = BUILTINS
            .iter()
            .map(|(kind, locale, parts)| (((*kind).to_owned(), *locale), parts.map(Cow::Borrowed)))
            .collect();
        for (kind, locale, source) in overrides {
            let locale = LOCALES.iter().find(|l| **l == locale);
            if let (true, Some(locale)) = (is_known_kind(&kind), locale) {
                sources.insert(
                    (kind, locale),
                    [source.subject, source.text, source.html].map(Cow::Owned),
                );
            }
        }
        let mut env = environment();
        let mut names: HashMap<String, HashMap<&'static str, [String; 3]>> = HashMap::new();
        for ((kind, locale), parts) in sources {
            let part_names = template_names(&kind, locale);
            add_parts(&mut env, &part_names, parts).map_err(|err| TemplateError {
                message: format!("{kind}/{locale}: {}", err.message),
                ..err
            })?;
            names.entry(kind).or_default().insert(locale, part_names);
        }
        Ok(Self { env, names })
    }

    /// Renders kind in locale; falls back to "zh-CN" when the locale has no template. None for an
    /// unknown kind.
    pub fn render(&self, kind: &str, locale: &str, ctx: &MailContext) -> Option<Result<Rendered, TemplateError>> {
        let locales = self.names.get(kind)?;
        let names = locales.get(locale).or_else(|| locales.get(FALLBACK_LOCALE))?;
        let deadline = Instant::now() + MAX_RENDER_TIME;
        Some(render_parts(&self.env, names, &context_value(ctx), deadline))
    }
}

/// The template context. The links are ours, not the member's, and are marked safe so an `href`
/// carries them verbatim instead of entity-escaped (some mail clients do not decode those).
pub(super) fn context_value(ctx: &MailContext) -> Value {
    minijinja::context! {
        brand => ctx.brand,
        member => Value::from_serialize(&ctx.member),
        holiday => Value::from_serialize(&ctx.holiday),
        points_expiry => Value::from_serialize(&ctx.points_expiry),
        coupon => Value::from_serialize(&ctx.coupon),
        unsubscribe_url => Value::from_safe_string(ctx.unsubscribe_url.clone()),
        preferences_url => Value::from_safe_string(ctx.preferences_url.clone()),
        confirmation => ctx.confirmation.as_ref().map(|c| minijinja::context! {
            url => Value::from_safe_string(c.url.clone()),
            days => c.days,
        }),
        survey => ctx.survey.as_ref().map(|s| minijinja::context! {
            url => Value::from_safe_string(s.url.clone()),
            scale => s.scale,
        }),
    }
}

/// Checks an edited template before it is saved: it compiles, and renders against sample contexts
/// (a holiday for kind "holiday", none otherwise, as at send time; with and without tier and store,
/// so both sides of an `{% if %}` run) without error and within the bounds, gives a non-empty
/// subject, and keeps the unsubscribe link in both bodies (an advertising email must offer a way
/// out, 广告法 art. 43).
pub fn validate(kind: &str, source: &TemplateSource) -> Result<(), TemplateError> {
    if !is_known_kind(kind) {
        return Err(TemplateError {
            part: "email",
            message: format!(
                "unknown kind {kind:?}; expected one of {} or campaign:<id>",
                KINDS.join(", ")
            ),
            line: None,
        });
    }
    let mut env = environment();
    let names = template_names(kind, "draft");
    let parts = [&source.subject, &source.text, &source.html].map(|s| Cow::Owned(s.clone()));
    add_parts(&mut env, &names, parts)?;
    // All the samples together get the time one email may take.
    let deadline = Instant::now() + MAX_RENDER_TIME;
    for ctx in sample_contexts(kind) {
        let rendered = render_parts(&env, &names, &context_value(&ctx), deadline)?;
        if rendered.subject.is_empty() {
            return Err(TemplateError {
                part: "subject",
                message: "renders empty".to_owned(),
                line: None,
            });
        }
        let url = ctx.unsubscribe_url.as_str();
        if !rendered.text.contains(url) {
            return Err(missing_unsubscribe("text"));
        }
        if !rendered.html.contains(url) && !rendered.html.contains(&HtmlEscape(url).to_string()) {
            return Err(missing_unsubscribe("html"));
        }
    }
    Ok(())
}

fn missing_unsubscribe(part: &'static str) -> TemplateError {
    TemplateError {
        part,
        message: "must contain the unsubscribe link {{ unsubscribe_url }}".to_owned(),
        line: None,
    }
}

/// The sample contexts `validate` renders with: a member with tier, store and points and one with
/// none, and for holidays each of the days-until cases the built-ins tell apart; and one with a
/// campaign's coupon, so a template may show it inside `{% if coupon %}`.
pub(super) fn sample_contexts(kind: &str) -> Vec<MailContext> {
    let full = MemberContext {
        name: "李娜".to_owned(),
        member_no: "M000123".to_owned(),
        tier: Some("B".to_owned()),
        points: 1280,
        store: Some("静安嘉里中心店".to_owned()),
    };
    let bare = MemberContext {
        tier: None,
        store: None,
        points: 0,
        ..full.clone()
    };
    let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).unwrap_or_default();
    // The kind's occasion, and each number of days ahead its templates tell apart.
    let (occasion, days): (Occasion, &[i64]) = match kind {
        "holiday" => (
            Occasion::Holiday {
                key: "mid_autumn".to_owned(),
                name: "中秋节".to_owned(),
                date: day(9, 25),
            },
            &[7, 1, 0],
        ),
        "points_expiry" => (Occasion::PointsLapse { last_day: day(12, 31) }, &[14, 0]),
        _ => (Occasion::Nothing, &[0]),
    };
    let on = occasion.date().unwrap_or_else(|| day(1, 1));
    let links = Links {
        unsubscribe: "https://patron.example/unsubscribe/123.c2FtcGxlLXNpZ25hdHVyZQ".to_owned(),
        preferences: "https://patron.example/preferences/123.c2FtcGxlLXNpZ25hdHVyZQ".to_owned(),
    };
    let mut contexts: Vec<MailContext> = days
        .iter()
        .flat_map(|days_until| {
            let today = on - chrono::Duration::days(*days_until);
            [&full, &bare]
                .map(|member| MailContext::new("Patron", member.clone(), occasion.clone(), today, links.clone()))
        })
        .collect();
    let mut with_coupon = MailContext::new("Patron", full, occasion, on, links);
    with_coupon.coupon = Some(CouponContext {
        code: "K7QM-3ZP9-XW4".to_owned(),
        image_url: "https://patron.example/codes/K7QM3ZP9XW4.c2FtcGxlLXNpZ25hdHVyZQ.png".to_owned(),
        name: "秋季满减".to_owned(),
        valid_until: on + chrono::Duration::days(13),
        amount_off: Some(rust_decimal::Decimal::new(2000, 2)),
        percent_off: None,
        gift: None,
        min_spend: Some(rust_decimal::Decimal::new(10000, 2)),
    });
    if kind == entity::vocabulary::CampaignKind::CouponExpiry.as_str() {
        // A reminder always has its coupon: each kind of offer, with and without a minimum.
        let mut percent = with_coupon.coupon.clone();
        if let Some(coupon) = percent.as_mut() {
            (coupon.amount_off, coupon.percent_off, coupon.min_spend) = (None, Some(20), None);
        }
        let mut gift = with_coupon.coupon.clone();
        if let Some(coupon) = gift.as_mut() {
            (coupon.amount_off, coupon.gift) = (None, Some("丝巾一条".to_owned()));
        }
        for (context, coupon) in contexts.iter_mut().zip([percent, gift].into_iter().cycle()) {
            context.coupon = coupon;
        }
    }
    contexts.push(with_coupon);
    if kind == entity::vocabulary::CampaignKind::SatisfactionSurvey.as_str() {
        // A survey always has its link, on either scale.
        for (context, scale) in contexts.iter_mut().zip(["csat", "nps"].into_iter().cycle()) {
            context.survey = Some(SurveyContext {
                url: "https://patron.example/survey/123.2026-01-01.c2FtcGxlLXNpZ25hdHVyZQ".to_owned(),
                scale: scale.to_owned(),
            });
        }
    }
    contexts
}

/// Strict undefined behaviour, escaping by suffix, tidy block whitespace, and the extra filters.
pub(super) fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_fuel(Some(FUEL));
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    // The `debug` feature is on for error spans (`Error::range`); debug mode itself would also
    // snapshot every variable into each error, which nothing here shows.
    env.set_debug(false);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.add_filter("date", date_filter);
    env.add_filter("number", number_filter);
    env
}

fn template_names(kind: &str, locale: &str) -> [String; 3] {
    PARTS.map(|(_, suffix)| format!("{kind}.{locale}.{suffix}"))
}

fn add_parts(
    env: &mut Environment<'static>,
    names: &[String; 3],
    parts: [Cow<'static, str>; 3],
) -> Result<(), TemplateError> {
    for ((part, _), (name, source)) in PARTS.iter().zip(names.iter().zip(parts)) {
        // The source is kept for the error message only when compiling fails.
        if let Err(err) = env.add_template_owned(name.clone(), source.clone()) {
            return Err(TemplateError::new(part, &source, &err));
        }
    }
    Ok(())
}

/// Renders the three parts, writing nothing after `deadline`.
fn render_parts(
    env: &Environment<'_>,
    names: &[String; 3],
    ctx: &Value,
    deadline: Instant,
) -> Result<Rendered, TemplateError> {
    let [subject, text, html] = names;
    Ok(Rendered {
        subject: one_line(&render_part(env, "subject", subject, ctx, deadline)?),
        text: render_part(env, "text", text, ctx, deadline)?,
        html: render_part(env, "html", html, ctx, deadline)?,
    })
}

pub(super) fn render_part(
    env: &Environment<'_>,
    part: &'static str,
    name: &str,
    ctx: &Value,
    deadline: Instant,
) -> Result<String, TemplateError> {
    let template = env
        .get_template(name)
        .map_err(|err| TemplateError::new(part, "", &err))?;
    let mut output = BoundedOutput {
        bytes: Vec::new(),
        deadline,
        exceeded: None,
    };
    let rendered = template.render_captured_to(ctx, &mut output);
    let bounded = |message: String, err: &Error| TemplateError {
        part,
        message,
        line: err.line(),
    };
    match (rendered, output.exceeded) {
        (Ok(_), _) => String::from_utf8(output.bytes).map_err(|_| TemplateError {
            part,
            message: "renders text that is not UTF-8".to_owned(),
            line: None,
        }),
        (Err(err), Some(limit)) => Err(bounded(limit, &err)),
        (Err(err), None) => Err(TemplateError::new(part, template.source(), &err)),
    }
}

/// Where a part is rendered: it refuses to grow past `MAX_PART_BYTES` or to be written to after
/// the deadline (work that writes nothing is bounded by the fuel instead).
struct BoundedOutput {
    bytes: Vec<u8>,
    deadline: Instant,
    /// The limit the render ran into, as the error names it.
    exceeded: Option<String>,
}

impl io::Write for BoundedOutput {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.bytes.len() + buf.len() > MAX_PART_BYTES {
            self.exceeded = Some(format!("renders more than the limit of {} KiB", MAX_PART_BYTES / 1024));
        } else if Instant::now() > self.deadline {
            self.exceeded = Some(format!(
                "takes longer than the limit of {} s to render",
                MAX_RENDER_TIME.as_secs_f32()
            ));
        } else {
            self.bytes.extend_from_slice(buf);
            return Ok(buf.len());
        }
        Err(io::Error::other("a rendering limit was reached"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A header must be one line: lines are trimmed, blank ones dropped, the rest joined by spaces.
pub(super) fn one_line(subject: &str) -> String {
    subject
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// `{{ holiday.date|date("%B %-d") }}`: a `YYYY-MM-DD` date in chrono's strftime format.
fn date_filter(value: &str, format: Option<&str>) -> Result<String, Error> {
    let date: NaiveDate = value.parse().map_err(|_| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("date filter: {value:?} is not a date"),
        )
    })?;
    let mut out = String::new();
    // Writing (not `to_string`) turns a bad format into an error instead of a panic.
    write!(out, "{}", date.format(format.unwrap_or("%Y-%m-%d")))
        .map_err(|_| Error::new(ErrorKind::InvalidOperation, "date filter: invalid format"))?;
    Ok(out)
}

/// `{{ member.points|number }}`: digits grouped by thousands, `12,345`.
fn number_filter(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    // The first group takes the 1-3 digits left over; every later group is exactly three.
    let (head, rest) = digits.split_at(digits.len() - (digits.len() - 1) / 3 * 3);
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    out.push_str(head);
    for group in (0..rest.len()).step_by(3).filter_map(|i| rest.get(i..i + 3)) {
        out.push(',');
        out.push_str(group);
    }
    out
}

/// Marketing's saved edits, as `Templates::new` takes them.
pub async fn saved(
    db: &impl sea_orm::ConnectionTrait,
) -> Result<Vec<(String, String, TemplateSource)>, sea_orm::DbErr> {
    use sea_orm::EntityTrait;
    let rows = entity::email_template::Entity::find().all(db).await?;
    Ok(rows
        .into_iter()
        .map(|t| {
            let source = TemplateSource {
                subject: t.subject,
                text: t.text_body,
                html: t.html_body,
            };
            (t.kind, t.locale, source)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str) -> MemberContext {
        MemberContext {
            name: name.to_owned(),
            member_no: "M000042".to_owned(),
            tier: Some("A".to_owned()),
            points: 12345,
            store: Some("Jing'an Kerry Centre".to_owned()),
        }
    }

    fn context(kind: &str, name: &str) -> MailContext {
        MailContext {
            brand: "Patron".to_owned(),
            member: member(name),
            holiday: (kind == "holiday").then(|| HolidayContext {
                key: "christmas".to_owned(),
                name: "圣诞节 Christmas".to_owned(),
                date: NaiveDate::from_ymd_opt(2026, 12, 25).unwrap(),
                days_until: 5,
            }),
            points_expiry: (kind == "points_expiry").then(|| PointsExpiryContext {
                last_day: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                days_until: 14,
            }),
            unsubscribe_url: "https://patron.example/unsubscribe/42.abcDEF".to_owned(),
            preferences_url: "https://patron.example/preferences/42.abcDEF".to_owned(),
            confirmation: (kind == CONFIRMATION_KIND).then(|| ConfirmationContext {
                url: "https://patron.example/confirm/42.1796000000123.abc&DEF".to_owned(),
                days: CONFIRMATION_DAYS,
            }),
            coupon: (kind == "coupon_expiry").then(|| CouponContext {
                code: "K7QM-3ZP9-XW4".to_owned(),
                image_url: "https://patron.example/codes/K7QM3ZP9XW4.abcDEF.png".to_owned(),
                name: "Autumn 20 off".to_owned(),
                valid_until: NaiveDate::from_ymd_opt(2026, 12, 24).unwrap(),
                amount_off: Some(rust_decimal::Decimal::new(2000, 2)),
                percent_off: None,
                gift: None,
                min_spend: None,
            }),
            survey: (kind == "satisfaction_survey").then(|| SurveyContext {
                url: "https://patron.example/survey/42.2026-12-06.abcDEF".to_owned(),
                scale: "nps".to_owned(),
            }),
        }
    }

    #[test]
    fn the_confirmation_carries_its_link_verbatim_in_both_locales() {
        let templates = Templates::new([]).unwrap();
        for locale in LOCALES {
            let ctx = context(CONFIRMATION_KIND, "Ann Lee");
            let out = templates.render(CONFIRMATION_KIND, locale, &ctx).unwrap().unwrap();
            let url = &ctx.confirmation.as_ref().unwrap().url;
            assert!(!out.subject.is_empty() && !out.subject.contains('\n'), "{locale}");
            assert!(
                out.text.contains(url.as_str()) && out.text.contains("Ann Lee"),
                "{locale}: {}",
                out.text
            );
            assert!(out.html.contains(&format!("href=\"{url}\"")), "{locale}: {}", out.html);
            assert!(out.text.contains('7'), "{locale}: says how long the link works");
        }
        // Not a kind marketing edits.
        assert!(validate(CONFIRMATION_KIND, &builtin(CONFIRMATION_KIND, "en").unwrap()).is_err());
    }

    fn source(subject: &str, text: &str, html: &str) -> TemplateSource {
        TemplateSource {
            subject: subject.to_owned(),
            text: text.to_owned(),
            html: html.to_owned(),
        }
    }

    #[test]
    fn every_builtin_renders_with_name_unsubscribe_link_and_holiday() {
        let templates = Templates::new([]).unwrap();
        for kind in KINDS {
            for locale in LOCALES {
                let ctx = context(kind, "Ann Lee");
                let out = templates.render(kind, locale, &ctx).unwrap().unwrap();
                let case = format!("{kind} {locale}");
                assert!(
                    !out.subject.is_empty() && !out.subject.contains('\n'),
                    "{case}: {:?}",
                    out.subject
                );
                assert!(out.text.contains("Ann Lee") && out.html.contains("Ann Lee"), "{case}");
                assert!(out.text.contains(&ctx.unsubscribe_url), "{case}: {}", out.text);
                assert!(
                    out.html.contains(&format!("href=\"{}\"", ctx.unsubscribe_url)),
                    "{case}: the link is verbatim: {}",
                    out.html
                );
                assert!(out.html.contains(&format!("<html lang=\"{locale}\">")), "{case}");
                assert!(out.html.contains("<meta charset=\"utf-8\">"), "{case}");
                assert!(
                    !out.text.contains("\n\n\n"),
                    "{case}: blank lines pile up:\n{}",
                    out.text
                );
                if kind == "holiday" {
                    assert!(out.subject.contains("圣诞节 Christmas"), "{case}");
                    assert!(
                        out.text.contains("圣诞节 Christmas") && out.html.contains("圣诞节 Christmas"),
                        "{case}"
                    );
                    let date = if locale == "en" { "December 25" } else { "12月25日" };
                    assert!(
                        out.text.contains(date) && out.html.contains(date),
                        "{case}: {}",
                        out.text
                    );
                }
                if kind == "birthday" {
                    assert!(out.subject.contains("Ann Lee"), "{case}");
                }
            }
        }
    }

    #[test]
    fn builtins_cover_every_kind_and_locale_and_pass_validation() {
        for kind in KINDS {
            for locale in LOCALES {
                let source = builtin(kind, locale).unwrap_or_else(|| panic!("no builtin {kind} {locale}"));
                validate(kind, &source).unwrap_or_else(|err| panic!("{kind} {locale}: {err}"));
            }
        }
        assert_eq!(builtin("anniversary", "en"), None);
        assert_eq!(builtin("birthday", "fr"), None);
    }

    #[test]
    fn builtins_render_without_tier_store_or_points() {
        let templates = Templates::new([]).unwrap();
        for kind in KINDS {
            for locale in LOCALES {
                let mut ctx = context(kind, "Ann");
                ctx.member.tier = None;
                ctx.member.store = None;
                ctx.member.points = 0;
                let out = templates.render(kind, locale, &ctx).unwrap().unwrap();
                assert!(!out.text.contains("\n\n\n"), "{kind} {locale}:\n{}", out.text);
            }
        }
    }

    #[test]
    fn html_escapes_a_nasty_name_and_text_keeps_it_verbatim() {
        let nasty = r#"<b>Ann & "Co"</b>"#;
        let templates = Templates::new([]).unwrap();
        for locale in LOCALES {
            let out = templates
                .render("birthday", locale, &context("birthday", nasty))
                .unwrap()
                .unwrap();
            assert!(
                out.html.contains("&lt;b&gt;Ann &amp; &quot;Co&quot;&lt;&#x2f;b&gt;"),
                "{}",
                out.html
            );
            assert!(!out.html.contains(nasty));
            assert!(out.text.contains(nasty));
            assert!(out.subject.contains(nasty), "{}", out.subject);
        }
    }

    #[test]
    fn chinese_text_round_trips() {
        let templates = Templates::new([]).unwrap();
        let mut ctx = context("birthday", "王小明");
        ctx.member.store = Some("上海静安店".to_owned());
        let out = templates.render("birthday", "zh-CN", &ctx).unwrap().unwrap();
        assert_eq!(out.subject, "王小明，生日快乐！");
        assert!(out.text.contains("回上海静安店坐坐"), "{}", out.text);
        assert!(out.html.contains("王小明，生日快乐！"));
        assert!(out.text.contains("积分余额：12,345"), "{}", out.text);
        let out = templates.render("winback", "zh-CN", &ctx).unwrap().unwrap();
        assert_eq!(out.subject, "好久不见，王小明");
    }

    #[test]
    fn override_replaces_builtin_for_its_kind_and_locale_only() {
        let edited = source(
            "Hi {{ member.name }}",
            "Hello {{ member.name }} ({{ member.points|number }}) {{ unsubscribe_url }}",
            "<p>{{ member.name }}</p>",
        );
        let templates = Templates::new([("birthday".to_owned(), "en".to_owned(), edited)]).unwrap();
        let ctx = context("birthday", "Ann");
        let out = templates.render("birthday", "en", &ctx).unwrap().unwrap();
        assert_eq!(
            out,
            Rendered {
                subject: "Hi Ann".to_owned(),
                text: format!("Hello Ann (12,345) {}", ctx.unsubscribe_url),
                html: "<p>Ann</p>".to_owned(),
            }
        );
        let zh = templates.render("birthday", "zh-CN", &ctx).unwrap().unwrap();
        assert_eq!(zh.subject, "Ann，生日快乐！");
    }

    #[test]
    fn override_for_unknown_kind_or_locale_is_skipped() {
        let junk = source("{{", "{{", "{{");
        let templates = Templates::new([
            ("anniversary".to_owned(), "en".to_owned(), junk.clone()),
            ("birthday".to_owned(), "fr".to_owned(), junk),
        ])
        .unwrap();
        assert!(templates
            .render("anniversary", "en", &context("birthday", "Ann"))
            .is_none());
    }

    #[test]
    fn broken_override_is_reported_with_part_kind_and_locale() {
        let broken = source("Hi", "ok", "<p>{% if member.tier %}</p>");
        let err = Templates::new([("winback".to_owned(), "en".to_owned(), broken)])
            .err()
            .unwrap();
        assert_eq!(err.part, "html");
        assert!(
            err.to_string().starts_with("html template: winback/en: syntax error"),
            "{err}"
        );
    }

    #[test]
    fn unknown_locale_falls_back_to_zh_cn_and_unknown_kind_is_none() {
        let templates = Templates::new([]).unwrap();
        let ctx = context("winback", "Ann");
        let fallback = templates.render("winback", "ja", &ctx).unwrap().unwrap();
        let zh = templates.render("winback", "zh-CN", &ctx).unwrap().unwrap();
        assert_eq!(fallback, zh);
        assert!(templates.render("anniversary", "en", &ctx).is_none());
    }

    #[test]
    fn validate_rejects_a_syntax_error_naming_part_and_line() {
        let bad = source(
            "Hi",
            "Hello {{ unsubscribe_url }}",
            "<p>\nHello\n{% if member.tier %}\n",
        );
        let err = validate("birthday", &bad).unwrap_err();
        assert_eq!(err.part, "html");
        let message = err.to_string();
        assert!(
            message.starts_with("html template: syntax error: unexpected end of input"),
            "{message}"
        );
        assert!(message.contains("(line 3)"), "{message}");
    }

    #[test]
    fn validate_rejects_an_undefined_variable_naming_it() {
        let bad = source(
            "Hi",
            "Hello\n{{ memebr.name }} {{ unsubscribe_url }}",
            "<a href=\"{{ unsubscribe_url }}\">x</a>",
        );
        let err = validate("birthday", &bad).unwrap_err();
        assert_eq!(err.part, "text");
        let message = err.to_string();
        assert!(message.starts_with("text template: undefined value"), "{message}");
        assert!(message.contains("memebr") && message.contains("(line 2)"), "{message}");
    }

    #[test]
    fn validate_rejects_holiday_in_other_kinds_and_undefined_in_either_branch() {
        let uses_holiday = source("{{ holiday.name }}", "{{ unsubscribe_url }}", "{{ unsubscribe_url }}");
        assert!(validate("holiday", &uses_holiday).is_ok());
        assert_eq!(validate("birthday", &uses_holiday).unwrap_err().part, "subject");
        let typo_in_else = source(
            "{% if member.tier %}{{ member.tier }}{% else %}{{ member.teir }}{% endif %}",
            "{{ unsubscribe_url }}",
            "{{ unsubscribe_url }}",
        );
        assert_eq!(validate("winback", &typo_in_else).unwrap_err().part, "subject");
        let typo_tomorrow = source(
            "Hi{% if holiday.days_until == 1 %} {{ holidy.name }}{% endif %}",
            "{{ unsubscribe_url }}",
            "{{ unsubscribe_url }}",
        );
        assert_eq!(validate("holiday", &typo_tomorrow).unwrap_err().part, "subject");
    }

    #[test]
    fn validate_requires_unsubscribe_link_and_a_subject() {
        let no_link = source("Hi", "{{ unsubscribe_url }}", "<p>Hi</p>");
        let err = validate("winback", &no_link).unwrap_err();
        assert_eq!((err.part, err.message.contains("unsubscribe")), ("html", true), "{err}");
        let no_subject = source("  \n ", "{{ unsubscribe_url }}", "{{ unsubscribe_url }}");
        assert_eq!(validate("winback", &no_subject).unwrap_err().part, "subject");
        assert!(validate("anniversary", &builtin("winback", "en").unwrap()).is_err());
    }

    #[test]
    fn validate_refuses_a_loop_past_the_fuel_limit_naming_it() {
        let nested = "{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}";
        let looping = source(
            "Hi",
            &format!("{nested}{{{{ unsubscribe_url }}}}"),
            "{{ unsubscribe_url }}",
        );
        let started = Instant::now();
        let err = validate("winback", &looping).unwrap_err();
        assert_eq!(err.part, "text", "{err}");
        assert!(err.message.contains(&format!("limit of {FUEL} steps")), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    }

    #[test]
    fn validate_refuses_output_past_the_size_limit_naming_it() {
        let huge = source(
            "Hi",
            "{{ unsubscribe_url }}",
            "{{ 'x' * 10000000 }}{{ unsubscribe_url }}",
        );
        let err = validate("winback", &huge).unwrap_err();
        assert_eq!(err.part, "html", "{err}");
        assert!(err.message.contains("limit of 512 KiB"), "{err}");
    }

    #[test]
    fn rendering_past_the_deadline_stops_naming_the_time_limit() {
        let ctx = context_value(&context("birthday", "Ann"));
        let late = Instant::now() - Duration::from_millis(1);
        let mut env = environment();
        env.add_template("t", "Hello {{ member.name }}").unwrap();
        let err = render_part(&env, "text", "t", &ctx, late).unwrap_err();
        assert!(err.message.contains("limit of 1 s"), "{err}");
        assert_eq!(
            render_part(&env, "text", "t", &ctx, Instant::now() + MAX_RENDER_TIME).unwrap(),
            "Hello Ann"
        );
    }

    #[test]
    fn subject_is_trimmed_and_newlines_collapse_to_spaces() {
        let edited = source(
            "  \n Happy birthday,\r\n  {{ member.name }}!\n\n  From {{ brand }}  \n",
            "{{ unsubscribe_url }}",
            "{{ unsubscribe_url }}",
        );
        let templates = Templates::new([("birthday".to_owned(), "en".to_owned(), edited)]).unwrap();
        let out = templates
            .render("birthday", "en", &context("birthday", "Ann\nLee"))
            .unwrap()
            .unwrap();
        assert_eq!(out.subject, "Happy birthday, Ann Lee! From Patron");
    }

    #[test]
    fn rendering_a_missing_holiday_fails_loudly() {
        let templates = Templates::new([]).unwrap();
        let err = templates
            .render("holiday", "en", &context("birthday", "Ann"))
            .unwrap()
            .unwrap_err();
        assert_eq!(err.part, "subject", "{err}");
    }

    #[test]
    fn filters_format_dates_and_numbers() {
        assert_eq!(date_filter("2026-02-17", Some("%-m月%-d日")).unwrap(), "2月17日");
        assert_eq!(date_filter("2026-02-17", None).unwrap(), "2026-02-17");
        assert!(date_filter("2026-02-17", Some("%Q")).is_err());
        assert!(date_filter("tomorrow", None).is_err());
        let cases = [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (-1234567, "-1,234,567"),
            (i64::MIN, "-9,223,372,036,854,775,808"),
        ];
        for (value, expected) in cases {
            assert_eq!(number_filter(value), expected, "{value}");
        }
    }

    #[test]
    fn render_rate() {
        let templates = Templates::new([]).unwrap();
        let contexts: Vec<(&str, MailContext)> = (0..99)
            .map(|i| {
                let kind = KINDS[i % 3];
                let mut ctx = context(kind, &format!("Member {i}"));
                ctx.member.points = i as i64 * 37;
                (kind, ctx)
            })
            .collect();
        let n = 10_000;
        let start = Instant::now();
        let mut bytes = 0;
        for i in 0..n {
            let (kind, ctx) = &contexts[i % contexts.len()];
            let out = templates.render(kind, LOCALES[i % 2], ctx).unwrap().unwrap();
            bytes += out.subject.len() + out.text.len() + out.html.len();
        }
        let elapsed = start.elapsed();
        println!(
            "rendered {n} emails ({bytes} bytes) in {elapsed:?}: {:.0} emails/s",
            n as f64 / elapsed.as_secs_f64()
        );
    }
}
