use clap::Parser;
use patron::cli::{self, Cli};
use patron::settings::Settings;

/// A request allocates and frees a few hundred small objects; with glibc's allocator that cost
/// a sixth of a member lookup's instructions, and its heaps shrank and grew again (three
/// `mprotect` calls per request).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    patron::telemetry::init();
    let settings = Settings::load()?;
    cli::run(cli, settings).await
}
