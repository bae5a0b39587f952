//! Reading one `[[eligibility]]` or `[[approval]]` rule: its name, who it names, what it
//! covers, and its terms.

use super::{
    APPROVAL_KEYS, ELIGIBILITY_KEYS, LONGEST_GRANT, SETTINGS_KEYS, SHORTEST_GRANT, error_count,
};
use crate::policy::fields::{Fields, human};
use crate::policy::model::{ApprovalRule, EligibilityRule, Located, Settings, Targets};
use crate::policy::source::{Location, Reporter, Severity, Table};

/// A rule's name, required, so the rule can be named in decisions and explanations.
fn rule_name(
    f: &mut Fields<'_>,
    at: Location,
    kind: &str,
    rep: &mut Reporter<'_>,
) -> Option<String> {
    match f.string("name", rep) {
        Some(name) => Some(name.value),
        None => {
            if f.location_of("name", rep).is_none() {
                rep.error_at(
                    at,
                    format!("this {kind} rule has no `name`; give it one, such as name = \"engineers-dev\""),
                );
            }
            None
        }
    }
}

fn read_targets(f: &mut Fields<'_>, at: Location, rep: &mut Reporter<'_>) -> Targets {
    let before = error_count(rep);
    let accounts = f.strings("accounts", rep);
    let ous = f.strings("ous", rep);
    let nested = f.bool("nested_ous", rep);
    let declared_nested = f.location_of("nested_ous", rep);
    let grantable_groups = f.strings("grantable_groups", rep);
    if accounts.is_empty()
        && ous.is_empty()
        && grantable_groups.is_empty()
        && error_count(rep) == before
    {
        rep.error_at(
            at,
            format!(
                "{} names no `accounts`, no `ous` and no `grantable_groups`, so it covers nothing",
                f.what()
            ),
        );
    }
    if !ous.is_empty() && declared_nested.is_none() {
        rep.error_at(
            ous[0].location,
            format!(
                "{} names OUs but not `nested_ous`: add `nested_ous = true` to include accounts in child OUs, or `nested_ous = false` for accounts directly in the named OUs only",
                f.what()
            ),
        );
    }
    if let (Some(loc), true) = (
        declared_nested,
        ous.is_empty() && error_count(rep) == before,
    ) {
        rep.error_at(
            loc,
            format!(
                "`nested_ous` in {} has no effect without `ous`; remove it or name the OUs",
                f.what()
            ),
        );
    }
    Targets {
        accounts,
        ous,
        nested_ous: nested.unwrap_or(false),
        grantable_groups,
    }
}

/// Permission sets are granted in accounts: a rule that names only groups has none to give.
fn permission_sets_need_accounts(
    f: &Fields<'_>,
    targets: &Targets,
    permission_sets: &[Located<String>],
    rep: &mut Reporter<'_>,
) {
    // Only for a rule that grants groups alone: one that names nothing is reported as such.
    if targets.grantable_groups.is_empty() || targets.names_accounts() {
        return;
    }
    if let Some(first) = permission_sets.first() {
        rep.error_at(
            first.location,
            format!(
                "{} names `permission_sets` but no `accounts` or `ous` to grant them in; add the accounts, or remove `permission_sets` if the rule only grants `grantable_groups`",
                f.what()
            ),
        );
    }
}

pub(super) fn read_eligibility(
    at: Location,
    table: &Table,
    settings: &Settings,
    rep: &mut Reporter<'_>,
) -> Option<EligibilityRule> {
    let errors_before = rep.found.len();
    let mut f = Fields::new(table, "this eligibility rule".to_owned(), ELIGIBILITY_KEYS);
    let name = rule_name(&mut f, at, "eligibility", rep);
    if let Some(name) = &name {
        f = Fields::new(
            table,
            format!("eligibility rule \"{name}\""),
            ELIGIBILITY_KEYS,
        );
        f.entry("name");
    }
    let before = error_count(rep);
    let users = f.strings("users", rep);
    let groups = f.strings("groups", rep);
    if users.is_empty() && groups.is_empty() && error_count(rep) == before {
        rep.error_at(
            at,
            format!("{} names nobody: give it `users` (Identity Center user names) or `groups` (group names)", f.what()),
        );
    }
    let targets = read_targets(&mut f, at, rep);
    let before = error_count(rep);
    let permission_sets = f.strings("permission_sets", rep);
    // A rule that grants only groups needs none; any other rule does.
    let grants_accounts = targets.names_accounts() || targets.grantable_groups.is_empty();
    if grants_accounts && permission_sets.is_empty() && error_count(rep) == before {
        rep.error_at(
            at,
            format!(
                "{} has no `permission_sets`: name the permission sets it lets people request",
                f.what()
            ),
        );
    }
    permission_sets_need_accounts(&f, &targets, &permission_sets, rep);
    let max = f.duration("max_duration", SHORTEST_GRANT, LONGEST_GRANT, rep);
    if let Some(max) = &max {
        if max.value > settings.max_duration {
            rep.error_at(
                max.location,
                format!(
                    "{}: `max_duration` {} is longer than the global `max_duration` {} in [settings]; lower one or raise the other",
                    f.what(),
                    human(max.value),
                    human(settings.max_duration)
                ),
            );
        }
    }
    let approval_required = f.bool("approval_required", rep).unwrap_or(true);
    let ticket_required = f
        .bool("ticket_required", rep)
        .unwrap_or(settings.ticket_required);
    // A [settings] key in a rule is said to belong there, not matched to a rule key.
    f.belongs_in("[settings]", SETTINGS_KEYS).finish(rep);
    let failed = rep.found[errors_before..]
        .iter()
        .any(|d| d.severity == Severity::Error);
    if failed {
        return None;
    }
    Some(EligibilityRule {
        name: name?,
        location: at,
        users,
        groups,
        targets,
        permission_sets,
        max_duration: max.map_or(settings.max_duration, |m| {
            m.value.min(settings.max_duration)
        }),
        approval_required,
        ticket_required,
    })
}

pub(super) fn read_approval(
    at: Location,
    table: &Table,
    rep: &mut Reporter<'_>,
) -> Option<ApprovalRule> {
    let errors_before = rep.found.len();
    let mut f = Fields::new(table, "this approval rule".to_owned(), APPROVAL_KEYS);
    let name = rule_name(&mut f, at, "approval", rep);
    if let Some(name) = &name {
        f = Fields::new(table, format!("approval rule \"{name}\""), APPROVAL_KEYS);
        f.entry("name");
    }
    let before = error_count(rep);
    let approver_groups = f.strings("approver_groups", rep);
    if approver_groups.is_empty() && error_count(rep) == before {
        rep.error_at(
            at,
            format!(
                "{} has no `approver_groups`: name the groups whose members may approve",
                f.what()
            ),
        );
    }
    let targets = read_targets(&mut f, at, rep);
    let permission_sets = f.strings("permission_sets", rep);
    permission_sets_need_accounts(&f, &targets, &permission_sets, rep);
    // A [settings] key in a rule is said to belong there, not matched to a rule key.
    f.belongs_in("[settings]", SETTINGS_KEYS).finish(rep);
    let failed = rep.found[errors_before..]
        .iter()
        .any(|d| d.severity == Severity::Error);
    if failed {
        return None;
    }
    Some(ApprovalRule {
        name: name?,
        location: at,
        approver_groups,
        targets,
        permission_sets,
    })
}
