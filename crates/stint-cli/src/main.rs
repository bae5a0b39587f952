//! `stint`: Stint's client core from a terminal. Argument parsing and output only; the
//! work is done by `stint-client`.
#![forbid(unsafe_code)]

mod browser;
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
    match runtime.block_on(commands::run(cli)) {
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
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .try_init();
}
