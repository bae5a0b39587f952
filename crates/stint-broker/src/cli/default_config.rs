use std::process::ExitCode;

pub fn run() -> anyhow::Result<ExitCode> {
    print!("{}", stint_broker::config::EXAMPLE);
    Ok(ExitCode::SUCCESS)
}
