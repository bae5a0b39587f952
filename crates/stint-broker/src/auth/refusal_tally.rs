//! Refused sign-ins, audited in aggregate. The first refusal of a kind (client address,
//! code, reason, claimed user) in an interval is written at once, so an investigator sees
//! it when it happens; repeats are only counted, and written as one `login_refused` event
//! with their count when the interval ends. Unauthenticated traffic therefore adds at most
//! two audit rows per kind per interval, and the kinds per interval are capped: past
//! [`MAX_KINDS`], refusals are counted under one catch-all kind.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::{AuthError, audit_events};
use crate::model::NewEvent;

/// Distinct kinds of refusal tracked per interval.
pub const MAX_KINDS: usize = 256;

/// The source of the catch-all kind.
const ELSEWHERE: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Kind {
    source: String,
    code: &'static str,
    reason: String,
    user: Option<String>,
}

#[derive(Debug, Clone)]
struct Repeats {
    count: u64,
    first: Option<DateTime<Utc>>,
    last: Option<DateTime<Utc>>,
    endpoint: Option<String>,
}

#[derive(Debug)]
struct State {
    started: DateTime<Utc>,
    kinds: HashMap<Kind, Repeats>,
}

#[derive(Debug)]
pub struct RefusalTally {
    interval: chrono::Duration,
    state: Mutex<Option<State>>,
}

/// What one refusal is.
pub struct Refused<'a> {
    pub error: &'a AuthError,
    pub source: &'a str,
    pub user_name: Option<&'a str>,
    pub endpoint: Option<&'a str>,
    pub at: DateTime<Utc>,
}

impl RefusalTally {
    pub fn new(interval: std::time::Duration) -> Self {
        Self {
            interval: chrono::Duration::from_std(interval).unwrap_or(chrono::Duration::minutes(1)),
            state: Mutex::new(None),
        }
    }

    /// Counts a refusal; returns the audit events to write now: the first of its kind in
    /// this interval, and the repeats of the interval that just ended, if one did.
    pub fn note(&self, refused: &Refused<'_>) -> Vec<NewEvent> {
        let mut out = Vec::new();
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = match guard.as_mut() {
            Some(state) if refused.at < state.started + self.interval => state,
            _ => {
                if let Some(ended) = guard.take() {
                    out.extend(repeats_of(ended, refused.at));
                }
                guard.insert(State {
                    started: refused.at,
                    kinds: HashMap::new(),
                })
            }
        };
        let mut kind = Kind {
            source: refused.source.to_owned(),
            code: refused.error.code().as_str(),
            reason: refused.error.to_string(),
            user: refused.user_name.map(str::to_owned),
        };
        if !state.kinds.contains_key(&kind) && state.kinds.len() >= MAX_KINDS {
            kind = Kind {
                source: ELSEWHERE.to_owned(),
                code: refused.error.code().as_str(),
                reason: "more kinds of refusal than are tracked one by one".to_owned(),
                user: None,
            };
        }
        let catch_all = kind.source == ELSEWHERE;
        match state.kinds.get_mut(&kind) {
            Some(repeats) => {
                repeats.count += 1;
                repeats.first.get_or_insert(refused.at);
                repeats.last = Some(refused.at);
            }
            None if catch_all => {
                state.kinds.insert(
                    kind,
                    Repeats {
                        count: 1,
                        first: Some(refused.at),
                        last: Some(refused.at),
                        endpoint: None,
                    },
                );
            }
            None => {
                out.push(audit_events::login_refused(
                    refused.error,
                    refused.at,
                    refused.user_name,
                    refused.endpoint,
                    refused.source,
                ));
                state.kinds.insert(
                    kind,
                    Repeats {
                        count: 0,
                        first: None,
                        last: None,
                        endpoint: refused.endpoint.map(str::to_owned),
                    },
                );
            }
        }
        out
    }

    /// The repeats counted so far, as events; the interval starts again. Called when the
    /// interval ends without a new refusal, and at shutdown.
    pub fn flush(&self, now: DateTime<Utc>) -> Vec<NewEvent> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match guard.as_ref() {
            Some(state) if now >= state.started + self.interval => {}
            _ => return Vec::new(),
        }
        guard.take().map(|s| repeats_of(s, now)).unwrap_or_default()
    }

    /// Everything counted, whatever the interval (shutdown).
    pub fn flush_all(&self, now: DateTime<Utc>) -> Vec<NewEvent> {
        let mut guard = self
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.take().map(|s| repeats_of(s, now)).unwrap_or_default()
    }
}

fn repeats_of(state: State, now: DateTime<Utc>) -> Vec<NewEvent> {
    let mut out: Vec<NewEvent> = state
        .kinds
        .into_iter()
        .filter(|(_, r)| r.count > 0)
        .map(|(kind, r)| {
            audit_events::login_refused_repeats(audit_events::Repeated {
                code: kind.code,
                reason: &kind.reason,
                user_name: kind.user.as_deref(),
                endpoint: r.endpoint.as_deref(),
                source: &kind.source,
                count: r.count,
                from: r.first.unwrap_or(state.started),
                to: r.last.unwrap_or(now),
                at: now,
            })
        })
        .collect();
    // The same order every flush: by the stored bytes of each event.
    out.sort_by_key(|e| e.event.encode().unwrap_or_default());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AuditEvent;
    use crate::model::audit::LoginRefused;

    fn refused(e: &NewEvent) -> &LoginRefused {
        match &e.event {
            AuditEvent::LoginRefused(r) => r,
            other => panic!("not a refused sign-in: {other:?}"),
        }
    }

    fn at(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + secs, 0).unwrap()
    }

    fn refuse(tally: &RefusalTally, source: &str, secs: i64) -> Vec<NewEvent> {
        let error = AuthError::IdentityRejected("the signature is bad".into());
        tally.note(&Refused {
            error: &error,
            source,
            user_name: None,
            endpoint: None,
            at: at(secs),
        })
    }

    #[test]
    fn the_first_is_written_at_once_and_repeats_once_counted() {
        let tally = RefusalTally::new(std::time::Duration::from_secs(60));
        assert_eq!(refuse(&tally, "10.0.0.1", 0).len(), 1);
        for s in 1..500 {
            assert!(refuse(&tally, "10.0.0.1", s % 59).is_empty());
        }
        assert!(tally.flush(at(59)).is_empty(), "the interval has not ended");
        let written = tally.flush(at(61));
        assert_eq!(written.len(), 1);
        assert_eq!(refused(&written[0]).count, 499);
        assert_eq!(refused(&written[0]).source, "10.0.0.1");
        assert!(tally.flush(at(200)).is_empty());
    }

    #[test]
    fn many_sources_are_capped() {
        let tally = RefusalTally::new(std::time::Duration::from_secs(60));
        let mut written = 0;
        for i in 0..10_000 {
            written += refuse(&tally, &format!("10.{}.{}.1", i / 250, i % 250), 1).len();
        }
        assert_eq!(written, MAX_KINDS);
        let rest = tally.flush_all(at(2));
        assert_eq!(rest.len(), 1);
        assert_eq!(refused(&rest[0]).count, 10_000 - MAX_KINDS as u64);
        assert_eq!(refused(&rest[0]).source, "*");
    }
}
