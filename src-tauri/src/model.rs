//! The app's picture of the person's requests, kept from the broker's answers and its
//! event stream. Plain data and pure functions: it decides which notifications are due
//! (each at most once), what the tray shows and when the next timer must fire, and the
//! service around it does the I/O.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use stint_api::{AccessRequest, BrokerEvent, EventKind, RequestState};

use crate::notices::{Notice, NoticeKind};
use crate::view::{Revocation, RoleKey};

use self::announce::{review_kind, same_question};

/// The "5 minutes left" warning, and the tray's expiring look.
pub const EXPIRING_SOON: Duration = Duration::minutes(5);
/// A window that closes this much before its end was ended early (revoked).
const EARLY: Duration = Duration::seconds(30);
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
    mine: BTreeMap<i64, AccessRequest>,
    approvable: BTreeMap<i64, AccessRequest>,
    /// Credentials this app handed out, by request and role (a group grant gives
    /// several): when they expire.
    credentials: BTreeMap<(i64, RoleKey), DateTime<Utc>>,
    /// Notices already produced, so a replayed event or a resync never repeats one.
    notified: HashSet<(i64, NoticeKind)>,
    /// The same, by request set: its members change together, and one notice says so for
    /// all of them (three "to review" for one decision would read as three decisions).
    notified_sets: HashSet<(i64, NoticeKind)>,
    /// False until the first full load: what was already true then is not news.
    primed: bool,
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

    /// Replaces the picture with the broker's full answer (at start and after every
    /// reconnect), and returns the notices for what changed meanwhile.
    pub fn replace(
        &mut self,
        mine: Vec<AccessRequest>,
        approvable: Vec<AccessRequest>,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        let mut notices = Vec::new();
        let primed = self.primed;
        let old_mine = std::mem::take(&mut self.mine);
        for r in mine {
            if primed {
                notices.extend(self.mine_changed(old_mine.get(&r.id), &r, now));
            } else {
                self.mark_current(&r, now);
            }
            self.mine.insert(r.id, r);
        }
        let old_approvable = std::mem::take(&mut self.approvable);
        for r in approvable.into_iter().filter(awaits_decision) {
            let kind = review_kind(&r);
            if primed
                && !old_approvable
                    .get(&r.id)
                    .is_some_and(|o| same_question(o, &r))
            {
                notices.extend(self.once(kind, &r, now));
            } else {
                self.mark(&r, kind);
            }
            self.approvable.insert(r.id, r);
        }
        self.forget_answered_extensions();
        self.primed = true;
        notices
    }

    /// Applies one event from the stream.
    pub fn apply(&mut self, event: &BrokerEvent, now: DateTime<Utc>) -> Vec<Notice> {
        let r = &event.request;
        match event.kind {
            EventKind::RequestChanged => {
                let previous = self.mine.get(&r.id).cloned();
                // An event older than what we hold (a replay after reconnect) changes nothing.
                if previous
                    .as_ref()
                    .is_some_and(|p| p.updated_at > r.updated_at)
                {
                    return Vec::new();
                }
                let notices = self.mine_changed(previous.as_ref(), r, now);
                self.mine.insert(r.id, r.clone());
                notices
            }
            EventKind::ApprovalChanged => {
                if awaits_decision(r) {
                    let new = !self
                        .approvable
                        .get(&r.id)
                        .is_some_and(|o| same_question(o, r));
                    self.approvable.insert(r.id, r.clone());
                    if new {
                        return self.once(review_kind(r), r, now);
                    }
                } else {
                    self.approvable.remove(&r.id);
                    self.forget_answered_extensions();
                }
                Vec::new()
            }
            EventKind::UsedAfterWindow => self.once(NoticeKind::UsedAfterWindow, r, now),
        }
    }

    /// Records a request the person just made or acted on (the command's own answer).
    pub fn upsert_mine(&mut self, r: AccessRequest, now: DateTime<Utc>) {
        self.mark_current(&r, now);
        self.mine.insert(r.id, r);
    }

    /// Records a decision the person just made as an approver.
    pub fn decided(&mut self, r: &AccessRequest) {
        if awaits_decision(r) {
            self.approvable.insert(r.id, r.clone());
        } else {
            self.approvable.remove(&r.id);
            self.forget_answered_extensions();
        }
    }

    /// A grant may be extended more than once, each extension a new question: once one is
    /// answered, the next one is news again.
    fn forget_answered_extensions(&mut self) {
        let approvable = &self.approvable;
        self.notified.retain(|(id, kind)| {
            *kind != NoticeKind::ExtensionToReview
                || approvable
                    .get(id)
                    .is_some_and(|r| r.pending_end_at.is_some())
        });
        self.notified_sets.retain(|(set, kind)| {
            *kind != NoticeKind::ExtensionToReview
                || approvable
                    .values()
                    .any(|r| r.set_id == Some(*set) && r.pending_end_at.is_some())
        });
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

    pub fn is_mine(&self, id: i64) -> bool {
        self.mine.contains_key(&id)
    }

    pub fn is_approvable(&self, id: i64) -> bool {
        self.approvable.contains_key(&id)
    }

    pub fn request(&self, id: i64) -> Option<&AccessRequest> {
        self.mine.get(&id).or_else(|| self.approvable.get(&id))
    }
}

/// Requests as one item per request set: each set's members gathered at the place of its
/// first member, in order; a request on its own is an item of one. The broker acts on a
/// set as one (an approve, reject, cancel, extend or revoke of any member does them all),
/// so the tray and the window offer it as one.
pub fn by_set(requests: &[AccessRequest]) -> Vec<Vec<&AccessRequest>> {
    let mut items: Vec<Vec<&AccessRequest>> = Vec::new();
    let mut at: BTreeMap<i64, usize> = BTreeMap::new();
    for r in requests {
        match r.set_id.and_then(|set| at.get(&set).copied()) {
            Some(i) => items[i].push(r),
            None => {
                if let Some(set) = r.set_id {
                    at.insert(set, items.len());
                }
                items.push(vec![r]);
            }
        }
    }
    items
}

/// Whether an approver has something to decide: a new request, or a longer window for
/// one already approved (`pendingEndAt`, the end the extension asks for).
pub fn awaits_decision(r: &AccessRequest) -> bool {
    match r.state {
        RequestState::Pending => true,
        RequestState::Approved | RequestState::Activating | RequestState::Active => {
            r.pending_end_at.is_some()
        }
        _ => false,
    }
}

/// Whether a grant's window closed before its full length: a revoke moves `endAt` to
/// that moment and leaves the length asked for (`durationSecs`, which an extension
/// lengthens) as it was; a grant revoked before it started closed before its start.
pub fn closed_early(r: &AccessRequest) -> bool {
    let ran = r.end_at.min(r.updated_at) - r.start_at;
    r.updated_at < r.start_at || ran + EARLY < Duration::seconds(i64::from(r.duration_secs))
}

mod announce;
mod views;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod views_tests;
