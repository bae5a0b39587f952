use chrono::TimeZone;

use super::*;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap()
}

fn role(account: &str, set: &str) -> Role {
    Role {
        account_id: format!("{account}-id"),
        account_name: account.into(),
        permission_set: set.into(),
    }
}

fn grant(id: i64, label: &str, minutes: i64, roles: Vec<Role>) -> GrantView {
    GrantView {
        request_id: id,
        label: label.into(),
        end_at: now() + chrono::TimeDelta::seconds(minutes * 60 + 7),
        roles,
    }
}

fn signed_in() -> TrayState {
    TrayState::new(
        Session::SignedIn {
            who: "Alice Example".into(),
        },
        Serving::Here,
    )
}

/// The menu as lines, nested items indented, as a person reads it (and as
/// tests/ui/desktop.py's TrayMenu reads it over D-Bus).
fn text(entries: &[Entry]) -> Vec<String> {
    fn walk(entries: &[Entry], depth: usize, out: &mut Vec<String>) {
        for e in entries {
            let pad = "    ".repeat(depth);
            match e {
                Entry::Item { label, enabled, .. } => out.push(format!(
                    "{pad}{label}{}",
                    if *enabled { "" } else { " (-)" }
                )),
                Entry::Submenu { label, entries } => {
                    out.push(format!("{pad}{label}"));
                    walk(entries, depth + 1, out);
                }
                Entry::Separator => out.push(format!("{pad}----")),
            }
        }
    }
    let mut out = Vec::new();
    walk(entries, 0, &mut out);
    out
}

/// Every enabled item's id, in order.
fn ids(entries: &[Entry]) -> Vec<String> {
    let mut out = Vec::new();
    for e in entries {
        match e {
            Entry::Item {
                id, enabled: true, ..
            } => out.push(id.clone()),
            Entry::Submenu { entries, .. } => out.extend(ids(entries)),
            _ => {}
        }
    }
    out
}

#[test]
fn signed_out_offers_sign_in_the_window_and_quit() {
    let state = TrayState::new(Session::SignedOut, Serving::Here);
    assert_eq!(
        text(&build(&state, now())),
        [
            "Not signed in (-)",
            "Sign in…",
            "----",
            "Open Stint…",
            "Quit Stint"
        ]
    );
    assert_eq!(look(&state, now()), Look::SignedOut);
}

#[test]
fn signed_in_lists_each_grant_with_its_time_left_and_its_role_actions() {
    let mut state = signed_in();
    state.grants = vec![grant(
        7,
        "dev / PowerUserAccess",
        42,
        vec![role("dev", "PowerUserAccess")],
    )];
    assert_eq!(
        text(&build(&state, now())),
        [
            "Signed in as Alice Example (-)",
            "----",
            "dev / PowerUserAccess — 42 min left",
            "    Open console",
            "    Copy credentials",
            "----",
            "Open Stint…",
            "Quit Stint",
        ]
    );
    assert_eq!(
        ids(&build(&state, now())),
        [
            "console:dev-id/PowerUserAccess",
            "copy:dev-id/PowerUserAccess",
            "open",
            "quit"
        ]
    );
    assert_eq!(look(&state, now()), Look::Active);
}

#[test]
fn a_group_grant_offers_each_role_it_gives_and_standing_roles_come_after() {
    let mut state = signed_in();
    state.grants = vec![grant(
        8,
        "group oncall-admins",
        90,
        vec![role("prod", "AdministratorAccess"), role("dev", "ReadOnly")],
    )];
    state.roles = vec![role("sandbox", "ReadOnly")];
    assert_eq!(
        text(&build(&state, now()))[2..10],
        [
            "group oncall-admins — 1 h 30 min left",
            "    prod / AdministratorAccess",
            "        Open console",
            "        Copy credentials",
            "    dev / ReadOnly",
            "        Open console",
            "        Copy credentials",
            "Your roles",
        ]
    );
}

#[test]
fn no_grant_says_so_and_a_stream_down_says_the_list_is_as_last_heard() {
    let mut state = signed_in();
    state.reconnecting = true;
    let lines = text(&build(&state, now()));
    assert_eq!(lines[1], "Reconnecting to the broker… (-)");
    assert!(
        lines.contains(&"No active access (-)".to_owned()),
        "{lines:?}"
    );
    assert_eq!(look(&state, now()), Look::Idle);
}

#[test]
fn a_tray_that_cannot_serve_the_cli_says_why() {
    let state = TrayState::new(
        Session::SignedOut,
        Serving::Failed {
            why: "an agent already runs".into(),
        },
    );
    assert!(
        text(&build(&state, now()))
            .contains(&"Not serving the stint CLI: an agent already runs (-)".to_owned())
    );
}

#[test]
fn not_configured_says_what_the_client_core_says_and_offers_no_sign_in() {
    let why = "no Identity Center start URL is configured: run `stint configure`";
    let state = TrayState::new(
        Session::NotConfigured { why: why.into() },
        Serving::Unconfigured,
    );
    let lines = text(&build(&state, now()));
    assert_eq!(lines[1], format!("{why} (-)"));
    assert!(
        !lines.iter().any(|l| l.contains("Not serving")),
        "{lines:?}"
    );
    assert!(!ids(&build(&state, now())).contains(&"sign-in".to_owned()));
}

#[test]
fn a_grant_ending_within_five_minutes_shows_as_expiring() {
    let mut state = signed_in();
    state.grants = vec![grant(1, "a / B", 4, vec![role("a", "B")])];
    assert_eq!(look(&state, now()), Look::Expiring);
}

#[test]
fn every_item_id_parses_to_its_action() {
    assert_eq!(Action::parse("sign-in"), Some(Action::SignIn));
    assert_eq!(Action::parse("open"), Some(Action::OpenApp));
    assert_eq!(Action::parse("quit"), Some(Action::Quit));
    assert_eq!(
        Action::parse("console:111111111111/ReadOnly"),
        Some(Action::Console("111111111111/ReadOnly".into()))
    );
    assert_eq!(
        Action::parse("copy:111111111111/ReadOnly"),
        Some(Action::Copy("111111111111/ReadOnly".into()))
    );
    assert_eq!(Action::parse("note"), None);
    assert_eq!(Action::parse("note:3"), None);
}

#[test]
fn the_menu_is_redrawn_when_a_countdown_minute_changes_and_at_least_every_minute() {
    let mut state = signed_in();
    assert_eq!(next_redraw(&state, now()), Duration::from_millis(60_050));
    // 42 min 7 s left: "42 min left" until 7 s from now.
    state.grants = vec![grant(1, "a / B", 42, vec![role("a", "B")])];
    assert_eq!(next_redraw(&state, now()), Duration::from_millis(7_050));
    // Exactly on a minute: the next change is a whole minute away.
    let on_the_minute = now() + chrono::TimeDelta::seconds(7);
    assert_eq!(
        next_redraw(&state, on_the_minute),
        Duration::from_millis(60_050)
    );
}
