//! What a queued message says is its sender's to know, not delivery's: for each claimed row the
//! sender (the campaign engine) names the template that renders it and the occasion it tells of.
use super::claim::Row;
use super::template::Occasion;

pub trait Content: Send + Sync {
    /// The template kind `row` is rendered with.
    fn template(&self, row: &Row) -> String;

    /// What `row` tells of, in the member's `locale`; `Err` with the reason when it is no longer
    /// to be sent (its holiday was disabled or removed).
    fn occasion(&self, row: &Row, locale: &str) -> Result<Occasion, String>;
}
