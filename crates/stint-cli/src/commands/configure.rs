//! `stint configure`: asks for the broker URL (or takes flags), fetches the rest from the
//! broker, checks Identity Center answers, and saves the configuration.

use std::io::{BufRead, IsTerminal, Write};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use stint_client::config::parse_broker_url;
use stint_client::{Stint, StintOptions};

use crate::cli::ConfigureArgs;

pub async fn run(args: ConfigureArgs, mut options: StintOptions) -> Result<ExitCode> {
    let config = &mut options.config;
    if let Some(url) = &args.broker {
        config.broker_url = Some(parse_broker_url(url)?);
    }
    let no_identity_center = config.identity_center.start_url.is_none();
    if config.broker_url.is_none() && no_identity_center {
        if !std::io::stdin().is_terminal() {
            bail!(stint_client::Error::InvalidInput(
                "no broker URL: run `stint configure --broker https://stint.example.com` \
                 (or give --start-url and --sso-region to use Identity Center without a broker)"
                    .into()
            ));
        }
        config.broker_url = Some(parse_broker_url(&ask("Stint broker URL (https://...): ")?)?);
    }

    if let Some(url) = config.broker_url.clone() {
        let auth = fetch_auth_config(&url).await?;
        config.adopt_auth_config(&auth);
        eprintln!(
            "Broker {} uses Identity Center {} ({}).",
            url.as_str().trim_end_matches('/'),
            auth.start_url,
            auth.sso_region
        );
    }
    if let Some(id) = args.baseline_account_id {
        config.identity_center.baseline_account_id = Some(id);
    }
    if let Some(role) = args.baseline_role {
        config.identity_center.baseline_role_name = Some(role);
    }
    if let Some(on) = args.aws_cli_cache {
        config.preferences.write_aws_cli_cache = on;
    }
    if let Some(format) = args.export_format {
        config.preferences.export_format = format.into();
    }
    if let Some(region) = args.console_region {
        config.preferences.console_region = Some(region);
    }
    config.sso()?;

    let config_file = options.paths.config_file.clone();
    let to_save = options.config.clone();
    if !args.no_check {
        let stint = Stint::open(options).await?;
        stint
            .check_identity_center()
            .await
            .context("Identity Center did not answer; nothing was saved")?;
    }
    to_save.save(&config_file)?;
    eprintln!("Saved {}. Next: `stint login`.", config_file.display());
    Ok(ExitCode::SUCCESS)
}

async fn fetch_auth_config(url: &url::Url) -> Result<stint_api::AuthConfig> {
    Ok(stint_client::broker::fetch_auth_config(url).await?)
}

fn ask(prompt: &str) -> Result<String> {
    eprint!("{prompt}");
    std::io::stderr().flush()?;
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line)?;
    let line = line.trim().to_owned();
    if line.is_empty() {
        bail!(stint_client::Error::InvalidInput(
            "no broker URL given".into()
        ));
    }
    Ok(line)
}
