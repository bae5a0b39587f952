//! `stint profile write` and `stint setup profiles`.

use std::process::ExitCode;

use anyhow::{Context, Result};
use stint_client::{ProfileStyle, Stint, Target, aws_files};

use crate::cli::{SetupProfilesArgs, Style};
use crate::output;

pub async fn write(stint: &Stint, name: &str, target: &Target) -> Result<ExitCode> {
    let creds = stint.write_credentials_profile(name, target).await?;
    eprintln!(
        "Wrote profile [{name}] to {} (credentials expire {}).",
        stint.paths().aws_credentials_file.display(),
        output::local(creds.expiration)
    );
    Ok(ExitCode::SUCCESS)
}

pub async fn setup(stint: &Stint, args: SetupProfilesArgs) -> Result<ExitCode> {
    let path = &stint.paths().aws_config_file;
    if args.remove {
        aws_files::remove_managed_profiles(path)?;
        eprintln!("Removed Stint's block from {}.", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let style = match args.style {
        Style::Process => ProfileStyle::Process,
        Style::Sso => ProfileStyle::Sso,
    };
    let exe = std::env::current_exe().context("cannot find the stint executable's path")?;
    let command = quote_command(&exe.to_string_lossy());
    let report = stint.setup_profiles(style, &args.prefix, &command).await?;
    if args.json {
        output::json(&report)?;
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!(
        "Wrote {} sections to {}:",
        report.written.len(),
        report.path.display()
    );
    for name in &report.written {
        eprintln!("  [{name}]");
    }
    for name in &report.skipped {
        eprintln!("  [{name}] skipped: your own section of that name is kept");
    }
    Ok(ExitCode::SUCCESS)
}

/// botocore splits `credential_process` like a shell: quote a path with spaces.
fn quote_command(path: &str) -> String {
    if path.contains(char::is_whitespace) {
        format!("\"{}\"", path.replace('"', "\\\""))
    } else {
        path.to_owned()
    }
}
