//! Offers whose codes come from the brand's POS: a list of codes is imported into
//! `imported_coupon_codes`, and each issue takes the next one from it, so a code that leaves the
//! list is in `coupons` and nowhere else. POS codes can be longer than Patron's own, so
//! `coupons.code` widens (SQLite does not enforce the length).
use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

use crate::{add_column, created_at_column, drop_column, id_column};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum CouponDefinitions {
    Table,
    Id,
    ImportedCodes,
}

#[derive(DeriveIden)]
enum ImportedCouponCodes {
    Table,
    Id,
    DefinitionId,
    Code,
    ImportedAt,
}

/// The longest code a POS list may hold.
const CODE_LENGTH: u32 = 64;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let imported = ColumnDef::new(CouponDefinitions::ImportedCodes)
            .boolean()
            .not_null()
            .default(false)
            .to_owned();
        add_column(manager, CouponDefinitions::Table, imported).await?;
        use ImportedCouponCodes as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(id_column(P::Id))
                    .col(ColumnDef::new(P::DefinitionId).big_integer().not_null())
                    .col(ColumnDef::new(P::Code).string_len(CODE_LENGTH).not_null().unique_key())
                    .col(created_at_column(P::ImportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(P::Table, P::DefinitionId)
                            .to(CouponDefinitions::Table, CouponDefinitions::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Issuing takes a definition's codes in import order.
        let by_offer = crate::index(
            P::Table,
            "ix_imported_coupon_codes_definition",
            &["definition_id", "id"],
        );
        manager.create_index(by_offer).await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            let widen = format!("ALTER TABLE coupons ALTER COLUMN code TYPE varchar({CODE_LENGTH})");
            manager.get_connection().execute_unprepared(&widen).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ImportedCouponCodes::Table).to_owned())
            .await?;
        drop_column(manager, CouponDefinitions::Table, CouponDefinitions::ImportedCodes).await
    }
}
