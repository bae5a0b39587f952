use std::process::ExitCode;

use super::ConfigArgs;

pub fn run(_args: ConfigArgs) -> anyhow::Result<ExitCode> {
    eprintln!("stint-broker serve: not built yet");
    Ok(ExitCode::FAILURE)
}
