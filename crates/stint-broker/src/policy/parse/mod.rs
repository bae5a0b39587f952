//! Reads the policy file: TOML syntax, then types, ranges, regexes and the references the
//! file makes to itself. Everything that needs the AWS organization waits for
//! [`Policy::resolve`](super::Policy::resolve).
//!
//! This file reads the file's sections and checks what spans rules (unique names);
//! `settings.rs` reads `[settings]` and `rules.rs` reads each `[[eligibility]]` and
//! `[[approval]]` rule.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use super::model::{Policy, Settings};
use super::source::{
    self, Diagnostic, Diagnostics, Location, NodeValue, Reporter, Severity, SourceMap, Table,
};

mod rules;
mod settings;

use rules::{read_approval, read_eligibility};
use settings::read_settings;

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

fn error_count(rep: &Reporter<'_>) -> usize {
    rep.found
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count()
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
