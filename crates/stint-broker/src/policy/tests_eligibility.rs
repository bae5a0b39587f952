//! Deciding a request: who a rule matches, which rule holds it, durations, tickets, the
//! eligibility list, refusals that suggest what to ask instead, and personas.

use std::time::Duration;

use stint_api::Persona;

use super::tests_fixtures::*;
use super::*;

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
