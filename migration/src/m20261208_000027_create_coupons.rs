//! Coupons: what an offer gives (a definition; with a points price, a reward members buy with
//! points) and the codes members hold; a campaign may give each recipient a code of an offer. A code is redeemed at
//! most once, with one order, and an order redeems at most one code: both are unique keys, so
//! concurrent redemptions on any number of replicas cannot both succeed. Codes are written a
//! campaign's audience at a time, so like the outbox they carry no foreign key to `members`.
use sea_orm_migration::prelude::*;

use crate::{add_column, created_at_column, drop_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CouponDefinitions {
    Table,
    Id,
    Name,
    Kind,
    AmountOffCents,
    PercentOff,
    MaxDiscountCents,
    Gift,
    MinSpendCents,
    StoreCodes,
    Categories,
    ValidFrom,
    ValidUntil,
    ValidDays,
    PerMemberLimit,
    Stock,
    Issued,
    PointsPrice,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Campaigns {
    Table,
    CouponDefinitionId,
}

#[derive(DeriveIden)]
enum Coupons {
    Table,
    Id,
    DefinitionId,
    MemberId,
    Code,
    Status,
    Source,
    Reference,
    ValidFrom,
    ValidUntil,
    IssuedAt,
    OrderId,
    DiscountCents,
    RedeemedAt,
    RedeemedBy,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CouponDefinitions as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(id_column(D::Id))
                    .col(ColumnDef::new(D::Name).string_len(100).not_null().unique_key())
                    .col(ColumnDef::new(D::Kind).string_len(20).not_null())
                    .col(ColumnDef::new(D::AmountOffCents).big_integer().null())
                    .col(ColumnDef::new(D::PercentOff).integer().null())
                    .col(ColumnDef::new(D::MaxDiscountCents).big_integer().null())
                    .col(ColumnDef::new(D::Gift).string_len(200).null())
                    .col(ColumnDef::new(D::MinSpendCents).big_integer().not_null().default(0))
                    // Comma-separated store codes; none: every store.
                    .col(ColumnDef::new(D::StoreCodes).text().null())
                    // Comma-separated purchase categories; none: every category.
                    .col(ColumnDef::new(D::Categories).text().null())
                    .col(ColumnDef::new(D::ValidFrom).date().null())
                    .col(ColumnDef::new(D::ValidUntil).date().null())
                    .col(ColumnDef::new(D::ValidDays).integer().null())
                    .col(ColumnDef::new(D::PerMemberLimit).integer().null())
                    .col(ColumnDef::new(D::Stock).integer().null())
                    .col(ColumnDef::new(D::Issued).integer().not_null().default(0))
                    .col(ColumnDef::new(D::PointsPrice).integer().null())
                    .col(ColumnDef::new(D::CreatedBy).string_len(200).not_null())
                    .col(created_at_column(D::CreatedAt))
                    .to_owned(),
            )
            .await?;
        use Coupons as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(id_column(C::Id))
                    .col(ColumnDef::new(C::DefinitionId).big_integer().not_null())
                    .col(ColumnDef::new(C::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(C::Code).string_len(16).not_null().unique_key())
                    .col(ColumnDef::new(C::Status).string_len(20).not_null())
                    .col(ColumnDef::new(C::Source).string_len(20).not_null())
                    .col(ColumnDef::new(C::Reference).string_len(128).null())
                    .col(ColumnDef::new(C::ValidFrom).date().not_null())
                    .col(ColumnDef::new(C::ValidUntil).date().not_null())
                    .col(created_at_column(C::IssuedAt))
                    .col(ColumnDef::new(C::OrderId).string_len(128).null().unique_key())
                    .col(ColumnDef::new(C::DiscountCents).big_integer().null())
                    .col(ColumnDef::new(C::RedeemedAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(C::RedeemedBy).string_len(200).null())
                    .foreign_key(ForeignKey::create().from(C::Table, C::DefinitionId).to(D::Table, D::Id))
                    .to_owned(),
            )
            .await?;
        for statement in [
            index(C::Table, "ix_coupons_member_id", &["member_id"]),
            // An issue with a reference (a campaign's occurrence, a caller's retry key) is made once.
            index(
                C::Table,
                "ux_coupons_definition_reference",
                &["definition_id", "member_id", "reference"],
            )
            .unique()
            .to_owned(),
        ] {
            manager.create_index(statement).await?;
        }
        let offer = ColumnDef::new(Campaigns::CouponDefinitionId)
            .big_integer()
            .null()
            .to_owned();
        add_column(manager, Campaigns::Table, offer).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        drop_column(manager, Campaigns::Table, Campaigns::CouponDefinitionId).await?;
        manager
            .drop_table(Table::drop().table(Coupons::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(CouponDefinitions::Table).to_owned())
            .await
    }
}
