//! `stint`: Stint's client core from a terminal. Argument parsing and output only; the
//! work is done by `stint-client`.
//!
//! Output that scripts consume (credentials, `--json`, `--print`) goes to stdout; progress,
//! prompts, logs (`STINT_LOG`) and errors go to stderr, an error as one last line
//! `error: what happened: the command to run next`.
//!
//! Exit codes scripts can rely on (also in `stint --help`):
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | success |
//! | 1 | any other failure |
//! | 2 | usage: bad arguments or configuration (`stint configure`) |
//! | 3 | not logged in, or the Identity Center session ended (`stint login`) |
//! | 4 | not eligible, or not allowed |
//! | 5 | not approved yet, or the access window ended |
//! | 6 | the broker or AWS could not be reached |
#![forbid(unsafe_code)]

mod cli;
mod commands;
mod output;

use std::process::ExitCode;

use clap::Parser;
use stint_client::Error;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    init_logging();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(commands::run(cli));
    // Shut down first, so nothing (a connection pool's log line) follows the error.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {}", one_line(&err));
            ExitCode::from(exit_code_of(&err))
        }
    }
}

/// The client core's errors carry their own exit code; anything else is 1.
fn exit_code_of(err: &anyhow::Error) -> u8 {
    err.chain()
        .find_map(|cause| cause.downcast_ref::<Error>())
        .map_or(1, |e| stint_client::exit_code(e.kind()))
}

fn one_line(err: &anyhow::Error) -> String {
    format!("{err:#}").replace('\n', " ")
}

/// Logs go to stderr, filtered by `STINT_LOG` (warnings only by default), so stdout stays
/// clean for `eval "$(stint creds ...)"` and credential_process.
///
/// The AWS SDK's and HTTP stack's TRACE events print request headers and bodies, which
/// carry the SSO token and credentials: those are dropped whatever `STINT_LOG` says
/// (`stint_client::log_safety`).
fn init_logging() {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{Layer, filter};

    let env = filter::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| filter::EnvFilter::new("warn"));
    let no_secret_traces = filter::filter_fn(|meta| {
        !stint_client::log_safety::bears_secrets(meta.level(), meta.target())
    });
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_target(false)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_filter(env)
        .with_filter(no_secret_traces);
    let _ = tracing_subscriber::registry().with(layer).try_init();
}
