//! The senders' side of a dispatch pass: what the producer prepared goes out on its channel, as
//! many requests at once as the channels allow, each outcome recorded before its connection
//! takes the next request.
//!
//! SMS to one template go together, as many per request as the provider takes (Aliyun's
//! `SendBatchSms` 100, Tencent's 200): a crash re-sends at most the requests that were on the
//! wire. Emails and WeChat messages go one per request.
use std::sync::Arc;
use std::time::Instant;

use chrono::Utc;
use entity::vocabulary::Channel;
use futures_util::future::join_all;
use futures_util::{stream, StreamExt};
use sea_orm::DbErr;
use tokio::sync::mpsc;

use super::claim::Row;
use super::dispatch::{settle, Outcome, Rendering};
use super::mailer::Email;
use super::recorder::{Recorder, Recording};
use super::sms::Sms;
use super::transport::{Accepted, SendError};
use super::wechat::WechatMessage;
use super::Outreach;
use crate::JobContext;

/// A message ready for its channel.
pub enum Message {
    Email(Email),
    Sms(Sms),
    Wechat(WechatMessage),
}

impl Message {
    fn channel(&self) -> Channel {
        match self {
            Self::Email(_) => Channel::Email,
            Self::Sms(_) => Channel::Sms,
            Self::Wechat(_) => Channel::Wechat,
        }
    }
}

/// A message with the row it came from.
pub struct Pending {
    pub row: Row,
    pub message: Message,
}

/// Sends what the producer prepared until it stops, no request accepted before the outcome of
/// the one before it on its connection is written. On shutdown it takes no new request and
/// returns once those on the wire are recorded.
pub async fn deliver(ctx: &JobContext, recorder: &Recorder, mut ready: mpsc::Receiver<Rendering>) -> Result<(), DbErr> {
    let outreach = &ctx.outreach;
    let sms_batch = outreach.sms.as_ref().map_or(1, |sms| sms.sender.batch_limit());
    let share = |a: &Sms, b: &Sms| outreach.sms.as_ref().is_some_and(|sms| sms.sender.share_request(a, b));
    let recorded = stream::poll_fn(move |cx| ready.poll_recv(cx))
        .filter_map(|rendering| async move {
            // A rendering task that failed leaves its rows claimed; the pass gives them back.
            rendering
                .await
                .inspect_err(|err| tracing::error!(%err, "rendering a batch failed"))
                .ok()
        })
        .flat_map(|(batch, settled)| {
            for outcome in settled {
                recorder.note(outcome);
            }
            stream::iter(requests(batch, sms_batch, share))
        })
        .take_until(ctx.shutdown.cancelled())
        .map(|request| send_and_record(ctx, recorder, request))
        .buffer_unordered(outreach.in_flight())
        .all(|recorded| async move { recorded })
        .await;
    if recorded {
        Ok(())
    } else {
        Err(DbErr::Custom(
            "the outcomes of sent messages could not be written".to_owned(),
        ))
    }
}

/// A batch in requests: SMS grouped as the provider can `share` a request, up to `sms_batch` a
/// request (so the slot a request holds covers one provider call); the rest alone.
fn requests(batch: Vec<Pending>, sms_batch: usize, share: impl Fn(&Sms, &Sms) -> bool) -> Vec<Vec<Pending>> {
    let mut requests = Vec::new();
    let mut texts: Vec<Vec<Pending>> = Vec::new();
    for pending in batch {
        let Message::Sms(sms) = &pending.message else {
            requests.push(vec![pending]);
            continue;
        };
        let open = texts.iter_mut().find(|group| {
            group.len() < sms_batch && matches!(&group[0].message, Message::Sms(first) if share(first, sms))
        });
        match open {
            Some(group) => group.push(pending),
            None => texts.push(vec![pending]),
        }
    }
    requests.extend(texts);
    requests
}

/// Sends one request as its own task (so the runtime spreads the work over every core) and
/// records the outcome of each of its messages. The request holds one of its channel's
/// connection slots until those outcomes are written (an SMTP connection carries its message's
/// write on to its next message instead, see `SmtpPool::deliver`), so a crash leaves at most
/// one unrecorded request per connection; one still waiting for a slot when the dispatcher is
/// told to stop is not sent (its rows are given back).
async fn send_and_record(ctx: &JobContext, recorder: &Recorder, request: Vec<Pending>) -> bool {
    let outreach = &ctx.outreach;
    let Some(channel) = request.first().map(|pending| pending.message.channel()) else {
        return true;
    };
    let _slot = tokio::select! {
        slot = outreach.slots(channel).acquire() => match slot {
            Ok(slot) => slot,
            Err(_) => return false,
        },
        () = ctx.shutdown.cancelled() => return true,
    };
    let (outreach, recording) = (Arc::clone(outreach), recorder.recording());
    let sent = tokio::spawn(async move { send(&outreach, &recording, channel, request).await }).await;
    // A send task that panicked leaves its rows claimed: the pass gives them back at its end.
    sent.inspect_err(|err| tracing::error!(%err, "a send task failed"))
        .unwrap_or(true)
}

/// One request on its channel, each message's outcome recorded; false when one could not be.
async fn send(outreach: &Outreach, recording: &Recording, channel: Channel, request: Vec<Pending>) -> bool {
    let started = Instant::now();
    // The address is only named when a permanent refusal blames it.
    let record = |row: &Row, answer: Result<Accepted, SendError>, address: &dyn Fn() -> String| {
        let outcome = match answer {
            Ok(accepted) => Outcome::Sent(accepted),
            Err(SendError::Temporary(reason)) => Outcome::Retry(reason),
            Err(SendError::Permanent(reason)) => Outcome::Bounced(reason, address()),
            Err(SendError::Refused(reason)) => Outcome::Refused(reason),
            Err(SendError::Rejected(reason)) => Outcome::Failed(reason),
        };
        recording.record(settle(&outreach.config, row, Some(channel), outcome, Utc::now()))
    };
    let mut refused = false;
    let mut written = Vec::with_capacity(request.len());
    match channel {
        Channel::Email => {
            for Pending { row, message } in request {
                let Message::Email(email) = message else { continue };
                outreach
                    .mailer
                    .deliver(&email, |answer| {
                        refused |= answer.is_err();
                        record(&row, answer.clone().map(|()| Accepted::default()), &|| {
                            email.recipients()
                        })
                    })
                    .await;
            }
        }
        Channel::Sms => {
            let (rows, texts): (Vec<Row>, Vec<Sms>) = request
                .into_iter()
                .filter_map(|Pending { row, message }| match message {
                    Message::Sms(sms) => Some((row, sms)),
                    _ => None,
                })
                .unzip();
            let answers = match &outreach.sms {
                Some(sms) => sms.sender.send(&texts).await,
                None => not_configured(texts.len(), "SMS"),
            };
            for ((row, answer), text) in rows.iter().zip(answers).zip(texts) {
                refused |= answer.is_err();
                written.push(record(row, answer, &|| text.phone.clone()));
            }
        }
        Channel::Wechat => {
            for Pending { row, message } in request {
                let Message::Wechat(message) = message else { continue };
                let answer = match &outreach.wechat {
                    Some(wechat) => wechat.sender.send(&message).await,
                    None => Err(SendError::Rejected("WeChat is not configured".to_owned())),
                };
                refused |= answer.is_err();
                written.push(record(&row, answer, &|| message.openid.clone()));
            }
        }
    }
    let result = if refused { "refused" } else { "accepted" };
    metrics::histogram!("patron_send_duration_seconds", "channel" => channel.as_str(), "result" => result)
        .record(started.elapsed().as_secs_f64());
    join_all(written).await.into_iter().all(|written| written)
}

fn not_configured(count: usize, channel: &str) -> Vec<Result<Accepted, SendError>> {
    vec![Err(SendError::Rejected(format!("{channel} is not configured"))); count]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sms(template_code: &str, n: i64) -> Pending {
        Pending {
            row: Row {
                id: n,
                dedupe_key: format!("k:{n}"),
                kind: entity::vocabulary::CampaignKind::Holiday,
                occurrence: String::new(),
                member_id: n,
                holiday_key: None,
                hold_quiet_hours: false,
                attempts: 1,
                created_at: Utc::now(),
                campaign_id: None,
                priority: 0,
                channels: vec![Channel::Sms],
            },
            message: Message::Sms(Sms {
                phone: format!("1380000{n:04}"),
                template_code: template_code.to_owned(),
                params: Vec::new(),
                text: String::new(),
                reference: String::new(),
            }),
        }
    }

    #[test]
    fn texts_to_one_template_share_requests_up_to_the_providers_batch() {
        let batch: Vec<Pending> = (0..7)
            .map(|n| sms(if n % 3 == 0 { "SMS_B" } else { "SMS_A" }, n))
            .collect();
        let same_template = |a: &Sms, b: &Sms| a.template_code == b.template_code;
        let sizes: Vec<(String, usize)> = requests(batch, 3, same_template)
            .iter()
            .map(|r| match &r[0].message {
                Message::Sms(s) => (s.template_code.clone(), r.len()),
                _ => (String::new(), r.len()),
            })
            .collect();
        let expected = [("SMS_B", 3), ("SMS_A", 3), ("SMS_A", 1)].map(|(t, n)| (t.to_owned(), n));
        assert_eq!(sizes, expected);
    }
}
