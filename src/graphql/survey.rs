//! Satisfaction: the answers to the surveys asked after purchases and resolved complaints, per
//! store, per associate and per month.
use async_graphql::{Context, Object};
use chrono::NaiveDate;
use entity::vocabulary::SurveyScale;
use rust_decimal::Decimal;

use crate::graphql::loaders::Loaders;
use crate::graphql::store::{Staff, Store};
use crate::graphql::{db, page};
use crate::service::store;
use crate::service::survey::{self, Figures};

/// How one group of surveys was answered, on the report's scale.
pub struct SatisfactionFigures {
    scale: SurveyScale,
    figures: Figures,
}

#[Object]
impl SatisfactionFigures {
    /// Surveys whose message went out.
    async fn asked(&self) -> i64 {
        self.figures.asked
    }
    async fn answered(&self) -> i64 {
        self.figures.answered
    }
    /// Answered of asked, in percent.
    async fn response_rate(&self) -> Option<Decimal> {
        self.figures.response_rate()
    }
    /// The mean score.
    async fn average(&self) -> Option<Decimal> {
        self.figures.average()
    }
    /// CSAT: the share who answered 4 or 5, in percent. NPS: promoters (9–10) minus detractors
    /// (0–6), in points from −100 to 100.
    async fn score(&self) -> Option<Decimal> {
        self.figures.score(self.scale)
    }
    /// CSAT: answers of 4 or 5; NPS: promoters.
    async fn high(&self) -> i64 {
        self.figures.high
    }
    /// CSAT: answers of 1 or 2; NPS: detractors.
    async fn low(&self) -> i64 {
        self.figures.low
    }
}

pub struct StoreSatisfaction {
    store_id: Option<i64>,
    figures: SatisfactionFigures,
}

#[Object]
impl StoreSatisfaction {
    /// None: members with no home store, served where no store was recorded.
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = self.store_id else { return Ok(None) };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
    async fn figures(&self) -> &SatisfactionFigures {
        &self.figures
    }
}

pub struct AssociateSatisfaction {
    associate_id: Option<i64>,
    figures: SatisfactionFigures,
}

#[Object]
impl AssociateSatisfaction {
    /// None: members who had no active associate when asked.
    async fn associate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        let Some(id) = self.associate_id else { return Ok(None) };
        Ok(ctx.data::<Loaders>()?.staff().load_one(id).await?.map(Staff))
    }
    async fn figures(&self) -> &SatisfactionFigures {
        &self.figures
    }
}

pub struct MonthSatisfaction {
    month: String,
    figures: SatisfactionFigures,
}

#[Object]
impl MonthSatisfaction {
    /// `YYYY-MM`, of the day asked.
    async fn month(&self) -> &str {
        &self.month
    }
    async fn figures(&self) -> &SatisfactionFigures {
        &self.figures
    }
}

/// A period's answers on one scale.
pub struct SatisfactionReport {
    scale: SurveyScale,
    report: survey::Report,
}

impl SatisfactionReport {
    fn figures(&self, figures: &Figures) -> SatisfactionFigures {
        SatisfactionFigures {
            scale: self.scale,
            figures: figures.clone(),
        }
    }
}

#[Object]
impl SatisfactionReport {
    async fn scale(&self) -> SurveyScale {
        self.scale
    }
    async fn overall(&self) -> SatisfactionFigures {
        self.figures(&self.report.overall)
    }
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn by_store(&self) -> Vec<StoreSatisfaction> {
        let rows = self.report.by_store.iter();
        rows.map(|(store_id, f)| StoreSatisfaction {
            store_id: *store_id,
            figures: self.figures(f),
        })
        .collect()
    }
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn by_associate(&self) -> Vec<AssociateSatisfaction> {
        let rows = self.report.by_associate.iter();
        rows.map(|(associate_id, f)| AssociateSatisfaction {
            associate_id: *associate_id,
            figures: self.figures(f),
        })
        .collect()
    }
    /// The trend: each month of the period that had surveys, in order.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn by_month(&self) -> Vec<MonthSatisfaction> {
        let rows = self.report.by_month.iter();
        rows.map(|(month, f)| MonthSatisfaction {
            month: month.clone(),
            figures: self.figures(f),
        })
        .collect()
    }
}

#[derive(Default)]
pub struct SurveyQuery;

#[Object]
impl SurveyQuery {
    /// The answers to the surveys asked from `from` to `to` on `scale` (the configured one when
    /// omitted), of one store or all. Planners and admins.
    async fn satisfaction_report(
        &self,
        ctx: &Context<'_>,
        scale: Option<SurveyScale>,
        from: NaiveDate,
        to: NaiveDate,
        store_code: Option<String>,
    ) -> async_graphql::Result<SatisfactionReport> {
        crate::graphql::task::period(from, to)?;
        let db = db(ctx)?;
        let store_id = store::id_for_optional_code(db, "storeCode", store_code.as_deref()).await?;
        let scale = match scale {
            Some(scale) => scale,
            None => crate::graphql::outreach::jobs(ctx)?.surveys.scale,
        };
        let report = survey::report(db, scale, (from, to), store_id).await?;
        Ok(SatisfactionReport { scale, report })
    }
}
