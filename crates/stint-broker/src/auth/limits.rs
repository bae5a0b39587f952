//! How often `POST /v1/auth/aws` may be tried: a token bucket per client address and one
//! per claimed identity (the access key named in the request's SigV4 credential scope,
//! which anyone can claim but only its holder can sign for). An attempt takes a token from
//! both; when either is empty the answer is 429 with the seconds until a token is back.
//! Buckets live in memory, per replica: the point is to keep one noisy client from
//! costing STS calls, database writes and audit rows, not exact global accounting.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};

use crate::clock::SharedClock;
use crate::config::SignInLimits;

/// Past this many buckets, full ones (idle clients) are dropped before adding another,
/// so a scan from many addresses cannot grow the map without bound.
const MAX_BUCKETS: usize = 50_000;

#[derive(Debug, Clone, Copy)]
struct Rate {
    burst: f64,
    per_second: f64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: DateTime<Utc>,
}

#[derive(Debug)]
struct Buckets {
    rate: Rate,
    map: HashMap<String, Bucket>,
}

impl Buckets {
    fn new(burst: u32, per_minute: u32) -> Self {
        Self {
            rate: Rate {
                burst: f64::from(burst),
                per_second: f64::from(per_minute) / 60.0,
            },
            map: HashMap::new(),
        }
    }

    fn refilled(&self, bucket: Bucket, now: DateTime<Utc>) -> f64 {
        let elapsed = (now - bucket.at).num_milliseconds().max(0) as f64 / 1000.0;
        (bucket.tokens + elapsed * self.rate.per_second).min(self.rate.burst)
    }

    /// Seconds until `key` has a token, 0 when it has one now.
    fn wait(&self, key: &str, now: DateTime<Utc>) -> u64 {
        let tokens = self
            .map
            .get(key)
            .map_or(self.rate.burst, |b| self.refilled(*b, now));
        if tokens >= 1.0 {
            0
        } else {
            ((1.0 - tokens) / self.rate.per_second).ceil().max(1.0) as u64
        }
    }

    fn take(&mut self, key: &str, now: DateTime<Utc>) {
        if self.map.len() >= MAX_BUCKETS && !self.map.contains_key(key) {
            let full: Vec<String> = self
                .map
                .iter()
                .filter(|(_, b)| self.refilled(**b, now) >= self.rate.burst)
                .map(|(k, _)| k.clone())
                .collect();
            for k in full {
                self.map.remove(&k);
            }
        }
        let tokens = self
            .map
            .get(key)
            .map_or(self.rate.burst, |b| self.refilled(*b, now));
        self.map.insert(
            key.to_owned(),
            Bucket {
                tokens: tokens - 1.0,
                at: now,
            },
        );
    }
}

/// Why an attempt was not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    /// Whole seconds until trying again can succeed.
    pub retry_after: u64,
    /// `address` or `identity`: which bucket was empty.
    pub by: &'static str,
}

pub struct SignInLimiter {
    clock: SharedClock,
    buckets: Mutex<(Buckets, Buckets)>,
    allowed: AtomicU64,
    by_address: AtomicU64,
    by_identity: AtomicU64,
}

impl std::fmt::Debug for SignInLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInLimiter").finish_non_exhaustive()
    }
}

impl SignInLimiter {
    pub fn new(limits: &SignInLimits, clock: SharedClock) -> Self {
        Self {
            clock,
            buckets: Mutex::new((
                Buckets::new(limits.per_address_burst, limits.per_address_per_minute),
                Buckets::new(limits.per_identity_burst, limits.per_identity_per_minute),
            )),
            allowed: AtomicU64::new(0),
            by_address: AtomicU64::new(0),
            by_identity: AtomicU64::new(0),
        }
    }

    /// Takes a token for `address` and, when the request names one, `identity`; or says
    /// how long to wait. A refused attempt takes nothing, so waiting is enough.
    pub fn check(&self, address: &str, identity: Option<&str>) -> Result<(), Throttled> {
        let now = self.clock.now();
        let mut guard = self
            .buckets
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let (addresses, identities) = &mut *guard;
        let address_wait = addresses.wait(address, now);
        let identity_wait = identity.map_or(0, |id| identities.wait(id, now));
        let throttled = if address_wait > 0 {
            Some(Throttled {
                retry_after: address_wait.max(identity_wait),
                by: "address",
            })
        } else if identity_wait > 0 {
            Some(Throttled {
                retry_after: identity_wait,
                by: "identity",
            })
        } else {
            None
        };
        if let Some(t) = throttled {
            let counter = if t.by == "address" {
                &self.by_address
            } else {
                &self.by_identity
            };
            counter.fetch_add(1, Ordering::Relaxed);
            return Err(t);
        }
        addresses.take(address, now);
        if let Some(id) = identity {
            identities.take(id, now);
        }
        self.allowed.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    pub fn render(&self, out: &mut String) {
        let _ = writeln!(
            out,
            "# HELP stint_sign_in_attempts_total Sign-in attempts by whether the rate limits let them through.\n# TYPE stint_sign_in_attempts_total counter"
        );
        for (outcome, counter) in [
            ("allowed", &self.allowed),
            ("throttled_by_address", &self.by_address),
            ("throttled_by_identity", &self.by_identity),
        ] {
            let _ = writeln!(
                out,
                "stint_sign_in_attempts_total{{outcome=\"{outcome}\"}} {}",
                counter.load(Ordering::Relaxed)
            );
        }
    }
}

/// The access key id of a SigV4 `Authorization` header's credential scope, if it has one
/// that looks like an access key (so arbitrary text cannot make arbitrary bucket keys).
pub fn claimed_access_key(authorization: &str) -> Option<&str> {
    let after = authorization.split("Credential=").nth(1)?;
    let key = after.split('/').next()?.trim();
    let plausible =
        (16..=128).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric());
    plausible.then_some(key)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::clock::ManualClock;

    fn limits() -> SignInLimits {
        SignInLimits {
            per_address_burst: 3,
            per_address_per_minute: 6,
            per_identity_burst: 2,
            per_identity_per_minute: 1,
            ..SignInLimits::default()
        }
    }

    #[test]
    fn a_burst_then_the_refill_rate() {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let limiter = SignInLimiter::new(&limits(), clock.clone());
        for _ in 0..3 {
            limiter.check("10.0.0.1", None).unwrap();
        }
        let t = limiter.check("10.0.0.1", None).unwrap_err();
        assert_eq!(
            t,
            Throttled {
                retry_after: 10,
                by: "address"
            }
        );
        // Another address has its own bucket.
        limiter.check("10.0.0.2", None).unwrap();
        clock.advance(chrono::Duration::seconds(10));
        limiter.check("10.0.0.1", None).unwrap();
        assert!(limiter.check("10.0.0.1", None).is_err());
    }

    #[test]
    fn one_identity_is_limited_across_addresses() {
        let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
        let limiter = SignInLimiter::new(&limits(), clock.clone());
        limiter.check("10.0.0.1", Some("ASIAONE")).unwrap();
        limiter.check("10.0.0.2", Some("ASIAONE")).unwrap();
        let t = limiter.check("10.0.0.3", Some("ASIAONE")).unwrap_err();
        assert_eq!(
            t,
            Throttled {
                retry_after: 60,
                by: "identity"
            }
        );
        limiter.check("10.0.0.3", Some("ASIATWO")).unwrap();
        let mut text = String::new();
        limiter.render(&mut text);
        assert!(text.contains("stint_sign_in_attempts_total{outcome=\"throttled_by_identity\"} 1"));
        assert!(text.contains("stint_sign_in_attempts_total{outcome=\"allowed\"} 3"));
    }

    #[test]
    fn the_access_key_is_read_from_the_credential_scope() {
        let auth = "AWS4-HMAC-SHA256 Credential=ASIAEXAMPLE12345678/20260302/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=ab";
        assert_eq!(claimed_access_key(auth), Some("ASIAEXAMPLE12345678"));
        assert_eq!(claimed_access_key("Bearer x"), None);
        assert_eq!(
            claimed_access_key("AWS4-HMAC-SHA256 Credential=a b/x"),
            None
        );
    }
}
