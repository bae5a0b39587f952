//! Parsing a policy file and every validation error and warning it can give, with its line.

use super::tests_fixtures::*;
use super::*;

// --- parsing --------------------------------------------------------------------------

#[test]
fn the_demo_policy_parses_and_resolves_without_warnings() {
    let parsed = Policy::parse("policies.toml", DEMO).unwrap();
    assert!(parsed.warnings.is_empty(), "{:?}", parsed.warnings);
    assert_eq!(parsed.policy.eligibility.len(), 6);
    assert_eq!(parsed.policy.approval.len(), 2);
    let resolved = parsed
        .policy
        .resolve(&org(), &permission_sets(), &groups())
        .unwrap();
    assert!(resolved.warnings.is_empty(), "{:?}", resolved.warnings);
}

#[test]
fn rules_keep_their_line_and_defaults() {
    let p = Policy::parse("p.toml", MINIMAL).unwrap().policy;
    let rule = &p.eligibility[0];
    assert_eq!(rule.location.line, 5);
    assert_eq!(rule.max_duration, p.settings.max_duration);
    assert_eq!(p.settings.max_duration, hours(12));
    assert!(!rule.ticket_required);
    assert_eq!(rule.groups[0].location.line, 7);
}

#[test]
fn a_syntax_error_is_reported_with_its_line() {
    let found = errors("[settings]\nmax_duration = \"4h\n");
    has(&found, "p.toml:2:", "not valid TOML");
}

#[test]
fn unknown_keys_and_sections_are_errors_with_a_suggestion() {
    let text =
        MINIMAL.replace("approval_required = false", "aproval_required = false") + "\n[setings]\n";
    let found = errors(&text);
    has(
        &found,
        "p.toml:10:1: error:",
        "unknown key `aproval_required` in eligibility rule \"e\"; did you mean `approval_required`?",
    );
    has(
        &found,
        "p.toml:12:",
        "unknown section `setings`: did you mean `settings`?",
    );
}

#[test]
fn wrong_types_say_what_to_write() {
    let text = r#"[settings]
max_duration = 12
auditor_groups = "security-auditors"
ticket_required = "yes"
"#;
    let found = errors(text);
    has(
        &found,
        "p.toml:2:16: error:",
        "must be a duration string such as \"12m\" or \"12h\", not a bare number",
    );
    has(
        &found,
        "p.toml:3:18: error:",
        "must be a list of strings: write [\"security-auditors\"]",
    );
    has(
        &found,
        "p.toml:4:19: error:",
        "must be true or false, not a string",
    );
}

#[test]
fn bad_and_out_of_range_durations_are_errors() {
    let text = r#"[settings]
max_duration = "twelve hours"
approval_timeout = "45d"
"#;
    let found = errors(text);
    has(
        &found,
        "p.toml:2:16: error:",
        "\"twelve hours\" is not a duration",
    );
    has(
        &found,
        "p.toml:3:20: error:",
        "outside the allowed range 1m to 30days",
    );
}

#[test]
fn a_bad_ticket_pattern_and_webhook_are_errors() {
    let text = r#"[settings]
ticket_pattern = "(INC|CHG-[0-9]+"
webhook_url = "ftp://hooks.example.com"
"#;
    let found = errors(text);
    has(
        &found,
        "p.toml:2:18: error:",
        "`ticket_pattern` is not a valid regular expression",
    );
    has(
        &found,
        "p.toml:3:15: error:",
        "must be an http or https URL",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = r#"
[[eligibility]]
groups = ["engineers"]
accounts = ["dev"]
permission_sets = ["ReadOnlyAccess"]

[[eligibility]]
name = "no-one"
accounts = ["dev"]
permission_sets = ["ReadOnlyAccess"]

[[eligibility]]
name = "nowhere"
groups = ["engineers"]
permission_sets = ["ReadOnlyAccess"]

[[eligibility]]
name = "nothing"
groups = ["engineers"]
accounts = ["dev"]
"#;
    let found = errors(text);
    assert_eq!(
        found.iter().filter(|d| d.contains(": error: ")).count(),
        4,
        "{found:#?}"
    );
    has(
        &found,
        "p.toml:2:1: error:",
        "this eligibility rule has no `name`",
    );
    has(
        &found,
        "p.toml:7:1: error:",
        "eligibility rule \"no-one\" names nobody",
    );
    has(
        &found,
        "p.toml:12:1: error:",
        "eligibility rule \"nowhere\" names no `accounts`, no `ous` and no `grantable_groups`",
    );
    has(
        &found,
        "p.toml:17:1: error:",
        "eligibility rule \"nothing\" has no `permission_sets`",
    );
}

#[test]
fn empty_lists_count_as_missing() {
    let text = r#"
[[eligibility]]
name = "empty"
users = []
groups = []
accounts = []
permission_sets = []
"#;
    let found = errors(text);
    has(&found, "p.toml:2:1: error:", "names nobody");
    has(
        &found,
        "p.toml:2:1: error:",
        "names no `accounts`, no `ous` and no `grantable_groups`",
    );
    has(&found, "p.toml:2:1: error:", "has no `permission_sets`");
}

#[test]
fn duplicate_rule_names_name_both_lines() {
    let text = format!(
        "{MINIMAL}\n{}",
        &MINIMAL[MINIMAL.find("[[eligibility]]").unwrap()..]
    );
    let found = errors(&text);
    has(
        &found,
        "p.toml:12:1: error:",
        "two eligibility rules are named \"e\" (the other is at line 5)",
    );
}

#[test]
fn ous_must_say_whether_nested_ous_count() {
    let text = r#"
[[eligibility]]
name = "workloads"
groups = ["engineers"]
ous = ["Workloads"]
permission_sets = ["ReadOnlyAccess"]

[[approval]]
name = "a"
approver_groups = ["sre-leads"]
accounts = ["prod"]
nested_ous = true
"#;
    let found = errors(text);
    has(
        &found,
        "p.toml:5:8: error:",
        "names OUs but not `nested_ous`: add `nested_ous = true`",
    );
    has(
        &found,
        "p.toml:12:",
        "`nested_ous` in approval rule \"a\" has no effect without `ous`",
    );
}

#[test]
fn a_rule_may_not_exceed_the_global_maximum() {
    let text = MINIMAL.replace("[settings]", "[settings]\nmax_duration = \"2h\"")
        + "max_duration = \"3h\"\n";
    let found = errors(&text);
    has(
        &found,
        "p.toml:12:16: error:",
        "`max_duration` 3h is longer than the global `max_duration` 2h",
    );
}

#[test]
fn approval_rules_need_approver_groups() {
    let text = format!("{MINIMAL}\n[[approval]]\nname = \"a\"\naccounts = [\"prod\"]\n");
    let found = errors(&text);
    has(
        &found,
        "p.toml:12:1: error:",
        "approval rule \"a\" has no `approver_groups`",
    );
}

#[test]
fn repeated_names_in_a_list_are_warnings() {
    let text = MINIMAL.replace(
        "groups = [\"engineers\"]",
        "groups = [\"engineers\", \"engineers\"]",
    );
    let parsed = Policy::parse("p.toml", &text).unwrap();
    assert_eq!(parsed.warnings.len(), 1);
    let w = parsed.warnings[0].to_string();
    assert!(
        w.starts_with("p.toml:7:24: warning:") && w.contains("listed twice"),
        "{w}"
    );
}

#[test]
fn no_admins_is_a_warning() {
    let text = MINIMAL.replace("admin_groups = [\"stint-admins\"]", "");
    let parsed = Policy::parse("p.toml", &text).unwrap();
    assert!(
        parsed
            .warnings
            .iter()
            .any(|w| w.message.contains("no `admin_groups`"))
    );
}
