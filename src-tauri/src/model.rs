//! The app's picture of the person's requests, kept from the broker's answers and its
//! event stream. Plain data and pure functions: it decides which notifications are due
//! (each at most once), what the tray shows and when the next timer must fire, and the
//! service around it does the I/O.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Duration, Utc};
use stint_api::{AccessRequest, BrokerEvent, EventKind, RequestState};

use crate::notices::{Notice, NoticeKind};
use crate::view::{GivenRole, GrantView, HistoryItem, Revocation, RoleKey};

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

    /// The notices due now for grants in their last five minutes (each once).
    pub fn due_warnings(&mut self, now: DateTime<Utc>) -> Vec<Notice> {
        let due: Vec<AccessRequest> = self
            .mine
            .values()
            .filter(|r| {
                r.state == RequestState::Active
                    && warns(r)
                    && r.end_at - EXPIRING_SOON <= now
                    && now < r.end_at
            })
            .cloned()
            .collect();
        due.iter()
            .flat_map(|r| self.once(NoticeKind::Expiring, r, now))
            .collect()
    }

    /// When something shown changes on its own: the next "5 minutes left", or the next
    /// minute boundary of a countdown in the tray. `None` when nothing is counting down,
    /// so an idle app sleeps.
    pub fn next_wakeup(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let active: Vec<&AccessRequest> = self.active_requests().collect();
        if active.is_empty() {
            return None;
        }
        let mut next = now + Duration::minutes(1);
        for r in active {
            let warn_at = r.end_at - EXPIRING_SOON;
            if warns(r)
                && warn_at > now
                && warn_at < next
                && !self.notified.contains(&(r.id, NoticeKind::Expiring))
            {
                next = warn_at;
            }
            // The tray's label names the whole minutes left, as the window's countdown
            // does (`labels::left`): it changes the moment less than the current whole
            // number of minutes is left. Wake just past that, to the millisecond, so the
            // tray never shows the minute before while the window shows the next.
            let left_ms = (r.end_at - now).num_milliseconds();
            if left_ms > 0 {
                let whole_minutes = left_ms / 60_000 * 60_000;
                // In the last minute the next label is "ended", shown (like the window's
                // 0:00) once less than a whole second is left.
                let wait = match whole_minutes {
                    0 if left_ms >= 1000 => left_ms - 999,
                    0 => left_ms,
                    _ => left_ms - whole_minutes + 1,
                };
                next = next.min(now + Duration::milliseconds(wait));
            }
        }
        Some(next)
    }

    pub fn tray_look(&self, signed_in: bool, now: DateTime<Utc>) -> TrayLook {
        if !signed_in {
            return TrayLook::SignedOut;
        }
        let mut look = TrayLook::Idle;
        if !self.pending().is_empty() || !self.approvable.is_empty() {
            look = TrayLook::Pending;
        }
        for r in self.active_requests() {
            let left = r.end_at - now;
            look = look.max(if left <= EXPIRING_SOON {
                TrayLook::Expiring
            } else {
                TrayLook::Active
            });
        }
        look
    }

    fn active_requests(&self) -> impl Iterator<Item = &AccessRequest> {
        self.mine
            .values()
            .filter(|r| r.state == RequestState::Active)
    }

    /// Active grants, soonest to end first.
    pub fn active(&self) -> Vec<GrantView> {
        let mut v: Vec<GrantView> = self
            .active_requests()
            .map(|r| GrantView {
                request: r.clone(),
                credentials_expire_at: self.credentials_expire_at(r.id),
                extend_steps: self.extend_steps(r),
                // The person's remembered choices are the service's to add.
                console: Default::default(),
                gives: r
                    .group
                    .iter()
                    .flat_map(|g| &g.gives)
                    .map(|a| {
                        let role = RoleKey::given_by_group(a);
                        GivenRole {
                            credentials_expire_at: self.credentials.get(&(r.id, role)).copied(),
                            account_id: a.account.id.clone(),
                            account_name: a.account.name.clone(),
                            permission_set: a.permission_set.clone(),
                            console: Default::default(),
                        }
                    })
                    .collect(),
            })
            .collect();
        v.sort_by_key(|g| (g.request.end_at, g.request.id));
        v
    }

    /// Requests on their way, oldest first.
    pub fn pending(&self) -> Vec<AccessRequest> {
        self.mine
            .values()
            .filter(|r| {
                matches!(
                    r.state,
                    RequestState::Pending | RequestState::Approved | RequestState::Activating
                )
            })
            .cloned()
            .collect()
    }

    pub fn approvals(&self) -> Vec<AccessRequest> {
        let mut v: Vec<AccessRequest> = self.approvable.values().cloned().collect();
        v.sort_by_key(|r| (r.created_at, r.id));
        v
    }

    /// Finished requests (and those ending), newest first.
    pub fn history(&self) -> Vec<HistoryItem> {
        let mut v: Vec<&AccessRequest> = self
            .mine
            .values()
            .filter(|r| r.state.is_final() || r.state == RequestState::Ending)
            .collect();
        v.sort_by_key(|r| std::cmp::Reverse((r.updated_at, r.id)));
        v.truncate(HISTORY_LEN);
        v.into_iter()
            .map(|r| HistoryItem {
                request: r.clone(),
                revoked: self.revocations.get(&r.id).cloned(),
            })
            .collect()
    }

    /// The shown grants that were revoked and whose revoker is not known yet; each is
    /// returned once, so its history is asked for once.
    pub fn revocations_to_ask(&mut self) -> Vec<i64> {
        let ids: Vec<i64> = self
            .history()
            .into_iter()
            .map(|h| h.request)
            .filter(|r| r.state == RequestState::Ended && closed_early(r))
            .map(|r| r.id)
            .filter(|id| !self.revocations_asked.contains(id))
            .collect();
        self.revocations_asked.extend(&ids);
        ids
    }

    /// What a request's history said about its revoke (`None`: it has no revoke).
    pub fn set_revocation(&mut self, id: i64, revocation: Option<Revocation>) {
        if let Some(r) = revocation {
            self.revocations.insert(id, r);
        }
    }

    /// The notices for one of the person's requests moving from `old` to `new`.
    fn mine_changed(
        &mut self,
        old: Option<&AccessRequest>,
        new: &AccessRequest,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
        if let Some(o) = old.filter(|o| o.state == new.state) {
            // The same state: only an extension's answer is news.
            let kind = match (o.pending_end_at, new.pending_end_at) {
                (Some(_), None) if new.end_at > o.end_at => NoticeKind::ExtensionApproved,
                (Some(_), None) => NoticeKind::ExtensionRejected,
                _ => return Vec::new(),
            };
            return vec![Notice::new(kind, new, now)];
        }
        let was_pending = old.is_none_or(|o| o.state == RequestState::Pending);
        let mut kinds = Vec::new();
        match new.state {
            RequestState::Approved | RequestState::Activating => {
                if was_pending && new.approval_required {
                    kinds.push(NoticeKind::Approved);
                }
            }
            RequestState::Active => {
                if was_pending && new.approval_required {
                    kinds.push(NoticeKind::Approved);
                }
                kinds.push(NoticeKind::Active);
            }
            RequestState::Rejected => kinds.push(NoticeKind::Rejected),
            RequestState::Expired => kinds.push(NoticeKind::Expired),
            RequestState::Ending | RequestState::Ended => {
                // Only a grant that was live ends: a request cancelled before it started
                // also reaches `ended` in some brokers' eyes, and that is no news.
                if old.is_none_or(|o| {
                    matches!(
                        o.state,
                        RequestState::Active | RequestState::Activating | RequestState::Ending
                    )
                }) {
                    kinds.push(ended_kind(new));
                }
            }
            RequestState::Failed => kinds.push(NoticeKind::Failed),
            RequestState::Pending | RequestState::Cancelled => {}
        }
        kinds
            .into_iter()
            .flat_map(|k| self.once(k, new, now))
            .collect()
    }

    /// Marks what is already true of `r` as announced (the first load; one's own actions).
    fn mark_current(&mut self, r: &AccessRequest, now: DateTime<Utc>) {
        let mut kinds = vec![NoticeKind::Approved];
        match r.state {
            RequestState::Active => {
                kinds.push(NoticeKind::Active);
                if r.end_at - EXPIRING_SOON <= now {
                    kinds.push(NoticeKind::Expiring);
                }
            }
            RequestState::Pending | RequestState::Approved | RequestState::Activating => {
                kinds.clear();
            }
            _ => {
                kinds.extend([
                    NoticeKind::Active,
                    NoticeKind::Expiring,
                    NoticeKind::Rejected,
                    NoticeKind::Expired,
                    NoticeKind::Ended,
                    NoticeKind::Revoked,
                    NoticeKind::Failed,
                ]);
            }
        }
        for k in kinds {
            self.mark(r, k);
        }
    }

    /// Records `kind` as announced for `r` (and its request set).
    fn mark(&mut self, r: &AccessRequest, kind: NoticeKind) {
        self.notified.insert((r.id, kind));
        if let Some(set) = r.set_id.filter(|_| !kind.per_account()) {
            self.notified_sets.insert((set, kind));
        }
    }

    fn once(&mut self, kind: NoticeKind, r: &AccessRequest, now: DateTime<Utc>) -> Vec<Notice> {
        let fresh = self.notified.insert((r.id, kind));
        let fresh_in_set = match r.set_id {
            Some(set) if !kind.per_account() => self.notified_sets.insert((set, kind)),
            _ => true,
        };
        if fresh && fresh_in_set {
            vec![Notice::new(kind, r, now)]
        } else {
            Vec::new()
        }
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

fn review_kind(r: &AccessRequest) -> NoticeKind {
    if r.state == RequestState::Pending {
        NoticeKind::ToReview
    } else {
        NoticeKind::ExtensionToReview
    }
}

/// Whether two versions of an approvable request ask the approver the same thing.
fn same_question(a: &AccessRequest, b: &AccessRequest) -> bool {
    review_kind(a) == review_kind(b) && a.pending_end_at == b.pending_end_at
}

/// Grants of five minutes or less get no "5 minutes left": it would come with "active".
fn warns(r: &AccessRequest) -> bool {
    r.end_at - r.start_at > EXPIRING_SOON
}

fn ended_kind(r: &AccessRequest) -> NoticeKind {
    if closed_early(r) {
        NoticeKind::Revoked
    } else {
        NoticeKind::Ended
    }
}

/// Whether a grant's window closed before its full length: a revoke moves `endAt` to
/// that moment and leaves the length asked for (`durationSecs`, which an extension
/// lengthens) as it was; a grant revoked before it started closed before its start.
pub fn closed_early(r: &AccessRequest) -> bool {
    let ran = r.end_at.min(r.updated_at) - r.start_at;
    r.updated_at < r.start_at || ran + EARLY < Duration::seconds(i64::from(r.duration_secs))
}

#[cfg(test)]
mod tests;
