//! Probes (see docs/operations.md): GET /healthz says the process is alive; GET /readyz says it
//! can serve: the database answers and holds every migration this binary knows.
use std::collections::HashSet;

use actix_web::{web, HttpResponse};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

pub fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/healthz", web::get().to(healthz))
        .route("/readyz", web::get().to(readyz));
}

/// Liveness touches nothing outside the process: a database outage must not get healthy
/// servers restarted, only taken out of rotation by /readyz.
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().body("ok")
}

async fn readyz(db: web::Data<DatabaseConnection>) -> HttpResponse {
    match readiness(&db).await {
        Ok(()) => HttpResponse::Ok().body("ready"),
        Err(reason) => {
            tracing::warn!(reason, "not ready");
            HttpResponse::ServiceUnavailable().body(reason)
        }
    }
}

/// Ready, or why not in a few words for the prober; causes go to the log.
pub async fn readiness(db: &DatabaseConnection) -> Result<(), String> {
    if let Err(err) = db.ping().await {
        tracing::warn!(error.cause_chain = ?err, "database ping failed");
        return Err("database unavailable".to_owned());
    }
    match pending_migrations(db).await {
        Ok(0) => Ok(()),
        Ok(pending) => Err(format!("database schema is behind: {pending} migrations pending")),
        Err(err) => {
            tracing::warn!(error.cause_chain = ?err, "could not read the applied migrations");
            Err("database schema unknown: cannot read the applied migrations".to_owned())
        }
    }
}

/// Migrations this binary knows that the database lacks. Reads `seaql_migrations` itself:
/// `Migrator::get_pending_migrations` first creates that table, and a probe should write nothing.
async fn pending_migrations(db: &DatabaseConnection) -> Result<usize, DbErr> {
    let sql = "SELECT version FROM seaql_migrations";
    let rows = db
        .query_all(Statement::from_string(db.get_database_backend(), sql))
        .await?;
    let applied = rows
        .iter()
        .map(|row| row.try_get::<String>("", "version"))
        .collect::<Result<HashSet<_>, _>>()?;
    Ok(Migrator::migrations()
        .iter()
        .filter(|migration| !applied.contains(migration.name()))
        .count())
}
