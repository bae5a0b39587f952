//! The device login's polling, against a scripted Identity Center.

use std::cell::RefCell;
use std::collections::VecDeque;

use super::*;
use crate::secret::Secret;

fn issued() -> IssuedToken {
    IssuedToken {
        access_token: Secret::new("a"),
        expires_in: Duration::hours(1),
        refresh_token: None,
    }
}

/// Runs the loop over scripted answers; returns the pauses it took and how it ended.
async fn run(
    answers: Vec<Poll>,
    interval: i64,
    expires_in: i64,
) -> (Vec<u64>, std::result::Result<IssuedToken, PollEnd>) {
    let answers = RefCell::new(VecDeque::from(answers));
    let pauses = RefCell::new(Vec::new());
    let end = poll_until_decided(
        Duration::seconds(interval),
        Duration::seconds(expires_in),
        || {
            let next = answers.borrow_mut().pop_front().unwrap_or(Poll::Pending);
            async move { Ok(next) }
        },
        |d| {
            pauses.borrow_mut().push(d.as_secs());
            async {}
        },
    )
    .await;
    (pauses.into_inner(), end)
}

#[tokio::test]
async fn waits_the_interval_and_five_seconds_more_after_each_slow_down() {
    let (pauses, end) = run(
        vec![
            Poll::Pending,
            Poll::SlowDown,
            Poll::Pending,
            Poll::SlowDown,
            Poll::Issued(issued()),
        ],
        2,
        600,
    )
    .await;
    assert!(end.is_ok());
    assert_eq!(pauses, vec![2, 2, 7, 7, 12]);
}

#[tokio::test]
async fn expired_and_denied_end_the_wait() {
    let (_, end) = run(vec![Poll::Pending, Poll::Expired], 1, 600).await;
    assert!(matches!(end, Err(PollEnd::Expired)));
    let (_, end) = run(vec![Poll::Denied], 1, 600).await;
    assert!(matches!(end, Err(PollEnd::Denied)));
}

#[tokio::test]
async fn gives_up_when_the_code_must_have_expired_even_if_never_told() {
    let (pauses, end) = run(vec![], 10, 60).await;
    assert!(matches!(end, Err(PollEnd::Expired)));
    // 60 s of code life + 30 s grace: nine polls ten seconds apart, then no more.
    assert_eq!(pauses.len(), 9);
}
