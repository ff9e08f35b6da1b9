//! The GraphQL schema: one module per domain, merged; limits; error codes on every error.
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use async_graphql::parser::types::{OperationDefinition, OperationType, Selection};
use async_graphql::Positioned;
use async_graphql::{
    Context, EmptySubscription, MergedObject, Request, Response, Schema, SchemaBuilder, ServerError, ValidationMode,
};
use futures_util::FutureExt;
use sea_orm::{ConnectionTrait, DatabaseConnection};

use jobs::JobContext;

use crate::auth::{TokenKeys, Viewer};
use crate::brand::Brand;
use crate::error::{AppError, AppResult};
use crate::http::{documents, list_counts, list_reads, operations};
use crate::service::audit::AuditTrail;
use crate::settings::Settings;

pub mod activity;
pub mod analytics;
pub mod campaign;
pub mod channels;
pub mod coupon;
pub mod journey;
pub mod loaders;
pub mod me;
pub mod member;
pub mod member_field;
pub mod outreach;
pub mod page;
pub mod playbook;
pub mod policy;
pub mod segment;
pub mod session;
pub mod store;
pub mod survey;
pub mod task;

#[derive(MergedObject, Default)]
pub struct Query(
    member::MemberQuery,
    member_field::MemberFieldQuery,
    store::StoreQuery,
    analytics::AnalyticsQuery,
    outreach::OutreachQuery,
    channels::ChannelsQuery,
    segment::SegmentQuery,
    campaign::CampaignQuery,
    coupon::CouponQuery,
    task::TaskQuery,
    playbook::PlaybookQuery,
    journey::JourneyQuery,
    survey::SurveyQuery,
    session::SessionQuery,
    me::MeQuery,
);

#[derive(MergedObject, Default)]
pub struct Mutation(
    member::MemberMutation,
    member_field::MemberFieldMutation,
    activity::ActivityMutation,
    store::StoreMutation,
    analytics::AnalyticsMutation,
    outreach::OutreachMutation,
    channels::ChannelsMutation,
    segment::SegmentMutation,
    campaign::CampaignMutation,
    coupon::CouponMutation,
    task::TaskMutation,
    playbook::PlaybookMutation,
    journey::JourneyMutation,
    session::SessionMutation,
    me::MeMutation,
);

type PatronSchema = Schema<Query, Mutation, EmptySubscription>;

/// The API, and the same types again for questions about the schema alone. The depth limit
/// guards the database; a schema's description is static, and the introspection query tools
/// send (GraphiQL's docs explorer, code generators) nests `ofType` deeper than that limit.
#[derive(Clone)]
pub struct AppSchema {
    api: PatronSchema,
    /// The API for requests whose document passed validation before and whose variables are
    /// plainly valid (`documents::Checked::Before`): only the depth and complexity limits run.
    checked: PatronSchema,
    introspection: PatronSchema,
    /// The member list's kept counts, forgotten after every mutation.
    counts: list_counts::ListCounts,
}

/// How deep an introspection-only query may nest: the standard introspection query's type
/// references go nine `ofType`s down, 14 levels in all.
const INTROSPECTION_DEPTH: usize = 16;

/// Builds the schema once, with the connection, brand, token keys (for `signIn`), the audit
/// trail of reads and limits.
pub fn build_schema(
    db: DatabaseConnection,
    brand: Brand,
    jobs: JobContext,
    keys: TokenKeys,
    audit: AuditTrail,
    settings: &Settings,
) -> AppSchema {
    let reads = list_reads::ListReads::new(settings.max_concurrent_list_reads, db.get_database_backend());
    let counts = list_counts::ListCounts::default();
    let api = || {
        builder()
            .data(db.clone())
            .data(brand.clone())
            .data(jobs.clone())
            .data(keys.clone())
            .data(audit.clone())
            .data(reads.clone())
            .data(counts.clone())
            .extension(policy::Policies)
            .limit_depth(settings.max_query_depth)
            .limit_complexity(settings.max_query_complexity)
    };
    let checked = api().validation_mode(ValidationMode::Fast).finish();
    let api = api().finish();
    // Resolves `__schema`, `__type` and `__typename` only: any other field would be null.
    let introspection = builder()
        .introspection_only()
        .limit_depth(INTROSPECTION_DEPTH)
        .limit_complexity(settings.max_query_complexity)
        .finish();
    AppSchema {
        api,
        checked,
        introspection,
        counts,
    }
}

/// The schema in SDL, for `patron schema`.
pub fn sdl() -> String {
    builder().finish().sdl()
}

fn builder() -> SchemaBuilder<Query, Mutation, EmptySubscription> {
    Schema::build(Query::default(), Mutation::default(), EmptySubscription)
}

/// Runs one request for `viewer` (none only for a sign-in, see `only_signs_in`) with fresh
/// loaders; `checked` is what `documents::parse` said of it. A panic in a resolver becomes an
/// INTERNAL error instead of a dropped connection, and every error leaves with an
/// `extensions.code`, which /metrics counts by operation.
pub async fn execute(
    schema: &AppSchema,
    db: &DatabaseConnection,
    mut request: Request,
    viewer: Option<Viewer>,
    checked: documents::Checked,
) -> Response {
    let started = Instant::now();
    let operation = operations::operation_label(&mut request);
    let counts = &schema.counts;
    let (schema, validates) = if only_introspects(&mut request) {
        (&schema.introspection, false)
    } else if checked == documents::Checked::Before {
        (&schema.checked, false)
    } else {
        (&schema.api, true)
    };
    let query = validates.then(|| request.query.clone());
    let writes = operation_type(&mut request) == Some(OperationType::Mutation);
    let mut request = request.data(loaders::Loaders::new(db));
    if let Some(viewer) = viewer {
        request = request.data(viewer);
    }
    let mut response = match AssertUnwindSafe(schema.execute(request)).catch_unwind().await {
        Ok(response) => response,
        Err(_) => {
            tracing::error!("a resolver panicked");
            error_response(&AppError::Internal(anyhow::anyhow!("resolver panicked")))
        }
    };
    if writes {
        // Whatever it wrote, even when it failed part way, is counted by the next request.
        counts.forget();
    }
    if let Some(query) = query.filter(|_| !is_request_error(&response)) {
        documents::validated(&query);
    }
    for error in &mut response.errors {
        tag_client_error(error);
    }
    operations::record(operation, &response, started.elapsed());
    response
}

/// Whether a request without a token may run: the operation it names is a mutation that
/// selects one `signIn` or `issueMemberToken` (and `__typename`): what gets a token. One, so a
/// body of a thousand aliased guesses is not a thousand guesses. Everything else needs a bearer
/// token.
pub fn only_signs_in(request: &mut Request) -> bool {
    let fields = ["signIn", "issueMemberToken", "__typename"];
    selects_only(request, OperationType::Mutation, &fields)
        && selected_operation(request).is_some_and(|operation| {
            let is_typename =
                |item: &&Positioned<Selection>| matches!(&item.node, Selection::Field(f) if f.node.name.node == "__typename");
            operation.selection_set.node.items.iter().filter(|item| !is_typename(item)).count() <= 1
        })
}

/// Whether the operation a request runs is a query of nothing but the schema itself.
fn only_introspects(request: &mut Request) -> bool {
    selects_only(request, OperationType::Query, &["__schema", "__type", "__typename"])
}

/// Whether the operation a request runs is of type `ty` and selects only `fields` at its top.
fn selects_only(request: &mut Request, ty: OperationType, fields: &[&str]) -> bool {
    selected_operation(request).is_some_and(|operation| {
        operation.ty == ty
            && operation.selection_set.node.items.iter().all(|item| match &item.node {
                Selection::Field(field) => fields.contains(&field.node.name.node.as_str()),
                _ => false,
            })
    })
}

/// Whether the request runs a query, a mutation or a subscription (`None` if its document does
/// not parse or lacks the operation it names; execution then says why).
pub fn operation_type(request: &mut Request) -> Option<OperationType> {
    selected_operation(request).map(|operation| operation.ty)
}

/// The operation a request runs, from the document parsed once for the whole request.
fn selected_operation(request: &mut Request) -> Option<&OperationDefinition> {
    let name = request.operation_name.clone();
    let document = request.parsed_query().ok()?;
    documents::operation(document, name.as_deref())
}

/// Whether the request never ran: nothing came back but errors that point at no field (a
/// document that does not parse or validate, variables of the wrong type).
pub fn is_request_error(response: &Response) -> bool {
    response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| error.path.is_empty())
}

/// A response carrying one error, for requests rejected before execution.
pub fn error_response(error: &AppError) -> Response {
    use async_graphql::ErrorExtensions;
    let mut error = error.extend().into_server_error(async_graphql::Pos::default());
    error.locations.clear();
    Response::from_errors(vec![error])
}

/// Errors async-graphql raises itself (syntax, unknown fields, bad variables, depth and
/// complexity limits) are the client's: label them BAD_USER_INPUT.
fn tag_client_error(error: &mut ServerError) {
    let has_code = error.extensions.as_ref().is_some_and(|ext| ext.get("code").is_some());
    if !has_code {
        let extensions = error.extensions.get_or_insert_with(Default::default);
        extensions.set("code", "BAD_USER_INPUT");
    }
}

pub(crate) fn db<'a>(ctx: &Context<'a>) -> AppResult<&'a DatabaseConnection> {
    ctx.data::<DatabaseConnection>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no database in the schema")))
}

pub(crate) fn brand<'a>(ctx: &Context<'a>) -> AppResult<&'a Brand> {
    ctx.data::<Brand>()
        .map_err(|_| AppError::Internal(anyhow::anyhow!("no brand in the schema")))
}
