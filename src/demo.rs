//! Synthetic demo data: members and three years of purchases from a seeded generator.
//!
//! Members behave as the BG/NBD story says (a Poisson purchase rate while alive, a chance to
//! drop out after each purchase, heterogeneous across members) and spend as the Gamma-Gamma
//! story says, so the analytics run has realistic structure to find. Purchases are stored in
//! the order they happened, as a live system would store them.
use std::fmt;

use chrono::{Datelike, Duration, NaiveDate, TimeZone, Utc};
use entity::vocabulary::{MemberStatus, PurchaseKind};
use indicatif::ProgressBar;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, Gamma};
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder, Value};

use crate::brand::Brand;
use crate::db;
use jobs::bulk::Table;
use jobs::sql::statement;

const STORES: &[(&str, &str, &str)] = &[
    ("SH01", "上海南京西路店", "上海"),
    ("SH02", "上海徐家汇店", "上海"),
    ("BJ01", "北京三里屯店", "北京"),
    ("BJ02", "北京国贸店", "北京"),
    ("GZ01", "广州天河店", "广州"),
    ("SZ01", "深圳万象城店", "深圳"),
    ("CD01", "成都太古里店", "成都"),
    ("HZ01", "杭州湖滨店", "杭州"),
    ("SH03", "上海静安嘉里中心店", "上海"),
    ("SH04", "上海浦东正大广场店", "上海"),
    ("NJ01", "南京新街口店", "南京"),
    ("SU01", "苏州观前街店", "苏州"),
    ("WH01", "武汉江汉路店", "武汉"),
    ("XA01", "西安钟楼店", "西安"),
    ("CQ01", "重庆解放碑店", "重庆"),
    ("TJ01", "天津滨江道店", "天津"),
];
/// Purchase categories, which are also the interest topics.
const CATEGORIES: &[&str] = &[
    "女装", "男装", "鞋履", "箱包", "配饰", "美妆", "童装", "床品", "家居", "运动",
];
/// Members living abroad, for campaigns sent at a local hour; the rest live in the brand's zone.
const ABROAD: &[&str] = &["Asia/Tokyo", "Asia/Singapore", "Europe/London", "America/Los_Angeles"];
const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "高",
    "罗",
];
const GIVEN: &[&str] = &[
    "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚",
    "桂英", "晓雯", "子涵", "雨桐", "浩然", "一诺",
];

const MEMBER_COLUMNS: &[&str] = &[
    "id",
    "member_no",
    "name",
    "gender",
    "birthday",
    "birth_month",
    "birth_day",
    "lunar_birthday",
    "phone",
    "email",
    "city",
    "joined_at",
    "store_id",
    "referred_by_id",
    "interests",
    "locale",
    "time_zone",
    "email_consent",
    "consent_source",
    "consent_at",
    "status",
    "created_at",
    "updated_at",
];
const PURCHASE_COLUMNS: &[&str] = &[
    "member_id",
    "store_id",
    "occurred_at",
    "occurred_on",
    "amount_cents",
    "profit_cents",
    "order_id",
    "kind",
    "category",
    "created_at",
];

/// Members written per bulk statement group.
const CHUNK: usize = 20_000;

pub struct Summary {
    pub members: u64,
    pub purchases: u64,
    pub returns: u64,
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "demo: {} members, {} purchases, {} returns",
            self.members, self.purchases, self.returns
        )
    }
}

/// One generated sale, compact so ten million fit comfortably in memory for the time sort.
#[derive(Clone, Copy)]
struct Sale {
    at: i64,
    member: u32,
    order_no: u16,
    store: u8,
    category: u8,
    is_return: bool,
    cents: i64,
    profit: i64,
}

/// Adds `count` members with their purchase history; the same seed gives the same data.
pub async fn generate(db: &DatabaseConnection, brand: &Brand, count: u64, seed: u64) -> anyhow::Result<Summary> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let store_ids = ensure_stores(db).await?;
    let first_id = next_member_id(db).await?;
    let today = brand.today();
    let start = today - Duration::days(3 * 365);
    let progress = ProgressBar::new(count);
    let started = std::time::Instant::now();

    let rate = Gamma::new(0.9, 0.045)?; // purchases per day while alive
    let dropout = Beta::new(0.7, 7.0)?; // chance to leave after each purchase
    let spend_scale = Gamma::new(3.7, 1.0 / 200.0)?; // Gamma-Gamma: per-member ν (mean order ≈ ¥440)
    let mut sales: Vec<Sale> = Vec::new();
    let members_table = Table::new("members", MEMBER_COLUMNS);
    let mut rows = Vec::with_capacity(CHUNK);
    for index in 0..count {
        let id = first_id + index as i64;
        let store = rng.gen_range(0..STORES.len());
        let favourite = rng.gen_range(0..CATEGORIES.len());
        let joined = start + Duration::days(rng.gen_range(0..3 * 365));
        rows.push(member_row(
            &mut rng,
            id,
            first_id,
            joined,
            store_ids[store],
            store,
            favourite,
            brand,
        ));
        if rng.gen_bool(0.88) {
            let (rate, dropout, nu) = (
                rate.sample(&mut rng),
                dropout.sample(&mut rng),
                spend_scale.sample(&mut rng),
            );
            simulate_member(
                &mut rng,
                &mut sales,
                index as u32,
                joined,
                today,
                rate,
                dropout,
                nu,
                store,
                favourite,
                brand,
            )?;
        }
        if rows.len() == CHUNK {
            members_table.append(db, &std::mem::take(&mut rows)).await?;
            progress.inc(CHUNK as u64);
        }
    }
    members_table.append(db, &rows).await?;
    progress.finish_and_clear();
    fix_sequence(db, "members").await?;
    tracing::info!(members = count, elapsed = ?started.elapsed(), "members written");

    sales.sort_unstable_by_key(|s| s.at);
    let returns = sales.iter().filter(|s| s.is_return).count() as u64;
    let purchases_table = Table::new("purchases", PURCHASE_COLUMNS);
    let now = Utc::now();
    for chunk in sales.chunks(CHUNK * 2) {
        let rows: Vec<Vec<Value>> = chunk
            .iter()
            .map(|s| {
                let member_id = first_id + s.member as i64;
                let at = Utc.timestamp_opt(s.at, 0).single().unwrap_or(now);
                vec![
                    member_id.into(),
                    store_ids[s.store as usize].into(),
                    at.into(),
                    brand.date_of(at).into(),
                    s.cents.into(),
                    s.profit.into(),
                    format!("D{member_id}-{}", s.order_no).into(),
                    if s.is_return {
                        PurchaseKind::Return
                    } else {
                        PurchaseKind::Purchase
                    }
                    .as_str()
                    .into(),
                    CATEGORIES[s.category as usize].into(),
                    now.into(),
                ]
            })
            .collect();
        purchases_table.append(db, &rows).await?;
    }
    tracing::info!(purchases = sales.len(), elapsed = ?started.elapsed(), "purchases written");
    if db::is_postgres(db) {
        // Fresh planner statistics and visibility maps, as a live database's autovacuum would
        // have given it: without them the first analytics run over a bulk load plans its joins
        // blind, and index-only scans still read every table page.
        db.execute_unprepared("VACUUM ANALYZE purchases, members").await?;
    }
    Ok(Summary {
        members: count,
        purchases: sales.len() as u64 - returns,
        returns,
    })
}

/// One member's profile: most live in their home store's city and the brand's zone, are
/// interested in their favourite category and one or two more, and gave a birthday.
#[allow(clippy::too_many_arguments)]
fn member_row(
    rng: &mut ChaCha8Rng,
    id: i64,
    first_id: i64,
    joined: NaiveDate,
    store_id: i64,
    store: usize,
    favourite: usize,
    brand: &Brand,
) -> Vec<Value> {
    let name = format!(
        "{}{}",
        SURNAMES.choose(rng).unwrap_or(&"王"),
        GIVEN.choose(rng).unwrap_or(&"娜")
    );
    let gender = if rng.gen_bool(0.7) { "female" } else { "male" };
    let birthday = rng
        .gen_bool(0.92)
        .then(|| NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default() + Duration::days(rng.gen_range(0..46 * 365)));
    let city = match rng.gen_range(0..100) {
        0..=2 => None,
        3..=12 => STORES.choose(rng).map(|s| s.2),
        _ => Some(STORES[store].2),
    };
    let interests = interests(rng, favourite);
    let time_zone = if rng.gen_bool(0.03) {
        ABROAD.choose(rng).copied().unwrap_or("UTC")
    } else {
        brand.time_zone.name()
    };
    let phone = format!("1{}{:09}", rng.gen_range(3..=9), rng.gen_range(0..1_000_000_000u64));
    let email = rng.gen_bool(0.65).then(|| format!("member{id}@example.com"));
    let consent = email.is_some() && rng.gen_bool(0.7);
    let referred_by = (id > first_id && rng.gen_bool(0.1)).then(|| rng.gen_range(first_id..id));
    let joined_at = brand.noon_of(joined);
    let locale = if rng.gen_bool(0.05) { "en" } else { "zh-CN" };
    vec![
        id.into(),
        format!("M{id:08}").into(),
        name.into(),
        gender.into(),
        birthday.into(),
        birthday.map(|b| b.month() as i16).into(),
        birthday.map(|b| b.day() as i16).into(),
        rng.gen_bool(0.05).into(),
        phone.into(),
        email.into(),
        city.into(),
        joined.into(),
        store_id.into(),
        referred_by.into(),
        interests.into(),
        locale.into(),
        time_zone.into(),
        consent.into(),
        consent.then_some("demo").into(),
        consent.then_some(joined_at).into(),
        MemberStatus::Active.as_str().into(),
        joined_at.into(),
        joined_at.into(),
    ]
}

/// The favourite category and up to two more, comma-separated; none for one member in ten.
fn interests(rng: &mut ChaCha8Rng, favourite: usize) -> Option<String> {
    if rng.gen_bool(0.1) {
        return None;
    }
    let mut topics = vec![CATEGORIES[favourite]];
    for _ in 0..rng.gen_range(0..=2) {
        let other = CATEGORIES.choose(rng).copied().unwrap_or(CATEGORIES[favourite]);
        if !topics.contains(&other) {
            topics.push(other);
        }
    }
    Some(topics.join(","))
}

/// A member's purchases from joining until they drop out or today, at shop hours, mostly at the
/// home store and in the favourite category; a few purchases are returned within two weeks.
#[allow(clippy::too_many_arguments)]
fn simulate_member(
    rng: &mut ChaCha8Rng,
    sales: &mut Vec<Sale>,
    member: u32,
    joined: NaiveDate,
    today: NaiveDate,
    rate: f64,
    dropout: f64,
    nu: f64,
    store: usize,
    favourite: usize,
    brand: &Brand,
) -> anyhow::Result<()> {
    let gap = Exp::new(rate.max(1e-6))?;
    let spend = Gamma::new(6.0, 1.0 / nu)?;
    let mut day = 0.0f64;
    let horizon = (today - joined).num_days() as f64;
    let mut order_no = 0u16;
    while day <= horizon && order_no < u16::MAX {
        let date = joined + Duration::days(day as i64);
        let at = brand.noon_of(date).timestamp() + rng.gen_range(-2 * 3600..10 * 3600);
        let cents = ((spend.sample(rng) * 100.0).round() as i64).max(990);
        let profit = (cents as f64 * rng.gen_range(0.3..0.6)).round() as i64;
        let store = if rng.gen_bool(0.9) {
            store
        } else {
            rng.gen_range(0..STORES.len())
        } as u8;
        let category = if rng.gen_bool(0.6) {
            favourite
        } else {
            rng.gen_range(0..CATEGORIES.len())
        } as u8;
        order_no += 1;
        let sale = Sale {
            at,
            member,
            order_no,
            store,
            category,
            is_return: false,
            cents,
            profit,
        };
        sales.push(sale);
        if rng.gen_bool(0.03) {
            let share = if rng.gen_bool(0.5) { 1.0 } else { 0.5 };
            sales.push(Sale {
                at: at + rng.gen_range(1..14) * 86_400,
                is_return: true,
                cents: -(cents as f64 * share).round() as i64,
                profit: -(profit as f64 * share).round() as i64,
                ..sale
            });
        }
        if rng.gen_bool(dropout.clamp(0.0, 1.0)) {
            break;
        }
        day += gap.sample(rng).max(1.0);
    }
    Ok(())
}

/// The demo's stores, created if missing; ids in `STORES` order.
async fn ensure_stores(db: &DatabaseConnection) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    for (code, name, city) in STORES {
        let id = match crate::service::store::by_code(db, code).await? {
            Some(store) => store.id,
            None => {
                let sql = "INSERT INTO stores (code, name, city, created_at) VALUES ($1, $2, $3, $4) RETURNING id";
                let values = vec![(*code).into(), (*name).into(), (*city).into(), Utc::now().into()];
                let row = db.query_one(statement(db, sql, values)).await?;
                row.ok_or_else(|| anyhow::anyhow!("store insert returned nothing"))?
                    .try_get("", "id")?
            }
        };
        ids.push(id);
    }
    Ok(ids)
}

async fn next_member_id(db: &DatabaseConnection) -> anyhow::Result<i64> {
    let last = entity::member::Entity::find()
        .order_by_desc(entity::member::Column::Id)
        .one(db)
        .await?;
    Ok(last.map(|m| m.id + 1).unwrap_or(1))
}

/// Explicit ids bypass PostgreSQL's sequence; move it past them.
async fn fix_sequence(db: &DatabaseConnection, table: &str) -> anyhow::Result<()> {
    if db::is_postgres(db) {
        let sql = format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))");
        db.execute_unprepared(&sql).await?;
    }
    Ok(())
}
