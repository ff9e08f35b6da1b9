use clap::Parser;
use patron::cli::{self, Cli};
use patron::settings::Settings;

/// A request allocates and frees a few hundred small objects; with glibc's allocator that was a
/// large share of a member lookup's instructions, and its heaps shrank and grew again on every
/// request (`mprotect` calls; see docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    patron::telemetry::init();
    let settings = Settings::load()?;
    cli::run(cli, settings).await
}
