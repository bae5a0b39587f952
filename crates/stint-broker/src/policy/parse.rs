//! Reads the policy file: TOML syntax, then types, ranges, regexes and the references the
//! file makes to itself. Everything that needs the AWS organization waits for
//! [`Policy::resolve`](super::Policy::resolve).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::fields::{Fields, human};
use super::model::{
    ApprovalRule, EligibilityRule, MAX_TARGETS_LIMIT, Policy, Settings, Targets, TicketPattern,
};
use super::source::{
    self, Diagnostic, Diagnostics, Location, NodeValue, Reporter, Severity, SourceMap, Table,
};

const SETTINGS_KEYS: &[&str] = &[
    "max_duration",
    "ticket_required",
    "ticket_pattern",
    "approval_timeout",
    "auditor_groups",
    "admin_groups",
    "webhook_url",
    "session_overhang_warning",
    "max_targets",
];

const ELIGIBILITY_KEYS: &[&str] = &[
    "name",
    "users",
    "groups",
    "accounts",
    "ous",
    "nested_ous",
    "permission_sets",
    "grantable_groups",
    "max_duration",
    "approval_required",
    "ticket_required",
];

const APPROVAL_KEYS: &[&str] = &[
    "name",
    "approver_groups",
    "accounts",
    "ous",
    "nested_ous",
    "permission_sets",
    "grantable_groups",
];

const TOP_KEYS: &[&str] = &["settings", "eligibility", "approval"];

/// The bounds every grant keeps, whatever the policy says (`stint_api::rules`).
const LONGEST_GRANT: Duration = Duration::from_secs(stint_api::rules::MAX_DURATION_SECS as u64);
const SHORTEST_GRANT: Duration = Duration::from_secs(stint_api::rules::MIN_DURATION_SECS as u64);

/// Errors from reading a policy file from disk.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the policy file {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}")]
    Invalid(Diagnostics),
}

/// A policy that parsed, with the warnings found on the way.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub policy: Policy,
    pub warnings: Vec<Diagnostic>,
}

impl Policy {
    /// Reads and validates a policy file. The path is used as written in messages.
    pub fn load(path: &Path) -> Result<Parsed, LoadError> {
        let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
            path: path.display().to_string(),
            source,
        })?;
        Policy::parse(&path.display().to_string(), &text).map_err(LoadError::Invalid)
    }

    /// Validates policy text. `name` is what messages call the file. On failure every
    /// problem found is returned, errors and warnings, in file order.
    pub fn parse(name: &str, text: &str) -> Result<Parsed, Diagnostics> {
        let map = Arc::new(SourceMap::new(name, text));
        let root = source::parse(&map).map_err(|d| Diagnostics(vec![d]))?;
        let mut rep = Reporter::new(&map);
        let policy = read_policy(&root, map.clone(), &mut rep);
        let has_errors = rep.has_errors();
        let found = rep.finish();
        if has_errors {
            Err(Diagnostics(found))
        } else {
            Ok(Parsed {
                policy,
                warnings: found,
            })
        }
    }
}

fn read_policy(root: &Table, map: Arc<SourceMap>, rep: &mut Reporter<'_>) -> Policy {
    for (key, entry) in root {
        if !TOP_KEYS.contains(&key.as_str()) {
            let hint = super::fields::closest(key, TOP_KEYS)
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| {
                    "a policy file has `[settings]`, `[[eligibility]]` and `[[approval]]`"
                        .to_owned()
                });
            rep.error(&entry.key_span, format!("unknown section `{key}`: {hint}"));
        }
    }

    let settings = match root.get("settings") {
        None => Settings::default(),
        Some(entry) => match &entry.node.value {
            NodeValue::Table(t) => read_settings(t, rep),
            other => {
                rep.error(
                    &entry.node.span,
                    format!(
                        "`settings` must be a table (`[settings]`), not {}",
                        other.type_name()
                    ),
                );
                Settings::default()
            }
        },
    };
    if settings.admin_groups.is_empty() && !rep.has_errors() {
        rep.warning_at(
            Location { line: 1, column: 1 },
            "no `admin_groups` in [settings]: nobody can reload the policy through the API",
        );
    }

    let eligibility = rule_tables(root, "eligibility", rep)
        .into_iter()
        .filter_map(|(loc, t)| read_eligibility(loc, t, &settings, rep))
        .collect::<Vec<_>>();
    let approval = rule_tables(root, "approval", rep)
        .into_iter()
        .filter_map(|(loc, t)| read_approval(loc, t, rep))
        .collect::<Vec<_>>();

    if eligibility.is_empty() && !rep.has_errors() {
        rep.warning_at(
            Location { line: 1, column: 1 },
            "no [[eligibility]] rules: nobody can request anything",
        );
    }
    unique_names(
        eligibility.iter().map(|r| (&r.name, r.location)),
        "eligibility",
        rep,
    );
    unique_names(
        approval.iter().map(|r| (&r.name, r.location)),
        "approval",
        rep,
    );

    Policy {
        source: map,
        settings,
        eligibility,
        approval,
    }
}

fn unique_names<'a>(
    rules: impl Iterator<Item = (&'a String, Location)>,
    kind: &str,
    rep: &mut Reporter<'_>,
) {
    let mut seen: BTreeMap<&str, Location> = BTreeMap::new();
    for (name, location) in rules {
        if let Some(first) = seen.get(name.as_str()) {
            rep.error_at(
                location,
                format!(
                    "two {kind} rules are named \"{name}\" (the other is at line {}); names must be unique so decisions and explanations can name the rule",
                    first.line
                ),
            );
        } else {
            seen.insert(name, location);
        }
    }
}

/// The tables of an array of tables such as `[[eligibility]]`, each with the position of
/// its header.
fn rule_tables<'t>(
    root: &'t Table,
    key: &str,
    rep: &mut Reporter<'_>,
) -> Vec<(Location, &'t Table)> {
    let Some(entry) = root.get(key) else {
        return Vec::new();
    };
    let NodeValue::Array(items) = &entry.node.value else {
        rep.error(
            &entry.node.span,
            format!("`{key}` must be a list of rules, each starting with `[[{key}]]`"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items {
        match &item.value {
            NodeValue::Table(t) => out.push((rep.map.location(item.span.start), t)),
            other => rep.error(
                &item.span,
                format!(
                    "each `{key}` rule must be a table, not {}",
                    other.type_name()
                ),
            ),
        }
    }
    out
}

fn read_settings(table: &Table, rep: &mut Reporter<'_>) -> Settings {
    let defaults = Settings::default();
    let mut f = Fields::new(table, "[settings]".to_owned(), SETTINGS_KEYS);
    let max_duration = f
        .duration("max_duration", SHORTEST_GRANT, LONGEST_GRANT, rep)
        .map_or(defaults.max_duration, |d| d.value);
    let ticket_required = f.bool("ticket_required", rep).unwrap_or(false);
    let ticket_pattern =
        f.string("ticket_pattern", rep)
            .and_then(|p| match TicketPattern::compile(&p.value) {
                Ok(t) => Some(t),
                Err(err) => {
                    rep.error_at(
                        p.location,
                        format!(
                            "`ticket_pattern` is not a valid regular expression: {}",
                            one_line(&err.to_string())
                        ),
                    );
                    None
                }
            });
    let approval_timeout = f
        .duration("approval_timeout", SHORTEST_GRANT, LONGEST_GRANT, rep)
        .map_or(defaults.approval_timeout, |d| d.value);
    let auditor_groups = f.strings("auditor_groups", rep);
    let admin_groups = f.strings("admin_groups", rep);
    let webhook_url = f
        .string("webhook_url", rep)
        .and_then(|u| match url::Url::parse(&u.value) {
            Ok(url) if matches!(url.scheme(), "https" | "http") => Some(url),
            Ok(url) => {
                rep.error_at(
                    u.location,
                    format!(
                        "`webhook_url` must be an http or https URL, not {}:",
                        url.scheme()
                    ),
                );
                None
            }
            Err(err) => {
                rep.error_at(u.location, format!("`webhook_url` is not a URL: {err}"));
                None
            }
        });
    let session_overhang_warning = f
        .duration(
            "session_overhang_warning",
            Duration::ZERO,
            LONGEST_GRANT,
            rep,
        )
        .map_or(defaults.session_overhang_warning, |d| d.value);
    let max_targets = f
        .integer(
            "max_targets",
            1,
            i64::from(MAX_TARGETS_LIMIT),
            &format!(
                "the most accounts one request may name; leave it out for {}",
                defaults.max_targets
            ),
            rep,
        )
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(defaults.max_targets);
    f.finish(rep);
    Settings {
        max_duration,
        ticket_required,
        ticket_pattern,
        approval_timeout,
        auditor_groups,
        admin_groups,
        webhook_url,
        session_overhang_warning,
        max_targets,
    }
}

fn error_count(rep: &Reporter<'_>) -> usize {
    rep.found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

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
    permission_sets: &[super::model::Located<String>],
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

fn read_eligibility(
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

fn read_approval(at: Location, table: &Table, rep: &mut Reporter<'_>) -> Option<ApprovalRule> {
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
