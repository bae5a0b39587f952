//! The change feed: request changes in audit order, after a cursor (the audit seq). The
//! API layer streams these to each caller, keeping what concerns them. A local watch wakes
//! waiters the moment this engine commits; a periodic look at the audit head picks up what
//! other replicas commit.

use futures::Stream;

use super::{Engine, EngineError};
use crate::model::Request;

/// A request as it is now, and the seq of the latest audit event about it in this batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestChange {
    pub seq: i64,
    pub request: Request,
}

const BATCH: u32 = 500;

impl Engine {
    /// The highest audit seq this engine knows of; a new subscriber starts here.
    pub fn change_cursor(&self) -> i64 {
        *self.inner.head.borrow()
    }

    /// Follows the highest audit seq this engine knows of: its own commits at once, other
    /// replicas' when the change feed next looks. For followers of the audit log.
    pub fn head(&self) -> tokio::sync::watch::Receiver<i64> {
        self.inner.head.subscribe()
    }

    /// Request changes after `after`, one per request per batch (the latest), waiting for
    /// the next when there are none. Ends only when the engine is dropped.
    pub fn changes(
        &self,
        after: i64,
    ) -> impl Stream<Item = Result<RequestChange, EngineError>> + Send + 'static {
        let engine = self.clone();
        async_stream::try_stream! {
            let mut cursor = after;
            let mut head = engine.inner.head.subscribe();
            loop {
                // Every event up to the head known now is committed, so a query that finds no
                // request event up to it lets the cursor skip the events that concern none.
                let known = *head.borrow();
                let refs = engine
                    .inner
                    .store
                    .request_events_after(cursor, BATCH)
                    .await
                    .map_err(EngineError::from)?;
                if refs.is_empty() {
                    cursor = cursor.max(known);
                    // Wait for this engine's next commit, or look again for another replica's.
                    let poll = engine.inner.settings.change_poll;
                    let timed_out =
                        match tokio::time::timeout(poll, head.wait_for(|h| *h > cursor)).await {
                            Ok(Ok(_)) => false,
                            // The engine is gone.
                            Ok(Err(_)) => return,
                            Err(_) => true,
                        };
                    if timed_out {
                        let (seq, _) = engine
                            .inner
                            .store
                            .audit_head()
                            .await
                            .map_err(EngineError::from)?;
                        engine.published(seq);
                    }
                    continue;
                }
                let mut latest: Vec<(i64, i64)> = Vec::new();
                for r in &refs {
                    match latest.iter_mut().find(|(id, _)| *id == r.request_id) {
                        Some(entry) => entry.1 = r.seq,
                        None => latest.push((r.request_id, r.seq)),
                    }
                }
                latest.sort_by_key(|(_, seq)| *seq);
                for (id, seq) in latest {
                    if let Some(request) = engine
                        .inner
                        .store
                        .request(id)
                        .await
                        .map_err(EngineError::from)?
                    {
                        yield RequestChange { seq, request };
                    }
                }
                cursor = refs.last().map_or(cursor, |r| r.seq);
            }
        }
    }
}
