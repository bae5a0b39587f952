//! What people ask the engine to do. The API layer has authenticated the caller and asked
//! the policy; these still enforce the rules that must never break: nobody approves their
//! own request, only the requester cancels, only the requester, an approver or an admin
//! revokes, a rejection says why, and a request nobody could approve is refused.
//!
//! This file holds what every command shares: the types a new request arrives as, and
//! reading, deciding and committing a request (with its set) under retries. `create.rs`
//! records new requests, `decide.rs` approves and rejects, `withdraw.rs` cancels and
//! revokes, `extend.rs` lengthens a window.

use std::time::Duration;

use chrono::{DateTime, Utc};
use stint_api::rules::TextField;

use super::{Engine, EngineError};
use crate::model::{
    AccountInfo, Actor, GroupInfo, NewEvent, PermissionSetInfo, Request, RequestId, Target,
};
use crate::store::{Change, StoreError};

mod create;
mod decide;
mod extend;
mod withdraw;

/// How often a command re-reads and retries when the request changed under it.
const CONFLICT_RETRIES: usize = 8;

/// What the policy decided about a new request, passed in as data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovalDecision {
    pub approval_required: bool,
    /// Groups whose members may approve (and revoke). Required when approval is.
    pub approver_groups: Vec<String>,
    /// A pending request expires when nobody decides within this.
    pub approval_timeout: Option<Duration>,
}

/// A new request for access, checked by the policy: an account assignment, or, with
/// `group` set, membership of that group (`account` and `permission_set` then empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrant {
    pub account: AccountInfo,
    pub permission_set: PermissionSetInfo,
    pub group: Option<GroupInfo>,
    pub duration: Duration,
    /// When the window should open; now if absent or past.
    pub start_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub ticket: Option<String>,
    pub decision: ApprovalDecision,
}

/// Free text is text: the one rule, from `stint-api`, that clients check too.
fn check_text(field: TextField, text: &str) -> Result<(), EngineError> {
    stint_api::rules::check_text(field, text).map_err(|p| EngineError::InvalidInput(p.to_string()))
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_string()).filter(|t| !t.is_empty())
}

/// An optional comment, trimmed (blank is none) and held to the comment's limits.
fn checked_comment(comment: Option<String>) -> Result<Option<String>, EngineError> {
    let comment = trimmed(comment);
    if let Some(c) = &comment {
        check_text(TextField::Comment, c)?;
    }
    Ok(comment)
}

fn may_approve(actor: &Actor, request: &Request) -> bool {
    actor
        .groups
        .iter()
        .any(|g| request.approver_groups.iter().any(|a| a == g))
}

fn groups_list(request: &Request) -> String {
    if request.approver_groups.is_empty() {
        "no group".to_string()
    } else {
        request.approver_groups.join(", ")
    }
}

/// What a command does to one request: its events and the tuples it makes due.
struct Effect {
    events: Vec<NewEvent>,
    wake: Vec<Target>,
}

impl Effect {
    fn event(event: NewEvent) -> Self {
        Effect {
            events: vec![event],
            wake: Vec::new(),
        }
    }

    fn waking(mut self, key: Target) -> Self {
        self.wake.push(key);
        self
    }
}

impl Engine {
    /// Reads the request, lets `decide` change it, commits; re-reads and decides again if
    /// the request changed in between. A member of a request set is decided with its set:
    /// `decide` runs on every member and the change commits them all at once; a member the
    /// action does not apply to (an `InvalidState` refusal: a failed member, say) is passed
    /// over, and the action is refused only when it applies to none. Returns the request
    /// asked about.
    async fn update_request<F>(&self, id: RequestId, mut decide: F) -> Result<Request, EngineError>
    where
        F: FnMut(&mut Request, DateTime<Utc>) -> Result<Effect, EngineError>,
    {
        for _ in 0..CONFLICT_RETRIES {
            let asked = self
                .inner
                .store
                .request(id)
                .await?
                .ok_or(EngineError::NotFound(id))?;
            let members = match asked.set_id {
                Some(set) => self.inner.store.requests_in_set(set).await?,
                None => Vec::new(),
            };
            let members = if members.iter().any(|m| m.id == id) {
                members
            } else {
                vec![asked.clone()]
            };
            let now = self.now();
            let mut change = Change {
                at: now,
                ..Change::default()
            };
            let mut refusal = None;
            for mut request in members {
                match decide(&mut request, now) {
                    Ok(effect) => {
                        change.events.extend(effect.events);
                        change.wake.extend(effect.wake);
                        change.requests.push(request);
                    }
                    Err(e @ EngineError::InvalidState { .. }) => {
                        if request.id == id {
                            refusal = Some(e);
                        }
                    }
                    Err(e) => return Err(e),
                }
            }
            if change.requests.is_empty() {
                return Err(refusal.unwrap_or(EngineError::NotFound(id)));
            }
            match self.commit(&change).await {
                Ok(_) => {
                    self.inner.wake.notify_one();
                    // The asked member as committed, or as read when the action passed it over.
                    return Ok(change.requests.into_iter().find(|r| r.id == id).map_or(
                        asked,
                        |mut r| {
                            r.version += 1;
                            r
                        },
                    ));
                }
                Err(StoreError::Conflict) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Busy(id))
    }
}

fn secs_between(from: DateTime<Utc>, to: DateTime<Utc>) -> u32 {
    u32::try_from((to - from).num_seconds().max(1)).unwrap_or(u32::MAX)
}

/// An illegal transition inside a command is the engine's bug; it must not pass silently.
fn bug(e: super::machine::IllegalTransition) -> EngineError {
    tracing::error!(error = %e, "workflow bug");
    EngineError::InvalidState {
        id: e.id,
        state: e.from,
        action: "moved that way",
    }
}
