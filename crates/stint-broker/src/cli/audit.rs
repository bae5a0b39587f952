//! `stint-broker audit verify`: walks the audit log's hash chain end to end and names the
//! first event that does not follow from its predecessor. Exits non-zero when it is broken.

use std::process::ExitCode;

use anyhow::Context;
use stint_broker::config::Config;

use super::{AuditArgs, AuditCommand};

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AuditCommand::Verify(config) => {
            let config = Config::load(config.config.as_deref(), std::env::vars())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .context("cannot start the async runtime")?;
            runtime.block_on(verify(config))
        }
    }
}

/// The file a `sqlite:` URL names, without its options.
fn sqlite_path(url: &str) -> &str {
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    path.split('?').next().unwrap_or(path)
}

async fn verify(config: Config) -> anyhow::Result<ExitCode> {
    let url = &config.database_url;
    // Opening a SQLite URL creates the file; a verification of a missing log must not
    // report an empty, intact one.
    if url.is_sqlite() && !std::path::Path::new(sqlite_path(url.expose())).exists() {
        anyhow::bail!(
            "there is no database at {}: check database_url (or STINT_DATABASE_URL)",
            sqlite_path(url.expose())
        );
    }
    let store = stint_broker::store::open(url.expose())
        .await
        .with_context(|| format!("cannot open the database {url}"))?;
    let verification = stint_broker::audit::verify(store.as_ref())
        .await
        .context("cannot read the audit log")?;
    match &verification.first_bad {
        None => {
            println!(
                "ok: {} audit event(s), the hash chain is intact",
                verification.events
            );
            Ok(ExitCode::SUCCESS)
        }
        Some((seq, problem)) => {
            println!("BROKEN at event {seq}: {problem}");
            println!(
                "{} event(s) verified before it; everything from event {seq} on cannot be trusted",
                verification.events
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
