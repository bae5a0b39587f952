//! Which notices a change makes: each kind at most once per request (and once per
//! request set), and nothing for what was already true at the first load.

use chrono::{DateTime, Utc};
use stint_api::{AccessRequest, RequestState};

use super::Book;
use crate::notice::{Notice, NoticeKind};
use crate::rules::{EXPIRING_SOON, closed_early};

impl Book {
    /// The notices for one of the person's requests moving from `old` to `new`.
    pub(super) fn mine_changed(
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
                // also reaches `ended` in some brokers' eyes, and that is no news. An
                // approved grant revoked before its start is: the person counts on it.
                let live = old.is_none_or(|o| {
                    matches!(
                        o.state,
                        RequestState::Active | RequestState::Activating | RequestState::Ending
                    )
                });
                let approved = old.is_some_and(|o| o.state == RequestState::Approved);
                if live || (approved && closed_early(new)) {
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
    pub(super) fn mark_current(&mut self, r: &AccessRequest, now: DateTime<Utc>) {
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
    pub(super) fn mark(&mut self, r: &AccessRequest, kind: NoticeKind) {
        self.notified.insert((r.id, kind));
        if let Some(set) = r.set_id.filter(|_| !kind.per_account()) {
            self.notified_sets.insert((set, kind));
        }
    }

    pub(super) fn once(
        &mut self,
        kind: NoticeKind,
        r: &AccessRequest,
        now: DateTime<Utc>,
    ) -> Vec<Notice> {
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

pub(super) fn review_kind(r: &AccessRequest) -> NoticeKind {
    if r.state == RequestState::Pending {
        NoticeKind::ToReview
    } else {
        NoticeKind::ExtensionToReview
    }
}

/// Whether two versions of an approvable request ask the approver the same thing.
pub(super) fn same_question(a: &AccessRequest, b: &AccessRequest) -> bool {
    review_kind(a) == review_kind(b) && a.pending_end_at == b.pending_end_at
}

fn ended_kind(r: &AccessRequest) -> NoticeKind {
    if closed_early(r) {
        NoticeKind::Revoked
    } else {
        NoticeKind::Ended
    }
}
