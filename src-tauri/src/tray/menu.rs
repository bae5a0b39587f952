//! The tray menu as plain data, built from a [`Snapshot`], and the actions its item ids
//! stand for. Kept free of Tauri so its wording and structure are unit-tested.

use chrono::{DateTime, Utc};

use crate::labels;
use crate::view::{BrokerLink, CopyFormat, GrantView, RoleKey, SessionView, Snapshot, View};
use stint_notices::by_set;
pub use stint_notices::menu::Entry;
use stint_notices::menu::{item, note};

/// What a click on a menu item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Open(View),
    SignIn,
    SignOut,
    /// A grant's role: its own, or for a group grant the one of its group's named.
    Console(i64, Option<RoleKey>),
    Copy(i64, Option<RoleKey>, CopyFormat),
    /// A role held without a request (standing access).
    RoleConsole(RoleKey),
    RoleCopy(RoleKey, CopyFormat),
    Extend(i64, u32),
    Revoke(i64),
    Cancel(i64),
    Approve(i64),
    Review(i64),
    Quit,
}

pub fn build(snapshot: &Snapshot, now: DateTime<Utc>) -> Vec<Entry> {
    let mut entries = Vec::new();
    let user = match &snapshot.session {
        SessionView::SignedIn { user } => Some(user),
        SessionView::NotConfigured { .. } => {
            entries.push(note("Stint is not set up yet"));
            entries.push(item("settings", "Settings…"));
            entries.push(Entry::Separator);
            entries.push(item("quit", "Quit Stint"));
            return entries;
        }
        SessionView::SigningIn { prompt, browser } => {
            entries.push(note(match (prompt, browser) {
                (Some(p), _) => format!("Signing in: confirm code {}", p.user_code),
                (None, Some(_)) => "Signing in: allow Stint in your browser".to_owned(),
                (None, None) => "Signing in…".to_owned(),
            }));
            None
        }
        SessionView::SignedOut { .. } => {
            entries.push(note("Not signed in"));
            None
        }
    };
    if let Some(user) = user {
        entries.push(note(format!("Signed in as {}", user.display_name)));
        if let BrokerLink::Reconnecting { .. } = snapshot.broker {
            // The grants below are as last heard: say so where they are read.
            entries.push(note("Reconnecting to the broker…"));
        }
        entries.push(Entry::Separator);
        if snapshot.active.is_empty() {
            entries.push(note("No active access"));
        }
        for grant in &snapshot.active {
            entries.extend(grant_entries(grant, now));
        }
        if !snapshot.standing.roles.is_empty() {
            // Every role in one menu: what the person holds without asking, beside the grants.
            let roles = snapshot
                .standing
                .roles
                .iter()
                .map(|r| {
                    let key = format!("{}:{}", r.account_id, r.permission_set);
                    Entry::Submenu {
                        label: format!("{} / {}", r.account_name, r.permission_set),
                        entries: vec![
                            item(format!("role-console:{key}"), "Open console"),
                            item(format!("role-copy:{key}:env"), "Copy credentials"),
                            Entry::Submenu {
                                label: "Copy credentials as".into(),
                                entries: vec![
                                    item(format!("role-copy:{key}:fish"), "fish"),
                                    item(format!("role-copy:{key}:powershell"), "PowerShell"),
                                    item(
                                        format!("role-copy:{key}:profile_line"),
                                        "credential_process profile",
                                    ),
                                ],
                            },
                        ],
                    }
                })
                .collect();
            entries.push(Entry::Submenu {
                label: format!("Standing access ({})", snapshot.standing.roles.len()),
                entries: roles,
            });
        }
        if !snapshot.pending.is_empty() {
            entries.push(Entry::Separator);
            entries.push(note("Pending"));
            for members in by_set(&snapshot.pending) {
                // A set is one request to its requester: cancelling one member cancels all.
                let r = members[0];
                let status = match r.state {
                    stint_api::RequestState::Pending => "waiting for approval".to_owned(),
                    stint_api::RequestState::Approved => {
                        format!("starts at {}", labels::clock(r.start_at))
                    }
                    _ => "starting…".to_owned(),
                };
                let cancel = match members.len() {
                    1 => "Cancel request".to_owned(),
                    n => format!("Cancel the request for all {n} accounts"),
                };
                entries.push(Entry::Submenu {
                    label: format!("{} — {status}", labels::set_target(&members)),
                    entries: vec![
                        item(format!("open:access:{}", r.id), "Details…"),
                        item(format!("cancel:{}", r.id), cancel),
                    ],
                });
            }
        }
        if user.approver {
            entries.push(Entry::Separator);
            let items = by_set(&snapshot.approvals);
            let approvals: Vec<Entry> = if items.is_empty() {
                vec![note("Nothing to review")]
            } else {
                items
                    .iter()
                    .map(|members| approval_entry(members))
                    .collect()
            };
            entries.push(Entry::Submenu {
                label: format!("Approvals ({})", items.len()),
                entries: approvals,
            });
        }
        entries.push(Entry::Separator);
        entries.push(item("request", "Request access…"));
        entries.push(item("open:access", "My access…"));
        entries.push(item("signout", "Sign out"));
    } else {
        entries.push(Entry::Separator);
        entries.push(item("signin", "Sign in…"));
    }
    entries.push(item("settings", "Settings…"));
    entries.push(Entry::Separator);
    entries.push(item("quit", "Quit Stint"));
    entries
}

/// The tray's entries for an active grant: one for its role, or for a group grant one per
/// role the group gives (each reads like a grant of that role, and says it comes through
/// the group, whose Extend and Revoke act on every role).
fn grant_entries(grant: &GrantView, now: DateTime<Utc>) -> Vec<Entry> {
    let r = &grant.request;
    let Some(group) = &r.group else {
        let mut actions = role_actions(r.id, None);
        actions.push(Entry::Separator);
        actions.extend(window_actions(grant, None));
        return vec![Entry::Submenu {
            label: labels::grant_line(r, now),
            entries: actions,
        }];
    };
    let left = labels::left((r.end_at - now).num_seconds());
    if grant.gives.is_empty() {
        let mut actions = vec![note("The broker did not say what this group gives")];
        actions.extend(window_actions(grant, Some(&group.name)));
        return vec![Entry::Submenu {
            label: labels::grant_line(r, now),
            entries: actions,
        }];
    }
    grant
        .gives
        .iter()
        .map(|role| {
            let mut actions = vec![note(format!("Through group {}", group.name))];
            actions.extend(role_actions(r.id, Some(&role.key())));
            actions.push(Entry::Separator);
            actions.extend(window_actions(grant, Some(&group.name)));
            Entry::Submenu {
                label: format!("{} / {} — {left}", role.account_name, role.permission_set),
                entries: actions,
            }
        })
        .collect()
}

/// Open console and Copy credentials for one role of grant `id`.
fn role_actions(id: i64, role: Option<&RoleKey>) -> Vec<Entry> {
    let at = match role {
        Some(k) => format!("{id}:{}:{}", k.account_id, k.permission_set),
        None => id.to_string(),
    };
    vec![
        item(format!("console:{at}"), "Open console"),
        item(format!("copy:{at}:env"), "Copy credentials"),
        Entry::Submenu {
            label: "Copy credentials as".into(),
            entries: vec![
                item(format!("copy:{at}:fish"), "fish"),
                item(format!("copy:{at}:powershell"), "PowerShell"),
                item(
                    format!("copy:{at}:profile_line"),
                    "credential_process profile",
                ),
            ],
        },
    ]
}

/// Extend and Revoke, which act on the whole grant: named by the group for a group grant.
fn window_actions(grant: &GrantView, group: Option<&str>) -> Vec<Entry> {
    let r = &grant.request;
    let id = r.id;
    let whose = group.map(|g| format!(" group {g}")).unwrap_or_default();
    let mut actions = Vec::new();
    if r.pending_end_at.is_none() {
        actions.extend(grant.extend_steps.iter().map(|by| {
            item(
                format!("extend:{id}:{by}"),
                format!("Extend{whose} by {}", labels::duration(*by)),
            )
        }));
    }
    if let Some(asked) = r.pending_end_at {
        actions.push(note(format!(
            "Extension to {} waits for an approver",
            labels::clock(asked)
        )));
    }
    actions.push(item(format!("revoke:{id}"), format!("Revoke{whose}…")));
    actions
}

/// One item to review: a request, or a request set's members as one decision.
fn approval_entry(members: &[&stint_api::AccessRequest]) -> Entry {
    let r = members[0];
    let what = labels::set_target(members);
    // The Approve item says what it approves: a click there decides, for every member.
    let (label, approve) = match labels::extension(r) {
        Some(ext) => (
            format!("{}: extend {what} {ext}", r.requester.display_name),
            match members.len() {
                1 => format!("Approve the extension {ext}"),
                n => format!("Approve the extension in all {n} accounts {ext}"),
            },
        ),
        None => (
            format!(
                "{}: {what} for {}",
                r.requester.display_name,
                labels::duration(r.duration_secs)
            ),
            match members.len() {
                1 => format!("Approve {what} for {}", labels::duration(r.duration_secs)),
                n => format!(
                    "Approve {} in all {n} accounts for {}",
                    r.permission_set.name,
                    labels::duration(r.duration_secs)
                ),
            },
        ),
    };
    let mut entries = vec![note(format!("“{}”", r.reason))];
    if members.len() > 1 {
        entries.push(note("One decision for every account"));
    }
    entries.push(item(format!("approve:{}", r.id), approve));
    entries.push(item(format!("review:{}", r.id), "Review…"));
    Entry::Submenu { label, entries }
}

impl Action {
    pub fn parse(id: &str) -> Option<Self> {
        let parts: Vec<&str> = id.split(':').collect();
        let num = |i: usize| parts.get(i).and_then(|p| p.parse::<i64>().ok());
        let format = |f: &str| {
            Some(match f {
                "env" => CopyFormat::Env,
                "fish" => CopyFormat::Fish,
                "powershell" => CopyFormat::Powershell,
                "profile_line" => CopyFormat::ProfileLine,
                _ => return None,
            })
        };
        let role = |account: &str, permission_set: &str| RoleKey {
            account_id: account.to_owned(),
            permission_set: permission_set.to_owned(),
        };
        Some(match parts.as_slice() {
            ["quit"] => Action::Quit,
            ["signin"] => Action::SignIn,
            ["signout"] => Action::SignOut,
            ["settings"] => Action::Open(View::Settings),
            ["request"] => Action::Open(View::Request),
            ["open", "access"] | ["open", "access", _] => Action::Open(View::Access),
            ["console", _] => Action::Console(num(1)?, None),
            ["console", _, account, set] => Action::Console(num(1)?, Some(role(account, set))),
            ["copy", _, f] => Action::Copy(num(1)?, None, format(f)?),
            ["copy", _, account, set, f] => {
                Action::Copy(num(1)?, Some(role(account, set)), format(f)?)
            }
            ["role-console", account, set] => Action::RoleConsole(role(account, set)),
            ["role-copy", account, set, f] => Action::RoleCopy(role(account, set), format(f)?),
            ["extend", _, by] => Action::Extend(num(1)?, by.parse().ok()?),
            ["revoke", _] => Action::Revoke(num(1)?),
            ["cancel", _] => Action::Cancel(num(1)?),
            ["approve", _] => Action::Approve(num(1)?),
            ["review", _] => Action::Review(num(1)?),
            _ => return None,
        })
    }
}

/// Every label, indented by depth, as a test reads the menu.
#[cfg(test)]
pub fn render_text(entries: &[Entry]) -> String {
    fn walk(entries: &[Entry], depth: usize, out: &mut String) {
        for e in entries {
            let pad = "    ".repeat(depth);
            match e {
                Entry::Item { label, .. } => out.push_str(&format!("{pad}{label}\n")),
                Entry::Submenu { label, entries } => {
                    out.push_str(&format!("{pad}{label} ▸\n"));
                    walk(entries, depth + 1, out);
                }
                Entry::Separator => out.push_str(&format!("{pad}────────\n")),
            }
        }
    }
    let mut out = String::new();
    walk(entries, 0, &mut out);
    out
}

#[cfg(test)]
mod tests;
