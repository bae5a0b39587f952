//! Request sets: one permission set in several accounts, asked for at once and approved
//! once. Each member is an ordinary request with its own tuple, so every invariant of a
//! single grant holds per account and a member whose assignment fails is failed alone;
//! what makes them a set is that they are written together and decided together
//! (`commands.rs` runs approve, reject, cancel, extend and revoke over every member).

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::commands::{ApprovalDecision, NewGrant};
use super::{Engine, EngineError};
use crate::model::{AccountInfo, Actor, PermissionSetInfo, Request, RequestId};

/// A new request set, checked by the policy for every account: one decision for all of
/// them (approval when any account needs it, by groups that may approve every account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewGrantSet {
    /// At least two, each once.
    pub accounts: Vec<AccountInfo>,
    pub permission_set: PermissionSetInfo,
    pub duration: Duration,
    /// When the windows should open; now if absent or past.
    pub start_at: Option<DateTime<Utc>>,
    pub reason: String,
    pub ticket: Option<String>,
    pub decision: ApprovalDecision,
}

impl Engine {
    /// Records a request set: one request per account, in the order given, written in one
    /// transaction with the first member's id as the set's id. Returns the members.
    pub async fn create_set(
        &self,
        actor: &Actor,
        set: NewGrantSet,
    ) -> Result<Vec<Request>, EngineError> {
        if set.accounts.len() < 2 {
            return Err(EngineError::InvalidInput(
                "a request set names at least two accounts; request one account on its own".into(),
            ));
        }
        let mut seen = BTreeSet::new();
        if let Some(twice) = set.accounts.iter().find(|a| !seen.insert(a.id.as_str())) {
            return Err(EngineError::InvalidInput(format!(
                "account {} ({}) is named twice; name each account once",
                twice.name, twice.id
            )));
        }
        let now = self.now();
        let mut requests = Vec::with_capacity(set.accounts.len());
        let mut events = Vec::with_capacity(set.accounts.len());
        for account in set.accounts {
            let grant = NewGrant {
                account,
                permission_set: set.permission_set.clone(),
                group: None,
                duration: set.duration,
                start_at: set.start_at,
                reason: set.reason.clone(),
                ticket: set.ticket.clone(),
                decision: set.decision.clone(),
            };
            let (new, first) = self.prepare(actor, grant, now)?;
            requests.push(new);
            events.push(first);
        }
        let (members, seq) = self
            .inner
            .store
            .insert_request_set(&requests, events)
            .await?;
        self.published(seq);
        self.inner.wake.notify_one();
        Ok(members)
    }

    /// The members of a request set, in id order; `NotFound` when `set_id` names none.
    pub async fn request_set(&self, set_id: RequestId) -> Result<Vec<Request>, EngineError> {
        let members = self.inner.store.requests_in_set(set_id).await?;
        if members.is_empty() {
            return Err(EngineError::NotFound(set_id));
        }
        Ok(members)
    }
}
