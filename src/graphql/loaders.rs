//! DataLoaders: every nested list and reference is fetched for a whole page in one statement.
use std::collections::HashMap;
use std::marker::PhantomData;
use std::sync::OnceLock;

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use chrono::{DateTime, Utc};
use entity::vocabulary::Tier;
use entity::{
    coupon, coupon_definition, feedback, member, member_metrics, points_entry, purchase, segment, staff_user, store,
    tier_change,
};
use sea_orm::sea_query::{Alias, Asterisk, Condition, Expr, Order, Query, WindowStatement};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, FromQueryResult, QueryFilter};

use crate::error::AppError;
use crate::service;

type LoadResult<K, V> = Result<HashMap<K, V>, async_graphql::Error>;

fn to_gql(err: AppError) -> async_graphql::Error {
    err.into()
}

/// The loaders of one request (created per request, so nothing is cached across viewers),
/// each made when first used: a member lookup uses two of the thirteen.
macro_rules! loaders {
    ($($name:ident: $loader:ty = $make:expr;)*) => {
        pub struct Loaders {
            db: DatabaseConnection,
            $($name: OnceLock<DataLoader<$loader, HashMapCache>>,)*
        }

        impl Loaders {
            pub fn new(db: &DatabaseConnection) -> Self {
                Self {
                    db: db.clone(),
                    $($name: OnceLock::new(),)*
                }
            }

            $(pub fn $name(&self) -> &DataLoader<$loader, HashMapCache> {
                // Loaders live for one request, so caching within it is safe and saves
                // repeat lookups.
                self.$name.get_or_init(|| {
                    DataLoader::with_cache($make(self.db.clone()), tokio::spawn, HashMapCache::default())
                })
            })*
        }
    };
}

loaders! {
    stores: ById<store::Entity> = ById::new;
    staff: ById<staff_user::Entity> = ById::new;
    members: ById<member::Entity> = ById::new;
    balances: Balances = Balances;
    metrics: ById<member_metrics::Entity> = ById::new;
    tiers: Tiers = Tiers;
    tier_history: TierHistory = TierHistory;
    purchases: Newest<purchase::Entity> = Newest::new;
    feedback: Newest<feedback::Entity> = Newest::new;
    points: Newest<points_entry::Entity> = Newest::new;
    segments: SegmentsOf = SegmentsOf;
    coupons: CouponsOf = CouponsOf;
    offers: ById<coupon_definition::Entity> = ById::new;
    codes_left: CodesLeft = CodesLeft;
}

/// Rows by primary key.
pub struct ById<E> {
    db: DatabaseConnection,
    entity: PhantomData<E>,
}

impl<E> ById<E> {
    fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            entity: PhantomData,
        }
    }
}

/// Entities keyed by an `id: i64` primary key.
pub trait Keyed: EntityTrait {
    fn id_column() -> Self::Column;
    fn id_of(model: &Self::Model) -> i64;
}

macro_rules! keyed {
    ($($module:ident),*) => {$(
        impl Keyed for $module::Entity {
            fn id_column() -> Self::Column { $module::Column::Id }
            fn id_of(model: &Self::Model) -> i64 { model.id }
        }
    )*};
}
keyed!(
    store,
    staff_user,
    member,
    purchase,
    feedback,
    points_entry,
    coupon_definition
);

/// Metrics are keyed by their member.
impl Keyed for member_metrics::Entity {
    fn id_column() -> Self::Column {
        member_metrics::Column::MemberId
    }
    fn id_of(model: &Self::Model) -> i64 {
        model.member_id
    }
}

impl<E> Loader<i64> for ById<E>
where
    E: Keyed + Send + Sync + 'static,
    E::Model: Clone + Send + Sync + 'static,
{
    type Value = E::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, E::Model> {
        let rows = E::find()
            .filter(E::id_column().is_in(keys.iter().copied()))
            .all(&self.db)
            .await
            .map_err(|e| to_gql(e.into()))?;
        Ok(rows.into_iter().map(|row| (E::id_of(&row), row)).collect())
    }
}

/// Points balances by member id.
pub struct Balances(DatabaseConnection);

impl Loader<i64> for Balances {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, i64> {
        service::points::balances(&self.0, keys).await.map_err(to_gql)
    }
}

/// Imported codes left to issue, by offer id (offers without any are absent).
pub struct CodesLeft(DatabaseConnection);

impl Loader<i64> for CodesLeft {
    type Value = i64;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, i64> {
        jobs::coupons::imported::left(&self.0, keys)
            .await
            .map_err(|e| to_gql(e.into()))
    }
}

/// The latest run's tier by member id: the column alone, for what shows a tier and no metrics.
pub struct Tiers(DatabaseConnection);

impl Loader<i64> for Tiers {
    type Value = Tier;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Tier> {
        service::analytics::tiers(&self.0, keys).await.map_err(to_gql)
    }
}

/// Tier changes by member id, newest first.
pub struct TierHistory(DatabaseConnection);

impl Loader<i64> for TierHistory {
    type Value = Vec<tier_change::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Vec<tier_change::Model>> {
        service::analytics::tier_history(&self.0, keys).await.map_err(to_gql)
    }
}

/// The segments each member is in (at their last refresh), by member id.
pub struct SegmentsOf(DatabaseConnection);

impl Loader<i64> for SegmentsOf {
    type Value = Vec<segment::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Vec<segment::Model>> {
        service::segment::segments_of(&self.0, keys).await.map_err(to_gql)
    }
}

/// The coupons each member holds or held, newest first, by member id.
pub struct CouponsOf(DatabaseConnection);

impl Loader<i64> for CouponsOf {
    type Value = Vec<coupon::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[i64]) -> LoadResult<i64, Vec<coupon::Model>> {
        service::coupon::of_members(&self.0, keys).await.map_err(to_gql)
    }
}

/// A position in a newest-first list: the time and id of the last row seen.
pub type Cursor = (DateTime<Utc>, i64);

/// A member's list, newest first: which page of it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub member_id: i64,
    /// Rows to fetch: the page size plus one, to know whether another page follows.
    pub take: u64,
    pub after: Option<Cursor>,
}

/// Tables listed per member, newest first by a time column.
pub trait MemberList: Keyed {
    fn member_column() -> Self::Column;
    fn time_column() -> Self::Column;
    fn member_of(model: &Self::Model) -> i64;
    fn time_of(model: &Self::Model) -> DateTime<Utc>;
}

macro_rules! member_list {
    ($($module:ident: $column:ident, $field:ident);*) => {$(
        impl MemberList for $module::Entity {
            fn member_column() -> Self::Column { $module::Column::MemberId }
            fn time_column() -> Self::Column { $module::Column::$column }
            fn member_of(model: &Self::Model) -> i64 { model.member_id }
            fn time_of(model: &Self::Model) -> DateTime<Utc> { model.$field }
        }
    )*};
}
member_list!(purchase: OccurredAt, occurred_at; feedback: CreatedAt, created_at; points_entry: CreatedAt, created_at);

/// Newest rows per member for many members at once.
pub struct Newest<E> {
    db: DatabaseConnection,
    entity: PhantomData<E>,
}

impl<E> Newest<E> {
    fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            entity: PhantomData,
        }
    }
}

impl<E> Newest<E>
where
    E: MemberList,
    E::Model: FromQueryResult + Send + Sync,
{
    /// One statement for every member of the group: rows numbered per member by a window
    /// function, keeping the first `take` of each.
    async fn load_group(
        &self,
        member_ids: Vec<i64>,
        take: u64,
        after: Option<Cursor>,
    ) -> Result<Vec<E::Model>, AppError> {
        let mut window = WindowStatement::partition_by(E::member_column());
        window
            .order_by(E::time_column(), Order::Desc)
            .order_by(E::id_column(), Order::Desc);
        let mut numbered = Query::select();
        numbered
            .column(Asterisk)
            .expr_window_as(Expr::cust("ROW_NUMBER()"), window, Alias::new("row_no"))
            .from(E::default())
            .and_where(Expr::col(E::member_column()).is_in(member_ids));
        if let Some((time, id)) = after {
            numbered.cond_where(
                Condition::any().add(Expr::col(E::time_column()).lt(time)).add(
                    Expr::col(E::time_column())
                        .eq(time)
                        .and(Expr::col(E::id_column()).lt(id)),
                ),
            );
        }
        let page = Query::select()
            .column(Asterisk)
            .from_subquery(numbered, Alias::new("numbered"))
            .and_where(Expr::col(Alias::new("row_no")).lte(take))
            .to_owned();
        let backend = self.db.get_database_backend();
        Ok(E::find().from_raw_sql(backend.build(&page)).all(&self.db).await?)
    }
}

impl<E> Loader<PageKey> for Newest<E>
where
    E: MemberList + Send + Sync + 'static,
    E::Model: FromQueryResult + Clone + Send + Sync + 'static,
{
    type Value = Vec<E::Model>;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[PageKey]) -> LoadResult<PageKey, Vec<E::Model>> {
        // Keys asking for the same page shape share one statement.
        let mut groups: HashMap<(u64, Option<Cursor>), Vec<i64>> = HashMap::new();
        for key in keys {
            groups.entry((key.take, key.after)).or_default().push(key.member_id);
        }
        let mut pages = HashMap::new();
        for ((take, after), member_ids) in groups {
            let mut by_member: HashMap<i64, Vec<E::Model>> = HashMap::new();
            for row in self.load_group(member_ids.clone(), take, after).await.map_err(to_gql)? {
                by_member.entry(E::member_of(&row)).or_default().push(row);
            }
            for member_id in member_ids {
                let mut rows = by_member.remove(&member_id).unwrap_or_default();
                rows.sort_by(|a, b| (E::time_of(b), E::id_of(b)).cmp(&(E::time_of(a), E::id_of(a))));
                pages.insert(PageKey { member_id, take, after }, rows);
            }
        }
        Ok(pages)
    }
}
