//! The brand's own settings the services need: its time zone and "today" there, its points
//! programme, what its tiers give and whether email consent waits for confirmation.
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use jobs::points::PointsConfig;

use crate::service::membership::TierBenefitsConfig;

#[derive(Clone, Debug)]
pub struct Brand {
    pub time_zone: Tz,
    pub points: Arc<PointsConfig>,
    pub benefits: Arc<TierBenefitsConfig>,
    /// Email consent takes effect once the member confirms it from their mailbox.
    pub double_opt_in: bool,
}

impl Brand {
    /// The brand in this time zone, with the default points programme (earning off) and tier
    /// benefits.
    pub fn new(time_zone: &str) -> anyhow::Result<Self> {
        let time_zone = time_zone
            .parse::<Tz>()
            .map_err(|_| anyhow::anyhow!("PATRON_BRAND_TIME_ZONE is not a known IANA time zone: {time_zone}"))?;
        Ok(Self {
            time_zone,
            points: Arc::default(),
            benefits: Arc::default(),
            double_opt_in: false,
        })
    }

    /// The brand as configured.
    pub fn from_settings(settings: &crate::settings::Settings) -> anyhow::Result<Self> {
        Ok(Self {
            points: Arc::new(settings.points.clone()),
            benefits: Arc::new(settings.tier_benefits.clone()),
            double_opt_in: settings.outreach.double_opt_in,
            ..Self::new(&settings.brand_time_zone)?
        })
    }

    /// Today's date in the brand's time zone.
    pub fn today(&self) -> NaiveDate {
        Utc::now().with_timezone(&self.time_zone).date_naive()
    }

    /// The brand-local date of an instant: the day analytics counts it on.
    pub fn date_of(&self, instant: DateTime<Utc>) -> NaiveDate {
        instant.with_timezone(&self.time_zone).date_naive()
    }

    /// A purchase known only by its date happened that day in the brand's time zone; noon keeps
    /// it on that date whatever daylight-saving does at midnight.
    pub fn noon_of(&self, date: NaiveDate) -> DateTime<Utc> {
        let noon = date.and_hms_opt(12, 0, 0).unwrap_or_default();
        self.time_zone
            .from_local_datetime(&noon)
            .earliest()
            .map(|local| local.with_timezone(&Utc))
            .unwrap_or_else(|| noon.and_utc())
    }
}
