//! Reading requests, grants and the audit log.

use super::{Engine, EngineError};
use crate::audit::{self, AuditFilter, AuditRecord, Verification};
use crate::model::{Actor, Request, RequestId, State};
use crate::store::RequestFilter;

const DEFAULT_LIMIT: u32 = 50;
const MAX_LIMIT: u32 = 500;

/// Whose requests a listing shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Requests the caller made.
    Mine,
    /// Requests waiting for a decision the caller may make (not their own).
    Approvable,
    /// Every request (auditors and admins; the API layer checks).
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListQuery {
    pub scope: Scope,
    pub states: Vec<State>,
    pub account_id: Option<String>,
    /// The `next_cursor` of a previous page.
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestPage {
    pub items: Vec<Request>,
    pub next_cursor: Option<String>,
}

/// One request and every audit event about it, oldest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestDetails {
    pub request: Request,
    pub events: Vec<AuditRecord>,
}

fn parse_cursor(cursor: &str) -> Result<RequestId, EngineError> {
    cursor
        .strip_prefix("r")
        .and_then(|id| id.parse::<RequestId>().ok())
        .filter(|id| *id > 0)
        .ok_or_else(|| {
            EngineError::InvalidInput(format!(
                "the cursor {cursor:?} is not one this broker gave out: pass a page's nextCursor unchanged"
            ))
        })
}

impl Engine {
    pub async fn request(&self, id: RequestId) -> Result<Request, EngineError> {
        self.inner
            .store
            .request(id)
            .await?
            .ok_or(EngineError::NotFound(id))
    }

    /// One request with its history.
    pub async fn request_details(&self, id: RequestId) -> Result<RequestDetails, EngineError> {
        let request = self.request(id).await?;
        let mut events = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .inner
                .store
                .audit_events(&AuditFilter {
                    request_id: Some(id),
                    after,
                    limit: 500,
                    ..AuditFilter::default()
                })
                .await?;
            let full = page.len() == 500;
            after = page.last().map(|e| e.seq);
            events.extend(page);
            if !full {
                break;
            }
        }
        Ok(RequestDetails { request, events })
    }

    /// A page of requests, newest first.
    pub async fn list(&self, actor: &Actor, query: ListQuery) -> Result<RequestPage, EngineError> {
        let limit = query.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let before = query.cursor.as_deref().map(parse_cursor).transpose()?;
        let mut filter = RequestFilter {
            states: query.states,
            account_id: query.account_id,
            before,
            // One more than asked tells whether another page follows.
            limit: limit + 1,
            ..RequestFilter::default()
        };
        match query.scope {
            Scope::Mine => filter.requester_id = Some(actor.person.user_id.clone()),
            Scope::Approvable => {
                filter.approvable_by = Some((actor.groups.clone(), actor.person.user_id.clone()))
            }
            Scope::All => {}
        }
        let mut items = self.inner.store.list_requests(&filter).await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|r| format!("r{}", r.id))
        } else {
            None
        };
        Ok(RequestPage { items, next_cursor })
    }

    /// Active grants: one user's, or everyone's.
    pub async fn active_grants(
        &self,
        user_id: Option<&str>,
        cursor: Option<String>,
        limit: Option<u32>,
    ) -> Result<RequestPage, EngineError> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT);
        let before = cursor.as_deref().map(parse_cursor).transpose()?;
        let mut items = self
            .inner
            .store
            .list_requests(&RequestFilter {
                requester_id: user_id.map(str::to_string),
                states: vec![State::Active],
                before,
                limit: limit + 1,
                ..RequestFilter::default()
            })
            .await?;
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(|r| format!("r{}", r.id))
        } else {
            None
        };
        Ok(RequestPage { items, next_cursor })
    }

    /// Audit events matching a filter, in order.
    pub async fn audit(&self, mut filter: AuditFilter) -> Result<Vec<AuditRecord>, EngineError> {
        filter.limit = if filter.limit == 0 {
            DEFAULT_LIMIT * 4
        } else {
            filter.limit.min(1000)
        };
        Ok(self.inner.store.audit_events(&filter).await?)
    }

    /// Walks the whole hash chain.
    pub async fn verify_audit(&self) -> Result<Verification, EngineError> {
        Ok(audit::verify(self.inner.store.as_ref()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        assert_eq!(parse_cursor("r42").unwrap(), 42);
        for bad in ["42", "r", "r-1", "rabc", ""] {
            assert!(parse_cursor(bad).is_err(), "{bad:?} accepted");
        }
    }
}
