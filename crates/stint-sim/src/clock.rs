//! The simulator's one source of time. Every expiry, provisioning delay and signing-time
//! check reads [`SimClock::now`], never the system clock directly, so a test moves time
//! forward (`POST /_sim/clock/advance`) instead of sleeping.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

/// Real time plus an offset that only grows; or, for unit tests, a frozen instant plus
/// that offset. Cloning shares the same clock.
#[derive(Clone, Debug)]
pub struct SimClock {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug)]
struct Inner {
    base: Base,
    offset: chrono::Duration,
}

#[derive(Debug, Clone, Copy)]
enum Base {
    System,
    Frozen(DateTime<Utc>),
}

impl SimClock {
    /// Follows the system clock, plus whatever [`SimClock::advance`] adds.
    pub fn system() -> Self {
        Self::with_base(Base::System)
    }

    /// Stands still at `start` until advanced. For tests of the simulator's own logic.
    pub fn frozen(start: DateTime<Utc>) -> Self {
        Self::with_base(Base::Frozen(start))
    }

    fn with_base(base: Base) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner {
                base,
                offset: chrono::Duration::zero(),
            })),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        let inner = self.inner.lock();
        let base = match inner.base {
            Base::System => Utc::now(),
            Base::Frozen(at) => at,
        };
        base + inner.offset
    }

    /// Moves the clock forward. Time never goes back: tokens issued "later" must not
    /// become valid again.
    pub fn advance(&self, by: std::time::Duration) {
        let by = chrono::Duration::from_std(by).unwrap_or(chrono::Duration::MAX);
        let mut inner = self.inner.lock();
        inner.offset = inner.offset.checked_add(&by).unwrap_or(inner.offset);
    }

    /// How far the clock has been advanced in total.
    pub fn offset(&self) -> std::time::Duration {
        self.inner.lock().offset.to_std().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let start = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = SimClock::frozen(start);
        let shared = clock.clone();
        assert_eq!(clock.now(), start);
        shared.advance(std::time::Duration::from_secs(90));
        assert_eq!(clock.now(), start + chrono::Duration::seconds(90));
        assert_eq!(clock.offset(), std::time::Duration::from_secs(90));
    }

    #[test]
    fn system_clock_is_ahead_of_real_time_by_the_offset() {
        let clock = SimClock::system();
        clock.advance(std::time::Duration::from_secs(3600));
        let ahead = clock.now() - Utc::now();
        assert!(ahead > chrono::Duration::minutes(59), "{ahead}");
    }
}
