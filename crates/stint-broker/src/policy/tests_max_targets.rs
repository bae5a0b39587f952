//! `[settings] max_targets`, the most accounts one request (a request set) may name: a
//! bad value is an error at its line that says what was wrong, in which table, and what to
//! write instead; the file is refused whole, so the previous policy stays in force.

use super::tests_fixtures::{errors, groups, has, org, permission_sets};
use super::*;

fn settings(value: &str) -> String {
    format!("[settings]\nmax_targets = {value}\n")
}

const WRITE: &str = "write a whole number from 1 to 100 (the most accounts one request may \
                     name; leave it out for 10)";

#[test]
fn a_good_value_is_kept_and_leaving_it_out_gives_ten() {
    let parsed = Policy::parse("p.toml", &settings("3")).unwrap();
    assert_eq!(parsed.policy.settings.max_targets, 3);
    let parsed = Policy::parse("p.toml", &settings("100")).unwrap();
    assert_eq!(parsed.policy.settings.max_targets, 100);
    let parsed = Policy::parse("p.toml", "[settings]\n").unwrap();
    assert_eq!(parsed.policy.settings.max_targets, 10);
}

#[test]
fn zero_negative_and_too_many_are_out_of_range() {
    for (value, says) in [
        ("0", "is 0"),
        ("-3", "is -3"),
        ("101", "is 101"),
        ("1_000_000_000", "is 1000000000"),
    ] {
        let found = errors(&settings(value));
        has(&found, "p.toml:2:15: error:", "`max_targets` in [settings]");
        has(&found, "p.toml:2:15: error:", says);
        has(
            &found,
            "p.toml:2:15: error:",
            "outside the allowed range 1 to 100",
        );
        has(&found, "p.toml:2:15: error:", WRITE);
    }
}

#[test]
fn a_number_too_large_for_any_integer_is_named_with_its_key() {
    // Past i64 (toml refuses it) and past u64 alike.
    for value in ["9223372036854775808", "99999999999999999999"] {
        let found = errors(&settings(value));
        has(
            &found,
            "p.toml:2:15: error:",
            &format!(
                "`max_targets` in [settings] is {value}, too large to read as a number: write a \
                 whole number in the range `max_targets` allows, or leave it out for its default"
            ),
        );
    }
    // Anywhere else, the nearest header names where.
    let found = errors(
        "[settings]\nmax_targets = 5\n\n[[eligibility]]\nname = \"x\"\nusers = 99999999999999999999\n",
    );
    has(
        &found,
        "p.toml:6:9: error:",
        "`users` in [[eligibility]] is 99999999999999999999, too large",
    );
}

#[test]
fn the_wrong_type_says_what_to_write() {
    let found = errors(&settings("\"5\""));
    has(
        &found,
        "p.toml:2:15: error:",
        "`max_targets` in [settings] must be a whole number, not a string: write max_targets = 5 without quotes",
    );
    let found = errors(&settings("\"many\""));
    has(
        &found,
        "p.toml:2:15: error:",
        &format!("`max_targets` in [settings] must be a whole number, not a string: {WRITE}"),
    );
    let found = errors(&settings("2.5"));
    has(
        &found,
        "p.toml:2:15: error:",
        &format!("must be a whole number, not 2.5: {WRITE}"),
    );
    for (value, type_name) in [("true", "true or false"), ("[5]", "a list")] {
        let found = errors(&settings(value));
        has(
            &found,
            "p.toml:2:15: error:",
            &format!("must be a whole number, not {type_name}: {WRITE}"),
        );
    }
}

#[test]
fn in_a_rule_it_is_said_to_belong_in_settings() {
    let text = r#"[[eligibility]]
name = "dev"
users = ["alice"]
accounts = ["dev"]
permission_sets = ["ReadOnlyAccess"]
max_targets = 3
"#;
    let found = errors(text);
    has(
        &found,
        "p.toml:6:1: error:",
        "unknown key `max_targets` in eligibility rule \"dev\"; `max_targets` is a key of [settings]: move it there",
    );
}

#[test]
fn a_bad_value_on_reload_keeps_the_limit_in_force() {
    let demo = include_str!("../../demo/policies.toml");
    let with = |value: &str| {
        demo.replace(
            "[settings]\n",
            &format!("[settings]\nmax_targets = {value}\n"),
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.toml");
    std::fs::write(&path, with("4")).unwrap();
    let (handle, _) = PolicyHandle::load(&path, &org(), &permission_sets(), &groups()).unwrap();
    assert_eq!(handle.in_force().unwrap().settings().max_targets, 4);
    std::fs::write(&path, with("0")).unwrap();
    let err = handle
        .reload(&org(), &permission_sets(), &groups())
        .unwrap_err()
        .to_string();
    assert!(err.contains("policies.toml:"), "{err}");
    assert!(err.contains("`max_targets` in [settings] is 0"), "{err}");
    assert!(err.contains(WRITE), "{err}");
    assert!(err.contains("previous policy stays in force"), "{err}");
    assert_eq!(handle.in_force().unwrap().settings().max_targets, 4);
}
