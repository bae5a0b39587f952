//! The demo's policy file resolves cleanly against the demo world the simulator serves,
//! and tells the story the demo promises.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use stint_broker::idc::{Account, ExternalId, GroupDetails, OrgUnit, Organization, PermissionSet};
use stint_broker::policy::{Ask, GroupAsk, Policy, RefusalKind, ResolvedPolicy, Subject};

/// The demo world, read with just enough TOML to build what Identity Center would report.
struct DemoWorld {
    org: Organization,
    permission_sets: Vec<PermissionSet>,
    groups: BTreeMap<String, Vec<String>>,
    /// Every group as Identity Center describes it, external ids included.
    details: Vec<GroupDetails>,
}

fn demo_world() -> DemoWorld {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("../stint-sim/worlds/demo.toml");
    let world: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let list = |v: &toml::Value| v.as_array().cloned().unwrap_or_default();
    let s = |v: &toml::Value, k: &str| v[k].as_str().unwrap().to_owned();

    let root_id = "r-demo".to_owned();
    let ou_id = |name: &str| {
        if name == "Root" {
            root_id.clone()
        } else {
            format!("ou-{}", name.to_lowercase())
        }
    };
    let ous = list(&world["organization"]["ous"])
        .iter()
        .map(|o| OrgUnit {
            id: ou_id(&s(o, "name")),
            name: s(o, "name"),
            parent_id: ou_id(&s(o, "parent")),
        })
        .collect();
    let accounts = list(&world["accounts"])
        .iter()
        .map(|a| Account {
            id: s(a, "id"),
            name: s(a, "name"),
            parent_id: ou_id(&s(a, "parent")),
        })
        .collect();
    let permission_sets = list(&world["permission_sets"])
        .iter()
        .map(|p| PermissionSet {
            arn: format!("arn:aws:sso:::permissionSet/demo/{}", s(p, "name")),
            name: s(p, "name"),
            description: p
                .get("description")
                .and_then(|d| d.as_str())
                .map(str::to_owned),
            session_duration: humantime::parse_duration(&s(p, "session_duration")).unwrap(),
        })
        .collect();
    let details = list(&world["groups"])
        .iter()
        .map(|g| GroupDetails {
            group_id: format!("g-{}", s(g, "name")),
            display_name: s(g, "name"),
            external_ids: g
                .get("external_ids")
                .map(list)
                .unwrap_or_default()
                .iter()
                .map(|e| ExternalId {
                    issuer: s(e, "issuer"),
                    id: s(e, "id"),
                })
                .collect(),
            access: Vec::new(),
        })
        .collect();
    let groups = list(&world["groups"])
        .iter()
        .map(|g| {
            let members = list(&g["members"])
                .iter()
                .map(|m| m.as_str().unwrap().to_owned())
                .collect();
            (s(g, "name"), members)
        })
        .collect();
    DemoWorld {
        org: Organization {
            root_id: root_id.clone(),
            ous,
            accounts,
        },
        permission_sets,
        groups,
        details,
    }
}

fn subject(world: &DemoWorld, user: &str) -> Subject {
    let groups = world
        .groups
        .iter()
        .filter(|(_, members)| members.iter().any(|m| m == user))
        .map(|(g, _)| g.clone());
    Subject::new(user, groups)
}

fn demo_policy(world: &DemoWorld) -> ResolvedPolicy {
    let path = PathBuf::from(
        std::env::var("CARGO_MANIFEST_DIR")
            .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned()),
    )
    .join("demo/policies.toml");
    let parsed = Policy::load(&path).unwrap();
    assert!(parsed.warnings.is_empty(), "{:#?}", parsed.warnings);
    let resolved = parsed
        .policy
        .resolve(&world.org, &world.permission_sets, &world.details)
        .unwrap_or_else(|e| panic!("the demo policy does not resolve:\n{e}"));
    assert!(resolved.warnings.is_empty(), "{:#?}", resolved.warnings);
    resolved
}

fn ask<'a>(account: &'a str, ps: &'a str, hours: u64, ticket: Option<&'a str>) -> Ask<'a> {
    Ask {
        account,
        permission_set: ps,
        duration: Duration::from_secs(hours * 3600),
        ticket,
    }
}

#[test]
fn the_demo_policy_resolves_cleanly_against_the_demo_world() {
    let world = demo_world();
    let policy = demo_policy(&world);
    assert_eq!(policy.policy.eligibility.len(), 6);
    assert_eq!(policy.grantable_groups.len(), 1);
}

#[test]
fn the_demo_grants_oncall_admins_for_two_hours_with_a_leads_approval() {
    let world = demo_world();
    let p = demo_policy(&world);
    let alice = subject(&world, "alice");
    let ask = |hours: u64| GroupAsk {
        group: "oncall-admins",
        duration: Duration::from_secs(hours * 3600),
        ticket: None,
    };
    let d = p.check_group(&alice, &ask(2), &world.groups).unwrap();
    assert!(d.terms.approval_required);
    assert_eq!(
        d.terms.approvers,
        vec!["bob".to_owned(), "grace".to_owned()]
    );
    assert_eq!(d.group.group_id, "g-oncall-admins");
    let refused = p.check_group(&alice, &ask(3), &world.groups).unwrap_err();
    assert_eq!(refused.kind, RefusalKind::BadDuration);
    // bob approves it, and is not eligible for it himself.
    let bob = subject(&world, "bob");
    assert!(p.check_group(&bob, &ask(1), &world.groups).is_err());

    // The Okta-provisioned group, were a policy to name it, carries the caveat.
    let text = "[settings]\nadmin_groups = [\"stint-admins\"]\n[[eligibility]]\nname = \"r\"\ngroups = [\"engineers\"]\ngrantable_groups = [\"prod-readers\"]\napproval_required = false\n";
    let readers = Policy::parse("p.toml", text)
        .unwrap()
        .policy
        .resolve(&world.org, &world.permission_sets, &world.details)
        .unwrap();
    assert!(
        readers.warnings[0]
            .to_string()
            .contains("https://example.okta.com"),
        "{:?}",
        readers.warnings
    );
}

#[test]
fn the_demo_tells_its_story() {
    let world = demo_world();
    let p = demo_policy(&world);
    let dir = &world.groups;
    let alice = subject(&world, "alice");
    let bob = subject(&world, "bob");
    let dave = subject(&world, "dave");

    // Engineers: read-only and power user in prod and staging, approved by sre-leads.
    for account in ["prod", "staging"] {
        let d = p
            .check(&alice, &ask(account, "ReadOnlyAccess", 4, None), dir)
            .unwrap();
        assert!(d.approval_required);
        assert_eq!(d.approvers, ["bob", "grace"]);
    }
    // Power user in dev without approval, for a few hours.
    let dev = p
        .check(&alice, &ask("dev", "PowerUserAccess", 4, None), dir)
        .unwrap();
    assert!(!dev.approval_required);
    // Admin in prod: at most 1h, with approval and a ticket.
    let admin = ask("prod", "AdministratorAccess", 1, Some("CHG-1042"));
    assert!(p.check(&alice, &admin, dir).unwrap().approval_required);
    assert_eq!(
        p.check(
            &alice,
            &ask("prod", "AdministratorAccess", 2, Some("CHG-1042")),
            dir
        )
        .unwrap_err()
        .kind,
        RefusalKind::BadDuration
    );
    assert_eq!(
        p.check(&alice, &ask("prod", "AdministratorAccess", 1, None), dir)
            .unwrap_err()
            .kind,
        RefusalKind::TicketRequired
    );
    // bob asks for admin: grace approves, bob cannot.
    let d = p.check(&bob, &admin, dir).unwrap();
    assert_eq!(d.approvers, ["grace"]);
    assert!(d.may_approve("bob", &bob).is_err());
    // Auditors read billing in management; engineers do not.
    assert!(
        !p.check(&dave, &ask("management", "BillingReadOnly", 2, None), dir)
            .unwrap()
            .approval_required
    );
    assert_eq!(
        p.check(&alice, &ask("management", "BillingReadOnly", 1, None), dir)
            .unwrap_err()
            .kind,
        RefusalKind::NotEligible
    );
    // Everyone serves themselves in the sandbox.
    for user in ["alice", "bob", "dave", "erin"] {
        let who = subject(&world, user);
        let d = p
            .check(&who, &ask("sandbox", "AdministratorAccess", 8, None), dir)
            .unwrap();
        assert!(!d.approval_required, "{user}");
    }
}
