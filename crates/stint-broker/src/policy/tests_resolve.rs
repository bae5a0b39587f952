//! Resolving a policy against the organization: unknown and ambiguous names, warnings only
//! resolution can give, and which accounts OUs, ids and names cover.

use super::tests_fixtures::*;
use super::*;
use crate::idc::OrgUnit;

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
