//! The binary's contract with scripts, without any server: usage mistakes exit 2 and say
//! what to do. (Its presence also makes `cargo test` build the `stint` binary, which the
//! end-to-end tests in the workspace's `tests/` run.)

use std::process::Command;

fn stint(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(args)
        .env_remove("STINT_CONFIG")
        .env("STINT_LOG", "warn")
        .output()
        .expect("the stint binary runs")
}

#[test]
fn version_names_the_package_version() {
    let out = stint(&["--version"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains(env!("CARGO_PKG_VERSION")), "{text}");
}

#[test]
fn an_unknown_command_or_a_missing_argument_exits_2_with_usage() {
    for args in [&["frobnicate"][..], &["request", "prod/ReadOnlyAccess"][..]] {
        let out = stint(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("Usage:"), "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?}: usage errors go to stderr");
    }
}
