//! The request workflow: commands people give (create, approve, reject, cancel, revoke,
//! extend), the scheduler that runs time-driven steps, the tuple worker that converges
//! Identity Center assignments, reconciliation, and the change feed.
//!
//! The engine is what the HTTP layer calls after it has authenticated the caller and asked
//! the policy. Everything it decides is committed, with its audit events, before anything
//! is done about it, so a crash at any point resumes from the database.

mod after_window;
mod changes;
mod commands;
mod converge;
mod error;
mod machine;
mod queries;
mod reconcile;
mod request_sets;
mod scheduler;
mod settings;
mod settle;
mod wire;

pub use after_window::{ACTIVITY_AFTER_WINDOW, Finding};
pub use changes::RequestChange;
pub use commands::{ApprovalDecision, NewGrant};
pub use error::EngineError;
pub use machine::allowed as transition_allowed;
pub use queries::{ListQuery, RequestDetails, RequestPage, Scope};
pub use reconcile::ReconcileReport;
pub use request_sets::NewGrantSet;
pub use scheduler::TickReport;
pub use settings::EngineSettings;
pub use wire::{history_entry, state_from_api, state_to_api};

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::{Notify, Semaphore, watch};

use crate::clock::SharedClock;
use crate::idc::IdentityCenter;
use crate::metrics::Metrics;
use crate::store::{Change, Store, StoreError};

/// The broker's engine. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("node_id", &self.inner.settings.node_id)
            .finish_non_exhaustive()
    }
}

struct Inner {
    store: Arc<dyn Store>,
    idc: Arc<dyn IdentityCenter>,
    clock: SharedClock,
    settings: EngineSettings,
    metrics: Arc<Metrics>,
    /// Wakes the scheduler when a command made something due.
    wake: Notify,
    /// The highest audit seq this engine knows of: the change feed's cursor.
    head: watch::Sender<i64>,
    /// One permit per tuple worker [`Engine::run`] may have in flight.
    workers: Arc<Semaphore>,
}

impl Engine {
    /// Builds an engine on a migrated store. Nothing runs until [`Engine::run`] (or, in
    /// tests, [`Engine::tick`]).
    pub async fn new(
        store: Arc<dyn Store>,
        idc: Arc<dyn IdentityCenter>,
        clock: SharedClock,
        settings: EngineSettings,
    ) -> Result<Engine, EngineError> {
        settings.check().map_err(EngineError::InvalidInput)?;
        let (head, _) = store.audit_head().await?;
        let (head_tx, _) = watch::channel(head);
        let workers = Arc::new(Semaphore::new(settings.concurrency));
        Ok(Engine {
            inner: Arc::new(Inner {
                store,
                idc,
                clock,
                settings,
                metrics: Arc::new(Metrics::default()),
                wake: Notify::new(),
                head: head_tx,
                workers,
            }),
        })
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub fn metrics(&self) -> &Arc<Metrics> {
        &self.inner.metrics
    }

    pub fn settings(&self) -> &EngineSettings {
        &self.inner.settings
    }

    /// Prometheus text: the engine's counters and histograms, and requests by state.
    pub async fn render_metrics(&self) -> Result<String, EngineError> {
        let counts = self.inner.store.count_by_state().await?;
        Ok(self.inner.metrics.render(&counts))
    }

    /// The clock's time, at the database's precision.
    fn now(&self) -> DateTime<Utc> {
        crate::store::time_truncate(self.inner.clock.now())
    }

    /// Commits a change and publishes its last audit seq to the change feed.
    async fn commit(&self, change: &Change) -> Result<Option<i64>, StoreError> {
        let seq = self.inner.store.commit(change).await?;
        if let Some(seq) = seq {
            self.published(seq);
        }
        if !change.wake.is_empty() {
            self.inner.wake.notify_one();
        }
        Ok(seq)
    }

    fn published(&self, seq: i64) {
        self.inner.head.send_if_modified(|head| {
            if seq > *head {
                *head = seq;
                true
            } else {
                false
            }
        });
    }
}
