//! `stint agent`, and how the other commands use it: `credential-process`, `creds`,
//! `console` and `ls` ask a running agent first (`preferences.agent`, `STINT_AGENT`) and do the
//! work themselves when none answers; with `start` they also start one in the
//! background for the next call.

use std::process::{ExitCode, Stdio};

use anyhow::{Context, Result};
use stint_agent::location::Location;
use stint_agent::protocol::{Request, Response, Serving};
use stint_agent::{AgentClient, AgentHandle, Asked};
use stint_client::config::AgentMode;
use stint_client::{ConsoleRequest, Overview, RoleCredentials, Secret, Stint, Target};

use crate::cli::{AgentArgs, AgentCommand};
use crate::output;

pub async fn agent(stint: &Stint, args: AgentArgs) -> Result<ExitCode> {
    let client = AgentClient::new(location(stint), Serving::of(stint));
    match args.command.unwrap_or(AgentCommand::Run) {
        AgentCommand::Run => run(stint, client.location()).await,
        AgentCommand::Status => match client.status().await {
            Asked::Answered(status) => {
                output::json(&status?)?;
                Ok(ExitCode::SUCCESS)
            }
            Asked::NoAgent(why) => {
                eprintln!("No agent runs: {why}. Start one with `stint agent`.");
                Ok(ExitCode::from(1))
            }
            Asked::Impostor(why) => {
                eprintln!("Not the agent: {why}.");
                Ok(ExitCode::from(1))
            }
        },
        AgentCommand::Stop => match client.ask(Request::Stop).await {
            Asked::Answered(Response::Stopping) => {
                eprintln!("The agent is stopping.");
                Ok(ExitCode::SUCCESS)
            }
            Asked::Answered(other) => anyhow::bail!("the agent answered {other:?}"),
            Asked::NoAgent(why) => {
                eprintln!("No agent runs: {why}.");
                Ok(ExitCode::SUCCESS)
            }
            Asked::Impostor(why) => {
                eprintln!("Not the agent: {why}.");
                Ok(ExitCode::from(1))
            }
        },
    }
}

async fn run(stint: &Stint, location: &Location) -> Result<ExitCode> {
    let handle = AgentHandle::bind(stint.clone(), location).await?;
    eprintln!(
        "Stint agent for sso-session {} listening on {} (stop: `stint agent stop` or Ctrl-C)",
        stint.sso_settings().session_name,
        handle.path().display()
    );
    handle.serve(shutdown_signal()).await;
    eprintln!("Stint agent stopped.");
    Ok(ExitCode::SUCCESS)
}

async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

fn location(stint: &Stint) -> Location {
    Location::from_env(stint.paths(), &stint.sso_settings().session_name)
}

/// The agent to ask, unless the person turned it off.
fn client(stint: &Stint) -> Option<AgentClient> {
    (stint.config().preferences.agent != AgentMode::Off)
        .then(|| AgentClient::new(location(stint), Serving::of(stint)))
}

/// Role credentials: from the agent when one answers, else from the client core here.
pub async fn credentials(stint: &Stint, target: &Target) -> stint_client::Result<RoleCredentials> {
    if let Some(client) = client(stint) {
        match client.credentials(&target.to_string()).await {
            Asked::Answered(answer) => return answer,
            Asked::NoAgent(why) => no_agent(stint, &why),
            Asked::Impostor(why) => impostor(&why),
        }
    }
    stint.credentials(target).await
}

/// Everything `stint ls` shows: from the agent's picture when one answers.
pub async fn overview(stint: &Stint) -> stint_client::Result<Overview> {
    if let Some(client) = client(stint) {
        match client.overview().await {
            Asked::Answered(answer) => return answer,
            Asked::NoAgent(why) => no_agent(stint, &why),
            Asked::Impostor(why) => impostor(&why),
        }
    }
    stint.overview().await
}

pub async fn console_url(
    stint: &Stint,
    target: &Target,
    request: &ConsoleRequest,
) -> stint_client::Result<Secret> {
    if let Some(client) = client(stint) {
        match client.console(&target.to_string(), request).await {
            Asked::Answered(answer) => return answer,
            Asked::NoAgent(why) => no_agent(stint, &why),
            Asked::Impostor(why) => impostor(&why),
        }
    }
    stint.console_url(target, request).await
}

/// After a login or logout: a running agent drops what it holds (best effort).
pub async fn forget(stint: &Stint) {
    if let Some(client) = client(stint) {
        match client.ask(Request::Forget).await {
            Asked::Answered(_) => {}
            Asked::NoAgent(why) => tracing::debug!(%why, "no agent to tell"),
            Asked::Impostor(why) => impostor(&why),
        }
    }
}

/// Said on every call, not only in the log: the person should end that program, and
/// starting an agent cannot help while it holds the name.
fn impostor(why: &str) {
    eprintln!("warning: not the agent: {why}. Working without the agent.");
}

fn no_agent(stint: &Stint, why: &str) {
    tracing::debug!(%why, "working without the agent");
    if stint.config().preferences.agent == AgentMode::Start {
        if let Err(e) = start_in_background(stint) {
            tracing::warn!(error = %format!("{e:#}"), "could not start the agent");
        }
    }
}

/// Starts `stint agent` detached, for the next call; this one goes on without it. Its
/// log goes to `agent-<session>.log` in the cache directory.
fn start_in_background(stint: &Stint) -> Result<()> {
    let exe = std::env::current_exe().context("cannot find the stint binary")?;
    let settings = stint.sso_settings();
    let log_path = stint
        .paths()
        .cache_dir
        .join(format!("agent-{}.log", settings.session_name));
    std::fs::create_dir_all(&stint.paths().cache_dir)
        .with_context(|| format!("cannot create {}", stint.paths().cache_dir.display()))?;
    let log = std::fs::File::create(&log_path)
        .with_context(|| format!("cannot write {}", log_path.display()))?;
    let mut command = std::process::Command::new(exe);
    command
        .arg("agent")
        // The same login as this command, whatever flags chose it.
        .env("STINT_SSO_SESSION", &settings.session_name)
        .env("STINT_START_URL", &settings.start_url)
        .env("STINT_SSO_REGION", &settings.region)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(url) = &stint.config().broker_url {
        command.env("STINT_BROKER_URL", url.as_str());
    }
    #[cfg(unix)]
    {
        // Its own process group: a Ctrl-C in the terminal that ran this stint does not
        // reach the agent.
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    command.spawn().context("cannot start `stint agent`")?;
    Ok(())
}
