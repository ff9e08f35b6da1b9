//! Outreach as staff and members see it: one-click unsubscribe, the holiday calendar, email
//! templates (edit, preview, test-send), campaigns and the outbox.
use crate::auth::Role;

mod channel_templates;
mod holidays;
mod outbox;
pub mod receipts;
mod templates;
mod unsubscribe;

pub use channel_templates::{
    effective as channel_templates, preview_sms, preview_wechat, save_sms, save_wechat, EffectiveChannelTemplate,
    FieldInput, SmsTemplateInput, WechatMessageKind, WechatTemplateInput,
};
pub use holidays::{holiday_date, holidays, save_holiday, CalendarKind, HolidayInput};
pub use outbox::{outbox, outbox_occurrences, OutboxFilter, OutboxOccurrence};
pub use templates::{
    preview, preview_draft, reset_template, save_template, send_test, templates, EffectiveTemplate, PreviewRequest,
    TemplateInput,
};
pub use unsubscribe::unsubscribe;

/// Staff who plan outreach.
pub const PLANNERS: &[Role] = &[Role::Admin, Role::Marketer];
