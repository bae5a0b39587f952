//! Bad world files are refused with the file, the line and what is wrong.

use stint_sim::{DEMO_WORLD_TOML, World, WorldError};

fn refuse(src: &str) -> WorldError {
    World::from_toml_str(src, "bad.toml").expect_err("the world should be refused")
}

/// The 1-based line of the first occurrence of `needle` in `src`.
fn line_of(src: &str, needle: &str) -> usize {
    let at = src
        .find(needle)
        .unwrap_or_else(|| panic!("{needle} not in source"));
    src[..at].matches('\n').count() + 1
}

fn assert_problem(err: &WorldError, line: usize, text: &str) {
    assert_eq!(err.file, "bad.toml");
    assert!(
        err.problems
            .iter()
            .any(|p| p.line == line && p.message.contains(text)),
        "expected a problem on line {line} containing {text:?}, got:\n{err}"
    );
}

#[test]
fn the_demo_world_is_valid() {
    let world = World::demo();
    assert_eq!(world.users().len(), 6);
    assert_eq!(world.organization().ous.len(), 6);
}

#[test]
fn syntax_errors_name_the_line() {
    let src = "[instance]\ninstance_arn = \"arn\nregion = 1\n";
    let err = refuse(src);
    assert_eq!(err.problems[0].line, 2);
    assert!(err.to_string().starts_with("bad.toml:2:"), "{err}");
}

#[test]
fn unknown_group_member() {
    let src = DEMO_WORLD_TOML.replace(
        "members = [\"alice\", \"carol\"]",
        "members = [\"alice\", \"zed\"]",
    );
    let err = refuse(&src);
    assert_problem(
        &err,
        line_of(&src, "\"zed\""),
        "member \"zed\", who is not a user",
    );
    let text = err.to_string();
    assert!(text.contains("^^^^^"), "the value is underlined:\n{text}");
}

#[test]
fn unknown_ou_parent_and_cycles() {
    let src = DEMO_WORLD_TOML.replace(
        "name = \"Sandbox\"\nparent = \"Root\"",
        "name = \"Sandbox\"\nparent = \"Nowhere\"",
    );
    let err = refuse(&src);
    assert_problem(
        &err,
        line_of(&src, "\"Nowhere\""),
        "neither \"Root\" nor an OU",
    );

    let src = DEMO_WORLD_TOML.replace(
        "name = \"Workloads\"\nparent = \"Root\"",
        "name = \"Workloads\"\nparent = \"Production\"",
    );
    let err = refuse(&src);
    assert_problem(&err, line_of(&src, "parent = \"Production\""), "cycle");
}

#[test]
fn duplicate_account_id_and_unknown_assignment_account() {
    let src = DEMO_WORLD_TOML.replace("id = \"666666666666\"", "id = \"555555555555\"");
    let err = refuse(&src);
    let second = src.rfind("id = \"555555555555\"").unwrap();
    let line = src[..second].matches('\n').count() + 1;
    assert_problem(&err, line, "used by two accounts");

    let src = DEMO_WORLD_TOML.replace("account = \"dev\"", "account = \"qa\"");
    let err = refuse(&src);
    assert_problem(
        &err,
        line_of(&src, "account = \"qa\""),
        "account \"qa\", which is not in [[accounts]]",
    );
}

#[test]
fn bad_durations_and_values() {
    let src = DEMO_WORLD_TOML.replace("session_ttl = \"8h\"", "session_ttl = \"eight hours\"");
    let err = refuse(&src);
    assert_problem(&err, line_of(&src, "\"eight hours\""), "is not a duration");

    let src = DEMO_WORLD_TOML.replace(
        "description = \"Full access\"\nsession_duration = \"1h\"",
        "description = \"Full access\"\nsession_duration = \"13h\"",
    );
    let err = refuse(&src);
    assert_problem(&err, line_of(&src, "\"13h\""), "AWS allows 1h to 12h");

    let src = DEMO_WORLD_TOML.replace("d-9067a1b2c3", "d-XYZ");
    let err = refuse(&src);
    assert_problem(&err, line_of(&src, "\"d-XYZ\""), "not an identity store id");
}

#[test]
fn unknown_fields_and_bad_faults() {
    let src = DEMO_WORLD_TOML.replace(
        "display_name = \"Alice Adams\"",
        "display_name = \"Alice Adams\"\nnickname = \"al\"",
    );
    let err = refuse(&src);
    assert_problem(&err, line_of(&src, "nickname"), "nickname");

    let src = format!("{DEMO_WORLD_TOML}\n[faults.sts]\nthrottle_rate = 2.0\nforce_failed = 1\n");
    let err = refuse(&src);
    assert!(
        err.to_string()
            .contains("throttle_rate must be between 0.0 and 1.0"),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("force_failed only applies to sso_admin"),
        "{err}"
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    let src = DEMO_WORLD_TOML
        .replace(
            "members = [\"alice\", \"carol\"]",
            "members = [\"alice\", \"zed\"]",
        )
        .replace("account = \"dev\"", "account = \"qa\"");
    let err = refuse(&src);
    assert_eq!(err.problems.len(), 2, "{err}");
}

#[test]
fn ids_are_the_same_on_every_load() {
    let a = World::demo();
    let b = World::from_toml_str(DEMO_WORLD_TOML, "again.toml").unwrap();
    assert_eq!(a.users(), b.users());
    assert_eq!(a.organization(), b.organization());
    assert_eq!(a.permission_sets(), b.permission_sets());
}
