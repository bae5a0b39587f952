//! `stint-broker doctor`: the live checks of `stint_broker::doctor`, one line each on
//! stdout; exits 1 when one failed. Config problems are reported as `check` reports them.

use std::process::ExitCode;

use anyhow::Context;
use stint_broker::config::{Config, ConfigError};
use stint_broker::doctor;

use super::ConfigArgs;

pub fn run(args: ConfigArgs) -> anyhow::Result<ExitCode> {
    let config = match Config::load(args.config.as_deref(), std::env::vars()) {
        Ok(config) => config,
        Err(ConfigError::Invalid(problems)) => {
            for p in &problems {
                eprintln!("{p}");
            }
            eprintln!(
                "the config has {} problem(s); nothing else was checked",
                problems.len()
            );
            return Ok(ExitCode::FAILURE);
        }
        Err(err) => return Err(err.into()),
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let checks = runtime.block_on(doctor::run(&config));
    for check in &checks {
        println!("{check}");
    }
    Ok(if doctor::failed(&checks) {
        eprintln!("doctor: some checks failed; each says what to fix");
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
