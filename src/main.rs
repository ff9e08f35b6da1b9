use clap::Parser;
use patron::cli::{self, Cli};
use patron::settings::Settings;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    patron::telemetry::init();
    let settings = Settings::load()?;
    cli::run(cli, settings).await
}
