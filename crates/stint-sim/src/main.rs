//! `stint-sim`: serve a world (`serve`), serve the demo world with a guide (`demo`), or
//! validate a world file (`check`).
#![forbid(unsafe_code)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use stint_sim::{Ready, World};
use tokio::net::TcpListener;

#[derive(Parser)]
#[command(
    name = "stint-sim",
    version,
    about = "A local IAM Identity Center that speaks the real AWS wire protocols"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Log format on stderr.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text, env = "STINT_SIM_LOG_FORMAT")]
    log_format: LogFormat,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Serve a world; prints one JSON "ready" line on stdout once listening.
    Serve {
        /// The world file (TOML). Without it, the built-in demo world.
        #[arg(long)]
        world: Option<PathBuf>,
        /// Port to listen on; 0 picks a free one (see the ready line).
        #[arg(long, default_value_t = 0)]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
    },
    /// Serve the built-in demo world and print how to try it.
    Demo {
        #[arg(long, default_value_t = 7800, env = "STINT_SIM_PORT")]
        port: u16,
        #[arg(long, default_value = "127.0.0.1")]
        host: String,
    },
    /// Validate a world file and summarise it.
    Check {
        /// The world file (TOML).
        #[arg(long)]
        world: PathBuf,
    },
}

fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("STINT_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_default_env())
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().init(),
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.log_format);
    match cli.command {
        Command::Check { world } => check(&world),
        Command::Serve { world, port, host } => {
            let world = match world {
                Some(path) => match World::from_file(&path) {
                    Ok(world) => world,
                    Err(e) => {
                        eprintln!("{e}");
                        return ExitCode::FAILURE;
                    }
                },
                None => World::demo(),
            };
            run(world, &host, port, false)
        }
        Command::Demo { port, host } => run(World::demo(), &host, port, true),
    }
}

fn check(path: &std::path::Path) -> ExitCode {
    match World::from_file(path) {
        Ok(w) => {
            println!(
                "{}: ok: {} users, {} groups, {} accounts in {} OUs, {} permission sets, {} standing assignments, {} operators",
                path.display(),
                w.users().len(),
                w.groups().len(),
                w.accounts().len(),
                w.organization().ous.len(),
                w.permission_sets().len(),
                w.standing_assignments().len(),
                w.operators().len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::FAILURE
        }
    }
}

fn run(world: World, host: &str, port: u16, demo: bool) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(world, host, port, demo)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(world: World, host: &str, port: u16, demo: bool) -> anyhow::Result<()> {
    let listener = TcpListener::bind((host, port)).await.with_context(|| {
        if demo {
            format!("cannot listen on {host}:{port} (is another demo running? pass --port to pick another)")
        } else {
            format!("cannot listen on {host}:{port}")
        }
    })?;
    let url = stint_sim::base_url(listener.local_addr()?);
    let ready = Ready::new(&world, &url);
    {
        let mut out = std::io::stdout().lock();
        if demo {
            write!(out, "{}", guide(&world, &ready))?;
        } else {
            writeln!(out, "{}", serde_json::to_string(&ready)?)?;
        }
        out.flush()?;
    }

    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let mut server = tokio::spawn(stint_sim::serve(world, listener, async {
        let _ = stop_rx.await;
    }));
    tokio::select! {
        result = &mut server => {
            return result.context("the server task failed")?.context("the server failed");
        }
        signal = shutdown_signal() => {
            tracing::info!(signal = signal, "shutting down");
        }
    }
    let _ = stop_tx.send(());
    // In-flight requests get a moment to finish; a stuck client cannot hold us up.
    match tokio::time::timeout(Duration::from_secs(5), server).await {
        Ok(result) => result
            .context("the server task failed")?
            .context("the server failed")?,
        Err(_) => tracing::warn!("connections still open after 5s; exiting anyway"),
    }
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() -> &'static str {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => "SIGINT",
        () = terminate => "SIGTERM",
    }
}

/// What `stint-sim demo` prints: what is served and commands a reader can paste.
fn guide(world: &World, ready: &Ready) -> String {
    let url = &ready.url;
    let op = &world.operators()[0];
    let users: Vec<&str> = world.users().iter().map(|u| u.user_name.as_str()).collect();
    format!(
        r#"
  stint-sim: a local IAM Identity Center, serving the demo world
  ================================================================

  URL (every AWS API)   {url}
  Region                {region}
  Instance              {instance}
  Identity store        {store}
  Access portal         {url}/start
  Device verification   {url}/device
  Control API           {url}/_sim
  People                {people}
  Accounts              {accounts}

  Try it (this terminal keeps serving; use another one):

  1. Who is in the directory, and what is assigned (plain curl):

       curl -s {url}/_sim/world | python3 -m json.tool | head -40
       curl -s {url}/_sim/assignments | python3 -m json.tool

  2. A device login, the way `aws sso login` does it:

       curl -s -X POST {url}/client/register \
         -d '{{"clientName":"demo","clientType":"public","scopes":["sso:account:access"]}}'
       # then, with the clientId and clientSecret it printed:
       curl -s -X POST {url}/device_authorization \
         -d '{{"clientId":"ID","clientSecret":"SECRET","startUrl":"{url}/start"}}'
       # open verificationUriComplete in a browser, type alice, press Approve (or, without
       # a browser: curl -s -X POST {url}/_sim/device/approve \
       #   -d '{{"userCode":"XXXX-XXXX","userName":"alice"}}'); then
       curl -s -X POST {url}/token -d '{{"clientId":"ID","clientSecret":"SECRET",
         "grantType":"urn:ietf:params:oauth:grant-type:device_code","deviceCode":"DEVICE_CODE"}}'
       curl -s -H "x-amz-sso_bearer_token: ACCESS_TOKEN" {url}/assignment/accounts

  3. The admin APIs with boto3 (installed in .venv by `make test` / scripts/install-python.sh):

       .venv/bin/python -c "import boto3; print(boto3.client('sso-admin', endpoint_url='{url}', \
region_name='{region}', aws_access_key_id='{akid}', \
aws_secret_access_key='{secret}').list_instances()['Instances'])"

  4. With the AWS CLI, if you have it:

       export AWS_ENDPOINT_URL={url} AWS_REGION={region}
       AWS_ACCESS_KEY_ID={akid} AWS_SECRET_ACCESS_KEY={secret} \
         aws sso-admin list-instances
       # aws sso login: put sso_start_url = {url}/start and sso_region = {region} in a
       # profile (with sso_registration_scopes = sso:account:access), then run
       # `aws sso login --use-device-code` (the simulator has the device flow, not PKCE).

  The operator keys above are the demo world's fake broker identity, not real AWS keys.
  Press Ctrl-C to stop.

"#,
        region = ready.region,
        instance = ready.instance_arn,
        store = ready.identity_store_id,
        people = users.join(", "),
        accounts = world
            .accounts()
            .iter()
            .map(|a| format!("{} ({})", a.name, a.id))
            .collect::<Vec<_>>()
            .join(", "),
        akid = op.access_key_id,
        secret = op.secret_access_key.expose(),
    )
}
