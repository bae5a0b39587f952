use stint_api::RequestState;

use super::*;
use crate::testing::{req, t, user};
use crate::view::{BrokerLink, GrantView, UserView};

fn signed_in(approver: bool) -> SessionView {
    SessionView::SignedIn {
        user: UserView {
            user_name: "alice".into(),
            display_name: "Alice Adams".into(),
            email: None,
            groups: vec![],
            approver,
        },
    }
}

fn snapshot(session: SessionView) -> Snapshot {
    Snapshot {
        session,
        broker: BrokerLink::Live,
        active: vec![],
        pending: vec![],
        approvals: vec![],
        history: vec![],
        standing: Default::default(),
    }
}

#[test]
fn active_grants_read_with_time_left_and_their_actions() {
    let mut s = snapshot(signed_in(false));
    s.active.push(GrantView {
        request: req(7, RequestState::Active, 0),
        credentials_expire_at: None,
        extend_steps: crate::model::EXTEND_STEPS.to_vec(),
        console: Default::default(),
    });
    let mut pending = req(8, RequestState::Pending, 0);
    pending.account.name = "staging".into();
    pending.permission_set.name = "PowerUserAccess".into();
    s.pending.push(pending);
    let text = render_text(&build(&s, t(18)));
    assert_eq!(
        text,
        "Signed in as Alice Adams\n\
         ────────\n\
         prod / AdministratorAccess — 42 min left ▸\n\
         \x20   Open console\n\
         \x20   Copy credentials\n\
         \x20   Copy credentials as ▸\n\
         \x20       fish\n\
         \x20       PowerShell\n\
         \x20       credential_process profile\n\
         \x20   ────────\n\
         \x20   Extend by 30 min\n\
         \x20   Extend by 1 h\n\
         \x20   Revoke…\n\
         ────────\n\
         Pending\n\
         staging / PowerUserAccess — waiting for approval ▸\n\
         \x20   Details…\n\
         \x20   Cancel request\n\
         ────────\n\
         Request access…\n\
         My access…\n\
         Sign out\n\
         Settings…\n\
         ────────\n\
         Quit Stint\n"
    );
}

#[test]
fn approvers_see_how_many_wait() {
    let mut s = snapshot(signed_in(true));
    let mut r = req(9, RequestState::Pending, 0);
    r.requester = user("carol", "Carol Chen");
    s.approvals.push(r);
    let text = render_text(&build(&s, t(0)));
    assert!(text.contains("Approvals (1) ▸\n"), "{text}");
    assert!(
        text.contains(
            "    Carol Chen: prod / AdministratorAccess for 1 h ▸\n        \
             “Investigating INC-42”\n        \
             Approve prod / AdministratorAccess for 1 h\n        Review…\n"
        ),
        "{text}"
    );
    assert!(text.contains("No active access"), "{text}");
}

#[test]
fn an_extension_reads_as_one_and_its_approve_says_what_it_approves() {
    let mut s = snapshot(signed_in(true));
    let mut r = req(9, RequestState::Active, 0);
    r.requester = user("carol", "Carol Chen");
    r.pending_end_at = Some(t(90));
    s.approvals.push(r.clone());
    let to = labels::clock(t(90));
    let text = render_text(&build(&s, t(10)));
    assert!(
        text.contains(&format!(
            "    Carol Chen: extend prod / AdministratorAccess by 30 min, to {to} ▸\n        \
             “Investigating INC-42”\n        \
             Approve the extension by 30 min, to {to}\n        Review…\n"
        )),
        "{text}"
    );

    // The requester's own grant says the extension waits.
    let mut mine = snapshot(signed_in(false));
    r.requester = user("alice", "Alice Adams");
    mine.active.push(GrantView {
        request: r,
        credentials_expire_at: None,
        extend_steps: crate::model::EXTEND_STEPS.to_vec(),
        console: Default::default(),
    });
    let text = render_text(&build(&mine, t(10)));
    assert!(
        text.contains(&format!(
            "    Extension to {to} waits for an approver\n    Revoke…\n"
        )),
        "{text}"
    );
}

#[test]
fn the_tray_says_when_it_is_reconnecting() {
    let mut s = snapshot(signed_in(false));
    assert!(!render_text(&build(&s, t(0))).contains("Reconnecting"));
    s.broker = BrokerLink::Reconnecting {
        message: "Can't reach the Stint broker.".into(),
        detail: "tcp connect error".into(),
    };
    let text = render_text(&build(&s, t(0)));
    assert!(
        text.starts_with("Signed in as Alice Adams\nReconnecting to the broker…\n"),
        "{text}"
    );
}

#[test]
fn signed_out_offers_sign_in() {
    let text = render_text(&build(
        &snapshot(SessionView::SignedOut { reason: None }),
        t(0),
    ));
    assert_eq!(
        text,
        "Not signed in\n────────\nSign in…\nSettings…\n────────\nQuit Stint\n"
    );
}

#[test]
fn every_item_id_parses_to_its_action() {
    let mut s = snapshot(signed_in(true));
    s.active.push(GrantView {
        request: req(7, RequestState::Active, 0),
        credentials_expire_at: None,
        extend_steps: crate::model::EXTEND_STEPS.to_vec(),
        console: Default::default(),
    });
    s.pending.push(req(8, RequestState::Pending, 0));
    s.approvals.push(req(9, RequestState::Pending, 0));
    s.standing.roles.push(dev_read_only());
    fn ids(entries: &[Entry], out: &mut Vec<String>) {
        for e in entries {
            match e {
                Entry::Item {
                    id, enabled: true, ..
                } => out.push(id.clone()),
                Entry::Submenu { entries, .. } => ids(entries, out),
                _ => {}
            }
        }
    }
    let mut all = Vec::new();
    ids(&build(&s, t(0)), &mut all);
    for id in &all {
        assert!(Action::parse(id).is_some(), "{id} does not parse");
    }
    assert_eq!(
        Action::parse("copy:7:fish"),
        Some(Action::Copy(7, CopyFormat::Fish))
    );
    assert_eq!(
        Action::parse("extend:7:1800"),
        Some(Action::Extend(7, 1800))
    );
    let dev = RoleKey {
        account_id: "555555555555".into(),
        permission_set: "ReadOnlyAccess".into(),
    };
    assert_eq!(
        Action::parse("role-console:555555555555:ReadOnlyAccess"),
        Some(Action::RoleConsole(dev.clone()))
    );
    assert_eq!(
        Action::parse("role-copy:555555555555:ReadOnlyAccess:fish"),
        Some(Action::RoleCopy(dev, CopyFormat::Fish))
    );
    assert_eq!(
        Action::parse("role-copy:555555555555:ReadOnlyAccess:yaml"),
        None
    );
    assert_eq!(Action::parse("approve:9"), Some(Action::Approve(9)));
    assert_eq!(Action::parse("copy:7:yaml"), None);
    assert_eq!(Action::parse("note"), None);
}

fn dev_read_only() -> crate::view::RoleView {
    crate::view::RoleView {
        account_id: "555555555555".into(),
        account_name: "dev".into(),
        permission_set: "ReadOnlyAccess".into(),
        console: Default::default(),
    }
}

#[test]
fn standing_roles_sit_beside_the_grants_with_console_and_credentials() {
    let mut s = snapshot(signed_in(false));
    s.standing.roles.push(dev_read_only());
    let text = render_text(&build(&s, t(0)));
    assert!(
        text.contains(
            "No active access\n\
             Standing access (1) ▸\n\
             \x20   dev / ReadOnlyAccess ▸\n\
             \x20       Open console\n\
             \x20       Copy credentials\n\
             \x20       Copy credentials as ▸\n"
        ),
        "{text}"
    );
}
