//! Explaining a decision (matching and nearly matching rules, approvers) and the conversions
//! to the API's types.

use super::tests_fixtures::*;
use super::*;

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
