//! Reloading: a bad file keeps the old policy, decisions made before keep their approvers, and
//! a new organization snapshot applies without rereading the file.

use super::tests_fixtures::*;
use super::*;
use crate::idc::Account;

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
