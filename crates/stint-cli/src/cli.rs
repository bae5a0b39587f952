//! The command line, as clap sees it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use stint_client::{RequestTarget, Target};

pub const EXIT_CODES: &str = "\
Exit codes:
  0  success
  1  any other failure
  2  usage: bad arguments or configuration (run `stint configure`)
  3  not logged in, or the Identity Center session ended (run `stint login`)
  4  not eligible, or not allowed
  5  not approved yet, or the access window ended
  6  the broker or AWS could not be reached

Environment:
  STINT_CONFIG        configuration file (default ~/.config/stint/config.toml; macOS
                      ~/Library/Application Support/stint, Windows %APPDATA%\\stint)
  STINT_BROKER_URL, STINT_START_URL, STINT_SSO_REGION, STINT_BASELINE_ACCOUNT_ID,
  STINT_BASELINE_ROLE, STINT_SSO_SESSION, STINT_USE_DEVICE_CODE
                      override the configuration
  STINT_BROWSER       command that opens URLs instead of the system browser
  STINT_CA_FILE       PEM certificates trusted for the broker besides the public roots
  STINT_LOG           log filter for stderr (default: warn)
  STINT_AGENT         use (default): ask a running `stint agent` first; start: and start
                      one when none runs; off: never
  STINT_AGENT_SOCKET  the agent's socket (default $XDG_RUNTIME_DIR/stint/agent-SESSION.sock)
  AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC, AWS_ENDPOINT_URL_STS,
  AWS_ENDPOINT_URL_SIGNIN   AWS endpoints, as the AWS SDKs read them";

/// Just-in-time, time-boxed AWS access through IAM Identity Center.
#[derive(Debug, Parser)]
#[command(name = "stint", version, after_long_help = EXIT_CODES, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub overrides: Overrides,

    #[command(subcommand)]
    pub command: Command,
}

/// Settings that override the configuration file for this one command.
#[derive(Debug, Args, Default)]
pub struct Overrides {
    /// The Stint broker's URL.
    #[arg(long, global = true, value_name = "URL")]
    pub broker_url: Option<String>,
    /// The Identity Center access portal URL.
    #[arg(long, global = true, value_name = "URL")]
    pub start_url: Option<String>,
    /// The Identity Center region.
    #[arg(long, global = true, value_name = "REGION")]
    pub sso_region: Option<String>,
    /// The sso-session name the login is shared under.
    #[arg(long, global = true, value_name = "NAME")]
    pub sso_session: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up Stint: the broker URL (and from it, Identity Center), then check it works.
    Configure(ConfigureArgs),
    /// Sign in to Identity Center in the browser (or with a device code).
    Login(LoginArgs),
    /// Forget the login and every cached credential, and end the sessions.
    Logout,
    /// Show who you are signed in as.
    Whoami(JsonArg),
    /// List what you can access or request, your requests, and your active grants.
    #[command(alias = "list")]
    Ls(LsArgs),
    /// Ask for time-boxed access to ACCOUNT/PERMISSION_SET.
    Request(RequestArgs),
    /// Approve a request.
    Approve(DecisionArgs),
    /// Reject a request (a comment is required).
    Reject(RejectArgs),
    /// Cancel one of your requests before it becomes active.
    Cancel(DecisionArgs),
    /// End an active grant now.
    Revoke(DecisionArgs),
    /// Lengthen an active grant.
    Extend(ExtendArgs),
    /// Print role credentials for a shell or a program.
    Creds(CredsArgs),
    /// Open (or print) a console sign-in link.
    Console(ConsoleArgs),
    /// Follow request events as they happen.
    Watch(JsonArg),
    /// What was done with a grant: its CloudTrail events, calls after its window marked.
    Activity(ActivityArgs),
    /// Credentials in the AWS SDKs' credential_process format (use in ~/.aws/config).
    CredentialProcess(TargetArg),
    /// Named profiles in the AWS CLI's files.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Write AWS CLI profiles for everything you can access or request.
    #[command(subcommand)]
    Setup(SetupCommand),
    /// Print shell completions.
    Completions(CompletionsArgs),
    /// Run the agent (in the foreground), which answers credential-process, creds,
    /// console and ls from memory; or ask a running one.
    Agent(AgentArgs),
}

#[derive(Debug, Args)]
pub struct AgentArgs {
    #[command(subcommand)]
    pub command: Option<AgentCommand>,
}

#[derive(Debug, Subcommand)]
pub enum AgentCommand {
    /// Run the agent in the foreground until stopped (the default).
    Run,
    /// Show whether an agent runs, and what it holds (JSON).
    Status,
    /// Stop the running agent.
    Stop,
}

#[derive(Debug, Args)]
pub struct ConfigureArgs {
    /// The broker URL (asked for when not given and there is none yet).
    #[arg(long = "broker", value_name = "URL")]
    pub broker: Option<String>,
    /// Without a broker: the baseline account id.
    #[arg(long, value_name = "ID")]
    pub baseline_account_id: Option<String>,
    /// Without a broker: the baseline role (permission set) name.
    #[arg(long, value_name = "NAME")]
    pub baseline_role: Option<String>,
    /// Also write the SSO token to ~/.aws/sso/cache so `aws` shares the login.
    #[arg(long, value_name = "BOOL")]
    pub aws_cli_cache: Option<bool>,
    /// Default output of `stint creds`.
    #[arg(long, value_name = "FORMAT")]
    pub export_format: Option<Format>,
    /// Region the console opens in by default.
    #[arg(long, value_name = "REGION")]
    pub console_region: Option<String>,
    /// Save without checking that Identity Center answers.
    #[arg(long)]
    pub no_check: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Print the sign-in URL instead of opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// Sign in with a device code, on any device, instead of the browser on this machine
    /// (the default when no browser can be opened: no display, or an SSH session; the
    /// `use_device_code` preference makes it the default everywhere).
    #[arg(long)]
    pub use_device_code: bool,
}

#[derive(Debug, Args)]
pub struct JsonArg {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ActivityArgs {
    /// The request id.
    pub id: i64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LsArgs {
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct TargetArg {
    /// ACCOUNT/PERMISSION_SET: the account by id or name.
    pub target: Target,
}

#[derive(Debug, Args)]
pub struct RequestArgs {
    /// ACCOUNT/PERMISSION_SET (the account by id or name), or group:NAME for membership of
    /// a grantable group (its name as `stint ls` lists it).
    pub target: RequestTarget,
    /// More accounts for the same permission set, comma-separated: one request for all of
    /// them, approved once (a request set).
    #[arg(long = "account", value_name = "ACCOUNTS", value_delimiter = ',')]
    pub accounts: Vec<String>,
    /// The target's ACCOUNT names an OU: ask for the permission set in every account
    /// below it (`stint request Workloads/ReadOnlyAccess --ou`), approved once.
    #[arg(long, conflicts_with = "accounts")]
    pub ou: bool,
    /// How long, for example 1h or 90m.
    #[arg(long = "for", value_name = "DURATION", value_parser = parse_duration)]
    pub duration: std::time::Duration,
    /// When the window opens: RFC 3339 (2026-05-01T09:00:00Z) or +DURATION from now.
    #[arg(long, value_name = "TIME")]
    pub start: Option<String>,
    /// Why you need it.
    #[arg(long)]
    pub reason: String,
    /// A ticket reference, when policy asks for one.
    #[arg(long, value_name = "ID")]
    pub ticket: Option<String>,
    /// Wait until the access is active (or refused), following the event stream.
    #[arg(long)]
    pub wait: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct DecisionArgs {
    /// The request id.
    pub id: i64,
    /// A comment recorded with the decision.
    #[arg(long)]
    pub comment: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RejectArgs {
    /// The request id.
    pub id: i64,
    /// Why (shown to the requester).
    #[arg(long)]
    pub comment: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ExtendArgs {
    /// The request id.
    pub id: i64,
    /// How much longer, for example 30m.
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub by: std::time::Duration,
    /// Why.
    #[arg(long)]
    pub reason: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// bash/zsh export lines
    Env,
    /// POSIX shell variable lines without export
    EnvNoExport,
    /// fish set lines
    Fish,
    /// PowerShell $Env: lines
    Powershell,
    /// Windows cmd set lines
    WindowsCmd,
    /// JSON object
    Json,
    /// credential_process JSON
    Process,
}

impl From<Format> for stint_client::ExportFormat {
    fn from(f: Format) -> Self {
        match f {
            Format::Env => Self::Env,
            Format::EnvNoExport => Self::EnvNoExport,
            Format::Fish => Self::Fish,
            Format::Powershell => Self::Powershell,
            Format::WindowsCmd => Self::WindowsCmd,
            Format::Json => Self::Json,
            Format::Process => Self::Process,
        }
    }
}

#[derive(Debug, Args)]
pub struct CredsArgs {
    /// ACCOUNT/PERMISSION_SET: the account by id or name.
    pub target: Target,
    /// Output format (default: the configured one, else env).
    #[arg(long, short)]
    pub format: Option<Format>,
    /// Also export this region.
    #[arg(long)]
    pub region: Option<String>,
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// ACCOUNT/PERMISSION_SET: the account by id or name.
    pub target: Target,
    /// The console service to open, for example s3.
    #[arg(long)]
    pub service: Option<String>,
    /// The region to open the console in.
    #[arg(long)]
    pub region: Option<String>,
    /// Print the link instead of opening it.
    #[arg(long)]
    pub print: bool,
    /// Use the access portal's shortcut link instead of a federation sign-in URL.
    #[arg(long)]
    pub portal: bool,
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Write credentials for ACCOUNT/PERMISSION_SET as profile NAME in ~/.aws/credentials.
    Write {
        /// The profile name.
        name: String,
        /// ACCOUNT/PERMISSION_SET: the account by id or name.
        target: Target,
    },
}

#[derive(Debug, Subcommand)]
pub enum SetupCommand {
    /// Write a profile per account/permission set into a managed block of ~/.aws/config.
    Profiles(SetupProfilesArgs),
}

#[derive(Debug, Args)]
pub struct SetupProfilesArgs {
    /// `process` profiles go through Stint (credential_process); `sso` profiles let the
    /// AWS tools use the shared login directly.
    #[arg(long, value_enum, default_value_t = Style::Process)]
    pub style: Style,
    /// A prefix for every profile name.
    #[arg(long, default_value = "")]
    pub prefix: String,
    /// Remove the managed block instead.
    #[arg(long)]
    pub remove: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Style {
    Process,
    Sso,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    pub shell: clap_complete::Shell,
}

/// The one duration grammar (`stint_api::rules`), shared with the app: `90m`, `1h30m`,
/// `2h`; a bare number is refused.
pub fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let secs = stint_api::rules::parse_duration(text).map_err(|p| p.to_string())?;
    if secs == 0 {
        return Err("the duration must be more than zero, such as 30m or 1h".into());
    }
    Ok(std::time::Duration::from_secs(u64::from(secs)))
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn durations_read_like_people_write_them() {
        assert_eq!(parse_duration("1h").unwrap().as_secs(), 3600);
        assert_eq!(parse_duration("1h30m").unwrap().as_secs(), 5400);
        assert!(parse_duration("soon").unwrap_err().contains("1h30m"));
        assert!(parse_duration("0s").is_err());
        // The app reads durations the same way: a bare number says how to write it.
        assert_eq!(
            parse_duration("45").unwrap_err(),
            "\"45\" has no unit: write 45m for minutes or 45h for hours"
        );
    }

    #[test]
    fn targets_and_flags_parse() {
        let cli = Cli::try_parse_from([
            "stint",
            "request",
            "prod/AdministratorAccess",
            "--for",
            "1h",
            "--reason",
            "incident 42",
            "--wait",
        ])
        .unwrap();
        let Command::Request(args) = cli.command else {
            panic!("not a request")
        };
        assert_eq!(args.target.to_string(), "prod/AdministratorAccess");
        assert_eq!(args.duration.as_secs(), 3600);
        assert!(args.wait);
        assert!(Cli::try_parse_from(["stint", "creds", "prod"]).is_err());
        let group = Cli::try_parse_from([
            "stint",
            "request",
            "group:oncall-admins",
            "--for",
            "1h",
            "--reason",
            "paged",
        ])
        .unwrap();
        let Command::Request(args) = group.command else {
            panic!("not a request")
        };
        assert_eq!(args.target, RequestTarget::Group("oncall-admins".into()));
        assert!(
            Cli::try_parse_from(["stint", "creds", "group:oncall-admins"]).is_err(),
            "credentials are for a role, not a group"
        );
        assert!(
            Cli::try_parse_from(["stint", "reject", "7"]).is_err(),
            "reject needs a comment"
        );
    }

    #[test]
    fn help_documents_the_exit_codes() {
        let help = Cli::command().render_long_help().to_string();
        assert!(help.contains("Exit codes:"), "{help}");
        assert!(help.contains("3  not logged in"), "{help}");
    }
}
