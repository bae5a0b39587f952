//! The person's requests as the broker last said, kept from its answers and its event
//! stream, and which notices each change makes: each kind at most once per request (and
//! once per request set), nothing twice for a replayed event or a resync, and nothing for
//! what was already true at the first load.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use stint_api::{AccessRequest, BrokerEvent, EventKind, RequestState};

use crate::notice::{Notice, NoticeKind};
use crate::rules::{EXPIRING_SOON, awaits_decision, warns};

use self::announce::{review_kind, same_question};

#[derive(Debug, Default)]
pub struct Book {
    mine: BTreeMap<i64, AccessRequest>,
    approvable: BTreeMap<i64, AccessRequest>,
    /// Notices already produced, so a replayed event or a resync never repeats one.
    notified: HashSet<(i64, NoticeKind)>,
    /// The same, by request set: its members change together, and one notice says so for
    /// all of them (three "to review" for one decision would read as three decisions).
    notified_sets: HashSet<(i64, NoticeKind)>,
    /// False until the first full load: what was already true then is not news.
    primed: bool,
}

impl Book {
    pub fn new() -> Self {
        Self::default()
    }

    /// Replaces the picture with the broker's full answer (at start, after every
    /// reconnect, or each time a holder of the whole picture reads it again), and returns
    /// the notices for what changed meanwhile.
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

    /// The notices due now for grants in their last five minutes (each once).
    pub fn due_warnings(&mut self, now: DateTime<Utc>) -> Vec<Notice> {
        let due: Vec<AccessRequest> = self
            .active()
            .filter(|r| warns(r) && r.end_at - EXPIRING_SOON <= now && now < r.end_at)
            .cloned()
            .collect();
        due.iter()
            .flat_map(|r| self.once(NoticeKind::Expiring, r, now))
            .collect()
    }

    /// When the next "5 minutes left" is due (`None`: none is coming), so that whoever
    /// holds the book wakes for it and not on a fixed beat.
    pub fn next_warning(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.active()
            .filter(|r| warns(r) && now < r.end_at && !self.announced(r.id, NoticeKind::Expiring))
            .map(|r| (r.end_at - EXPIRING_SOON).max(now))
            .min()
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

    /// Whether a full answer has been taken in: before it, an event cannot tell news from
    /// what was already true.
    pub fn is_primed(&self) -> bool {
        self.primed
    }

    /// Whether `kind` was announced (or was already true at the first load) for request `id`.
    pub fn announced(&self, id: i64, kind: NoticeKind) -> bool {
        self.notified.contains(&(id, kind))
    }

    /// The person's own requests, by id.
    pub fn mine(&self) -> impl Iterator<Item = &AccessRequest> {
        self.mine.values()
    }

    /// The person's active grants, by id.
    pub fn active(&self) -> impl Iterator<Item = &AccessRequest> {
        self.mine
            .values()
            .filter(|r| r.state == RequestState::Active)
    }

    /// What waits for the person's decision, by id.
    pub fn approvable(&self) -> impl Iterator<Item = &AccessRequest> {
        self.approvable.values()
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

mod announce;

#[cfg(test)]
mod tests;
