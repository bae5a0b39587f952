//! The tray menu as plain data, built from a [`TrayState`] and the time, and the actions
//! its item ids stand for. Free of GTK, so its wording and structure are unit-tested;
//! `tray.rs` turns it into the real menu.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_notices::labels;
pub use stint_notices::menu::Entry;
use stint_notices::menu::{item, note};

use crate::view::{GrantView, Role, Serving, Session, TrayState};

/// What a click on a menu item does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    SignIn,
    /// Open the console as `ACCOUNT_ID/PERMISSION_SET`.
    Console(String),
    /// Put that role's credentials on the clipboard (bash/zsh `export` lines).
    Copy(String),
    /// Start the window (`stint-app`).
    OpenApp,
    Quit,
}

impl Action {
    /// The action an item id stands for; `None` for notes and unknown ids.
    pub fn parse(id: &str) -> Option<Self> {
        match id {
            "sign-in" => return Some(Self::SignIn),
            "open" => return Some(Self::OpenApp),
            "quit" => return Some(Self::Quit),
            _ => {}
        }
        let (kind, target) = id.split_once(':')?;
        match kind {
            "console" => Some(Self::Console(target.to_owned())),
            "copy" => Some(Self::Copy(target.to_owned())),
            _ => None,
        }
    }
}

/// How the icon looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Look {
    SignedOut,
    Idle,
    Active,
    /// A grant ends within [`EXPIRING`].
    Expiring,
}

/// From when before its end a grant shows as ending.
pub const EXPIRING: chrono::TimeDelta = chrono::TimeDelta::minutes(5);

pub fn look(state: &TrayState, now: DateTime<Utc>) -> Look {
    if !matches!(state.session, Session::SignedIn { .. }) {
        return Look::SignedOut;
    }
    match state.grants.iter().map(|g| g.end_at).min() {
        None => Look::Idle,
        Some(end) if end - now <= EXPIRING => Look::Expiring,
        Some(_) => Look::Active,
    }
}

pub fn tooltip(look: Look) -> &'static str {
    match look {
        Look::SignedOut => "Stint: not signed in",
        Look::Idle => "Stint: no active access",
        Look::Active => "Stint: access active",
        Look::Expiring => "Stint: access ends within 5 minutes",
    }
}

/// The menu for `state` at `now`.
pub fn build(state: &TrayState, now: DateTime<Utc>) -> Vec<Entry> {
    let mut entries = Vec::new();
    match &state.session {
        Session::NotConfigured { why } => {
            entries.push(note("Stint is not set up yet"));
            // The client core's message says what is missing and what to run.
            entries.push(note(why.clone()));
        }
        Session::SignedOut => {
            entries.push(note("Not signed in"));
            entries.push(item("sign-in", "Sign in…"));
        }
        Session::Expired => {
            entries.push(note("Your sign-in has ended"));
            entries.push(item("sign-in", "Sign in…"));
        }
        Session::Unknown { why } => {
            entries.push(note(format!("Cannot read your sign-in: {why}")));
            entries.push(item("sign-in", "Sign in…"));
        }
        Session::SigningIn => {
            entries.push(note("Signing in: allow Stint in your browser"));
        }
        Session::SignedIn { who } => {
            entries.push(note(format!("Signed in as {who}")));
            if state.reconnecting {
                // The grants below are as last heard: say so where they are read.
                entries.push(note("Reconnecting to the broker…"));
            }
            entries.push(Entry::Separator);
            signed_in(state, now, &mut entries);
        }
    }
    if let Serving::Failed { why } = &state.serving {
        entries.push(note(format!("Not serving the stint CLI: {why}")));
    }
    entries.push(Entry::Separator);
    entries.push(item("open", "Open Stint…"));
    entries.push(item("quit", "Quit Stint"));
    entries
}

fn signed_in(state: &TrayState, now: DateTime<Utc>, entries: &mut Vec<Entry>) {
    if let Some(why) = &state.unreadable {
        entries.push(note(format!("Cannot read your access: {why}")));
    } else if state.grants.is_empty() {
        entries.push(note("No active access"));
    }
    for grant in &state.grants {
        entries.push(Entry::Submenu {
            label: grant_line(grant, now),
            entries: grant_actions(grant),
        });
    }
    if !state.roles.is_empty() {
        entries.push(Entry::Submenu {
            label: "Your roles".into(),
            entries: state
                .roles
                .iter()
                .map(|r| Entry::Submenu {
                    label: r.label(),
                    entries: role_actions(r),
                })
                .collect(),
        });
    }
}

/// `prod / AdministratorAccess — 42 min left`.
pub fn grant_line(grant: &GrantView, now: DateTime<Utc>) -> String {
    format!(
        "{} — {}",
        grant.label,
        labels::left((grant.end_at - now).num_seconds())
    )
}

fn grant_actions(grant: &GrantView) -> Vec<Entry> {
    match grant.roles.as_slice() {
        [one] => role_actions(one),
        [] => vec![note("The broker does not say what this group gives")],
        many => many
            .iter()
            .map(|r| Entry::Submenu {
                label: r.label(),
                entries: role_actions(r),
            })
            .collect(),
    }
}

fn role_actions(role: &Role) -> Vec<Entry> {
    let target = role.target();
    vec![
        item(format!("console:{target}"), "Open console"),
        item(format!("copy:{target}"), "Copy credentials"),
    ]
}

/// How long until the menu must be drawn again: when the first countdown's whole minute
/// changes, and at least every minute.
pub fn next_redraw(state: &TrayState, now: DateTime<Utc>) -> Duration {
    const MINUTE_MS: i64 = 60_000;
    let soonest = state
        .grants
        .iter()
        .map(|g| (g.end_at - now).num_milliseconds())
        .filter(|left| *left > 0)
        // The label changes when the time left crosses a whole minute.
        .map(|left| (left - 1) % MINUTE_MS + 1)
        .min()
        .unwrap_or(MINUTE_MS);
    // A little after the boundary, so the new minute is the one drawn.
    Duration::from_millis(u64::try_from(soonest).unwrap_or(0) + 50)
}

#[cfg(test)]
#[path = "menu_tests.rs"]
mod tests;
