//! Group membership as a grant target in the policy: parsing `grantable_groups`, resolving
//! them against Identity Center (unknown groups, privileged groups, external IdPs), and
//! deciding, listing and explaining group requests.

use super::tests_fixtures::{
    alice, bob, demo, directory, errors, has, hours, resolve_errors, resolved,
};
use super::*;

const GROUP_RULES: &str = r#"
[settings]
admin_groups = ["stint-admins"]
ticket_pattern = "INC-[0-9]+"

[[eligibility]]
name = "oncall-quick"
groups = ["engineers"]
grantable_groups = ["oncall-admins"]
max_duration = "1h"
approval_required = false
ticket_required = true

[[eligibility]]
name = "oncall-long"
groups = ["engineers"]
grantable_groups = ["oncall-admins"]
max_duration = "4h"
approval_required = true

[[approval]]
name = "leads"
approver_groups = ["sre-leads"]
grantable_groups = ["oncall-admins"]
"#;

fn group_ask<'a>(group: &'a str, h: u64, ticket: Option<&'a str>) -> GroupAsk<'a> {
    GroupAsk {
        group,
        duration: hours(h),
        ticket,
    }
}

#[test]
fn a_rule_may_name_only_groups_but_then_no_permission_sets() {
    let p = Policy::parse("p.toml", GROUP_RULES).unwrap().policy;
    assert_eq!(
        p.eligibility[0].targets.grantable_groups[0].value,
        "oncall-admins"
    );
    assert_eq!(p.grantable_group_names(), vec!["oncall-admins".to_owned()]);

    let found = errors(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["oncall-admins"]
permission_sets = ["ReadOnlyAccess"]
"#,
    );
    has(
        &found,
        "p.toml:9:",
        "names `permission_sets` but no `accounts` or `ous`",
    );

    let found = errors(
        r#"
[[eligibility]]
name = "e"
groups = ["engineers"]
"#,
    );
    has(
        &found,
        "p.toml:2:",
        "no `accounts`, no `ous` and no `grantable_groups`",
    );
}

#[test]
fn an_unknown_grantable_group_is_an_error_at_its_line_with_a_suggestion() {
    let found = resolve_errors(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["oncall-admin"]
approval_required = false
"#,
    );
    has(
        &found,
        "p.toml:8:",
        "grantable group \"oncall-admin\", which Identity Center does not have; did you mean \"oncall-admins\"?",
    );
}

#[test]
fn a_group_that_carries_stint_powers_is_never_grantable() {
    for (setting, group) in [
        ("admin_groups", "stint-admins"),
        ("auditor_groups", "security-auditors"),
    ] {
        let found = resolve_errors(&format!(
            r#"
[settings]
{setting} = ["{group}"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["{group}"]
approval_required = false
"#
        ));
        has(
            &found,
            "p.toml:8:",
            "Stint must not grant the powers it checks",
        );
    }
    let found = resolve_errors(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["sre-leads"]

[[approval]]
name = "a"
approver_groups = ["sre-leads"]
accounts = ["dev"]
"#,
    );
    has(&found, "p.toml:8:", "it is an approver group");
}

#[test]
fn a_group_from_an_external_idp_is_a_warning_naming_the_issuer() {
    let p = resolved(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["prod-readers", "oncall-admins"]
approval_required = false
"#,
    );
    let warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    has(
        &warnings,
        "p.toml:8:",
        "\"prod-readers\" is provisioned from an external identity provider (https://example.okta.com)",
    );
    assert_eq!(p.grantable_groups.len(), 2);
}

#[test]
fn a_group_needing_approval_that_no_rule_covers_is_a_warning() {
    let p = resolved(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["oncall-admins"]
"#,
    );
    let warnings: Vec<String> = p.warnings.iter().map(ToString::to_string).collect();
    has(
        &warnings,
        "p.toml:5:",
        "no [[approval]] rule covers grantable group oncall-admins",
    );
}

#[test]
fn group_requests_are_held_to_one_rule_like_assignments() {
    let p = resolved(GROUP_RULES);
    let dir = directory();
    // 1h with a ticket: the rule without approval.
    let quick = p
        .check_group(
            &alice(),
            &group_ask("oncall-admins", 1, Some("INC-7")),
            &dir,
        )
        .unwrap();
    assert_eq!(quick.group.group_id, "g-oncall");
    assert_eq!(quick.terms.rule.name, "oncall-quick");
    assert!(!quick.terms.approval_required);
    // 1h without a ticket: only the approval rule fits, approved by sre-leads.
    let long = p
        .check_group(&alice(), &group_ask("oncall-admins", 1, None), &dir)
        .unwrap();
    assert_eq!(long.terms.rule.name, "oncall-long");
    assert!(long.terms.approval_required);
    assert_eq!(long.terms.approver_groups, vec!["sre-leads".to_owned()]);
    assert_eq!(
        long.terms.approvers,
        vec!["bob".to_owned(), "grace".to_owned()]
    );
    assert_eq!(long.terms.max_duration, hours(4));
    // Too long for any rule.
    let err = p
        .check_group(&alice(), &group_ask("oncall-admins", 5, None), &dir)
        .unwrap_err();
    assert_eq!(err.kind, RefusalKind::BadDuration);
    assert!(
        err.message
            .contains("membership of oncall-admins can be granted for at most 4h"),
        "{err}"
    );
}

#[test]
fn group_requests_refuse_the_ineligible_and_the_unknown_by_name() {
    let p = resolved(GROUP_RULES);
    let dir = directory();
    let err = p
        .check_group(&bob(), &group_ask("oncall-admins", 1, None), &dir)
        .unwrap_err();
    assert_eq!(err.kind, RefusalKind::NotEligible);
    assert!(
        err.message
            .contains("bob request membership of oncall-admins"),
        "{err}"
    );

    let err = p
        .check_group(&alice(), &group_ask("prod-readers", 1, None), &dir)
        .unwrap_err();
    assert_eq!(err.kind, RefusalKind::UnknownTarget);
    assert_eq!(
        err.suggestion.as_deref(),
        Some("You may request membership of oncall-admins.")
    );
}

#[test]
fn a_group_request_nobody_else_could_approve_is_refused() {
    let p = resolved(GROUP_RULES);
    let mut dir = directory();
    dir.insert("sre-leads".into(), vec!["alice".into()]);
    let alice_lead = Subject::new("alice", ["engineers", "sre-leads"]);
    let err = p
        .check_group(&alice_lead, &group_ask("oncall-admins", 2, None), &dir)
        .unwrap_err();
    assert_eq!(err.kind, RefusalKind::NoApprover);
    assert!(
        err.message
            .contains("sre-leads (no members other than alice)"),
        "{err}"
    );
}

#[test]
fn eligible_groups_list_the_longest_window_and_its_terms() {
    let p = resolved(GROUP_RULES);
    let listed = p.eligible_groups(&alice());
    assert_eq!(listed.len(), 1);
    let g = &listed[0];
    assert_eq!(g.group.display_name, "oncall-admins");
    assert_eq!(g.max_duration, hours(4));
    assert!(g.approval_required);
    assert_eq!(g.max_without_approval, Some(hours(1)));
    assert!(!g.ticket_required);
    assert_eq!(g.rules.len(), 2);
    assert!(p.eligible_groups(&bob()).is_empty());
}

#[test]
fn explain_covers_groups_with_rules_approvers_and_the_idp_caveat() {
    let p = resolved(GROUP_RULES);
    let dir = directory();
    let e = p.explain_group(&alice(), "oncall-admins", Some(&dir));
    assert!(e.allowed);
    assert_eq!(e.matched.len(), 2);
    assert_eq!(e.max_duration, Some(hours(4)));
    assert_eq!(e.approver_groups, vec!["sre-leads".to_owned()]);
    assert!(e.external_idp.is_none());
    assert!(
        e.reasons.contains(
            &"Membership of oncall-admins gives AdministratorAccess in prod, AdministratorAccess in staging."
                .to_owned()
        ),
        "{:?}",
        e.reasons
    );

    let e = p.explain_group(&bob(), "oncall-admins", Some(&dir));
    assert!(!e.allowed);
    assert_eq!(e.near_misses.len(), 2, "{:?}", e.reasons);

    let readers = resolved(
        r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
grantable_groups = ["prod-readers"]
approval_required = false
"#,
    );
    let e = readers.explain_group(&alice(), "prod-readers", Some(&dir));
    assert!(e.allowed);
    assert!(
        e.external_idp
            .as_deref()
            .is_some_and(|s| s.contains("https://example.okta.com")),
        "{e:?}"
    );
    let e = readers.explain_group(&alice(), "oncall-admins", None);
    assert!(!e.allowed);
}

#[test]
fn the_demo_lets_engineers_ask_for_oncall_admins_approved_by_sre_leads() {
    let p = demo();
    let d = p
        .check_group(&alice(), &group_ask("oncall-admins", 2, None), &directory())
        .unwrap();
    assert_eq!(d.terms.rule.name, "oncall-admins-for-incidents");
    assert_eq!(
        d.terms.approvers,
        vec!["bob".to_owned(), "grace".to_owned()]
    );
}
