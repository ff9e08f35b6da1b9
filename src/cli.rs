//! The command line (see docs/commands.md): every command a person or a script runs.
use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand};
use sea_orm::DatabaseConnection;

use crate::auth::{self, Role, TokenKeys};
use crate::brand::Brand;
use crate::settings::Settings;
use crate::startup::{job_context, stop_requested, Application};
use crate::{db, demo, graphql, import, service};

#[derive(Parser)]
#[command(name = "patron", version, about = "VIP membership and retention server")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Serve the GraphQL API (POST /graphql, GET /console/, /graphiql, /healthz, /readyz, /metrics) on PATRON_LISTEN.
    Serve,
    /// Bring the database schema up to date.
    Migrate,
    /// Import a CSV file (formats in docs/commands.md); bad rows are reported, good rows kept.
    Import {
        #[command(subcommand)]
        what: ImportKind,
    },
    /// Fill the database with realistic synthetic members and three years of purchases.
    Demo {
        #[arg(long, default_value_t = 1000)]
        members: u64,
        /// Seed of the random generator: the same seed gives the same data.
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Recompute tiers, scores, models and KPIs as of a date (default: today in the brand's zone).
    Recompute {
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
    /// List or run the scheduled jobs by hand.
    Jobs {
        #[command(subcommand)]
        action: JobsAction,
    },
    /// Campaigns and what their occurrences queued.
    Campaigns {
        #[command(subcommand)]
        action: CampaignsAction,
    },
    /// Print the GraphQL schema (SDL).
    Schema,
    /// Bearer tokens.
    Token {
        #[command(subcommand)]
        action: TokenAction,
    },
    /// Staff users who sign in to the console with a password.
    Staff {
        #[command(subcommand)]
        action: StaffAction,
    },
}

#[derive(Subcommand)]
pub enum ImportKind {
    Members(ImportFile),
    /// Values of the brand's own member fields: `member_no`, then a column per field key.
    MemberFields(ImportFile),
    Purchases(ImportFile),
    /// A list of codes from the brand's POS (a `code` column) for an offer that issues imported
    /// codes.
    CouponCodes {
        /// The offer's id.
        #[arg(long)]
        offer: i64,
        #[command(flatten)]
        file: ImportFile,
    },
}

#[derive(clap::Args)]
pub struct ImportFile {
    file: PathBuf,
    /// The file's encoding; when omitted, UTF-8 unless the file's start is not valid UTF-8,
    /// then GB18030 (which includes GBK).
    #[arg(long, value_enum)]
    encoding: Option<import::Encoding>,
}

#[derive(Subcommand)]
pub enum CampaignsAction {
    /// Every campaign with its status, audience, schedule and occurrences.
    List,
}

#[derive(Subcommand)]
pub enum JobsAction {
    /// The jobs there are.
    List,
    /// Run a job now, as it would run over the whole day `--as-of` (default: today).
    Run {
        name: String,
        #[arg(long)]
        as_of: Option<NaiveDate>,
    },
}

#[derive(Subcommand)]
pub enum TokenAction {
    /// Print a signed token for a role.
    Create {
        #[arg(long, value_enum)]
        role: Role,
        /// For a member token: whose.
        #[arg(long)]
        member: Option<String>,
        /// For an associate token: the store code.
        #[arg(long)]
        store: Option<String>,
        /// The staff username (created if new); defaults to the role name, or
        /// `associate-<store>` for associates.
        #[arg(long)]
        staff: Option<String>,
    },
}

#[derive(Subcommand)]
pub enum StaffAction {
    /// Create a staff user; the password is read from the first line of standard input.
    Create {
        username: String,
        #[arg(long, value_enum)]
        role: Role,
        /// An associate's store code (created if new).
        #[arg(long)]
        store: Option<String>,
        /// Where test emails from the console go.
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Set a staff user's password, read from the first line of standard input.
    SetPassword { username: String },
    /// Switch off a staff user who left: sign-in refused, every token they hold revoked.
    Disable { username: String },
    /// Let a disabled staff user sign in again.
    Enable { username: String },
}

/// Runs a parsed command.
pub async fn run(cli: Cli, settings: Settings) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve => serve(&settings).await,
        Command::Migrate => {
            open(&settings).await?;
            eprintln!("database is up to date");
            Ok(())
        }
        Command::Import { what } => {
            let db = open(&settings).await?;
            let brand = Brand::from_settings(&settings)?;
            let report = match what {
                ImportKind::Members(ImportFile { file, encoding }) => {
                    import::members(&db, &brand, &file, encoding).await?
                }
                ImportKind::MemberFields(ImportFile { file, encoding }) => {
                    import::member_fields(&db, &file, encoding).await?
                }
                ImportKind::Purchases(ImportFile { file, encoding }) => {
                    import::purchases(&db, &brand, &file, encoding).await?
                }
                ImportKind::CouponCodes {
                    offer,
                    file: ImportFile { file, encoding },
                } => import::coupon_codes(&db, offer, &file, encoding).await?,
            };
            print!("{report}");
            Ok(())
        }
        Command::Demo { members, seed } => {
            let db = open(&settings).await?;
            let brand = Brand::from_settings(&settings)?;
            let summary = demo::generate(&db, &brand, members, seed).await?;
            println!("{summary}");
            Ok(())
        }
        Command::Recompute { as_of } => run_job(&settings, "analytics", as_of).await,
        Command::Jobs {
            action: JobsAction::List,
        } => {
            for job in jobs::Job::ALL {
                println!("{:<21} {}", job.as_str(), jobs::describe(*job));
            }
            Ok(())
        }
        Command::Jobs {
            action: JobsAction::Run { name, as_of },
        } => run_job(&settings, &name, as_of).await,
        Command::Campaigns {
            action: CampaignsAction::List,
        } => list_campaigns(&open(&settings).await?).await,
        Command::Schema => {
            print!("{}", graphql::sdl());
            Ok(())
        }
        Command::Token {
            action:
                TokenAction::Create {
                    role,
                    member,
                    store,
                    staff,
                },
        } => {
            let db = open(&settings).await?;
            let viewer = auth::viewer_for(&db, role, member, store, staff).await?;
            println!("{}", TokenKeys::from_settings(&settings)?.issue(&viewer)?);
            Ok(())
        }
        Command::Staff { action } => staff(&settings, action).await,
    }
}

async fn list_campaigns(db: &DatabaseConnection) -> anyhow::Result<()> {
    use entity::{campaign, campaign_occurrence};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    println!(
        "{:<5} {:<28} {:<13} {:<10} {:<8} {:<34} occurrences",
        "id", "name", "kind", "status", "segment", "schedule"
    );
    for c in campaign::Entity::find()
        .order_by_asc(campaign::Column::Id)
        .all(db)
        .await?
    {
        let occurrences = campaign_occurrence::Entity::find()
            .filter(campaign_occurrence::Column::CampaignId.eq(c.id))
            .all(db)
            .await?;
        let queued: i64 = occurrences.iter().map(|o| o.queued).sum();
        let held_out: i64 = occurrences.iter().map(|o| o.held_out).sum();
        let segment = c.segment_id.map_or("all".to_owned(), |id| id.to_string());
        let schedule = c.schedule.as_deref().unwrap_or("built-in");
        println!(
            "{:<5} {:<28} {:<13} {:<10} {:<8} {:<34} {} ({queued} queued, {held_out} held out)",
            c.id,
            c.name,
            c.kind,
            c.status,
            segment,
            schedule,
            occurrences.len()
        );
    }
    Ok(())
}

/// `patron staff create|set-password|disable|enable`: a password comes on standard input, so it stays out
/// of the shell history and the process list.
async fn staff(settings: &Settings, action: StaffAction) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let viewer = auth::Viewer::cli();
    let username = match &action {
        StaffAction::Disable { username } | StaffAction::Enable { username } => {
            let disable = matches!(action, StaffAction::Disable { .. });
            let keys = auth::TokenKeys::from_settings(settings)?;
            service::staff::set_disabled(&db, &viewer, &keys, username, disable).await?;
            eprintln!("{username} is {}", if disable { "disabled" } else { "enabled" });
            return Ok(());
        }
        StaffAction::Create { username, .. } | StaffAction::SetPassword { username } => username.clone(),
    };
    eprintln!("password for {username} (one line on standard input):");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    let password = line.trim_end_matches(['\r', '\n']);
    // Checked before the user is created, so a refused password leaves nothing behind.
    service::sign_in::check_strength(password)?;
    if let StaffAction::Create {
        username,
        role,
        store,
        email,
        name,
    } = action
    {
        if let Some(code) = &store {
            service::store::ensure(&db, code).await?;
        }
        let new = service::staff::NewStaff {
            username,
            display_name: name,
            email,
            role,
            store_code: store,
        };
        service::staff::create(&db, &viewer, new).await?;
    }
    service::sign_in::set_password(&db, &viewer, &username, password).await?;
    eprintln!("{username} can sign in at /console/");
    Ok(())
}

async fn open(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    db::open(&settings.database_url, db::Workload::Batch).await
}

/// Runs a job to completion and prints its counts.
async fn run_job(settings: &Settings, name: &str, as_of: Option<NaiveDate>) -> anyhow::Result<()> {
    let db = open(settings).await?;
    let brand = Brand::from_settings(settings)?;
    let ctx = job_context(&db, &brand, settings)?;
    let as_of = as_of.unwrap_or_else(|| ctx.today());
    // Asked to stop, the dispatcher finishes what is on the wire and gives back the rest.
    let shutdown = ctx.shutdown.clone();
    tokio::spawn(async move {
        stop_requested().await;
        tracing::info!("stopping: finishing the work in progress");
        shutdown.cancel();
    });
    let finished = jobs::run_job(&ctx, name, as_of, jobs::Trigger::Cli).await?;
    println!("{}", serde_json::to_string_pretty(&finished.counts)?);
    Ok(())
}

async fn serve(settings: &Settings) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    tracing::info!(port = app.port(), settings = ?settings, "serving GraphQL at /graphql, the console at /console/, GraphiQL at /graphiql");
    app.run_until_stopped().await?;
    tracing::info!("server stopped");
    Ok(())
}
