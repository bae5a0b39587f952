//! The tray's notifications: the requests book (`stint-notices`, the same rules and words
//! as the app) fed with the agent's picture each time it is read and with each event of
//! the broker's stream as it comes, so a change is announced once, whichever says it
//! first. Plain data: `watch.rs` feeds it and `notify.rs` shows what it returns.

use chrono::{DateTime, Utc};
use stint_api::BrokerEvent;
use stint_client::Overview;
use stint_notices::{Book, Notice, NotificationPrefs};

#[derive(Debug, Default)]
pub struct Announcer {
    book: Book,
    /// Whose requests the book holds: another person's login starts a new book (their
    /// past is not news).
    person: Option<String>,
}

impl Announcer {
    /// The agent's picture of `person`'s requests, read again: what changed since the last
    /// one, and the "5 minutes left" now due.
    pub fn picture(
        &mut self,
        person: &str,
        overview: &Overview,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        if self.person.as_deref() != Some(person) {
            self.book = Book::new();
            self.person = Some(person.to_owned());
        }
        let mut notices =
            self.book
                .replace(overview.requests.clone(), overview.approvable.clone(), now);
        notices.extend(self.book.due_warnings(now));
        notices
    }

    /// One event of the broker's stream. Before the first picture nothing is news: what
    /// the event says may have been true for long.
    pub fn event(&mut self, event: &BrokerEvent, now: DateTime<Utc>) -> Vec<Notice> {
        if !self.book.is_primed() {
            return Vec::new();
        }
        self.book.apply(event, now)
    }

    /// The "5 minutes left" due now.
    pub fn tick(&mut self, now: DateTime<Utc>) -> Vec<Notice> {
        self.book.due_warnings(now)
    }

    /// When the next "5 minutes left" is due, for the watcher's timer.
    pub fn next_warning(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.book.next_warning(now)
    }

    /// Signed out: the next login's past is not news either.
    pub fn signed_out(&mut self) {
        *self = Self::default();
    }
}

/// The notices the person wants, by the window's Settings (`prefs`).
pub fn wanted(notices: Vec<Notice>, prefs: &NotificationPrefs) -> Vec<Notice> {
    notices
        .into_iter()
        .filter(|n| n.kind.enabled(prefs))
        .collect()
}

#[cfg(test)]
mod tests {
    use stint_api::{EventKind, RequestState};
    use stint_notices::NoticeKind;
    use stint_notices::testing::{req, t};

    use super::*;

    fn overview(requests: Vec<stint_api::AccessRequest>) -> Overview {
        Overview {
            requests,
            ..Overview::default()
        }
    }

    fn kinds(notices: &[Notice]) -> Vec<NoticeKind> {
        notices.iter().map(|n| n.kind).collect()
    }

    #[test]
    fn a_change_is_announced_once_whether_the_event_or_the_picture_says_it_first() {
        let mut a = Announcer::default();
        let pending = overview(vec![req(1, RequestState::Pending, -5)]);
        assert!(a.picture("alice", &pending, t(-5)).is_empty());

        let approved = BrokerEvent {
            seq: 1,
            kind: EventKind::RequestChanged,
            request: req(1, RequestState::Approved, -1),
        };
        assert_eq!(kinds(&a.event(&approved, t(-1))), [NoticeKind::Approved]);
        // The picture read after the event says the same: nothing new.
        let read = overview(vec![req(1, RequestState::Approved, -1)]);
        assert!(a.picture("alice", &read, t(-1)).is_empty());
        // The window opened while no event came (the stream was down): the picture says it.
        let active = overview(vec![req(1, RequestState::Active, 0)]);
        assert_eq!(
            kinds(&a.picture("alice", &active, t(0))),
            [NoticeKind::Active]
        );
        assert!(
            a.event(
                &BrokerEvent {
                    seq: 2,
                    kind: EventKind::RequestChanged,
                    request: req(1, RequestState::Active, 0)
                },
                t(0)
            )
            .is_empty()
        );
    }

    #[test]
    fn events_before_the_first_picture_and_another_persons_past_are_not_news() {
        let mut a = Announcer::default();
        let used = BrokerEvent {
            seq: 1,
            kind: EventKind::UsedAfterWindow,
            request: req(1, RequestState::Ended, 60),
        };
        assert!(a.event(&used, t(61)).is_empty());
        assert!(
            a.picture(
                "alice",
                &overview(vec![req(1, RequestState::Pending, -5)]),
                t(-5)
            )
            .is_empty()
        );
        // bob signs in on this tray: alice's request approved since is not bob's news.
        assert!(
            a.picture(
                "bob",
                &overview(vec![req(1, RequestState::Active, 0)]),
                t(0)
            )
            .is_empty()
        );
        assert_eq!(kinds(&a.event(&used, t(61))), [NoticeKind::UsedAfterWindow]);
    }

    #[test]
    fn five_minutes_left_comes_from_the_timer_once() {
        let mut a = Announcer::default();
        a.picture(
            "alice",
            &overview(vec![req(1, RequestState::Active, 0)]),
            t(1),
        );
        assert_eq!(a.next_warning(t(1)), Some(t(55)));
        assert!(a.tick(t(54)).is_empty());
        assert_eq!(kinds(&a.tick(t(55))), [NoticeKind::Expiring]);
        assert!(a.tick(t(56)).is_empty());
        assert_eq!(a.next_warning(t(56)), None);
    }

    #[test]
    fn the_settings_turn_kinds_off() {
        let mut a = Announcer::default();
        a.picture(
            "alice",
            &overview(vec![req(1, RequestState::Pending, -5)]),
            t(-5),
        );
        let notices = a.picture(
            "alice",
            &overview(vec![req(1, RequestState::Active, 0)]),
            t(0),
        );
        assert_eq!(kinds(&notices), [NoticeKind::Approved, NoticeKind::Active]);
        let prefs = NotificationPrefs {
            active: false,
            ..NotificationPrefs::default()
        };
        assert_eq!(kinds(&wanted(notices, &prefs)), [NoticeKind::Approved]);
    }
}
