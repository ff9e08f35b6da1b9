//! `GET /member/{member_no}`: the fields of Patron's lookup benchmark (member number, name,
//! city, tier, points balance) in one SQL statement, with nothing else on the path — no
//! authentication, no GraphQL, no logging. bench/api.sh runs it beside Patron on the same
//! database. Usage: `api-baseline DATABASE_URL LISTEN_ADDRESS`.
use actix_web::{web, App, HttpResponse, HttpServer};
use sea_orm::sqlx::{self, PgPool, SqlitePool};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Member number, name, city, tier, points balance.
type Row = (String, String, Option<String>, Option<String>, i64);

#[derive(serde::Serialize)]
struct Member {
    member_no: String,
    name: String,
    city: Option<String>,
    tier: Option<String>,
    points_balance: i64,
}

const LOOKUP: &str = "SELECT m.member_no, m.name, m.city, mm.tier,
        CAST(COALESCE((SELECT SUM(p.points) FROM points_ledger p WHERE p.member_id = m.id), 0) AS BIGINT)
            AS points_balance
    FROM members m LEFT JOIN member_metrics mm ON mm.member_id = m.id
    WHERE ";

async fn member(pool: web::Data<Pool>, member_no: web::Path<String>) -> HttpResponse {
    let found = match pool.get_ref() {
        // As Patron's lookup says: the member number's term marked as selective, so SQLite
        // does not read its index samples and prepare the statement again for each number.
        Pool::Sqlite(pool) => {
            sqlx::query_as::<_, Row>(&format!("{LOOKUP}likelihood(m.member_no = ?, 0.000001)"))
                .bind(member_no.as_str())
                .fetch_optional(pool)
                .await
        }
        Pool::Postgres(pool) => {
            sqlx::query_as::<_, Row>(&format!("{LOOKUP}m.member_no = $1"))
                .bind(member_no.as_str())
                .fetch_optional(pool)
                .await
        }
    };
    match found {
        Ok(Some((member_no, name, city, tier, points_balance))) => HttpResponse::Ok().json(Member {
            member_no,
            name,
            city,
            tier,
            points_balance,
        }),
        Ok(None) => HttpResponse::NotFound().finish(),
        Err(err) => HttpResponse::InternalServerError().body(err.to_string()),
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(url), Some(listen)) = (args.next(), args.next()) else {
        eprintln!("usage: api-baseline DATABASE_URL LISTEN_ADDRESS");
        std::process::exit(2);
    };
    // The pool sizes Patron uses.
    let pool = if url.starts_with("postgres") {
        sqlx::postgres::PgPoolOptions::new()
            .max_connections(16)
            .connect(&url)
            .await
            .map(Pool::Postgres)
    } else {
        sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(8)
            .connect(&url)
            .await
            .map(Pool::Sqlite)
    }
    .map_err(std::io::Error::other)?;
    let pool = web::Data::new(pool);
    HttpServer::new(move || {
        App::new()
            .app_data(pool.clone())
            .route("/member/{member_no}", web::get().to(member))
    })
    .bind(listen)?
    .run()
    .await
}
