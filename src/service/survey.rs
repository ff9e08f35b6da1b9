//! Satisfaction surveys: answering one (once, through its signed link) and reading the answers
//! per store, per associate and per month. The `satisfaction-survey` job asks them (see
//! `jobs::surveys`).
use chrono::{Duration, NaiveDate, Utc};
use entity::vocabulary::{CampaignKind, FeedbackKind, FeedbackStatus, OutboxStatus, SurveyScale};
use entity::{feedback, member, survey};
use rust_decimal::Decimal;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryResult, Set, TransactionTrait,
};

use crate::auth::Viewer;
use crate::error::{AppError, AppResult};
use crate::service::audit;
use crate::validate;
use jobs::sql::statement;

/// A member's survey of a day, and whether it still takes an answer.
pub struct Asked {
    pub survey: survey::Model,
    pub member: member::Model,
    /// Already answered, or its link has lapsed: why it takes no answer.
    pub closed: Option<&'static str>,
}

/// The survey `member_id` was asked on `asked_on`, as it stands on the brand's `today`.
pub async fn find(
    conn: &impl ConnectionTrait,
    member_id: i64,
    asked_on: NaiveDate,
    answer_days: u32,
    today: NaiveDate,
) -> AppResult<Asked> {
    let missing = || AppError::NotFound("this survey no longer exists".to_owned());
    let survey = survey::Entity::find()
        .filter(survey::Column::MemberId.eq(member_id))
        .filter(survey::Column::AskedOn.eq(asked_on))
        .one(conn)
        .await?
        .ok_or_else(missing)?;
    let member = member::Entity::find_by_id(member_id)
        .one(conn)
        .await?
        .ok_or_else(missing)?;
    let closed = if survey.answered_at.is_some() {
        Some("already answered")
    } else if today > asked_on + Duration::days(i64::from(answer_days)) {
        Some("closed")
    } else {
        None
    };
    Ok(Asked { survey, member, closed })
}

/// Records the member's answer as satisfaction feedback, once: a second answer, even at the
/// same moment from another tab, is refused.
pub async fn answer(
    conn: &(impl ConnectionTrait + TransactionTrait),
    asked: &Asked,
    score: i16,
    comment: Option<String>,
) -> AppResult<()> {
    if let Some(closed) = asked.closed {
        return Err(AppError::input(format!("this survey is {closed}")));
    }
    let (scale, range) = (asked.survey.scale, asked.survey.scale.range());
    if !range.contains(&score) {
        let (low, high) = range.into_inner();
        return Err(AppError::field("score", format!("a score from {low} to {high}")));
    }
    let comment = validate::optional_text(comment)
        .map(|c| validate::bounded("comment", &c, 2000))
        .transpose()?;
    let now = Utc::now();
    let txn = conn.begin().await?;
    let recorded = feedback::ActiveModel {
        member_id: Set(asked.member.id),
        kind: Set(FeedbackKind::Satisfaction),
        score: Set(Some(score)),
        scale: Set(Some(scale)),
        body: Set(comment.clone()),
        status: Set(FeedbackStatus::Resolved),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    let answered = survey::Entity::update_many()
        .col_expr(survey::Column::Score, score.into())
        .col_expr(survey::Column::Comment, comment.into())
        .col_expr(survey::Column::AnsweredAt, now.into())
        .col_expr(survey::Column::FeedbackId, recorded.id.into())
        .filter(survey::Column::Id.eq(asked.survey.id))
        .filter(survey::Column::AnsweredAt.is_null())
        .exec(&txn)
        .await?;
    if answered.rows_affected == 0 {
        return Err(AppError::input("this survey is already answered"));
    }
    let detail = serde_json::json!({ "surveyId": asked.survey.id, "score": score, "scale": scale });
    let viewer = Viewer::member(&asked.member);
    audit::record(&txn, &viewer, "survey.answer", Some(&asked.member.member_no), detail).await?;
    txn.commit().await?;
    Ok(())
}

/// How a group of surveys was answered.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Figures {
    /// Surveys whose message went out (or that were answered).
    pub asked: i64,
    pub answered: i64,
    pub score_sum: i64,
    /// CSAT: 4 or 5; NPS: promoters, 9 or 10.
    pub high: i64,
    /// NPS: detractors, 0 to 6; CSAT: 1 or 2.
    pub low: i64,
}

impl Figures {
    fn plus(self, other: &Self) -> Self {
        Self {
            asked: self.asked + other.asked,
            answered: self.answered + other.answered,
            score_sum: self.score_sum + other.score_sum,
            high: self.high + other.high,
            low: self.low + other.low,
        }
    }

    pub fn response_rate(&self) -> Option<Decimal> {
        percent(self.answered, self.asked)
    }

    pub fn average(&self) -> Option<Decimal> {
        (self.answered > 0).then(|| to_places(Decimal::from(self.score_sum) / Decimal::from(self.answered), 2))
    }

    /// CSAT: the share satisfied (4 or 5), in percent; NPS: promoters minus detractors, in points.
    pub fn score(&self, scale: SurveyScale) -> Option<Decimal> {
        match scale {
            SurveyScale::Csat => percent(self.high, self.answered),
            SurveyScale::Nps => percent(self.high - self.low, self.answered),
        }
    }
}

/// `part` of `whole` in percent, to one decimal.
fn percent(part: i64, whole: i64) -> Option<Decimal> {
    (whole > 0).then(|| to_places(Decimal::from(part * 100) / Decimal::from(whole), 1))
}

/// Rounded half away from zero and shown with exactly `places` decimals ("4.50", "100.0").
fn to_places(value: Decimal, places: u32) -> Decimal {
    let mut rounded = value.round_dp_with_strategy(places, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    rounded.rescale(places);
    rounded
}

/// The answers of a period on one scale: overall, by store, by associate and by month.
pub struct Report {
    pub overall: Figures,
    pub by_store: Vec<(Option<i64>, Figures)>,
    pub by_associate: Vec<(Option<i64>, Figures)>,
    /// `YYYY-MM` of the day asked, the months with surveys in order.
    pub by_month: Vec<(String, Figures)>,
}

/// The surveys on `scale` asked from `from` to `to`, of one store or all.
pub async fn report(
    conn: &impl ConnectionTrait,
    scale: SurveyScale,
    (from, to): (NaiveDate, NaiveDate),
    store_id: Option<i64>,
) -> AppResult<Report> {
    let grouped = |key: &'static str| grouped(conn, key, scale, (from, to), store_id);
    let by_store = grouped("s.store_id").await?;
    let by_associate = grouped("s.associate_id").await?;
    let by_month = grouped("SUBSTR(CAST(s.asked_on AS TEXT), 1, 7)").await?;
    // Ids in their order, the group without one last.
    let by_id = |rows: Vec<(Option<String>, Figures)>| {
        let mut rows: Vec<(Option<i64>, Figures)> = rows
            .into_iter()
            .map(|(key, figures)| (key.and_then(|k| k.parse().ok()), figures))
            .collect();
        rows.sort_by_key(|(id, _)| (id.is_none(), *id));
        rows
    };
    Ok(Report {
        // Every survey has one store (or none): the stores' figures add up to the whole.
        overall: by_store.iter().fold(Figures::default(), |sum, (_, f)| sum.plus(f)),
        by_store: by_id(by_store),
        by_associate: by_id(by_associate),
        by_month: by_month.into_iter().filter_map(|(key, f)| Some((key?, f))).collect(),
    })
}

/// The figures of the period's surveys grouped by the SQL expression `key` (over `surveys s`),
/// each key as text.
async fn grouped(
    conn: &impl ConnectionTrait,
    key: &str,
    scale: SurveyScale,
    (from, to): (NaiveDate, NaiveDate),
    store_id: Option<i64>,
) -> AppResult<Vec<(Option<String>, Figures)>> {
    let (high, low) = match scale {
        SurveyScale::Csat => (4, 2),
        SurveyScale::Nps => (9, 6),
    };
    // A survey was asked when its message went out: the outbox row of the day's occurrence.
    let sql = format!(
        "SELECT CAST({key} AS TEXT) AS grouped, \
           SUM(CASE WHEN s.answered_at IS NOT NULL OR EXISTS (SELECT 1 FROM outbox o WHERE o.member_id = s.member_id \
             AND o.kind = '{kind}' AND o.occurrence = CAST(s.asked_on AS TEXT) AND o.status = '{sent}') \
             THEN 1 ELSE 0 END) AS asked, \
           COUNT(s.answered_at) AS answered, COALESCE(SUM(s.score), 0) AS score_sum, \
           SUM(CASE WHEN s.score >= {high} THEN 1 ELSE 0 END) AS high, \
           SUM(CASE WHEN s.score <= {low} THEN 1 ELSE 0 END) AS low \
         FROM surveys s \
         WHERE s.scale = $1 AND s.asked_on >= $2 AND s.asked_on <= $3 AND ($4 IS NULL OR s.store_id = $4) \
         GROUP BY {key} ORDER BY 1",
        kind = CampaignKind::SatisfactionSurvey,
        sent = OutboxStatus::Sent,
    );
    let values = vec![scale.as_str().into(), from.into(), to.into(), store_id.into()];
    let rows = conn.query_all(statement(conn, &sql, values)).await?;
    rows.iter()
        .map(figures_of)
        .collect::<Result<_, _>>()
        .map_err(AppError::from)
}

fn figures_of(row: &QueryResult) -> Result<(Option<String>, Figures), sea_orm::DbErr> {
    let count = |column: &str| row.try_get::<i64>("", column);
    Ok((
        row.try_get("", "grouped")?,
        Figures {
            asked: count("asked")?,
            answered: count("answered")?,
            score_sum: count("score_sum")?,
            high: count("high")?,
            low: count("low")?,
        },
    ))
}
