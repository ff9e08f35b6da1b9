//! Patron's schema migrations: hand-written, each with a real `down()`.
pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_stores_and_staff;
mod m20261124_000002_create_members;
mod m20261124_000003_create_purchases;
mod m20261124_000004_create_feedback_and_points;
mod m20261124_000005_create_history_audit_suppressions;
mod m20261124_000006_create_analytics;
mod m20261124_000007_create_outreach;
mod m20261124_000008_analytics_tables_without_member_keys;
mod m20261130_000009_outbox_claims_live_with_their_dispatcher;
mod m20261130_000010_create_segments;
mod m20261130_000011_segment_membership;
mod m20261201_000012_create_staff_passwords_and_login_attempts;
mod m20261201_000013_create_campaigns;
mod m20261201_000014_index_purchases_by_category;
mod m20261201_000015_builtin_campaign_timing;
mod m20261201_000016_segment_tables_without_row_checks;
mod m20261202_000017_index_list_orders;
mod m20261203_000018_create_app_keys_and_revoked_tokens;
mod m20261203_000019_builtin_points_expiry_campaign;
mod m20261204_000020_index_segment_reads;
mod m20261205_000021_staff_can_be_disabled;
mod m20261205_000022_points_expiry_notice_job;
mod m20261206_000023_channels;
mod m20261206_000024_member_preferences;
mod m20261206_000025_email_confirmation;
mod m20261207_000026_bulk_tables_without_foreign_keys;
mod m20261208_000027_create_coupons;
mod m20261209_000028_imported_coupon_codes;
mod m20261209_000029_builtin_coupon_expiry_campaign;
mod m20261210_000030_create_tasks;
mod m20261210_000031_complaint_sla;
mod m20261211_000032_satisfaction_surveys;
mod m20261211_000033_member_fields_and_notes;
mod m20261211_000034_playbooks;
mod m20261211_000035_task_drawn_for;
mod m20261212_000036_journeys;
mod m20261213_000037_analytics_tables_for_segments;
mod m20261214_000038_partial_provider_ref_index;
mod m20261214_000039_index_purchases_by_store;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_stores_and_staff::Migration),
            Box::new(m20261124_000002_create_members::Migration),
            Box::new(m20261124_000003_create_purchases::Migration),
            Box::new(m20261124_000004_create_feedback_and_points::Migration),
            Box::new(m20261124_000005_create_history_audit_suppressions::Migration),
            Box::new(m20261124_000006_create_analytics::Migration),
            Box::new(m20261124_000007_create_outreach::Migration),
            Box::new(m20261124_000008_analytics_tables_without_member_keys::Migration),
            Box::new(m20261130_000009_outbox_claims_live_with_their_dispatcher::Migration),
            Box::new(m20261130_000010_create_segments::Migration),
            Box::new(m20261130_000011_segment_membership::Migration),
            Box::new(m20261201_000012_create_staff_passwords_and_login_attempts::Migration),
            Box::new(m20261201_000013_create_campaigns::Migration),
            Box::new(m20261201_000014_index_purchases_by_category::Migration),
            Box::new(m20261201_000015_builtin_campaign_timing::Migration),
            Box::new(m20261201_000016_segment_tables_without_row_checks::Migration),
            Box::new(m20261202_000017_index_list_orders::Migration),
            Box::new(m20261203_000018_create_app_keys_and_revoked_tokens::Migration),
            Box::new(m20261203_000019_builtin_points_expiry_campaign::Migration),
            Box::new(m20261204_000020_index_segment_reads::Migration),
            Box::new(m20261205_000021_staff_can_be_disabled::Migration),
            Box::new(m20261205_000022_points_expiry_notice_job::Migration),
            Box::new(m20261206_000023_channels::Migration),
            Box::new(m20261206_000024_member_preferences::Migration),
            Box::new(m20261206_000025_email_confirmation::Migration),
            Box::new(m20261207_000026_bulk_tables_without_foreign_keys::Migration),
            Box::new(m20261208_000027_create_coupons::Migration),
            Box::new(m20261209_000028_imported_coupon_codes::Migration),
            Box::new(m20261209_000029_builtin_coupon_expiry_campaign::Migration),
            Box::new(m20261210_000030_create_tasks::Migration),
            Box::new(m20261210_000031_complaint_sla::Migration),
            Box::new(m20261211_000032_satisfaction_surveys::Migration),
            Box::new(m20261211_000033_member_fields_and_notes::Migration),
            Box::new(m20261211_000034_playbooks::Migration),
            Box::new(m20261211_000035_task_drawn_for::Migration),
            Box::new(m20261212_000036_journeys::Migration),
            Box::new(m20261213_000037_analytics_tables_for_segments::Migration),
            Box::new(m20261214_000038_partial_provider_ref_index::Migration),
            Box::new(m20261214_000039_index_purchases_by_store::Migration),
        ]
    }
}

/// An auto-incrementing 64-bit primary key (`INTEGER PRIMARY KEY` on SQLite).
pub(crate) fn id_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .big_integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

/// A `NOT NULL` UTC timestamp defaulting to now.
pub(crate) fn created_at_column<T: IntoIden>(name: T) -> ColumnDef {
    ColumnDef::new(name)
        .timestamp_with_time_zone()
        .not_null()
        .default(Expr::current_timestamp())
        .to_owned()
}

/// Index names are derived from table and columns so `down()` can drop what `up()` made.
pub(crate) fn index(table: impl IntoTableRef, name: &str, columns: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(Alias::new(*column));
    }
    index.to_owned()
}

/// Drops the index `name` that `index` made on `table`.
pub(crate) async fn drop_index(manager: &SchemaManager<'_>, table: impl IntoTableRef, name: &str) -> Result<(), DbErr> {
    manager
        .drop_index(Index::drop().name(name).table(table).to_owned())
        .await
}

/// Adds one column (SQLite alters one column per statement).
pub(crate) async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    mut column: ColumnDef,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).add_column(&mut column).to_owned())
        .await
}

/// Drops one column.
pub(crate) async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoIden + 'static,
    column: impl IntoIden + 'static,
) -> Result<(), DbErr> {
    manager
        .alter_table(Table::alter().table(table).drop_column(column).to_owned())
        .await
}

/// Adds a built-in campaign, on and scheduled as the others are. A marketer's own campaign may
/// have the name already: that kind then runs without a campaign row, as the others would.
pub(crate) async fn insert_builtin_campaign(manager: &SchemaManager<'_>, name: &str, kind: &str) -> Result<(), DbErr> {
    let columns = ["name", "kind", "status", "created_by", "updated_by"].map(Alias::new);
    let insert = Query::insert()
        .into_table(Alias::new("campaigns"))
        .columns(columns)
        .values([
            name.into(),
            kind.into(),
            "scheduled".into(),
            "patron".into(),
            "patron".into(),
        ])
        .map_err(|e| DbErr::Custom(e.to_string()))?
        .on_conflict(OnConflict::column(Alias::new("name")).do_nothing().to_owned())
        .to_owned();
    manager.exec_stmt(insert).await
}

/// Removes the built-in campaign of `kind`.
pub(crate) async fn delete_builtin_campaign(manager: &SchemaManager<'_>, kind: &str) -> Result<(), DbErr> {
    let delete = Query::delete()
        .from_table(Alias::new("campaigns"))
        .and_where(Expr::col(Alias::new("kind")).eq(kind))
        .to_owned();
    manager.exec_stmt(delete).await
}
