//! What a brand keeps about its members beyond the profile: fields it defines itself
//! (`member_fields`: text, number, date or a choice; the 麦凯66 profile's family, work and
//! preferences), each member's values of them (`member_field_values`, typed copies beside the
//! text so segments compare numbers and dates), and the notes staff write on a member
//! (`member_notes`).
use sea_orm_migration::prelude::*;

use crate::{created_at_column, id_column, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum MemberFields {
    Table,
    Id,
    Key,
    Label,
    Kind,
    Choices,
    UpdatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum MemberFieldValues {
    Table,
    MemberId,
    FieldId,
    Value,
    NumberValue,
    DateValue,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MemberNotes {
    Table,
    Id,
    MemberId,
    StaffId,
    Author,
    Body,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use MemberFieldValues as V;
        use MemberFields as F;
        use MemberNotes as N;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(id_column(F::Id))
                    .col(ColumnDef::new(F::Key).string_len(40).not_null().unique_key())
                    .col(ColumnDef::new(F::Label).string_len(100).not_null())
                    .col(ColumnDef::new(F::Kind).string_len(10).not_null())
                    // A choice's words, one a line.
                    .col(ColumnDef::new(F::Choices).text().null())
                    .col(ColumnDef::new(F::UpdatedBy).string_len(200).not_null())
                    .col(created_at_column(F::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(ColumnDef::new(V::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(V::FieldId).big_integer().not_null())
                    .col(ColumnDef::new(V::Value).string_len(500).not_null())
                    .col(ColumnDef::new(V::NumberValue).double().null())
                    .col(ColumnDef::new(V::DateValue).date().null())
                    .col(created_at_column(V::UpdatedAt))
                    .primary_key(Index::create().col(V::MemberId).col(V::FieldId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(id_column(N::Id))
                    .col(ColumnDef::new(N::MemberId).big_integer().not_null())
                    .col(ColumnDef::new(N::StaffId).big_integer().null())
                    .col(ColumnDef::new(N::Author).string_len(200).not_null())
                    .col(ColumnDef::new(N::Body).text().not_null())
                    .col(created_at_column(N::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // A segment reads a field's values across members; a card reads a member's notes.
        manager
            .create_index(index(V::Table, "ix_member_field_values_field", &["field_id", "value"]))
            .await?;
        manager
            .create_index(index(N::Table, "ix_member_notes_member", &["member_id", "created_at"]))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            MemberNotes::Table.into_iden(),
            MemberFieldValues::Table.into_iden(),
            MemberFields::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        Ok(())
    }
}
