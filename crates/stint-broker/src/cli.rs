//! The command line of `stint-broker`.

pub mod audit;
pub mod check;
pub mod default_config;
pub mod doctor;
pub mod serve;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "stint-broker",
    version,
    about = "The Stint broker: just-in-time AWS access through IAM Identity Center",
    long_about = None,
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the broker API and its scheduler.
    Serve(ServeArgs),
    /// Validate the config and the policy file offline; print every problem as
    /// file:line:col and exit non-zero if there is one.
    Check(CheckArgs),
    /// Print an annotated example config with every key and its default.
    DefaultConfig,
    /// Inspect the audit log.
    Audit(AuditArgs),
    /// Check the live setup: the Identity Center instance, the baseline permission set
    /// (exists, grants nothing, held by everyone the policy names), the broker's AWS
    /// permissions, STS, the clock and the database. One line per check; changes nothing.
    Doctor(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    /// The broker's config file; STINT_ environment variables override it.
    #[arg(long, short, env = "STINT_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Listen on this address instead of the config's `listen` (port 0 picks a free one;
    /// the ready line on stdout says which).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<std::net::SocketAddr>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Check this policy file instead of the one the config names.
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Treat warnings as errors.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the audit log's hash chain end to end.
    Verify(ConfigArgs),
}
