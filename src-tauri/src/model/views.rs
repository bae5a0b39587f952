//! What the model shows: the tray's look and countdowns, the lists the window draws, and
//! when something shown next changes on its own.

use chrono::{DateTime, Duration, Utc};
use stint_api::{AccessRequest, RequestState};
use stint_notices::rules::warns;
use stint_notices::{EXPIRING_SOON, NoticeKind, closed_early};

use super::{HISTORY_LEN, Model, TrayLook};
use crate::view::{GivenRole, GrantView, HistoryItem, Revocation, RoleKey};

impl Model {
    /// When something shown changes on its own: the next "5 minutes left", or the next
    /// minute boundary of a countdown in the tray. `None` when nothing is counting down,
    /// so an idle app sleeps.
    pub fn next_wakeup(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let active: Vec<&AccessRequest> = self.book.active().collect();
        if active.is_empty() {
            return None;
        }
        let mut next = now + Duration::minutes(1);
        for r in active {
            let warn_at = r.end_at - EXPIRING_SOON;
            if warns(r)
                && warn_at > now
                && warn_at < next
                && !self.book.announced(r.id, NoticeKind::Expiring)
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
        if !self.pending().is_empty() || self.book.approvable().next().is_some() {
            look = TrayLook::Pending;
        }
        for r in self.book.active() {
            let left = r.end_at - now;
            look = look.max(if left <= EXPIRING_SOON {
                TrayLook::Expiring
            } else {
                TrayLook::Active
            });
        }
        look
    }

    /// Active grants, soonest to end first.
    pub fn active(&self) -> Vec<GrantView> {
        let mut v: Vec<GrantView> = self
            .book
            .active()
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
        self.book
            .mine()
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
        let mut v: Vec<AccessRequest> = self.book.approvable().cloned().collect();
        v.sort_by_key(|r| (r.created_at, r.id));
        v
    }

    /// Finished requests (and those ending), newest first.
    pub fn history(&self) -> Vec<HistoryItem> {
        let mut v: Vec<&AccessRequest> = self
            .book
            .mine()
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
}
