//! Who approves a request: never the requester, the union of every covering rule's groups,
//! and requests nobody else could approve refused at creation.

use super::tests_fixtures::*;
use super::*;

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
