//! What the model shows: the window's lists, the tray's look and labels, and when the
//! timer must wake. (Which notices a change makes are tested with the requests book, in
//! stint-notices.)

use chrono::Duration;
use stint_api::RequestState;
use stint_notices::closed_early;

use super::*;
use crate::testing::{req, t};

#[test]
fn an_idle_app_has_no_timer_and_an_active_one_wakes_on_minute_boundaries() {
    let mut m = Model::new();
    m.book
        .replace(vec![req(1, RequestState::Ended, -1)], vec![], t(0));
    assert_eq!(m.next_wakeup(t(0)), None);

    let mut m = Model::new();
    m.book
        .replace(vec![req(1, RequestState::Active, 0)], vec![], t(0));
    let now = t(10) + Duration::seconds(20);
    // 49 min 40 s left: the label changes once less than 49 min is left, in 40 s.
    assert_eq!(
        m.next_wakeup(now),
        Some(now + Duration::milliseconds(40_001))
    );
    // At minute 54:30 the five-minute warning (55:00) comes first.
    let now = t(54) + Duration::seconds(30);
    assert_eq!(m.next_wakeup(now), Some(t(55)));
}

#[test]
fn the_tray_look_follows_the_most_urgent_thing() {
    let mut m = Model::new();
    assert_eq!(m.tray_look(false, t(0)), TrayLook::SignedOut);
    m.book.replace(vec![], vec![], t(0));
    assert_eq!(m.tray_look(true, t(0)), TrayLook::Idle);
    m.book
        .replace(vec![req(2, RequestState::Pending, 0)], vec![], t(0));
    assert_eq!(m.tray_look(true, t(0)), TrayLook::Pending);
    m.book.replace(
        vec![
            req(2, RequestState::Pending, 0),
            req(1, RequestState::Active, 0),
        ],
        vec![],
        t(0),
    );
    assert_eq!(m.tray_look(true, t(10)), TrayLook::Active);
    assert_eq!(m.tray_look(true, t(56)), TrayLook::Expiring);
}

#[test]
fn credentials_handed_out_show_with_their_grant() {
    let mut m = Model::new();
    m.book
        .replace(vec![req(1, RequestState::Active, 0)], vec![], t(0));
    let role = crate::view::RoleKey {
        account_id: "333333333333".into(),
        permission_set: "AdministratorAccess".into(),
    };
    m.credentials_issued(1, role, t(120));
    assert_eq!(m.active()[0].credentials_expire_at, Some(t(120)));
}

#[test]
fn a_group_grant_shows_each_role_it_gives_and_the_credentials_handed_out_for_it() {
    let grant = crate::testing::group_req(1, RequestState::Active, 0);
    let mut m = Model::new();
    m.book.replace(vec![grant], vec![], t(0));
    let staging = crate::view::RoleKey {
        account_id: "444444444444".into(),
        permission_set: "AdministratorAccess".into(),
    };
    m.credentials_issued(1, staging, t(70));
    let shown = &m.active()[0];
    let roles: Vec<(&str, &str, Option<DateTime<Utc>>)> = shown
        .gives
        .iter()
        .map(|g| {
            (
                g.account_name.as_str(),
                g.permission_set.as_str(),
                g.credentials_expire_at,
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("prod", "AdministratorAccess", None),
            ("staging", "AdministratorAccess", Some(t(70)))
        ]
    );
    assert_eq!(shown.credentials_expire_at, Some(t(70)));
}

#[test]
fn extend_is_offered_only_within_the_policy_maximum() {
    let mut m = Model::new();
    m.book
        .replace(vec![req(1, RequestState::Active, 0)], vec![], t(0));
    // Limit unknown: every step.
    assert_eq!(m.active()[0].extend_steps, EXTEND_STEPS.to_vec());
    let eligible = |max: u32| stint_api::EligibleAccess {
        account: req(1, RequestState::Active, 0).account,
        permission_set: req(1, RequestState::Active, 0).permission_set,
        max_duration_secs: max,
        approval_required: true,
        ticket_required: false,
        ticket_pattern: None,
        max_without_approval_secs: None,
    };
    // The 1 h grant may grow to 1 h 30 min: only the 30-minute step.
    m.set_limits(&[eligible(90 * 60)]);
    assert_eq!(m.active()[0].extend_steps, vec![30 * 60]);
    // At its maximum: no Extend at all.
    m.set_limits(&[eligible(60 * 60)]);
    assert!(m.active()[0].extend_steps.is_empty());
    m.set_limits(&[eligible(8 * 3600)]);
    assert_eq!(m.active()[0].extend_steps, EXTEND_STEPS.to_vec());
}

/// The tray's label between two wakes is the label the window's countdown reads at every
/// instant of that stretch: the timer wakes where the minutes change, not a second late.
#[test]
fn the_tray_label_changes_exactly_when_the_window_countdown_does() {
    let mut m = Model::new();
    let mut grant = req(1, RequestState::Active, 0);
    // A window that does not end on a whole second, as real ones do.
    grant.end_at = t(20) + Duration::milliseconds(437);
    let end = grant.end_at;
    m.book.replace(vec![grant], vec![], t(0));
    // The tray's words at `at` (labels::left of the whole seconds left), and the minutes
    // the window shows (`formatCountdown(secondsUntil(end))`: whole seconds, floored).
    let tray = |at: DateTime<Utc>| crate::labels::left((end - at).num_seconds());
    let window = |at: DateTime<Utc>| {
        let seconds = (end - at).num_milliseconds().max(0) / 1000;
        (seconds, seconds / 60)
    };
    let mut now = t(0) + Duration::milliseconds(901);
    let mut wakes = 0;
    while now < end {
        m.book.due_warnings(now);
        let shown = tray(now);
        let next = m.next_wakeup(now).expect("a grant counts down");
        assert!(next > now);
        // The timer's grain is the millisecond: within the first one after a boundary the
        // label may still be the minute before.
        let middle = now + Duration::milliseconds((next - now).num_milliseconds() / 2);
        for at in [now, middle, next - Duration::milliseconds(1)] {
            assert_eq!(
                tray(at),
                shown,
                "the tray is stale at {at} (woke {now}, next {next})"
            );
            let (seconds, minutes) = window(at);
            let expected = match (seconds, minutes) {
                (0, _) => "ended".to_owned(),
                (_, 0) => "less than a minute left".to_owned(),
                (_, m) => crate::labels::left(m * 60),
            };
            assert_eq!(shown, expected, "tray and window disagree at {at}");
        }
        now = next;
        wakes += 1;
    }
    assert!(
        (20..=22).contains(&wakes),
        "{wakes} wakes for a 20-minute countdown"
    );
}

#[test]
fn a_revoked_grant_in_the_history_names_who_revoked_it() {
    let mut m = Model::new();
    m.book
        .replace(vec![req(1, RequestState::Active, 0)], vec![], t(1));
    // As the broker sends a revoke: the end moves to that moment, the length asked for stays.
    let mut ended = req(1, RequestState::Ended, 21);
    ended.end_at = t(20);
    assert!(closed_early(&ended));
    m.book.upsert_mine(ended, t(21));
    // Its history is asked for once, to say who revoked it; an on-time end is not asked.
    let mut on_time = req(2, RequestState::Ended, 60);
    on_time.start_at = t(0);
    m.book.upsert_mine(on_time, t(61));
    assert_eq!(m.revocations_to_ask(), [1]);
    assert!(m.revocations_to_ask().is_empty());
    assert_eq!(m.history()[1].revoked, None);
    m.set_revocation(
        1,
        Some(Revocation {
            by: "bob".into(),
            at: t(20),
        }),
    );
    let history = m.history();
    assert_eq!(history[0].request.id, 2);
    assert_eq!(
        history[1].revoked.as_ref().map(|r| r.by.as_str()),
        Some("bob")
    );
}
