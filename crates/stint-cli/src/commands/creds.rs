//! `stint creds`, `credential-process`, `console`: asked of the agent first (see `agent`).

use std::process::ExitCode;

use anyhow::Result;
use stint_client::{ConsoleRequest, ExportFormat, Stint, export};

use super::agent;
use crate::cli::{ConsoleArgs, CredsArgs, TargetArg};
use stint_client::browser;

pub async fn creds(stint: &Stint, args: CredsArgs) -> Result<ExitCode> {
    let format = args
        .format
        .map(ExportFormat::from)
        .unwrap_or(stint.config().preferences.export_format);
    let creds = agent::credentials(stint, &args.target).await?;
    print!(
        "{}",
        export::render(&creds, format, args.region.as_deref())?
    );
    Ok(ExitCode::SUCCESS)
}

/// The AWS SDKs run this for `credential_process`: stdout is exactly the JSON document;
/// errors go to stderr, where the SDKs show them.
pub async fn credential_process(stint: &Stint, args: TargetArg) -> Result<ExitCode> {
    let creds = agent::credentials(stint, &args.target).await?;
    print!("{}", export::render(&creds, ExportFormat::Process, None)?);
    Ok(ExitCode::SUCCESS)
}

pub async fn console(stint: &Stint, args: ConsoleArgs) -> Result<ExitCode> {
    let request = ConsoleRequest {
        service: args.service,
        region: args.region,
        portal: args.portal,
    };
    let url = agent::console_url(stint, &args.target, &request).await?;
    if args.print {
        println!("{}", url.expose());
        return Ok(ExitCode::SUCCESS);
    }
    match browser::open(url.expose()) {
        Ok(()) => eprintln!("Opened the console for {} in your browser.", args.target),
        Err(why) => {
            eprintln!("Could not open a browser ({why}); here is the link (valid for 15 minutes):");
            println!("{}", url.expose());
        }
    }
    Ok(ExitCode::SUCCESS)
}
