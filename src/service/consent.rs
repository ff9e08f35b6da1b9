//! The proof of consent: every consent given or withdrawn, per channel, with its source, time
//! and the wording the member was shown (PIPL asks for separate consent per purpose, GDPR for
//! proof). The member's current consent is on their record; this is its history.
use chrono::Utc;
use entity::vocabulary::Channel;
use entity::{member, member_consent};
use sea_orm::{
    ActiveModelTrait, ActiveValue, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IdenStatic, QueryFilter,
    QueryOrder, QuerySelect, Set,
};

/// The source of consent brought by an import: consent the brand already holds.
pub const IMPORT: &str = "import";
/// The source of email consent the member confirmed from their mailbox.
pub const DOUBLE_OPT_IN: &str = "double opt-in";

/// How many records a profile shows.
const SHOWN: u64 = 50;

/// The channels whose consent `row` sets, and to what.
pub fn changes(row: &member::ActiveModel) -> Vec<(Channel, bool)> {
    Channel::ALL
        .iter()
        .filter_map(|channel| match row.get(member::Column::consent_on(*channel)) {
            ActiveValue::Set(sea_orm::Value::Bool(Some(granted))) => Some((*channel, granted)),
            _ => None,
        })
        .collect()
}

/// Records consent changes of one member.
pub async fn record(
    conn: &impl ConnectionTrait,
    member_id: i64,
    changes: &[(Channel, bool)],
    source: &str,
    wording: Option<&str>,
) -> Result<(), DbErr> {
    if changes.is_empty() {
        return Ok(());
    }
    let rows = changes.iter().map(|(channel, granted)| member_consent::ActiveModel {
        member_id: Set(member_id),
        channel: Set(*channel),
        granted: Set(*granted),
        source: Set(source.chars().take(64).collect()),
        wording: Set(wording.map(str::to_owned)),
        recorded_at: Set(Utc::now()),
        ..Default::default()
    });
    member_consent::Entity::insert_many(rows)
        .exec_without_returning(conn)
        .await?;
    Ok(())
}

/// Records, in one statement per channel, the consents of members just added in bulk.
pub async fn record_added(conn: &impl ConnectionTrait, member_nos: &[String], source: &str) -> Result<(), DbErr> {
    for chunk in member_nos.chunks(1000) {
        for channel in Channel::ALL {
            let column = member::Column::consent_on(*channel);
            let list: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 4)).collect();
            let sql = format!(
                "INSERT INTO member_consents (member_id, channel, granted, source, recorded_at) \
                 SELECT id, $1, {column}, $2, $3 FROM members WHERE {column} AND member_no IN ({list})",
                column = column.as_str(),
                list = list.join(", "),
            );
            let values = [channel.as_str().into(), source.into(), Utc::now().into()]
                .into_iter()
                .chain(chunk.iter().map(|no| no.clone().into()))
                .collect();
            conn.execute(jobs::sql::statement(conn, &sql, values)).await?;
        }
    }
    Ok(())
}

/// A member's consent history, newest first.
pub async fn history(conn: &impl ConnectionTrait, member_id: i64) -> Result<Vec<member_consent::Model>, DbErr> {
    member_consent::Entity::find()
        .filter(member_consent::Column::MemberId.eq(member_id))
        .order_by_desc(member_consent::Column::RecordedAt)
        .order_by_desc(member_consent::Column::Id)
        .limit(SHOWN)
        .all(conn)
        .await
}
