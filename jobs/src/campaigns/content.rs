//! What each campaign's messages say: the template that renders them and the occasion they tell
//! of (a holiday, points lapsing), for the dispatcher and for a marketer's preview alike.
use chrono::{Duration, NaiveDate};
use entity::vocabulary::CampaignKind;
use sea_orm::{ConnectionTrait, DbErr};

use super::builtin::holiday_calendar;
use super::holidays::BrandHoliday;
use super::template_for;
use crate::outreach::claim::Row;
use crate::outreach::config::OutreachConfig;
use crate::outreach::content::Content;
use crate::outreach::template::Occasion;
use crate::points::expiry;

/// The brand's holidays as they stand, for the messages of one dispatch or preview.
pub struct Messages {
    holidays: Vec<BrandHoliday>,
}

impl Messages {
    pub async fn load(conn: &impl ConnectionTrait, config: &OutreachConfig) -> Result<Self, DbErr> {
        Ok(Self {
            holidays: holiday_calendar(conn, config).await?,
        })
    }

    fn holiday(&self, key: &str) -> Option<&BrandHoliday> {
        self.holidays.iter().find(|h| h.holiday.key == key)
    }

    /// What a preview of `kind` on `today` (the member's) tells of: the holiday `holiday_key`
    /// (else the next enabled one) as it next comes, or the points lapsing at the end of the
    /// month.
    pub fn preview(
        &self,
        kind: CampaignKind,
        holiday_key: Option<&str>,
        locale: &str,
        today: NaiveDate,
    ) -> Result<Occasion, String> {
        match kind {
            CampaignKind::Holiday => {
                let next = |h: &BrandHoliday| {
                    (0..=366)
                        .map(|d| today + Duration::days(d))
                        .find(|day| h.holiday.date.falls_on(*day))
                };
                let (holiday, date) = match holiday_key {
                    Some(key) => {
                        let holiday = self
                            .holiday(key)
                            .ok_or_else(|| format!("no holiday has the key {key:?}"))?;
                        (holiday, next(holiday).unwrap_or(today))
                    }
                    None => self
                        .holidays
                        .iter()
                        .filter(|h| h.enabled)
                        .filter_map(|h| next(h).map(|date| (h, date)))
                        .min_by_key(|(_, date)| *date)
                        .ok_or("no holiday is enabled")?,
                };
                Ok(holiday_occasion(holiday, locale, date))
            }
            CampaignKind::PointsExpiry => Ok(Occasion::PointsLapse {
                last_day: expiry::last_day_of_month(today),
            }),
            _ => Ok(Occasion::Nothing),
        }
    }
}

impl Content for Messages {
    fn template(&self, row: &Row) -> String {
        template_for(row.kind, row.campaign_id)
    }

    fn occasion(&self, row: &Row, locale: &str) -> Result<Occasion, String> {
        if let Some(key) = row.holiday_key.as_deref() {
            let holiday = self
                .holiday(key)
                .ok_or_else(|| format!("the holiday {key:?} no longer exists"))?;
            if !holiday.enabled {
                return Err(format!("the holiday {key:?} is disabled"));
            }
            // A holiday occurrence is `<key>:<date>`.
            let date = occurrence_date(row.occurrence.rsplit(':').next().unwrap_or_default(), row)?;
            return Ok(holiday_occasion(holiday, locale, date));
        }
        if row.kind == CampaignKind::PointsExpiry {
            // A points notice's occurrence is the last day the points are valid.
            return Ok(Occasion::PointsLapse {
                last_day: occurrence_date(&row.occurrence, row)?,
            });
        }
        Ok(Occasion::Nothing)
    }
}

fn holiday_occasion(holiday: &BrandHoliday, locale: &str, date: NaiveDate) -> Occasion {
    Occasion::Holiday {
        key: holiday.holiday.key.clone(),
        name: holiday.name(locale).to_owned(),
        date,
    }
}

fn occurrence_date(text: &str, row: &Row) -> Result<NaiveDate, String> {
    text.parse()
        .map_err(|_| format!("occurrence {:?} names no date", row.occurrence))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outreach::template::KINDS;

    #[test]
    fn every_built_in_campaign_ships_its_templates() {
        let built_in: Vec<&str> = CampaignKind::BUILT_IN.iter().map(|k| k.as_str()).collect();
        assert_eq!(built_in, KINDS);
    }
}
