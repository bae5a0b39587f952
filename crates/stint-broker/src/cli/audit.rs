use std::process::ExitCode;

use super::{AuditArgs, AuditCommand};

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        AuditCommand::Verify(_) => {
            eprintln!("stint-broker audit verify: not built yet");
            Ok(ExitCode::FAILURE)
        }
    }
}
