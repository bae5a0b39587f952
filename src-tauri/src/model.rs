//! The app's picture of the person's requests, kept from the broker's answers and its
//! event stream. Plain data and pure functions: the requests book ([`Book`]) decides
//! which notifications are due (each at most once); this adds what only the app shows —
//! the tray's look, the window's lists, the credentials it handed out, policy's limits,
//! who revoked what — and when the next timer must fire. The service around it does the
//! I/O.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use stint_api::AccessRequest;
use stint_notices::Book;

use crate::view::{Revocation, RoleKey};

/// How many finished requests the window lists.
const HISTORY_LEN: usize = 50;

/// What the tray icon shows, most urgent last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TrayLook {
    SignedOut,
    Idle,
    Pending,
    Active,
    Expiring,
}

#[derive(Debug, Default)]
pub struct Model {
    /// The person's requests and those they may decide on, and what was announced.
    pub book: Book,
    /// Credentials this app handed out, by request and role (a group grant gives
    /// several): when they expire.
    credentials: BTreeMap<(i64, RoleKey), DateTime<Utc>>,
    /// The longest window policy allows, by (account id, permission set): no Extend is
    /// offered past it.
    limits: BTreeMap<(String, String), u32>,
    /// Who revoked the grants that closed early, from each one's history.
    revocations: BTreeMap<i64, Revocation>,
    /// Histories asked for once (a final request does not change).
    revocations_asked: HashSet<i64>,
}

/// How much "Extend" adds, in the tray and the window.
pub const EXTEND_STEPS: [u32; 2] = [30 * 60, 60 * 60];

impl Model {
    pub fn new() -> Self {
        Self::default()
    }

    /// Forgets everything (sign-out, or another person signed in).
    pub fn clear(&mut self) {
        *self = Self::default();
    }

    /// Records what policy allows (from the broker's eligibility answer).
    pub fn set_limits(&mut self, items: &[stint_api::EligibleAccess]) {
        self.limits = items
            .iter()
            .map(|i| {
                (
                    (i.account.id.clone(), i.permission_set.name.clone()),
                    i.max_duration_secs,
                )
            })
            .collect();
    }

    /// The Extend steps that keep the grant within policy's longest window (all of them
    /// when the limit is unknown: the broker has the last word anyway).
    fn extend_steps(&self, r: &AccessRequest) -> Vec<u32> {
        let key = (r.account.id.clone(), r.permission_set.name.clone());
        let length = (r.end_at - r.start_at).num_seconds();
        EXTEND_STEPS
            .into_iter()
            .filter(|by| {
                self.limits
                    .get(&key)
                    .is_none_or(|max| length + i64::from(*by) <= i64::from(*max))
            })
            .collect()
    }

    pub fn credentials_issued(
        &mut self,
        request_id: i64,
        role: RoleKey,
        expires_at: DateTime<Utc>,
    ) {
        self.credentials.insert((request_id, role), expires_at);
    }

    /// When the last credentials handed out for any role of the grant expire.
    fn credentials_expire_at(&self, request_id: i64) -> Option<DateTime<Utc>> {
        self.credentials
            .iter()
            .filter(|((id, _), _)| *id == request_id)
            .map(|(_, at)| *at)
            .max()
    }
}

mod views;

#[cfg(test)]
mod views_tests;
