//! Retry and polling delays.

use std::time::Duration;

use rand::Rng;

/// Exponential backoff with full jitter (AWS's recommendation): a uniformly random delay in
/// `[0, min(cap, base * 2^attempt))`, so many retries of one throttled API spread out.
pub fn full_jitter(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let ceiling = exponential(base, cap, attempt);
    if ceiling.is_zero() {
        return ceiling;
    }
    let millis = u64::try_from(ceiling.as_millis())
        .unwrap_or(u64::MAX)
        .max(1);
    Duration::from_millis(rand::thread_rng().gen_range(0..=millis))
}

/// `min(cap, base * 2^attempt)`, without overflow.
pub fn exponential(base: Duration, cap: Duration, attempt: u32) -> Duration {
    let factor = 1_u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX);
    base.checked_mul(factor).unwrap_or(cap).min(cap)
}

pub fn to_chrono(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exponential_doubles_then_caps() {
        let base = Duration::from_millis(200);
        let cap = Duration::from_secs(3);
        assert_eq!(exponential(base, cap, 0), Duration::from_millis(200));
        assert_eq!(exponential(base, cap, 1), Duration::from_millis(400));
        assert_eq!(exponential(base, cap, 3), Duration::from_millis(1600));
        assert_eq!(exponential(base, cap, 4), cap);
        assert_eq!(exponential(base, cap, 200), cap);
    }

    #[test]
    fn jitter_stays_under_the_ceiling() {
        let base = Duration::from_millis(100);
        let cap = Duration::from_secs(2);
        for attempt in 0..12 {
            for _ in 0..50 {
                assert!(full_jitter(base, cap, attempt) <= exponential(base, cap, attempt));
            }
        }
    }
}
