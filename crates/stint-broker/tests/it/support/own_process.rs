//! Running one test alone in a fresh process of this test binary.
//!
//! All the broker's integration tests share one binary, so anything global to a process
//! is shared by every test running beside it. Two kinds of test need a process of their
//! own: those that install the global `tracing` subscriber (it can be set once, and it
//! would capture every other test's log lines), and those that need environment variables
//! (setting one in a running, multi-threaded process races with every other test).
//!
//! Such a test is written as two functions: the test proper, which calls
//! [`run_alone`] with the path of the second, and the second, marked
//! `#[ignore = "..."]` so only that child run executes it, which starts with
//! [`assert_alone`] so it refuses to run among the others (under `--include-ignored`).

use std::process::Command;

/// Set in the child's environment to the path of the one test it must run.
const ALONE: &str = "STINT_IT_ALONE";

/// Runs the ignored test at `path` (as `cargo test` names it: `module::function`) alone
/// in a new process of this binary with `vars` added to its environment, and fails with
/// the child's output unless exactly that test ran and passed.
pub fn run_alone(path: &str, vars: &[(&str, &str)], removed: &[&str]) {
    let mut command = Command::new(std::env::current_exe().expect("the test binary's path"));
    command
        .args([
            "--exact",
            path,
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ALONE, path)
        .envs(vars.iter().copied());
    for name in removed {
        command.env_remove(name);
    }
    let output = command.output().expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{path}, run alone, failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Panics unless this process was started by [`run_alone`] for `path`.
pub fn assert_alone(path: &str) {
    let running = std::env::var(ALONE).unwrap_or_default();
    assert_eq!(
        running, path,
        "{path} changes process-wide state: it runs only in a process of its own, started by \
         support::own_process::run_alone"
    );
}
