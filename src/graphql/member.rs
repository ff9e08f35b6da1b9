//! The Member type, member queries and member mutations.
use async_graphql::connection::{Connection, Edge, EmptyFields};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, ErrorExtensions, Object, OutputType, SelectionField, SimpleObject, ID};
use chrono::{DateTime, NaiveDate, Utc};
use entity::vocabulary::Channel;
use entity::{member, member_consent};
use sea_orm::{Condition, ConnectionTrait};

use crate::auth::viewer;
use crate::error::AppError;
use crate::graphql::activity::{FeedbackEntry, PointsEntry, Purchase};
use crate::graphql::analytics::{Metrics, TierChange};
use crate::graphql::coupon::Coupon;
use crate::graphql::loaders::{Loaders, MemberList, Newest, PageKey};
use crate::graphql::segment::Segment;
use crate::graphql::store::{Staff, Store};
use crate::graphql::{brand, db, page};
use crate::http::list_counts::ListCounts;
use crate::http::list_reads;
use crate::service::analytics::Tier;
use crate::service::audit::AuditTrail;
use crate::service::lookup::{self, Columns, LookupShape, MetricsRead};
use crate::service::member::{self as service, Gender, MemberFields, MemberFilter, MemberOrder};
use crate::service::{consent, preferences};

/// A member as the viewer may see it: contact details are masked unless the viewer is an admin,
/// the member themself, or the member's assigned associate.
pub struct Member(pub member::Model);

impl Member {
    /// A member by id, through the request's loader (`None` if there is none).
    pub async fn by_id(ctx: &Context<'_>, id: i64) -> async_graphql::Result<Option<Self>> {
        Ok(ctx.data::<Loaders>()?.members().load_one(id).await?.map(Self))
    }
}

#[Object]
impl Member {
    async fn member_no(&self) -> &str {
        &self.0.member_no
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn gender(&self) -> Option<Gender> {
        self.0.gender
    }
    async fn birthday(&self) -> Option<NaiveDate> {
        self.0.birthday
    }
    async fn lunar_birthday(&self) -> bool {
        self.0.lunar_birthday
    }
    async fn phone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.contact(ctx, &self.0.phone, mask_phone)
    }
    async fn email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.contact(ctx, &self.0.email, mask_email)
    }
    async fn address(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<String>> {
        self.contact(ctx, &self.0.address, |_| "***".to_owned())
    }
    /// Whether phone, email and address are shown masked to this viewer.
    async fn contact_masked(&self, ctx: &Context<'_>) -> async_graphql::Result<bool> {
        Ok(!viewer(ctx)?.sees_contact_details(self.0.id, self.0.assigned_associate_id))
    }
    async fn city(&self) -> Option<&str> {
        self.0.city.as_deref()
    }
    async fn joined_at(&self) -> NaiveDate {
        self.0.joined_at
    }
    async fn interests(&self) -> Vec<&str> {
        self.0
            .interests
            .as_deref()
            .map(|i| i.split(',').collect())
            .unwrap_or_default()
    }
    async fn locale(&self) -> &str {
        &self.0.locale
    }
    async fn time_zone(&self) -> &str {
        &self.0.time_zone
    }
    async fn email_consent(&self) -> bool {
        self.0.email_consent
    }
    /// Email consent was asked for and awaits the member's confirmation from their mailbox
    /// (the brand's double opt-in); `emailConsent` stays false until then.
    async fn email_consent_pending(&self) -> bool {
        self.0.email_confirmation_requested_at.is_some()
    }
    async fn consent_source(&self) -> Option<&str> {
        self.0.consent_source.as_deref()
    }
    async fn consent_at(&self) -> Option<DateTime<Utc>> {
        self.0.consent_at
    }
    /// Consented to marketing text messages.
    async fn sms_consent(&self) -> bool {
        self.0.sms_consent
    }
    /// Consented to marketing WeChat messages.
    async fn wechat_consent(&self) -> bool {
        self.0.wechat_consent
    }
    /// A WeChat account (Official Account or mini-program) is bound to the member; the openids
    /// themselves are the brand's apps' business.
    async fn wechat_bound(&self) -> bool {
        self.0.has_address_on(Channel::Wechat)
    }
    /// What the member wants to hear of and how often.
    async fn preferences(&self) -> Preferences {
        Preferences {
            muted_topics: preferences::muted(&self.0),
            frequency: self.0.frequency,
            paused_until: self.0.paused_until.filter(|until| *until > Utc::now()),
        }
    }
    /// Every consent given or withdrawn, per channel, newest first (the latest 50): the proof.
    #[graphql(complexity = "page::cost(None, 50, child_complexity)")]
    async fn consents(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ConsentRecord>> {
        let history = consent::history(db(ctx)?, self.0.id).await.map_err(AppError::from)?;
        Ok(history.into_iter().map(ConsentRecord).collect())
    }
    /// `active` or `erased`.
    async fn status(&self) -> &str {
        self.0.status.as_str()
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.0.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.0.updated_at
    }
    /// Home store.
    async fn store(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Store>> {
        let Some(id) = self.0.store_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.stores().load_one(id).await?.map(Store))
    }
    /// The associate responsible for this member.
    async fn assigned_associate(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Staff>> {
        let Some(id) = self.0.assigned_associate_id else {
            return Ok(None);
        };
        Ok(ctx.data::<Loaders>()?.staff().load_one(id).await?.map(Staff))
    }
    /// The member who referred this one, when the viewer may see them.
    async fn referred_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Member>> {
        let Some(id) = self.0.referred_by_id else {
            return Ok(None);
        };
        let referrer = ctx.data::<Loaders>()?.members().load_one(id).await?;
        let viewer = viewer(ctx)?;
        Ok(referrer.filter(|m| viewer.sees_member(m.id, m.store_id)).map(Member))
    }
    /// Results of the latest analytics run (`null` before the first run).
    async fn metrics(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Metrics>> {
        Ok(ctx.data::<Loaders>()?.metrics().load_one(self.0.id).await?.map(Metrics))
    }
    /// The member's class from the latest analytics run.
    async fn tier(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Tier>> {
        let tier = ctx.data::<Loaders>()?.tiers().load_one(self.0.id).await?;
        Ok(tier)
    }
    /// Every tier change, newest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn tier_history(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<TierChange>> {
        let changes = ctx
            .data::<Loaders>()?
            .tier_history()
            .load_one(self.0.id)
            .await?
            .unwrap_or_default();
        Ok(changes.into_iter().map(TierChange::from).collect())
    }
    /// Current points balance: the sum of the ledger.
    async fn points_balance(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(ctx
            .data::<Loaders>()?
            .balances()
            .load_one(self.0.id)
            .await?
            .unwrap_or(0))
    }
    /// Coupons the member holds or held, newest first.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn coupons(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Coupon>> {
        let coupons = ctx.data::<Loaders>()?.coupons().load_one(self.0.id).await?;
        Ok(coupons.unwrap_or_default().into_iter().map(Coupon).collect())
    }
    /// Purchases and returns, newest first.
    #[graphql(complexity = "page::cost(first, 10, child_complexity)")]
    async fn purchases(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Purchase>> {
        newest_first(ctx.data::<Loaders>()?.purchases(), self.0.id, first, after, Purchase).await
    }
    /// The member's values of the brand's own fields.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn custom_fields(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<crate::graphql::member_field::MemberFieldValue>> {
        crate::graphql::member_field::of_member(ctx, self.0.id).await
    }
    /// Notes the store's people wrote, newest first.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn notes(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
    ) -> async_graphql::Result<Vec<crate::graphql::member_field::MemberNote>> {
        crate::graphql::member_field::notes_of(ctx, self.0.id, first).await
    }
    /// The saved segments the member was in at their last refresh, by name. Marketers and
    /// admins.
    #[graphql(complexity = "page::cost(None, page::MAX_PAGE, child_complexity)")]
    async fn segments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Segment>> {
        let segments = ctx.data::<Loaders>()?.segments().load_one(self.0.id).await?;
        Ok(segments.unwrap_or_default().into_iter().map(Segment).collect())
    }
    /// Inquiries, complaints and scores, newest first.
    #[graphql(complexity = "page::cost(first, 10, child_complexity)")]
    async fn feedback(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, FeedbackEntry>> {
        newest_first(
            ctx.data::<Loaders>()?.feedback(),
            self.0.id,
            first,
            after,
            FeedbackEntry,
        )
        .await
    }
    /// Points ledger entries, newest first.
    #[graphql(complexity = "page::cost(first, 10, child_complexity)")]
    async fn points_ledger(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, PointsEntry>> {
        newest_first(ctx.data::<Loaders>()?.points(), self.0.id, first, after, PointsEntry).await
    }
}

impl Member {
    fn contact(
        &self,
        ctx: &Context<'_>,
        value: &Option<String>,
        mask: fn(&str) -> String,
    ) -> async_graphql::Result<Option<String>> {
        let shown = viewer(ctx)?.sees_contact_details(self.0.id, self.0.assigned_associate_id);
        Ok(value.as_deref().map(|v| if shown { v.to_owned() } else { mask(v) }))
    }
}

/// `138****5678`: enough to confirm a number with the customer, not to call it.
fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() < 8 {
        return "****".to_owned();
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

/// `l***@example.com`.
fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{}***@{domain}", local.chars().next().unwrap_or('*')),
        None => "***".to_owned(),
    }
}

/// A page of one member's list through its loader.
async fn newest_first<E, N>(
    loader: &DataLoader<Newest<E>, HashMapCache>,
    member_id: i64,
    first: Option<i32>,
    after: Option<String>,
    wrap: fn(E::Model) -> N,
) -> async_graphql::Result<Connection<String, N>>
where
    E: MemberList + Send + Sync + 'static,
    E::Model: sea_orm::FromQueryResult + Clone + Send + Sync + 'static,
    N: OutputType,
{
    let first = page::page_size(first, 10)?;
    let after = after.as_deref().map(page::parse_time_cursor).transpose()?;
    let key = PageKey {
        member_id,
        take: first + 1,
        after,
    };
    let mut rows = loader.load_one(key).await?.unwrap_or_default();
    let has_next = rows.len() as u64 > first;
    rows.truncate(first as usize);
    let mut connection = Connection::new(after.is_some(), has_next);
    connection.edges.extend(rows.into_iter().map(|row| {
        Edge::new(
            page::time_cursor(E::time_of(&row), <E as crate::graphql::loaders::Keyed>::id_of(&row)),
            wrap(row),
        )
    }));
    Ok(connection)
}

/// The profile columns each field of `Member` reads beyond `Columns::essential()`. A lookup
/// reads the columns of the fields it selects; a field missing here makes it read them all.
const FIELD_COLUMNS: &[(&str, &[member::Column])] = {
    use member::Column::*;
    &[
        ("__typename", &[]),
        ("memberNo", &[]),
        ("name", &[Name]),
        ("gender", &[Gender]),
        ("birthday", &[Birthday]),
        ("lunarBirthday", &[LunarBirthday]),
        ("phone", &[Phone]),
        ("email", &[Email]),
        ("address", &[Address]),
        ("contactMasked", &[]),
        ("city", &[City]),
        ("joinedAt", &[JoinedAt]),
        ("interests", &[Interests]),
        ("locale", &[Locale]),
        ("timeZone", &[TimeZone]),
        ("emailConsent", &[EmailConsent]),
        ("emailConsentPending", &[EmailConfirmationRequestedAt]),
        ("consentSource", &[ConsentSource]),
        ("consentAt", &[ConsentAt]),
        ("smsConsent", &[SmsConsent]),
        ("wechatConsent", &[WechatConsent]),
        ("wechatBound", &[WechatOpenid, WechatMiniOpenid]),
        ("consents", &[]),
        ("preferences", &[MutedTopics, Frequency, PausedUntil]),
        ("status", &[Status]),
        ("createdAt", &[CreatedAt]),
        ("updatedAt", &[UpdatedAt]),
        ("store", &[]),
        ("assignedAssociate", &[]),
        ("referredBy", &[ReferredById]),
        ("metrics", &[]),
        ("tier", &[]),
        ("tierHistory", &[]),
        ("pointsBalance", &[]),
        ("purchases", &[]),
        ("segments", &[]),
        ("feedback", &[]),
        ("pointsLedger", &[]),
    ]
};

/// What a member lookup reads, from the fields it selects (fragments included).
fn lookup_shape(ctx: &Context<'_>) -> LookupShape {
    let mut shape = LookupShape {
        profile: profile_columns(ctx.field().selection_set()),
        metrics: MetricsRead::None,
        balance: false,
    };
    for field in ctx.field().selection_set() {
        match field.name() {
            "metrics" => shape.metrics = MetricsRead::All,
            "tier" if shape.metrics == MetricsRead::None => shape.metrics = MetricsRead::Tier,
            "pointsBalance" => shape.balance = true,
            _ => {}
        }
    }
    shape
}

/// The profile columns these selected fields of a `Member` read (fragments included).
pub fn profile_columns<'a>(fields: impl Iterator<Item = SelectionField<'a>>) -> Columns {
    fields.fold(Columns::essential(), |columns, field| {
        match FIELD_COLUMNS.iter().find(|(known, _)| *known == field.name()) {
            Some((_, read)) => columns.with(read),
            None => Columns::ALL,
        }
    })
}

/// The profile columns the members of a connection's `edges { node }` read.
pub fn node_columns(ctx: &Context<'_>) -> Columns {
    let connection = ctx.field();
    let mut nodes = Vec::new();
    for edges in connection.selection_set().filter(|field| field.name() == "edges") {
        for node in edges.selection_set().filter(|field| field.name() == "node") {
            nodes.extend(node.selection_set());
        }
    }
    profile_columns(nodes.into_iter())
}

/// Extra fields of the member list.
pub struct MemberListInfo {
    condition: Condition,
}

#[Object]
impl MemberListInfo {
    /// How many members match the filter (one extra count query, only when asked for). A count
    /// is kept for 10 seconds, so paging through a list counts once: a change made through
    /// this API (any mutation) is counted by the next request at once, while changes made
    /// elsewhere (other server replicas, the scheduled jobs such as the nightly analytics run,
    /// imports from the command line, unsubscribe and preference pages, provider callbacks)
    /// show in the total within 10 seconds. The page itself is always read afresh.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        let db = db(ctx)?;
        let counted = service::counted(db.get_database_backend(), self.condition.clone());
        let count = async {
            let _turn = list_reads::turn(ctx).await?;
            service::count(db, self.condition.clone()).await
        };
        let counts = ctx.data::<ListCounts>()?;
        counts.get(counted, count).await.map_err(|err| err.extend())
    }
}

#[derive(Default)]
pub struct MemberQuery;

#[Object]
impl MemberQuery {
    /// One member by member number.
    async fn member(&self, ctx: &Context<'_>, member_no: String) -> async_graphql::Result<Member> {
        // What the selection shows, in one statement, handed to the loaders its fields read from.
        let found = lookup::look_up(db(ctx)?, viewer(ctx)?, &member_no, lookup_shape(ctx)).await?;
        let loaders = ctx.data::<Loaders>()?;
        let id = found.member.id;
        if let Some(tier) = found.tier {
            loaders.tiers().feed_one(id, tier).await;
        }
        if let Some(metrics) = found.metrics {
            loaders.metrics().feed_one(id, metrics).await;
        }
        if let Some(balance) = found.balance {
            loaders.balances().feed_one(id, balance).await;
        }
        Ok(Member(found.member))
    }

    /// Members matching a filter, as a Relay connection. Associates see their own store only.
    /// Every call is an export of member data and is written to the audit log.
    #[graphql(complexity = "page::cost(first, 20, child_complexity)")]
    async fn members(
        &self,
        ctx: &Context<'_>,
        filter: Option<MemberFilter>,
        order_by: Option<MemberOrder>,
        first: Option<i32>,
        after: Option<String>,
    ) -> async_graphql::Result<Connection<String, Member, MemberListInfo, EmptyFields>> {
        let (db, viewer) = (db(ctx)?, viewer(ctx)?);
        let filter = filter.unwrap_or_default();
        let order = order_by.unwrap_or_default();
        let limit = page::page_size(first, 20)?;
        // The cursor names its order, so one from another order is refused.
        let order_name = format!("{:?} {:?}", order.field, order.direction);
        let after = after
            .as_deref()
            .map(|a| page::parse_key_cursor(a, &order_name))
            .transpose()?;
        let continues = after.is_some();
        let turn = list_reads::turn(ctx).await?;
        let condition = service::condition(viewer, &filter, brand(ctx)?.today())?;
        let narrow = filter.is_narrow();
        let mut rows = service::page(db, condition.clone(), order, after, limit + 1, narrow).await?;
        drop(turn);
        let has_next = rows.len() as u64 > limit;
        rows.truncate(limit as usize);
        let detail = serde_json::json!({ "filter": filter, "continues": continues, "returned": rows.len() });
        ctx.data::<AuditTrail>()?.record(viewer, "members.export", None, detail);
        let mut connection = Connection::with_additional_fields(continues, has_next, MemberListInfo { condition });
        connection.edges.extend(rows.into_iter().map(|row| {
            Edge::new(
                page::key_cursor(&order_name, &row.key, row.member.id),
                Member(row.member),
            )
        }));
        Ok(connection)
    }
}

#[derive(Default)]
pub struct MemberMutation;

#[Object]
impl MemberMutation {
    /// Creates a member. Admins and associates (for their own store).
    async fn create_member(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        input: MemberFields,
    ) -> async_graphql::Result<Member> {
        Ok(Member(
            service::create(db(ctx)?, viewer(ctx)?, brand(ctx)?, &member_no, input).await?,
        ))
    }

    /// Changes the given profile fields.
    async fn update_member(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        input: MemberFields,
    ) -> async_graphql::Result<Member> {
        Ok(Member(
            service::update(db(ctx)?, viewer(ctx)?, brand(ctx)?, &member_no, input).await?,
        ))
    }

    /// Records email consent or its withdrawal, with where it was given.
    async fn set_email_consent(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        granted: bool,
        source: Option<String>,
    ) -> async_graphql::Result<Member> {
        Ok(Member(
            service::set_email_consent(
                db(ctx)?,
                brand(ctx)?,
                viewer(ctx)?,
                &member_no,
                granted,
                source.as_deref(),
            )
            .await?,
        ))
    }

    /// Assigns the associate responsible for a member; omit `username` to unassign. Admins only.
    async fn assign_associate(
        &self,
        ctx: &Context<'_>,
        member_no: String,
        username: Option<String>,
    ) -> async_graphql::Result<Member> {
        Ok(Member(
            service::assign_associate(db(ctx)?, brand(ctx)?, viewer(ctx)?, &member_no, username.as_deref()).await?,
        ))
    }

    /// Erases a member's personal data, keeping anonymous purchase history and a hashed
    /// suppression entry for the address. Admins only.
    async fn erase_member(&self, ctx: &Context<'_>, member_no: String) -> async_graphql::Result<ErasedMember> {
        let erased = service::erase(db(ctx)?, viewer(ctx)?, &member_no).await?;
        Ok(ErasedMember {
            id: ID(erased.member_no),
            erased: true,
        })
    }
}

/// What remains addressable of an erased member.
#[derive(SimpleObject)]
pub struct ErasedMember {
    /// The anonymous number that replaced the member number.
    pub id: ID,
    pub erased: bool,
}

/// A consent given or withdrawn on one channel.
pub struct ConsentRecord(pub member_consent::Model);

#[Object]
impl ConsentRecord {
    async fn channel(&self) -> Channel {
        self.0.channel
    }
    async fn granted(&self) -> bool {
        self.0.granted
    }
    /// Where: `app`, `console`, `import`, `sms reply`, `unsubscribe link`, `erasure`…
    async fn source(&self) -> &str {
        &self.0.source
    }
    /// The wording the member was shown.
    async fn wording(&self) -> Option<&str> {
        self.0.wording.as_deref()
    }
    async fn recorded_at(&self) -> DateTime<Utc> {
        self.0.recorded_at
    }
}

/// A member's choice of topics and frequency.
#[derive(SimpleObject)]
pub struct Preferences {
    /// Topics they do not want to hear of.
    pub muted_topics: Vec<entity::vocabulary::Topic>,
    /// NORMAL (up to the brand's daily cap) or FEWER (at most one a week).
    pub frequency: entity::vocabulary::Frequency,
    /// No marketing message until then (a pause); null when not paused.
    pub paused_until: Option<DateTime<Utc>>,
}
