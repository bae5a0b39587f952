//! Unit tests of the policy module: parsing and every validation error (with its line),
//! resolution, and every evaluation rule, against an organization shaped like the demo's.

use std::collections::BTreeMap;
use std::time::Duration;

use stint_api::Persona;

use super::*;
use crate::idc::{
    Account, ExternalId, GroupAccess, GroupDetails, OrgUnit, Organization, PermissionSet,
};

const DEMO: &str = include_str!("../../demo/policies.toml");

pub(super) fn hours(h: u64) -> Duration {
    Duration::from_secs(h * 3600)
}

pub(super) fn org() -> Organization {
    let ou = |id: &str, name: &str, parent: &str| OrgUnit {
        id: id.into(),
        name: name.into(),
        parent_id: parent.into(),
    };
    let account = |id: &str, name: &str, parent: &str| Account {
        id: id.into(),
        name: name.into(),
        parent_id: parent.into(),
    };
    Organization {
        root_id: "r-root".into(),
        ous: vec![
            ou("ou-sec", "Security", "r-root"),
            ou("ou-work", "Workloads", "r-root"),
            ou("ou-prod", "Production", "ou-work"),
            ou("ou-stg", "Staging", "ou-work"),
            ou("ou-dev", "Development", "ou-work"),
            ou("ou-sbx", "Sandbox", "r-root"),
        ],
        accounts: vec![
            account("111111111111", "management", "r-root"),
            account("222222222222", "identity", "ou-sec"),
            account("333333333333", "prod", "ou-prod"),
            account("444444444444", "staging", "ou-stg"),
            account("555555555555", "dev", "ou-dev"),
            account("666666666666", "sandbox", "ou-sbx"),
            // An account directly in Workloads, to tell nested from direct.
            account("777777777777", "shared-services", "ou-work"),
        ],
    }
}

pub(super) fn permission_sets() -> Vec<PermissionSet> {
    [
        ("StintBaseline", 1),
        ("ReadOnlyAccess", 8),
        ("PowerUserAccess", 4),
        ("AdministratorAccess", 1),
        ("BillingReadOnly", 2),
    ]
    .into_iter()
    .map(|(name, h)| PermissionSet {
        arn: format!("arn:aws:sso:::permissionSet/ssoins-1/ps-{name}"),
        name: name.into(),
        description: None,
        session_duration: hours(h),
    })
    .collect()
}

/// The grantable groups as Identity Center describes them: oncall-admins is Identity
/// Center's own, prod-readers comes from Okta.
pub(super) fn groups() -> Vec<GroupDetails> {
    vec![
        GroupDetails {
            group_id: "g-oncall".into(),
            display_name: "oncall-admins".into(),
            external_ids: Vec::new(),
            access: ["333333333333", "444444444444"]
                .into_iter()
                .map(|account| GroupAccess {
                    account_id: account.into(),
                    permission_set_arn:
                        "arn:aws:sso:::permissionSet/ssoins-1/ps-AdministratorAccess".into(),
                })
                .collect(),
        },
        GroupDetails {
            group_id: "g-readers".into(),
            display_name: "prod-readers".into(),
            external_ids: vec![ExternalId {
                issuer: "https://example.okta.com".into(),
                id: "00g1prodreaders7x".into(),
            }],
            access: Vec::new(),
        },
    ]
}

pub(super) fn directory() -> BTreeMap<String, Vec<String>> {
    let mut d = BTreeMap::new();
    let mut add = |g: &str, users: &[&str]| {
        d.insert(
            g.to_owned(),
            users.iter().map(|u| (*u).to_owned()).collect(),
        );
    };
    add(
        "everyone",
        &["alice", "bob", "carol", "dave", "erin", "grace"],
    );
    add("engineers", &["alice", "carol"]);
    add("sre-leads", &["bob", "grace"]);
    add("security-auditors", &["dave"]);
    add("stint-admins", &["erin"]);
    d
}

pub(super) fn alice() -> Subject {
    Subject::new("alice", ["everyone", "engineers"])
}

pub(super) fn bob() -> Subject {
    Subject::new("bob", ["everyone", "sre-leads"])
}

pub(super) fn demo() -> ResolvedPolicy {
    let parsed = Policy::parse("policies.toml", DEMO).unwrap();
    parsed
        .policy
        .resolve(&org(), &permission_sets(), &groups())
        .unwrap()
}

/// Parses text that must fail, and returns its diagnostics as printed.
pub(super) fn errors(text: &str) -> Vec<String> {
    let err = Policy::parse("p.toml", text).unwrap_err();
    assert!(err.has_errors());
    err.0.iter().map(ToString::to_string).collect()
}

pub(super) fn has(found: &[String], prefix: &str, needle: &str) {
    assert!(
        found
            .iter()
            .any(|d| d.starts_with(prefix) && d.contains(needle)),
        "no diagnostic starting {prefix:?} containing {needle:?} in:\n{}",
        found.join("\n")
    );
}

pub(super) fn resolve_errors(text: &str) -> Vec<String> {
    let parsed = Policy::parse("p.toml", text).unwrap();
    let err = parsed
        .policy
        .resolve(&org(), &permission_sets(), &groups())
        .unwrap_err();
    err.0.iter().map(ToString::to_string).collect()
}

pub(super) fn resolved(text: &str) -> ResolvedPolicy {
    Policy::parse("p.toml", text)
        .unwrap()
        .policy
        .resolve(&org(), &permission_sets(), &groups())
        .unwrap()
}

fn ask<'a>(account: &'a str, ps: &'a str, h: u64, ticket: Option<&'a str>) -> Ask<'a> {
    Ask {
        account,
        permission_set: ps,
        duration: hours(h),
        ticket,
    }
}

const MINIMAL: &str = r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
accounts = ["dev"]
permission_sets = ["ReadOnlyAccess"]
approval_required = false
"#;

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

// --- resolution -----------------------------------------------------------------------

#[test]
fn names_that_do_not_exist_are_errors_with_their_line() {
    let text = r#"
[[eligibility]]
name = "typos"
groups = ["engineers"]
accounts = ["prd", "999999999999"]
ous = ["Workload"]
nested_ous = true
permission_sets = ["PowerUser"]
approval_required = false
"#;
    let found = resolve_errors(text);
    has(
        &found,
        "p.toml:5:13: error:",
        "account \"prd\", which is not in the organization; did you mean \"prod\"?",
    );
    has(
        &found,
        "p.toml:5:20: error:",
        "account \"999999999999\", which is not in the organization",
    );
    has(
        &found,
        "p.toml:6:8: error:",
        "OU \"Workload\", which is not in the organization; did you mean \"Workloads\"?",
    );
    has(
        &found,
        "p.toml:8:20: error:",
        "permission set \"PowerUser\", which Identity Center does not have",
    );
}

#[test]
fn an_ambiguous_ou_name_must_be_given_by_id() {
    let mut org = org();
    org.ous.push(OrgUnit {
        id: "ou-sbx2".into(),
        name: "Sandbox".into(),
        parent_id: "ou-work".into(),
    });
    let text = r#"
[[eligibility]]
name = "s"
groups = ["engineers"]
ous = ["Sandbox"]
nested_ous = false
permission_sets = ["ReadOnlyAccess"]
approval_required = false
"#;
    let parsed = Policy::parse("p.toml", text).unwrap();
    let err = parsed
        .policy
        .resolve(&org, &permission_sets(), &groups())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("p.toml:5:8: error:")
            && err.contains("2 OUs have that name (ou-sbx, ou-sbx2); use the OU id"),
        "{err}"
    );
}

#[test]
fn approval_nobody_could_give_is_a_warning_at_load() {
    let text = r#"
[[eligibility]]
name = "needs-approval"
groups = ["engineers"]
accounts = ["staging", "prod"]
permission_sets = ["ReadOnlyAccess"]

[[approval]]
name = "prod-only"
approver_groups = ["sre-leads"]
accounts = ["prod"]
"#;
    let r = resolved(text);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let w = r.warnings[0].to_string();
    assert!(w.starts_with("p.toml:2:1: warning:"), "{w}");
    assert!(
        w.contains("no [[approval]] rule covers ReadOnlyAccess in staging"),
        "{w}"
    );
}

#[test]
fn role_sessions_outliving_grants_are_a_warning() {
    // ReadOnlyAccess sessions last 8h; a 2h grant leaves credentials valid 6h after it.
    let text = MINIMAL.to_owned() + "max_duration = \"2h\"\n";
    let r = resolved(&text);
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    let w = r.warnings[0].to_string();
    assert!(w.starts_with("p.toml:9:20: warning:"), "{w}");
    assert!(
        w.contains("valid for 8h") && w.contains("up to 6h after it ends"),
        "{w}"
    );
    let quieter = text.replace(
        "[settings]",
        "[settings]\nsession_overhang_warning = \"6h\"",
    );
    assert!(resolved(&quieter).warnings.is_empty());
}

// --- evaluation -----------------------------------------------------------------------

#[test]
fn nested_ous_cover_every_depth_and_direct_ous_only_their_own_accounts() {
    let rule = |nested: bool| {
        format!(
            "[[eligibility]]\nname = \"w\"\ngroups = [\"engineers\"]\nous = [\"Workloads\"]\nnested_ous = {nested}\npermission_sets = [\"ReadOnlyAccess\"]\napproval_required = false\n"
        )
    };
    let nested = resolved(&rule(true));
    let direct = resolved(&rule(false));
    let names = |p: &ResolvedPolicy| -> Vec<String> {
        p.eligible(&alice())
            .into_iter()
            .map(|e| e.account.name)
            .collect()
    };
    assert_eq!(
        names(&nested),
        ["dev", "prod", "shared-services", "staging"]
    );
    assert_eq!(names(&direct), ["shared-services"]);
}

#[test]
fn accounts_and_ous_may_be_named_by_id_or_name() {
    let text = r#"
[[eligibility]]
name = "ids"
users = ["alice"]
accounts = ["333333333333"]
ous = ["ou-stg", "Development"]
nested_ous = false
permission_sets = ["ReadOnlyAccess"]
approval_required = false
"#;
    let p = resolved(text);
    let names: Vec<String> = p
        .eligible(&alice())
        .into_iter()
        .map(|e| e.account.name)
        .collect();
    assert_eq!(names, ["dev", "prod", "staging"]);
    // A request may name the account either way too.
    let dir = directory();
    assert!(
        p.check(&alice(), &ask("prod", "ReadOnlyAccess", 1, None), &dir)
            .is_ok()
    );
    assert!(
        p.check(
            &alice(),
            &ask("333333333333", "ReadOnlyAccess", 1, None),
            &dir
        )
        .is_ok()
    );
}

#[test]
fn root_nested_covers_the_whole_organization() {
    let text = "[[eligibility]]\nname = \"all\"\nusers = [\"alice\"]\nous = [\"Root\"]\nnested_ous = true\npermission_sets = [\"ReadOnlyAccess\"]\napproval_required = false\n";
    assert_eq!(
        resolved(text).eligible(&alice()).len(),
        org().accounts.len()
    );
}

#[test]
fn a_user_is_matched_by_name_or_through_a_group() {
    let p = demo();
    let carol = Subject::new("carol", ["engineers"]);
    let stranger = Subject::new("mallory", ["contractors"]);
    assert!(!p.eligible(&carol).is_empty());
    assert!(p.eligible(&stranger).is_empty());
    let by_name = resolved(
        MINIMAL
            .replace("groups = [\"engineers\"]", "users = [\"mallory\"]")
            .as_str(),
    );
    assert_eq!(by_name.eligible(&stranger).len(), 1);
    assert!(by_name.eligible(&carol).is_empty());
}

#[test]
fn several_matching_rules_hold_a_request_to_the_most_lenient_rule_it_fits() {
    let p = demo();
    let dir = directory();
    // Up to 4h in dev: the self-service rule, no approval.
    let short = p
        .check(&alice(), &ask("dev", "PowerUserAccess", 2, None), &dir)
        .unwrap();
    assert!(!short.approval_required);
    assert_eq!(short.rule.name, "engineers-dev-self-service");
    assert_eq!(short.matched.len(), 2);
    assert!(short.approver_groups.is_empty());
    // Longer: only the workloads rule fits, and it needs approval by sre-leads.
    let long = p
        .check(&alice(), &ask("dev", "PowerUserAccess", 6, None), &dir)
        .unwrap();
    assert!(long.approval_required);
    assert_eq!(long.rule.name, "engineers-workloads");
    assert_eq!(long.approver_groups, ["sre-leads"]);
    assert_eq!(long.approvers, ["bob", "grace"]);
    assert_eq!(long.max_duration, hours(8));
    // Longer than any rule: refused, saying the most that can be asked.
    let too_long = p
        .check(&alice(), &ask("dev", "PowerUserAccess", 9, None), &dir)
        .unwrap_err();
    assert_eq!(too_long.kind, RefusalKind::BadDuration);
    assert!(too_long.to_string().contains("at most 8h"), "{too_long}");
    assert_eq!(too_long.suggestion.as_deref(), Some("Request 8h or less."));
}

#[test]
fn the_eligibility_list_merges_rules_per_target() {
    let p = demo();
    let items = p.eligible(&alice());
    let dev_power = items
        .iter()
        .find(|e| e.account.name == "dev" && e.permission_set.name == "PowerUserAccess")
        .unwrap();
    assert_eq!(dev_power.max_duration, hours(8));
    assert!(dev_power.approval_required);
    assert_eq!(dev_power.max_without_approval, Some(hours(4)));
    assert_eq!(dev_power.rules.len(), 2);
    let targets: Vec<(String, String)> = items
        .iter()
        .map(|e| (e.account.name.clone(), e.permission_set.name.clone()))
        .collect();
    assert!(targets.contains(&("prod".into(), "AdministratorAccess".into())));
    assert!(targets.contains(&("sandbox".into(), "AdministratorAccess".into())));
    assert!(!targets.iter().any(|(a, _)| a == "management"));
}

#[test]
fn nobody_approves_their_own_request() {
    let p = demo();
    let dir = directory();
    let d = p
        .check(
            &bob(),
            &ask("prod", "AdministratorAccess", 1, Some("CHG-42")),
            &dir,
        )
        .unwrap();
    // Bob's own group approves prod, but only grace can approve bob's request.
    assert_eq!(d.approvers, ["grace"]);
    let own = d.may_approve("bob", &bob()).unwrap_err();
    assert!(matches!(own, ApprovalRefusal::OwnRequest { .. }));
    assert_eq!(own.error_code(), stint_api::ErrorCode::SelfApproval);
    let grace = Subject::new("grace", ["sre-leads"]);
    assert!(d.may_approve("bob", &grace).is_ok());
    let carol = Subject::new("carol", ["engineers"]);
    assert!(matches!(
        d.may_approve("bob", &carol),
        Err(ApprovalRefusal::NotAnApprover { .. })
    ));
    // The same answers from the current policy.
    assert!(
        p.may_approve(&grace, "bob", "333333333333", "AdministratorAccess")
            .is_ok()
    );
    assert!(
        p.may_approve(&bob(), "bob", "333333333333", "AdministratorAccess")
            .is_err()
    );
}

#[test]
fn a_request_nobody_else_could_approve_is_refused_naming_the_rule_and_groups() {
    let p = demo();
    let mut dir = directory();
    dir.insert("sre-leads".into(), vec!["bob".into()]);
    // Bob is the only sre-lead: his own request has nobody to approve it.
    let refused = p
        .check(
            &bob(),
            &ask("prod", "AdministratorAccess", 1, Some("INC-7")),
            &dir,
        )
        .unwrap_err();
    assert_eq!(refused.kind, RefusalKind::NoApprover);
    assert_eq!(refused.error_code(), stint_api::ErrorCode::NoApprover);
    let msg = refused.to_string();
    assert!(
        msg.contains("\"sre-leads-approve-workloads\" (line 116)"),
        "{msg}"
    );
    assert!(
        msg.contains("sre-leads (no members other than bob)"),
        "{msg}"
    );
    // Alice still has bob.
    assert!(
        p.check(
            &alice(),
            &ask("prod", "AdministratorAccess", 1, Some("INC-7")),
            &dir
        )
        .is_ok()
    );
    // A group missing from Identity Center is named as such.
    dir.remove("sre-leads");
    let missing = p
        .check(&alice(), &ask("prod", "ReadOnlyAccess", 1, None), &dir)
        .unwrap_err();
    assert!(
        missing
            .to_string()
            .contains("sre-leads (no such group in Identity Center)"),
        "{missing}"
    );
}

#[test]
fn approval_without_an_approval_rule_is_refused_at_creation() {
    let text = MINIMAL.replace("approval_required = false", "approval_required = true");
    let p = resolved(&text);
    let refused = p
        .check(
            &alice(),
            &ask("dev", "ReadOnlyAccess", 1, None),
            &directory(),
        )
        .unwrap_err();
    assert_eq!(refused.kind, RefusalKind::NoApprover);
    assert!(
        refused.message.contains("no approval rule covers it"),
        "{refused}"
    );
    assert!(
        refused.message.contains("eligibility rule \"e\", line 5"),
        "{refused}"
    );
}

#[test]
fn approvers_are_the_union_of_every_covering_rule_and_may_be_limited_to_permission_sets() {
    let text = r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "prod"
groups = ["engineers"]
accounts = ["prod"]
permission_sets = ["ReadOnlyAccess", "AdministratorAccess"]
max_duration = "1h"

[[approval]]
name = "sre"
approver_groups = ["sre-leads"]
accounts = ["prod"]

[[approval]]
name = "security-for-admin"
approver_groups = ["security-auditors"]
accounts = ["prod"]
permission_sets = ["AdministratorAccess"]
"#;
    let p = resolved(text);
    let dir = directory();
    let admin = p
        .check(&alice(), &ask("prod", "AdministratorAccess", 1, None), &dir)
        .unwrap();
    assert_eq!(admin.approver_groups, ["sre-leads", "security-auditors"]);
    assert_eq!(admin.approvers, ["bob", "dave", "grace"]);
    assert_eq!(admin.approval_rules.len(), 2);
    let read = p
        .check(&alice(), &ask("prod", "ReadOnlyAccess", 1, None), &dir)
        .unwrap();
    assert_eq!(read.approver_groups, ["sre-leads"]);
}

#[test]
fn durations_are_capped_by_the_global_maximum_when_a_rule_says_nothing() {
    let text = MINIMAL.replace("[settings]", "[settings]\nmax_duration = \"3h\"");
    let p = resolved(&text);
    let dir = directory();
    assert!(
        p.check(&alice(), &ask("dev", "ReadOnlyAccess", 3, None), &dir)
            .is_ok()
    );
    let refused = p
        .check(&alice(), &ask("dev", "ReadOnlyAccess", 4, None), &dir)
        .unwrap_err();
    assert_eq!(refused.kind, RefusalKind::BadDuration);
    let zero = Ask {
        duration: Duration::ZERO,
        ..ask("dev", "ReadOnlyAccess", 0, None)
    };
    assert_eq!(
        p.check(&alice(), &zero, &dir).unwrap_err().kind,
        RefusalKind::BadDuration
    );
}

#[test]
fn tickets_are_required_where_a_rule_says_and_always_match_the_whole_pattern() {
    let p = demo();
    let dir = directory();
    let none = p
        .check(&alice(), &ask("prod", "AdministratorAccess", 1, None), &dir)
        .unwrap_err();
    assert_eq!(none.kind, RefusalKind::TicketRequired);
    assert!(
        none.to_string()
            .contains("needs a ticket matching (INC|CHG)-[0-9]+"),
        "{none}"
    );
    let blank = p
        .check(
            &alice(),
            &ask("prod", "AdministratorAccess", 1, Some("  ")),
            &dir,
        )
        .unwrap_err();
    assert_eq!(blank.kind, RefusalKind::TicketRequired);
    for bad in ["JIRA-1", "xCHG-1", "CHG-1 and more"] {
        let refused = p
            .check(
                &alice(),
                &ask("prod", "AdministratorAccess", 1, Some(bad)),
                &dir,
            )
            .unwrap_err();
        assert_eq!(refused.kind, RefusalKind::TicketMismatch, "{bad}");
        assert_eq!(refused.error_code(), stint_api::ErrorCode::TicketRequired);
    }
    assert!(
        p.check(
            &alice(),
            &ask("prod", "AdministratorAccess", 1, Some("CHG-1234")),
            &dir
        )
        .is_ok()
    );
    // A rule without a ticket requirement still checks a ticket that is given.
    let optional = p
        .check(
            &alice(),
            &ask("dev", "PowerUserAccess", 1, Some("nope")),
            &dir,
        )
        .unwrap_err();
    assert_eq!(optional.kind, RefusalKind::TicketMismatch);
    assert!(
        p.check(&alice(), &ask("dev", "PowerUserAccess", 1, None), &dir)
            .is_ok()
    );
}

#[test]
fn refusals_suggest_what_may_be_requested_instead() {
    let p = demo();
    let dir = directory();
    let here = p
        .check(&alice(), &ask("prod", "BillingReadOnly", 1, None), &dir)
        .unwrap_err();
    assert_eq!(here.kind, RefusalKind::NotEligible);
    assert_eq!(
        here.suggestion.as_deref(),
        Some("In prod you may request AdministratorAccess, PowerUserAccess, ReadOnlyAccess.")
    );
    let elsewhere = p
        .check(&alice(), &ask("identity", "PowerUserAccess", 1, None), &dir)
        .unwrap_err();
    assert_eq!(
        elsewhere.suggestion.as_deref(),
        Some("You may request PowerUserAccess in dev, prod, sandbox, shared-services, staging.")
    );
    let unknown = p
        .check(&alice(), &ask("prood", "ReadOnlyAccess", 1, None), &dir)
        .unwrap_err();
    assert_eq!(unknown.kind, RefusalKind::UnknownTarget);
    let nobody = Subject::new("mallory", Vec::<String>::new());
    let none = p
        .check(&nobody, &ask("prod", "ReadOnlyAccess", 1, None), &dir)
        .unwrap_err();
    assert!(
        none.to_string().contains("not eligible for any access"),
        "{none}"
    );
}

#[test]
fn personas_come_from_rules_and_settings() {
    let p = demo();
    assert_eq!(p.personas(&alice()), [Persona::Requester]);
    assert_eq!(p.personas(&bob()), [Persona::Requester, Persona::Approver]);
    let dave = Subject::new("dave", ["everyone", "security-auditors"]);
    assert_eq!(p.personas(&dave), [Persona::Requester, Persona::Auditor]);
    let erin = Subject::new("erin", ["stint-admins"]);
    assert_eq!(p.personas(&erin), [Persona::Admin]);
    assert!(p.personas(&Subject::new("mallory", ["x"])).is_empty());
}

#[test]
fn explain_names_matching_and_nearly_matching_rules() {
    let p = demo();
    let dir = directory();
    let yes = p.explain(&alice(), "dev", "PowerUserAccess", Some(&dir));
    assert!(yes.allowed);
    assert_eq!(yes.max_duration, Some(hours(8)));
    assert!(yes.approval_required);
    let matched: Vec<&str> = yes.matched.iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        matched,
        ["engineers-workloads", "engineers-dev-self-service"]
    );
    assert!(
        yes.reasons
            .iter()
            .any(|r| r.contains("Requests up to 4h need no approval")),
        "{:#?}",
        yes.reasons
    );
    assert_eq!(yes.approver_groups, ["sre-leads"]);

    let no = p.explain(&alice(), "management", "BillingReadOnly", Some(&dir));
    assert!(!no.allowed);
    assert_eq!(no.near_misses.len(), 1);
    let (rule, why) = &no.near_misses[0];
    assert_eq!(rule.name, "auditors-billing");
    assert!(
        why.contains("does not name alice (it names groups security-auditors)"),
        "{why}"
    );

    let wrong_ps = p.explain(&alice(), "prod", "BillingReadOnly", None);
    assert!(!wrong_ps.allowed);
    assert!(
        wrong_ps
            .near_misses
            .iter()
            .any(|(r, why)| r.name == "engineers-workloads"
                && why.contains("but not permission set BillingReadOnly")),
        "{:#?}",
        wrong_ps.near_misses
    );

    let wrong_account = p.explain(&alice(), "identity", "PowerUserAccess", None);
    assert!(
        wrong_account
            .near_misses
            .iter()
            .any(|(_, why)| why.contains("does not cover account identity"))
    );
    let nothing = p.explain(
        &Subject::new("mallory", ["x"]),
        "identity",
        "StintBaseline",
        None,
    );
    assert!(
        nothing.reasons[0].contains("No eligibility rule comes close"),
        "{:?}",
        nothing.reasons
    );
}

#[test]
fn explain_says_when_nobody_could_approve() {
    let p = demo();
    let mut dir = directory();
    dir.insert("sre-leads".into(), vec![]);
    let e = p.explain(&alice(), "prod", "ReadOnlyAccess", Some(&dir));
    assert!(!e.allowed);
    assert!(
        e.reasons
            .iter()
            .any(|r| r.contains("nobody other than you could approve")),
        "{:#?}",
        e.reasons
    );
    // Dev power user stays possible without approval, for the shorter window.
    let dev = p.explain(&alice(), "dev", "PowerUserAccess", Some(&dir));
    assert!(dev.allowed);
    assert!(
        dev.reasons
            .iter()
            .any(|r| r.contains("nobody other than you could approve")),
        "{:#?}",
        dev.reasons
    );
}

#[test]
fn explain_approvers_lists_rules_groups_and_people_less_the_requester() {
    let p = demo();
    let a = p.explain_approvers("bob", "333333333333", "AdministratorAccess", &directory());
    assert_eq!(a.rules.len(), 1);
    assert_eq!(a.rules[0].name, "sre-leads-approve-workloads");
    assert_eq!(a.groups, ["sre-leads"]);
    assert_eq!(a.users, ["grace"]);
    let api = approver_explanation(7, &a, &[]);
    assert_eq!(api.request_id, 7);
    assert_eq!(api.users[0].user_name, "grace");
}

#[test]
fn api_conversions_keep_names_lines_and_seconds() {
    let p = demo();
    let e = p.explain(&alice(), "prod", "AdministratorAccess", Some(&directory()));
    let api = explanation(&e);
    assert_eq!(api.max_duration_secs, Some(3600));
    assert_eq!(api.matched[0].kind, "eligibility");
    assert_eq!(api.matched[0].line, p.policy.eligibility[2].location.line);
    let item = p
        .eligible(&alice())
        .into_iter()
        .find(|e| e.permission_set.name == "AdministratorAccess" && e.account.name == "prod")
        .unwrap();
    let wire = eligible_access(&item, p.settings());
    assert!(wire.ticket_required && wire.approval_required);
    assert_eq!(wire.ticket_pattern.as_deref(), Some("(INC|CHG)-[0-9]+"));
    assert_eq!(wire.permission_set.session_duration_secs, 3600);
}

// --- reload ---------------------------------------------------------------------------

#[test]
fn a_bad_file_on_reload_keeps_the_old_policy_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.toml");
    std::fs::write(&path, DEMO).unwrap();
    let (handle, summary) =
        PolicyHandle::load(&path, &org(), &permission_sets(), &groups()).unwrap();
    assert_eq!(summary.eligibility_rules, 6);
    let before = handle.in_force().unwrap();

    // A syntax error, then a name that does not exist: both refused, the old policy stays.
    std::fs::write(&path, "[[eligibility]\n").unwrap();
    let err = handle
        .reload(&org(), &permission_sets(), &groups())
        .unwrap_err();
    assert!(err.to_string().contains("policies.toml:1:"), "{err}");
    assert!(
        err.to_string().contains("previous policy stays in force"),
        "{err}"
    );
    std::fs::write(&path, DEMO.replace("\"Sandbox\"", "\"Sandbx\"")).unwrap();
    let err = handle
        .reload(&org(), &permission_sets(), &groups())
        .unwrap_err();
    assert_eq!(err.diagnostics().len(), 1, "{err}");
    assert!(std::sync::Arc::ptr_eq(&before, &handle.in_force().unwrap()));

    // A good file is swapped in; a reader holding the old one keeps it.
    std::fs::write(&path, MINIMAL).unwrap();
    let summary = handle
        .reload(&org(), &permission_sets(), &groups())
        .unwrap();
    assert_eq!(summary.eligibility_rules, 1);
    assert_eq!(handle.in_force().unwrap().policy.eligibility.len(), 1);
    assert_eq!(before.policy.eligibility.len(), 6);
}

#[test]
fn a_decision_made_before_a_reload_keeps_its_approvers() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.toml");
    std::fs::write(&path, DEMO).unwrap();
    let (handle, _) = PolicyHandle::load(&path, &org(), &permission_sets(), &groups()).unwrap();
    let decision = handle
        .in_force()
        .unwrap()
        .check(
            &alice(),
            &ask("prod", "ReadOnlyAccess", 1, None),
            &directory(),
        )
        .unwrap();
    // The new policy moves prod approval to the auditors.
    std::fs::write(
        &path,
        DEMO.replace(
            "approver_groups = [\"sre-leads\"]",
            "approver_groups = [\"security-auditors\"]",
        ),
    )
    .unwrap();
    handle
        .reload(&org(), &permission_sets(), &groups())
        .unwrap();
    let grace = Subject::new("grace", ["sre-leads"]);
    assert!(decision.may_approve("alice", &grace).is_ok());
    assert!(
        handle
            .in_force()
            .unwrap()
            .may_approve(&grace, "alice", "333333333333", "ReadOnlyAccess")
            .is_err()
    );
}

#[test]
fn a_new_organization_snapshot_is_applied_without_rereading_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policies.toml");
    std::fs::write(&path, DEMO).unwrap();
    let (handle, _) = PolicyHandle::load(&path, &org(), &permission_sets(), &groups()).unwrap();
    // A new account appears under Production: the nested Workloads rules now cover it.
    let mut grown = org();
    grown.accounts.push(Account {
        id: "888888888888".into(),
        name: "prod-eu".into(),
        parent_id: "ou-prod".into(),
    });
    std::fs::write(&path, "not even toml [").unwrap();
    handle
        .refresh(&grown, &permission_sets(), &groups())
        .unwrap();
    let p = handle.in_force().unwrap();
    assert!(
        p.check(
            &alice(),
            &ask("prod-eu", "ReadOnlyAccess", 1, None),
            &directory()
        )
        .unwrap()
        .approval_required
    );
    // The sandbox account is gone: the policy names its OU, which is gone too.
    let mut shrunk = org();
    shrunk.ous.retain(|o| o.name != "Sandbox");
    shrunk.accounts.retain(|a| a.name != "sandbox");
    let err = handle
        .refresh(&shrunk, &permission_sets(), &groups())
        .unwrap_err();
    assert!(err.to_string().contains("OU \"Sandbox\""), "{err}");
    assert!(std::sync::Arc::ptr_eq(&p, &handle.in_force().unwrap()));
}
