//! `stint-broker`: one function per subcommand, each in its own module under `cli/`.
#![forbid(unsafe_code)]

mod cli;

use std::process::ExitCode;

use clap::Parser;

use cli::{Cli, Command};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => cli::serve::run(args),
        Command::Check(args) => cli::check::run(args),
        Command::DefaultConfig => cli::default_config::run(),
        Command::Audit(args) => cli::audit::run(args),
        Command::Doctor(args) => cli::doctor::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
