//! What the policy unit tests share: an organization, directory and groups shaped like the
//! demo's, the demo and a minimal policy, and helpers that parse, resolve and ask.

use std::collections::BTreeMap;
use std::time::Duration;

use super::*;
use crate::idc::{
    Account, ExternalId, GroupAccess, GroupDetails, OrgUnit, Organization, PermissionSet,
};

pub(super) const DEMO: &str = include_str!("../../demo/policies.toml");

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

pub(super) fn ask<'a>(account: &'a str, ps: &'a str, h: u64, ticket: Option<&'a str>) -> Ask<'a> {
    Ask {
        account,
        permission_set: ps,
        duration: hours(h),
        ticket,
    }
}

pub(super) const MINIMAL: &str = r#"
[settings]
admin_groups = ["stint-admins"]

[[eligibility]]
name = "e"
groups = ["engineers"]
accounts = ["dev"]
permission_sets = ["ReadOnlyAccess"]
approval_required = false
"#;
