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
        gives: vec![],
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
        gives: vec![],
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
        gives: vec![],
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
        Some(Action::Copy(7, None, CopyFormat::Fish))
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

/// Alice's grant of group oncall-admins, which gives AdministratorAccess in prod and staging.
fn oncall_grant() -> GrantView {
    let r = crate::testing::group_req(7, RequestState::Active, 0);
    let gives = [("333333333333", "prod"), ("444444444444", "staging")];
    GrantView {
        request: r,
        credentials_expire_at: None,
        extend_steps: vec![1800],
        console: Default::default(),
        gives: gives
            .iter()
            .map(|(id, name)| crate::view::GivenRole {
                account_id: (*id).into(),
                account_name: (*name).into(),
                permission_set: "AdministratorAccess".into(),
                console: Default::default(),
                credentials_expire_at: None,
            })
            .collect(),
    }
}

#[test]
fn a_group_grant_lists_each_role_it_gives_with_console_and_credentials() {
    let mut s = snapshot(signed_in(false));
    s.active.push(oncall_grant());
    let text = render_text(&build(&s, t(18)));
    let role = |name: &str| {
        format!(
            "{name} / AdministratorAccess — 42 min left ▸\n\
             \x20   Through group oncall-admins\n\
             \x20   Open console\n\
             \x20   Copy credentials\n\
             \x20   Copy credentials as ▸\n\
             \x20       fish\n\
             \x20       PowerShell\n\
             \x20       credential_process profile\n\
             \x20   ────────\n\
             \x20   Extend group oncall-admins by 30 min\n\
             \x20   Revoke group oncall-admins…\n"
        )
    };
    assert!(
        text.contains(&format!("────────\n{}{}", role("prod"), role("staging"))),
        "{text}"
    );

    // Each role's items act on that role of the grant.
    let entries = build(&s, t(18));
    let Entry::Submenu { entries: prod, .. } = &entries[2] else {
        panic!("{entries:?}")
    };
    let Entry::Item { id, .. } = &prod[1] else {
        panic!("{prod:?}")
    };
    let role = RoleKey {
        account_id: "333333333333".into(),
        permission_set: "AdministratorAccess".into(),
    };
    assert_eq!(
        Action::parse(id),
        Some(Action::Console(7, Some(role.clone())))
    );
    assert_eq!(
        Action::parse("copy:7:333333333333:AdministratorAccess:powershell"),
        Some(Action::Copy(7, Some(role), CopyFormat::Powershell))
    );
}

#[test]
fn a_group_grant_whose_roles_are_unknown_still_offers_extend_and_revoke() {
    let mut s = snapshot(signed_in(false));
    let mut grant = oncall_grant();
    grant.gives.clear();
    s.active.push(grant);
    let text = render_text(&build(&s, t(18)));
    assert!(
        text.contains(
            "group oncall-admins — 42 min left ▸\n\
             \x20   The broker did not say what this group gives\n\
             \x20   Extend group oncall-admins by 30 min\n\
             \x20   Revoke group oncall-admins…\n"
        ),
        "{text}"
    );
}

/// Carol's request set: ReadOnlyAccess in dev, staging and prod (ids 20 to 22).
fn carols_set(state: RequestState) -> Vec<stint_api::AccessRequest> {
    ["dev", "staging", "prod"]
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut r = req(20 + i as i64, state, 0);
            r.requester = user("carol", "Carol Chen");
            r.account.name = (*name).into();
            r.account.id = format!("{}", 555555555555_i64 + i as i64);
            r.permission_set.name = "ReadOnlyAccess".into();
            r.set_id = Some(20);
            r
        })
        .collect()
}

#[test]
fn a_request_set_is_one_approval_whose_approve_says_it_decides_all() {
    let mut s = snapshot(signed_in(true));
    s.approvals = carols_set(RequestState::Pending);
    let mut other = req(30, RequestState::Pending, 0);
    other.requester = user("dan", "Dan Diaz");
    s.approvals.push(other);
    let text = render_text(&build(&s, t(0)));
    assert!(text.contains("Approvals (2) ▸\n"), "{text}");
    assert!(
        text.contains(
            "    Carol Chen: ReadOnlyAccess in 3 accounts: dev, staging, prod for 1 h ▸\n        \
             “Investigating INC-42”\n        \
             One decision for every account\n        \
             Approve ReadOnlyAccess in all 3 accounts for 1 h\n        Review…\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("    Dan Diaz: prod / AdministratorAccess for 1 h ▸\n"),
        "{text}"
    );
    // The one Approve is the first member's: the broker approves every member with it.
    let ids: Vec<String> = build(&s, t(0))
        .iter()
        .filter_map(|e| match e {
            Entry::Submenu { label, entries } if label.starts_with("Approvals") => {
                Some(entries.clone())
            }
            _ => None,
        })
        .flatten()
        .flat_map(|e| match e {
            Entry::Submenu { entries, .. } => entries,
            _ => vec![],
        })
        .filter_map(|e| match e {
            Entry::Item { id, .. } if id.starts_with("approve:") => Some(id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, ["approve:20", "approve:30"]);
}

#[test]
fn the_requesters_own_set_is_one_pending_item() {
    let mut s = snapshot(signed_in(false));
    s.pending = carols_set(RequestState::Pending);
    let text = render_text(&build(&s, t(0)));
    assert!(
        text.contains(
            "Pending\n\
             ReadOnlyAccess in 3 accounts: dev, staging, prod — waiting for approval ▸\n\
             \x20   Details…\n\
             \x20   Cancel the request for all 3 accounts\n\
             ────────\n"
        ),
        "{text}"
    );
}
