//! One module per group of commands. Each takes parsed arguments and a [`Stint`], calls
//! the client core, and prints.

mod access;
mod activity;
mod agent;
mod configure;
mod created;
mod creds;
mod login;
mod profiles;
mod request_sets;
mod requests;
mod watch;

use std::process::ExitCode;

use anyhow::Result;
use clap::CommandFactory;
use stint_client::{Config, Stint, StintOptions};

use crate::cli::{Cli, Command, Overrides, ProfileCommand, SetupCommand};

pub async fn run(cli: Cli) -> Result<ExitCode> {
    let Cli { overrides, command } = cli;
    let mut options = StintOptions::from_env()?;
    apply(&overrides, &mut options.config)?;
    match command {
        Command::Configure(args) => return configure::run(args, options).await,
        Command::Completions(args) => {
            clap_complete::generate(
                args.shell,
                &mut Cli::command(),
                "stint",
                &mut std::io::stdout(),
            );
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let stint = Stint::open(options).await?;
    match command {
        Command::Configure(_) | Command::Completions(_) => unreachable_command(),
        Command::Login(args) => {
            let done = login::login(&stint, args).await;
            agent::forget(&stint).await;
            done
        }
        Command::Logout => {
            agent::forget(&stint).await;
            login::logout(&stint).await
        }
        Command::Whoami(args) => login::whoami(&stint, args.json).await,
        Command::Ls(args) => access::ls(&stint, args.json).await,
        Command::Request(args) => requests::request(&stint, args).await,
        Command::Approve(args) => requests::approve(&stint, args).await,
        Command::Reject(args) => requests::reject(&stint, args).await,
        Command::Cancel(args) => requests::cancel(&stint, args).await,
        Command::Revoke(args) => requests::revoke(&stint, args).await,
        Command::Extend(args) => requests::extend(&stint, args).await,
        Command::Creds(args) => creds::creds(&stint, args).await,
        Command::CredentialProcess(args) => creds::credential_process(&stint, args).await,
        Command::Console(args) => creds::console(&stint, args).await,
        Command::Watch(args) => watch::watch(&stint, args.json).await,
        Command::Activity(args) => activity::activity(&stint, args).await,
        Command::Profile(ProfileCommand::Write { name, target }) => {
            profiles::write(&stint, &name, &target).await
        }
        Command::Setup(SetupCommand::Profiles(args)) => profiles::setup(&stint, args).await,
        Command::Agent(args) => agent::agent(&stint, args).await,
    }
}

fn unreachable_command() -> Result<ExitCode> {
    anyhow::bail!("internal error: command dispatched twice")
}

/// Flags override the file and the environment for this one command.
fn apply(overrides: &Overrides, config: &mut Config) -> Result<()> {
    if let Some(url) = &overrides.broker_url {
        config.broker_url = Some(stint_client::config::parse_broker_url(url)?);
    }
    if let Some(url) = &overrides.start_url {
        config.identity_center.start_url = Some(url.clone());
    }
    if let Some(region) = &overrides.sso_region {
        config.identity_center.sso_region = Some(region.clone());
    }
    if let Some(name) = &overrides.sso_session {
        config.sso_session = Some(name.clone());
    }
    Ok(())
}
