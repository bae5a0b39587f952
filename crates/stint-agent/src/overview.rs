//! The picture `stint ls` shows, held in memory. The event stream says when it changes:
//! every (re)connection and every event marks it stale, and one reader task reads it again
//! through the client core (a burst of events — a revoke is "ending" then "ended" — gives
//! one read). `ls` is then answered from memory, without asking the broker.
//!
//! What the stream does not carry — a policy reload, a standing assignment changed outside
//! Stint — is caught by [`MAX_AGE`]: an older picture is read again before it is served.
//! Without a connected stream the agent holds nothing and reads through the core per `ls`,
//! as the CLI would.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use std::time::Instant;
use stint_client::{Overview, Result};
use tokio::sync::watch;

use crate::protocol::Failure;

/// A held picture older than this is read again before it is served.
pub const MAX_AGE: Duration = Duration::from_secs(5 * 60);

/// How long the reader waits after being woken, so events arriving together cost one read.
const SETTLE: Duration = Duration::from_millis(200);

/// Where the picture stands (shown by `stint agent status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Nothing held and nothing asked for (the stream has not connected yet).
    Unread,
    /// Something changed: the reader reads it again.
    Stale,
    Reading,
    Held,
    /// The last read failed; the next `ls` asks again.
    Failed,
}

#[derive(Debug, Clone)]
enum Slot {
    Unread,
    Stale,
    Reading,
    Held {
        overview: Arc<Overview>,
        read_at: Instant,
    },
    Failed(Failure),
}

#[derive(Debug, Clone)]
struct State {
    /// Bumped by every change; a read whose generation is no longer current is thrown
    /// away (the reader reads again).
    generation: u64,
    slot: Slot,
}

/// The picture and the signal its reader follows.
pub struct Picture {
    state: watch::Sender<State>,
    /// The time, injected so tests can age a picture without waiting.
    now: Box<dyn Fn() -> Instant + Send + Sync>,
}

impl std::fmt::Debug for Picture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picture")
            .field("standing", &self.standing())
            .finish_non_exhaustive()
    }
}

/// How an `ls` was answered.
#[derive(Debug)]
pub enum Answer {
    /// From the picture held in memory.
    Memory(Overview),
    /// After reading through the client core (here or by the reader).
    Read(Result<Overview>),
}

impl Default for Picture {
    fn default() -> Self {
        Self::with_clock(Instant::now)
    }
}

impl Picture {
    /// A picture whose age is measured with `now`.
    pub fn with_clock(now: impl Fn() -> Instant + Send + Sync + 'static) -> Self {
        Self {
            state: watch::channel(State {
                generation: 0,
                slot: Slot::Unread,
            })
            .0,
            now: Box::new(now),
        }
    }

    /// Something changed (an event, a (re)connection, a new login): what is held is
    /// not served again, and the reader reads it anew.
    pub fn changed(&self) {
        self.state.send_modify(|s| {
            s.generation += 1;
            s.slot = Slot::Stale;
        });
    }

    /// How many changes there have been: with [`Picture::changed_since`], how a watcher
    /// (the tray's menu) learns of the next one without polling.
    pub fn generation(&self) -> u64 {
        self.state.borrow().generation
    }

    /// Resolves once something changed after `generation` (an event, a (re)connection, a
    /// new login).
    pub async fn changed_since(&self, generation: u64) {
        let mut rx = self.state.subscribe();
        let _ = rx.wait_for(|s| s.generation != generation).await;
    }

    pub fn standing(&self) -> Standing {
        match self.state.borrow().slot {
            Slot::Unread => Standing::Unread,
            Slot::Stale => Standing::Stale,
            Slot::Reading => Standing::Reading,
            Slot::Held { .. } => Standing::Held,
            Slot::Failed(_) => Standing::Failed,
        }
    }

    /// The reader: reads the picture (`read`: [`stint_client::Stint::overview`]) each time it goes
    /// stale. Runs while the agent does.
    pub async fn keep_current<F, Fut>(&self, read: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Overview>>,
    {
        let mut rx = self.state.subscribe();
        loop {
            if rx
                .wait_for(|s| matches!(s.slot, Slot::Stale))
                .await
                .is_err()
            {
                return;
            }
            tokio::time::sleep(SETTLE).await;
            // Changes during the pause are taken in by this read.
            let mut generation = 0;
            self.state.send_modify(|s| {
                s.slot = Slot::Reading;
                generation = s.generation;
            });
            let read = read().await;
            self.state.send_modify(|s| {
                if s.generation == generation {
                    s.slot = match read {
                        Ok(overview) => Slot::Held {
                            overview: Arc::new(overview),
                            read_at: (self.now)(),
                        },
                        Err(e) => {
                            tracing::debug!(error = %e, "cannot read the ls picture");
                            Slot::Failed(Failure::from(&e))
                        }
                    };
                }
            });
        }
    }

    /// The picture for one `ls`: held and young enough, or the result of a read that
    /// started after this was asked (a failure of an older read is not repeated).
    /// `following`: whether the event stream is connected now; if not, nothing held can
    /// be trusted and `read` ([`stint_client::Stint::overview`]) is called here.
    pub async fn get<F, Fut>(&self, following: bool, read: F) -> Answer
    where
        F: Fn() -> Fut,
        Fut: Future<Output = Result<Overview>>,
    {
        if !following {
            return Answer::Read(read().await);
        }
        let mut rx = self.state.subscribe();
        // Whether a read has been under way while this waited: its outcome answers.
        let mut waited = false;
        loop {
            let slot = rx.borrow_and_update().slot.clone();
            match slot {
                Slot::Held { overview, read_at }
                    if (self.now)().saturating_duration_since(read_at) < MAX_AGE =>
                {
                    return if waited {
                        Answer::Read(Ok((*overview).clone()))
                    } else {
                        Answer::Memory((*overview).clone())
                    };
                }
                Slot::Failed(failure) if waited => return Answer::Read(Err(failure.into())),
                Slot::Stale | Slot::Reading => waited = true,
                Slot::Unread | Slot::Held { .. } | Slot::Failed(_) => {
                    self.changed();
                    waited = true;
                }
            }
            if rx.changed().await.is_err() {
                return Answer::Read(read().await);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use stint_client::{AccessEntry, Error};

    use super::*;

    /// The `n`th read's picture: `n` entries, so reads can be told apart.
    fn picture_of(n: usize) -> Overview {
        let entry = AccessEntry {
            account_id: "444444444444".into(),
            account_name: "dev".into(),
            permission_set: "ReadOnlyAccess".into(),
            assigned: true,
            eligible: false,
            max_duration_secs: None,
            approval_required: None,
            max_without_approval_secs: None,
        };
        Overview {
            access: vec![entry; n],
            ..Overview::default()
        }
    }

    /// A picture on a clock the test moves (seconds, in `aged`), its reader running with
    /// `read` (given the read's number, from 1), and how many reads there were.
    struct Started {
        picture: Arc<Picture>,
        reads: Arc<AtomicUsize>,
        aged: Arc<AtomicU64>,
    }

    fn start<F, Fut>(read: F) -> Started
    where
        F: Fn(Arc<Picture>, usize) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Overview>> + Send + 'static,
    {
        let base = Instant::now();
        let aged = Arc::new(AtomicU64::new(0));
        let picture = Arc::new(Picture::with_clock({
            let aged = aged.clone();
            move || base + Duration::from_secs(aged.load(Ordering::SeqCst))
        }));
        let reads = Arc::new(AtomicUsize::new(0));
        let (p, r) = (picture.clone(), reads.clone());
        tokio::spawn(async move {
            let read = &read;
            p.keep_current(|| read(p.clone(), r.fetch_add(1, Ordering::SeqCst) + 1))
                .await;
        });
        Started {
            picture,
            reads,
            aged,
        }
    }

    /// The read `get` does itself, which a test expects not to happen.
    async fn never() -> Result<Overview> {
        panic!("the reader's picture must have answered")
    }

    fn memory(answer: Answer) -> Overview {
        match answer {
            Answer::Memory(o) => o,
            Answer::Read(r) => panic!("read instead of served from memory: {r:?}"),
        }
    }

    fn read(answer: Answer) -> Result<Overview> {
        match answer {
            Answer::Read(r) => r,
            Answer::Memory(_) => panic!("served from memory instead of read"),
        }
    }

    #[tokio::test]
    async fn a_burst_of_changes_costs_one_read_then_ls_is_served_from_memory() {
        let Started { picture, reads, .. } = start(|_, n| async move { Ok(picture_of(n)) });
        assert_eq!(picture.standing(), Standing::Unread);
        for _ in 0..3 {
            picture.changed();
        }
        let first = read(picture.get(true, never).await).unwrap();
        assert_eq!(first, picture_of(1));
        assert_eq!(picture.standing(), Standing::Held);
        for _ in 0..3 {
            assert_eq!(memory(picture.get(true, never).await), picture_of(1));
        }
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_change_during_a_read_throws_that_read_away_and_reads_again() {
        let Started { picture, reads, .. } = start(|picture, n| async move {
            if n == 1 {
                // An event arrives while the broker is being asked.
                picture.changed();
            }
            Ok(picture_of(n))
        });
        picture.changed();
        assert_eq!(read(picture.get(true, never).await).unwrap(), picture_of(2));
        assert_eq!(memory(picture.get(true, never).await), picture_of(2));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_failed_read_is_told_once_and_the_next_ls_reads_again() {
        let Started { picture, reads, .. } = start(|_, n| async move {
            if n == 1 {
                Err(Error::LoginExpired)
            } else {
                Ok(picture_of(n))
            }
        });
        picture.changed();
        let failed = read(picture.get(true, never).await).unwrap_err();
        assert_eq!(failed.to_string(), Error::LoginExpired.to_string());
        assert_eq!(failed.kind(), Error::LoginExpired.kind());
        assert_eq!(picture.standing(), Standing::Failed);
        assert_eq!(read(picture.get(true, never).await).unwrap(), picture_of(2));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_picture_older_than_max_age_is_read_again_before_it_is_served() {
        let Started {
            picture,
            reads,
            aged,
        } = start(|_, n| async move { Ok(picture_of(n)) });
        picture.changed();
        read(picture.get(true, never).await).unwrap();
        aged.store(MAX_AGE.as_secs() - 1, Ordering::SeqCst);
        assert_eq!(memory(picture.get(true, never).await), picture_of(1));
        aged.store(MAX_AGE.as_secs(), Ordering::SeqCst);
        assert_eq!(read(picture.get(true, never).await).unwrap(), picture_of(2));
        assert_eq!(reads.load(Ordering::SeqCst), 2);
    }

    #[tokio::test]
    async fn a_watcher_wakes_on_the_next_change_and_not_before() {
        let picture = Arc::new(Picture::default());
        let seen = picture.generation();
        let waiter = tokio::spawn({
            let picture = picture.clone();
            async move { picture.changed_since(seen).await }
        });
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(!waiter.is_finished(), "woke without a change");
        picture.changed();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .expect("a change wakes the watcher")
            .unwrap();
        assert_eq!(picture.generation(), seen + 1);
    }

    #[tokio::test]
    async fn without_the_event_stream_nothing_held_is_served() {
        let Started { picture, reads, .. } = start(|_, n| async move { Ok(picture_of(n)) });
        picture.changed();
        read(picture.get(true, never).await).unwrap();
        let here = || async { Ok(picture_of(9)) };
        assert_eq!(read(picture.get(false, here).await).unwrap(), picture_of(9));
        assert_eq!(reads.load(Ordering::SeqCst), 1);
    }
}
