//! `stint-broker serve`: load the config, start logging, build the broker and serve until
//! SIGTERM or ctrl-c, reloading the policy on SIGHUP. Prints one JSON line on stdout once
//! running (the database took a write, the scheduler and the edge are started),
//! `{"event":"ready","url":...,"listen":...}`, for scripts and tests; a database that takes
//! no writes ends the start with exit code 1 and no ready line.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use anyhow::Context;
use stint_broker::config::{Config, ConfigError, LogFormat};
use stint_broker::server::{self, Broker, ServeError, ServeOptions};

use super::ServeArgs;

/// Logs to stderr, filtered by `STINT_LOG` (or `RUST_LOG`), never louder than the caps that
/// keep the AWS SDK's header dumps (which carry the broker's own credentials) out.
fn init_logging(format: LogFormat) -> anyhow::Result<()> {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let directives = std::env::var("STINT_LOG")
        .or_else(|_| std::env::var("RUST_LOG"))
        .unwrap_or_else(|_| "info".to_owned());
    let filter = stint_broker::auth::secret_safe_filter(&directives).map_err(anyhow::Error::msg)?;
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    let layer = match format {
        LogFormat::Text => layer.boxed(),
        LogFormat::Json => layer.json().boxed(),
    };
    tracing_subscriber::registry()
        .with(layer.with_filter(filter))
        .try_init()
        .context("cannot start logging")
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = match Config::load(args.config.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(ConfigError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "the config has {} problem(s); the broker did not start",
                problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    init_logging(config.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(config, args.listen))
}

async fn serve(config: Config, listen: Option<std::net::SocketAddr>) -> anyhow::Result<ExitCode> {
    let (shutdown, reloads) = server::signals().context("cannot listen for signals")?;
    let broker = match Broker::build(
        &config,
        ServeOptions {
            listen,
            ..ServeOptions::default()
        },
    )
    .await
    {
        Ok(broker) => broker,
        Err(ServeError::Policy(problems)) => {
            eprintln!("{problems}");
            eprintln!(
                "the broker did not start: fix the policy file (`stint-broker check`) and start it again"
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(e @ ServeError::Writes(_)) => {
            eprintln!("{e}");
            return Ok(ExitCode::FAILURE);
        }
        Err(e) => return Err(e.into()),
    };
    let announce = |ready: &server::Ready| {
        if let Err(e) = print_ready(ready) {
            tracing::error!(error = %e, "cannot write the ready line");
        }
    };
    match broker.run_reporting(shutdown, reloads, announce).await {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e @ ServeError::Writes(_)) => {
            eprintln!("{e}");
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

/// The ready line, once the broker really runs (see `Broker::run_reporting`).
fn print_ready(ready: &server::Ready) -> anyhow::Result<()> {
    let line = serde_json::to_string(ready).context("cannot encode the ready line")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    Ok(())
}
