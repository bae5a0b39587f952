use super::*;
use crate::notice::Place;
use crate::rules::closed_early;
use crate::testing::{req, t};

fn mine(state: RequestState, updated: i64) -> BrokerEvent {
    BrokerEvent {
        seq: updated,
        kind: EventKind::RequestChanged,
        request: req(1, state, updated),
    }
}

fn kinds(notices: &[Notice]) -> Vec<NoticeKind> {
    notices.iter().map(|n| n.kind).collect()
}

#[test]
fn the_first_load_is_not_news() {
    let mut m = Book::new();
    let notices = m.replace(
        vec![
            req(1, RequestState::Active, 0),
            req(2, RequestState::Ended, -10),
        ],
        vec![req(3, RequestState::Pending, -1)],
        t(1),
    );
    assert!(notices.is_empty(), "{notices:?}");
    assert_eq!(m.active().count(), 1);
    assert_eq!(m.mine().filter(|r| r.state.is_final()).count(), 1);
    assert_eq!(m.approvable().count(), 1);
}

#[test]
fn a_request_through_its_life_notifies_each_step_once() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Pending, -5)], vec![], t(-5));

    let approved = m.apply(&mine(RequestState::Approved, -1), t(-1));
    assert_eq!(kinds(&approved), [NoticeKind::Approved]);
    assert_eq!(approved[0].summary, "Request approved");
    assert!(
        approved[0]
            .body
            .starts_with("Bob Baker approved prod / AdministratorAccess for 1 h"),
        "{}",
        approved[0].body
    );
    assert_eq!(approved[0].place, Place::Access);

    assert!(m.apply(&mine(RequestState::Activating, 0), t(0)).is_empty());
    let active = m.apply(&mine(RequestState::Active, 0), t(0));
    assert_eq!(kinds(&active), [NoticeKind::Active]);
    assert!(active[0].body.contains("1 h left"), "{}", active[0].body);

    // The same event again (a replay after reconnecting) says nothing.
    assert!(m.apply(&mine(RequestState::Active, 0), t(0)).is_empty());

    let ending = m.apply(&mine(RequestState::Ending, 60), t(60));
    assert_eq!(kinds(&ending), [NoticeKind::Ended]);
    assert_eq!(ending[0].summary, "Access ended");
    assert!(m.apply(&mine(RequestState::Ended, 60), t(60)).is_empty());
    assert!(m.active().next().is_none());
    assert_eq!(m.request(1).map(|r| r.state), Some(RequestState::Ended));
}

#[test]
fn a_window_closed_early_reads_as_revoked() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Active, 0)], vec![], t(1));
    // As the broker sends a revoke: the end moves to that moment, the length asked for stays.
    let mut ending = mine(RequestState::Ending, 20);
    ending.request.end_at = t(20);
    ending.request.decision_comment = Some("ok for the incident".into());
    let n = m.apply(&ending, t(20));
    assert_eq!(kinds(&n), [NoticeKind::Revoked]);
    assert_eq!(n[0].summary, "Access revoked");
    // Not the approver's comment, as if it were the revoke's.
    assert_eq!(
        n[0].body,
        format!(
            "Your access to prod / AdministratorAccess was ended early, at {}.",
            crate::labels::clock(t(20))
        )
    );
    let mut ended = mine(RequestState::Ended, 21);
    ended.request.end_at = t(20);
    assert!(m.apply(&ended, t(21)).is_empty());
}

#[test]
fn an_approved_grant_revoked_before_it_starts_is_news_but_a_cancel_is_not() {
    let later = |state, updated| {
        let mut r = req(1, state, updated);
        r.start_at = t(30);
        r.end_at = t(90);
        r
    };
    let mut m = Book::new();
    m.replace(vec![later(RequestState::Approved, -1)], vec![], t(0));
    let n = m.replace(vec![later(RequestState::Ended, 5)], vec![], t(5));
    assert_eq!(kinds(&n), [NoticeKind::Revoked]);
    assert_eq!(
        n[0].body,
        format!(
            "Your access to prod / AdministratorAccess, approved from {}, was revoked before it started.",
            crate::labels::clock(t(30))
        )
    );
    // A request withdrawn while pending says nothing (the person did it).
    let mut m = Book::new();
    m.replace(vec![later(RequestState::Pending, -1)], vec![], t(0));
    assert!(
        m.replace(vec![later(RequestState::Cancelled, 5)], vec![], t(5))
            .is_empty()
    );
}

#[test]
fn a_grant_ending_on_time_is_not_called_revoked() {
    assert!(!closed_early(&req(1, RequestState::Ended, 60)));
    // Extended from 60 to 90 minutes and run to the end.
    let mut extended = req(1, RequestState::Ended, 90);
    extended.end_at = t(90);
    extended.duration_secs = 90 * 60;
    assert!(!closed_early(&extended));
    // Approved for later, revoked before it started.
    let mut before = req(1, RequestState::Ended, -1);
    before.start_at = t(30);
    before.end_at = t(90);
    assert!(closed_early(&before));
}

#[test]
fn a_stale_event_does_not_roll_back_state() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Active, 0)], vec![], t(1));
    assert!(m.apply(&mine(RequestState::Approved, -1), t(2)).is_empty());
    assert_eq!(m.active().count(), 1);
}

#[test]
fn a_resync_after_reconnecting_announces_what_was_missed_and_nothing_twice() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Pending, -5)], vec![], t(-5));
    // Offline while bob approved and the window opened: the resync sees it active.
    let n = m.replace(vec![req(1, RequestState::Active, 0)], vec![], t(1));
    assert_eq!(kinds(&n), [NoticeKind::Approved, NoticeKind::Active]);
    // The events that were missed arrive afterwards (Last-Event-ID replay): no repeats.
    assert!(m.apply(&mine(RequestState::Approved, -1), t(1)).is_empty());
    assert!(m.apply(&mine(RequestState::Active, 0), t(1)).is_empty());
    // A second resync with nothing new says nothing.
    assert!(
        m.replace(vec![req(1, RequestState::Active, 0)], vec![], t(2))
            .is_empty()
    );
}

#[test]
fn rejection_quotes_the_comment() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Pending, -5)], vec![], t(-5));
    let mut event = mine(RequestState::Rejected, -1);
    event.request.decision_comment = Some("use staging first".into());
    let n = m.apply(&event, t(-1));
    assert_eq!(kinds(&n), [NoticeKind::Rejected]);
    assert_eq!(
        n[0].body,
        "Bob Baker rejected prod / AdministratorAccess: “use staging first”."
    );
}

#[test]
fn approvers_hear_of_each_new_request_once() {
    let mut m = Book::new();
    m.replace(vec![], vec![], t(0));
    let event = BrokerEvent {
        seq: 9,
        kind: EventKind::ApprovalChanged,
        request: req(7, RequestState::Pending, 0),
    };
    let n = m.apply(&event, t(0));
    assert_eq!(kinds(&n), [NoticeKind::ToReview]);
    assert_eq!(n[0].place, Place::Approvals);
    assert!(
        n[0].body
            .starts_with("Alice Adams asks for prod / AdministratorAccess for 1 h")
    );
    assert!(m.apply(&event, t(0)).is_empty());
    assert_eq!(m.approvable().count(), 1);

    let decided = BrokerEvent {
        seq: 10,
        kind: EventKind::ApprovalChanged,
        request: req(7, RequestState::Approved, 1),
    };
    assert!(m.apply(&decided, t(1)).is_empty());
    assert!(m.approvable().next().is_none());
}

#[test]
fn five_minutes_left_is_announced_once_at_the_right_time() {
    let mut m = Book::new();
    m.replace(vec![req(1, RequestState::Active, 0)], vec![], t(1));
    assert!(m.due_warnings(t(54)).is_empty());
    let n = m.due_warnings(t(55));
    assert_eq!(kinds(&n), [NoticeKind::Expiring]);
    assert_eq!(n[0].summary, "5 minutes left");
    assert!(m.due_warnings(t(56)).is_empty());
}

#[test]
fn short_grants_get_no_five_minute_warning() {
    let mut m = Book::new();
    let mut r = req(1, RequestState::Active, 0);
    r.end_at = t(3);
    m.replace(vec![r], vec![], t(0));
    assert!(m.due_warnings(t(1)).is_empty());
}

fn extension_event(seq: i64, pending_end: Option<i64>, end: i64, updated: i64) -> BrokerEvent {
    let mut r = req(7, RequestState::Active, updated);
    r.requester = crate::testing::user("carol", "Carol Chen");
    r.pending_end_at = pending_end.map(t);
    r.end_at = t(end);
    BrokerEvent {
        seq,
        kind: EventKind::ApprovalChanged,
        request: r,
    }
}

#[test]
fn an_extension_is_a_decision_for_approvers_each_time_it_is_asked() {
    let mut m = Book::new();
    m.replace(vec![], vec![], t(0));

    let asked = extension_event(1, Some(90), 60, 10);
    let n = m.apply(&asked, t(10));
    assert_eq!(kinds(&n), [NoticeKind::ExtensionToReview]);
    assert_eq!(n[0].summary, "Extension to review");
    assert_eq!(
        n[0].body,
        format!(
            "Carol Chen asks to extend prod / AdministratorAccess by 30 min, to {}.",
            crate::labels::clock(t(90))
        )
    );
    assert_eq!(n[0].place, Place::Approvals);
    assert_eq!(
        m.approvable().count(),
        1,
        "an active grant with an extension waits"
    );
    // A replay says nothing.
    assert!(m.apply(&asked, t(10)).is_empty());

    // Approved (here by someone else): it leaves the list.
    assert!(m.apply(&extension_event(2, None, 90, 11), t(11)).is_empty());
    assert!(m.approvable().next().is_none());

    // A second extension of the same grant is news again.
    let again = m.apply(&extension_event(3, Some(120), 90, 20), t(20));
    assert_eq!(kinds(&again), [NoticeKind::ExtensionToReview]);

    // After a reconnect the broker's answer keeps it; known, so no repeat.
    let mut held = req(7, RequestState::Active, 20);
    held.pending_end_at = Some(t(120));
    held.end_at = t(90);
    assert!(m.replace(vec![], vec![held.clone()], t(21)).is_empty());
    assert_eq!(m.approvable().count(), 1);
    // An active grant without an extension is nothing to decide.
    held.pending_end_at = None;
    m.replace(vec![], vec![held], t(22));
    assert!(m.approvable().next().is_none());
}

#[test]
fn the_requester_hears_how_an_extension_was_answered() {
    let mut m = Book::new();
    let mut r = req(1, RequestState::Active, 0);
    r.pending_end_at = Some(t(90));
    m.replace(vec![r.clone()], vec![], t(5));

    let mut approved = r.clone();
    approved.pending_end_at = None;
    approved.end_at = t(90);
    approved.updated_at = t(6);
    let event = BrokerEvent {
        seq: 2,
        kind: EventKind::RequestChanged,
        request: approved.clone(),
    };
    let n = m.apply(&event, t(6));
    assert_eq!(kinds(&n), [NoticeKind::ExtensionApproved]);
    assert!(n[0].body.contains("1 h 24 min left"), "{}", n[0].body);
    assert_eq!(m.active().next().unwrap().end_at, t(90));
    assert!(m.apply(&event, t(6)).is_empty(), "a replay says nothing");

    // The next one turned down: the end stays.
    let mut asked = approved.clone();
    asked.pending_end_at = Some(t(120));
    asked.updated_at = t(7);
    m.upsert_mine(asked.clone(), t(7));
    let mut rejected = asked;
    rejected.pending_end_at = None;
    rejected.updated_at = t(8);
    let n = m.apply(
        &BrokerEvent {
            seq: 4,
            kind: EventKind::RequestChanged,
            request: rejected,
        },
        t(8),
    );
    assert_eq!(kinds(&n), [NoticeKind::ExtensionRejected]);
    assert!(n[0].body.contains("still ends at"), "{}", n[0].body);
}

#[test]
fn a_request_set_is_announced_once_for_all_its_members() {
    let member = |id: i64, account: &str, state: RequestState, updated: i64| {
        let mut r = req(id, state, updated);
        r.requester = crate::testing::user("carol", "Carol Chen");
        r.account.name = account.into();
        r.permission_set.name = "ReadOnlyAccess".into();
        r.set_id = Some(20);
        r
    };
    let mut m = Book::new();
    m.replace(vec![], vec![], t(0));
    let mut notices = Vec::new();
    for (id, account) in [(20, "prod"), (21, "staging"), (22, "dev")] {
        notices.extend(m.apply(
            &BrokerEvent {
                seq: id,
                kind: EventKind::ApprovalChanged,
                request: member(id, account, RequestState::Pending, 1),
            },
            t(1),
        ));
    }
    assert_eq!(kinds(&notices), [NoticeKind::ToReview]);
    assert_eq!(
        notices[0].body,
        "Carol Chen asks for ReadOnlyAccess in prod and the other accounts of request 20 for 1 h: Investigating INC-42"
    );
    assert_eq!(m.approvable().count(), 3);

    // A member that fails is news of its own, named by its account alone.
    let mut mine = Book::new();
    mine.replace(
        vec![
            member(20, "prod", RequestState::Activating, 0),
            member(21, "staging", RequestState::Activating, 0),
        ],
        vec![],
        t(0),
    );
    let mut failed = member(21, "staging", RequestState::Failed, 2);
    failed.outcome = Some("Identity Center refused".into());
    let active = member(20, "prod", RequestState::Active, 2);
    let news: Vec<Notice> = [failed, active]
        .into_iter()
        .flat_map(|r| {
            mine.apply(
                &BrokerEvent {
                    seq: r.id,
                    kind: EventKind::RequestChanged,
                    request: r,
                },
                t(2),
            )
        })
        .collect();
    assert_eq!(kinds(&news), [NoticeKind::Failed, NoticeKind::Active]);
    assert_eq!(
        news[0].body,
        "staging / ReadOnlyAccess: Identity Center refused"
    );
}
