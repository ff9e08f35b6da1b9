use sea_orm_migration::prelude::*;

use crate::m20261124_000001_create_stores_and_staff::{StaffUsers, Stores};
use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
pub(crate) enum Members {
    Table,
    Id,
    MemberNo,
    Name,
    Gender,
    Birthday,
    BirthMonth,
    BirthDay,
    LunarBirthday,
    Phone,
    Email,
    Address,
    City,
    JoinedAt,
    StoreId,
    AssignedAssociateId,
    ReferredById,
    Interests,
    Locale,
    TimeZone,
    EmailConsent,
    ConsentSource,
    ConsentAt,
    Status,
    CreatedAt,
    UpdatedAt,
}

/// The lookups the API and the jobs make: by store, city, contact, birthday, join date, associate.
const INDEXES: &[(&str, &[&str])] = &[
    ("idx_members_store", &["store_id"]),
    ("idx_members_city", &["city"]),
    ("idx_members_phone", &["phone"]),
    ("idx_members_email", &["email"]),
    ("idx_members_birthday", &["birth_month", "birth_day"]),
    ("idx_members_joined", &["joined_at"]),
    ("idx_members_associate", &["assigned_associate_id"]),
    ("idx_members_referrer", &["referred_by_id"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Members::Table)
                    .col(id_column(Members::Id))
                    .col(ColumnDef::new(Members::MemberNo).string_len(64).not_null().unique_key())
                    .col(ColumnDef::new(Members::Name).string_len(200).not_null())
                    .col(ColumnDef::new(Members::Gender).string_len(16))
                    .col(ColumnDef::new(Members::Birthday).date())
                    .col(ColumnDef::new(Members::BirthMonth).small_integer())
                    .col(ColumnDef::new(Members::BirthDay).small_integer())
                    .col(
                        ColumnDef::new(Members::LunarBirthday)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Members::Phone).string_len(32))
                    .col(ColumnDef::new(Members::Email).string_len(254))
                    .col(ColumnDef::new(Members::Address).string_len(500))
                    .col(ColumnDef::new(Members::City).string_len(100))
                    .col(ColumnDef::new(Members::JoinedAt).date().not_null())
                    .col(ColumnDef::new(Members::StoreId).big_integer())
                    .col(ColumnDef::new(Members::AssignedAssociateId).big_integer())
                    .col(ColumnDef::new(Members::ReferredById).big_integer())
                    .col(ColumnDef::new(Members::Interests).string_len(500))
                    .col(
                        ColumnDef::new(Members::Locale)
                            .string_len(16)
                            .not_null()
                            .default("zh-CN"),
                    )
                    .col(
                        ColumnDef::new(Members::TimeZone)
                            .string_len(64)
                            .not_null()
                            .default("Asia/Shanghai"),
                    )
                    .col(
                        ColumnDef::new(Members::EmailConsent)
                            .boolean()
                            .not_null()
                            .default(false),
                    )
                    .col(ColumnDef::new(Members::ConsentSource).string_len(100))
                    .col(ColumnDef::new(Members::ConsentAt).timestamp_with_time_zone())
                    .col(
                        ColumnDef::new(Members::Status)
                            .string_len(16)
                            .not_null()
                            .default("active"),
                    )
                    .col(created_at_column(Members::CreatedAt))
                    .col(created_at_column(Members::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::StoreId)
                            .to(Stores::Table, Stores::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::AssignedAssociateId)
                            .to(StaffUsers::Table, StaffUsers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Members::Table, Members::ReferredById)
                            .to(Members::Table, Members::Id),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns) in INDEXES {
            manager.create_index(index(Members::Table, name, columns)).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Dropping the table drops its indexes too.
        manager.drop_table(Table::drop().table(Members::Table).to_owned()).await
    }
}
