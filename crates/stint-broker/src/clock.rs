//! Time is injected so tests move it forward instead of sleeping. Broker logic never calls
//! `Utc::now()` directly, and never sleeps on the wall clock: it asks its clock to wake it
//! at a time, which a [`ManualClock`] does the moment a test moves past that time.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use tokio::sync::Notify;

/// A future that resolves once the clock reads at least the deadline.
pub type Sleep<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;

    /// Resolves once [`Clock::now`] has reached `deadline` (at once if it already has).
    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_>;
}

/// The wall clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        Box::pin(async move {
            // The wall clock can jump (NTP); re-check after each sleep instead of trusting one.
            loop {
                let left = deadline - Utc::now();
                match left.to_std() {
                    Ok(left) if !left.is_zero() => tokio::time::sleep(left).await,
                    _ => return,
                }
            }
        })
    }
}

/// A clock that only moves when told to. Cloning shares the same time, and every
/// [`Clock::sleep_until`] waiting on any clone wakes when the time passes its deadline.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
    moved: Arc<Notify>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
            moved: Arc::new(Notify::new()),
        }
    }

    pub fn advance(&self, by: Duration) {
        {
            let mut now = self
                .now
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            *now += by;
        }
        self.moved.notify_waiters();
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = to;
        self.moved.notify_waiters();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self
            .now
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn sleep_until(&self, deadline: DateTime<Utc>) -> Sleep<'_> {
        Box::pin(async move {
            loop {
                // Register interest before reading the time so an `advance` in between is not lost.
                let moved = self.moved.notified();
                tokio::pin!(moved);
                moved.as_mut().enable();
                if self.now() >= deadline {
                    return;
                }
                moved.await;
            }
        })
    }
}

pub type SharedClock = Arc<dyn Clock>;

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let clock = ManualClock::new(start());
        let shared = clock.clone();
        assert_eq!(clock.now(), start());
        shared.advance(Duration::minutes(5));
        assert_eq!(clock.now(), start() + Duration::minutes(5));
    }

    #[tokio::test]
    async fn manual_sleep_wakes_when_time_passes_the_deadline() {
        let clock = ManualClock::new(start());
        let sleeper = clock.clone();
        let woke = tokio::spawn(async move {
            sleeper.sleep_until(start() + Duration::seconds(10)).await;
        });
        tokio::task::yield_now().await;
        clock.advance(Duration::seconds(5));
        tokio::task::yield_now().await;
        assert!(!woke.is_finished(), "woke before its deadline");
        clock.advance(Duration::seconds(5));
        tokio::time::timeout(std::time::Duration::from_secs(10), woke)
            .await
            .expect("sleep did not end after the deadline passed")
            .unwrap();
    }

    #[tokio::test]
    async fn sleeping_until_the_past_returns_at_once() {
        let clock = ManualClock::new(start());
        clock.sleep_until(start() - Duration::seconds(1)).await;
        SystemClock
            .sleep_until(Utc::now() - Duration::seconds(1))
            .await;
    }
}
