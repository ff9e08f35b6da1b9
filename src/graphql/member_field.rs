//! The brand's own member fields and staff notes: defining fields, setting a member's values,
//! writing notes; the values and notes are read on `Member`.
use async_graphql::{Context, Object, ID};
use chrono::{DateTime, Utc};
use entity::vocabulary::MemberFieldKind;
use entity::{member_field, member_field_value, member_note};

use crate::auth::viewer;
use crate::graphql::loaders::Loaders;
use crate::graphql::store::Staff;
use crate::graphql::{db, page};
use crate::service::member_field::{self as fields, MemberFieldInput, MemberFieldValueInput};
use crate::service::member_note as notes;

pub struct MemberField(pub member_field::Model);

#[Object]
impl MemberField {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn kind(&self) -> MemberFieldKind {
        self.0.kind
    }
    /// A choice's words.
    async fn choices(&self) -> Vec<&str> {
        self.0.words()
    }
}

/// A member's value of one of the brand's fields.
pub struct MemberFieldValue(pub member_field::Model, pub member_field_value::Model);

#[Object]
impl MemberFieldValue {
    async fn key(&self) -> &str {
        &self.0.key
    }
    async fn label(&self) -> &str {
        &self.0.label
    }
    async fn kind(&self) -> MemberFieldKind {
        self.0.kind
    }
    /// As stored: a number in its plain form, a day as `YYYY-MM-DD`.
    async fn value(&self) -> &str {
        &self.1.value
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.1.updated_at
    }
}

pub struct MemberNote(pub member_note::Model);

#[Object]
impl MemberNote {
    async fn id(&self) -> ID {
        ID(self.0.id.to_string())
    }
    /// The staff user who wrote it.
    async fn written_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        let Some(id) = self.0.staff_id else { return Ok(None) };
        Ok(ctx.data::<Loaders>()?.staff().load_one(id).await?.map(Staff))
    }
    /// Who wrote it, as the audit log names them.
    async fn author(&self) -> &str {
        &self.0.author
    }
    async fn body(&self) -> &str {
        &self.0.body
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
}

fn values(found: Vec<(member_field::Model, member_field_value::Model)>) -> Vec<MemberFieldValue> {
    found.into_iter().map(|(f, v)| MemberFieldValue(f, v)).collect()
}

/// A member's values and notes, for `Member`.
pub async fn of_member(ctx: &Context<'_>, member_id: i64) -> async_graphql::Result<Vec<MemberFieldValue>> {
    Ok(values(fields::of_member(db(ctx)?, member_id).await?))
}

pub async fn notes_of(ctx: &Context<'_>, member_id: i64, first: Option<i32>) -> async_graphql::Result<Vec<MemberNote>> {
    let limit = page::page_size(first, 20)?;
    Ok(notes::latest(db(ctx)?, member_id, limit)
        .await?
        .into_iter()
        .map(MemberNote)
        .collect())
}

#[derive(Default)]
pub struct MemberFieldQuery;

#[Object]
impl MemberFieldQuery {
    /// The brand's own member fields, in the order they were defined.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn member_fields(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<MemberField>> {
        Ok(fields::all(db(ctx)?).await?.into_iter().map(MemberField).collect())
    }
}

#[derive(Default)]
pub struct MemberFieldMutation;

#[Object]
impl MemberFieldMutation {
    /// Defines a member field, or changes a defined one's label and choices (its key and kind
    /// are fixed). Planners and admins.
    async fn define_member_field(
        &self,
        ctx: &Context<'_>,
        input: MemberFieldInput,
    ) -> async_graphql::Result<MemberField> {
        Ok(MemberField(fields::define(db(ctx)?, viewer(ctx)?, input).await?))
    }

    /// Sets a member's values of the brand's fields (an empty value clears one), all or none;
    /// returns all the member's values.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn set_member_fields(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        values: Vec<MemberFieldValueInput>,
    ) -> async_graphql::Result<Vec<MemberFieldValue>> {
        let saved = fields::set(db(ctx)?, viewer(ctx)?, &member_no, values).await?;
        Ok(self::values(saved))
    }

    /// Writes a note on a member.
    async fn add_member_note(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        body: String,
    ) -> async_graphql::Result<MemberNote> {
        Ok(MemberNote(notes::add(db(ctx)?, viewer(ctx)?, &member_no, &body).await?))
    }
}
