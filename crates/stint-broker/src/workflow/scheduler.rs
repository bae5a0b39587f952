//! The scheduler: runs every step whose time has come. The schedule lives in the database
//! (each request's `next_due_at`, each tuple's `next_check_at` or wake flag), so after a
//! restart whatever fell due while the broker was down is simply due now.

use std::future::Future;

use chrono::{DateTime, Utc};
use futures::StreamExt;

use super::machine::{next_due, transition};
use super::{Engine, EngineError};
use crate::backoff::to_chrono;
use crate::model::{AuditEvent, BROKER_ACTOR, Request, State};
use crate::store::{Backend, Change, StoreError};

/// What one pass of the scheduler did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    pub requests: usize,
    pub tuples: usize,
}

impl TickReport {
    pub fn is_idle(&self) -> bool {
        self.requests == 0 && self.tuples == 0
    }
}

impl Engine {
    /// Runs the engine until `shutdown` resolves: reconciles at start and then every
    /// `reconcile_interval`, and runs due steps as they fall due or as commands wake it.
    /// A reconciliation pass runs on its own task: with many grants it takes seconds, and
    /// windows keep closing meanwhile.
    pub async fn run(&self, shutdown: impl Future<Output = ()> + Send) -> Result<(), EngineError> {
        if self.inner.store.backend() == Backend::Sqlite {
            // One process owns a SQLite file: leases left by a crashed run are ours to retake.
            self.inner.store.release_all_claims().await?;
        }
        tokio::pin!(shutdown);
        let interval = to_chrono(self.inner.settings.reconcile_interval);
        let mut next_reconcile = self.now();
        let mut reconciling: Option<tokio::task::JoinHandle<()>> = None;
        loop {
            let now = self.now();
            if now >= next_reconcile && reconciling.as_ref().is_none_or(|r| r.is_finished()) {
                let engine = self.clone();
                reconciling = Some(tokio::spawn(async move {
                    if let Err(e) = engine.reconcile().await {
                        tracing::warn!(error = %e, "reconciliation failed; it runs again next interval");
                    }
                }));
                next_reconcile = now + interval;
            }
            // Tuple workers run on their own tasks, so a slow Identity Center call never
            // holds up the next window that closes.
            let pass = async {
                let requests = self.run_due_requests().await?;
                let tuples = self.dispatch_due_tuples().await?;
                Ok::<_, EngineError>(TickReport { requests, tuples })
            };
            let failed = match pass.await {
                Ok(report) if !report.is_idle() => continue,
                Ok(_) => false,
                Err(e) => {
                    tracing::warn!(error = %e, "scheduler pass failed; retrying in a second");
                    true
                }
            };
            let now = self.now();
            let due = match self.inner.store.next_due(now).await {
                Ok(due) => due,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the schedule");
                    Some(now + chrono::Duration::seconds(1))
                }
            };
            // Another replica may add work this one is not told about: look again now and then.
            let poll = now + to_chrono(self.inner.settings.change_poll);
            let mut until = due.unwrap_or(poll).min(poll).min(next_reconcile);
            if failed {
                until = now + chrono::Duration::seconds(1);
            }
            let saturated = self.inner.workers.available_permits() == 0;
            if saturated {
                // Due tuples wait for a worker; a finishing worker wakes the loop.
                until = until.max(poll);
            } else if until <= now {
                continue;
            }
            tokio::select! {
                _ = &mut shutdown => break,
                _ = self.inner.wake.notified() => {}
                _ = self.inner.clock.sleep_until(until) => {}
            }
        }
        // A reconciliation in progress is stopped: each of its corrections is one
        // transaction, and the next start reconciles again.
        if let Some(r) = reconciling {
            r.abort();
        }
        // Let workers in the middle of a call record its result; a worker that cannot
        // finish in time leaves its lease to expire and its step to be resumed.
        let all = u32::try_from(self.inner.settings.concurrency).unwrap_or(u32::MAX);
        let grace = self.inner.settings.call_timeout + std::time::Duration::from_secs(5);
        if tokio::time::timeout(grace, self.inner.workers.acquire_many(all))
            .await
            .is_err()
        {
            tracing::warn!(
                "stopped with assignment steps still in flight; they resume on the next start"
            );
        }
        Ok(())
    }

    /// Claims as many due tuples as there are free workers and starts a task for each.
    async fn dispatch_due_tuples(&self) -> Result<usize, EngineError> {
        let free = self.inner.workers.available_permits();
        if free == 0 {
            return Ok(0);
        }
        let now = self.now();
        let limit = self
            .inner
            .settings
            .batch
            .min(u32::try_from(free).unwrap_or(u32::MAX));
        let claimed = self
            .inner
            .store
            .claim_due_tuples(
                now,
                &self.inner.settings.node_id,
                now + to_chrono(self.inner.settings.lease),
                limit,
            )
            .await?;
        let count = claimed.len();
        for t in claimed {
            if let Some(at) = t.next_check_at {
                self.inner.metrics.observe_lag(now - at);
            }
            // Only this loop takes permits, and it claimed no more tuples than were free.
            let Ok(permit) = self.inner.workers.clone().try_acquire_owned() else {
                tracing::warn!("no free worker for a claimed assignment; its lease will expire");
                break;
            };
            let engine = self.clone();
            tokio::spawn(async move {
                let key = t.key.clone();
                if let Err(e) = engine.work_tuple(t).await {
                    tracing::warn!(
                        error = %e,
                        tuple = %key,
                        "tuple step failed; it is retried when its lease runs out"
                    );
                }
                drop(permit);
                engine.inner.wake.notify_one();
            });
        }
        Ok(count)
    }

    /// Runs every step due now, once: time-driven request steps, then claimed tuples.
    pub async fn tick(&self) -> Result<TickReport, EngineError> {
        let requests = self.run_due_requests().await?;
        let tuples = self.run_due_tuples().await?;
        Ok(TickReport { requests, tuples })
    }

    /// Ticks until nothing is due at the clock's current time. For tests driving a
    /// `ManualClock`; the bound guards against a step that keeps itself due.
    pub async fn run_until_idle(&self) -> Result<(), EngineError> {
        for _ in 0..1000 {
            if self.tick().await?.is_idle() {
                return Ok(());
            }
        }
        tracing::warn!("the scheduler did not settle after 1000 passes");
        Ok(())
    }

    async fn run_due_requests(&self) -> Result<usize, EngineError> {
        let mut done = 0;
        loop {
            let now = self.now();
            let due = self
                .inner
                .store
                .due_requests(now, self.inner.settings.batch)
                .await?;
            if due.is_empty() {
                return Ok(done);
            }
            let batch = due.len();
            let mut changes = Vec::with_capacity(batch);
            for request in due {
                if let Some(at) = request.next_due_at {
                    self.inner.metrics.observe_lag(now - at);
                }
                changes.push(plan_request(request, now)?);
            }
            // Many windows often close together: one transaction for the batch, and one per
            // request only when something in the batch changed under it.
            let mut merged = Change {
                at: now,
                ..Change::default()
            };
            for change in &changes {
                merged.requests.extend(change.requests.iter().cloned());
                merged.wake.extend(change.wake.iter().cloned());
                merged.events.extend(change.events.iter().cloned());
            }
            match self.commit(&merged).await {
                Ok(_) => done += batch,
                Err(StoreError::Conflict) => {
                    for change in &changes {
                        match self.commit(change).await {
                            // Someone else moved it first; its new state has its own schedule.
                            Ok(_) | Err(StoreError::Conflict) => done += 1,
                            Err(e) => return Err(e.into()),
                        }
                    }
                }
                Err(e) => return Err(e.into()),
            }
            if batch < self.inner.settings.batch as usize {
                return Ok(done);
            }
        }
    }

    async fn run_due_tuples(&self) -> Result<usize, EngineError> {
        let mut done = 0;
        loop {
            let now = self.now();
            let lease_until = now + to_chrono(self.inner.settings.lease);
            let claimed = self
                .inner
                .store
                .claim_due_tuples(
                    now,
                    &self.inner.settings.node_id,
                    lease_until,
                    self.inner.settings.batch,
                )
                .await?;
            if claimed.is_empty() {
                return Ok(done);
            }
            let batch = claimed.len();
            for t in &claimed {
                if let Some(at) = t.next_check_at {
                    self.inner.metrics.observe_lag(now - at);
                }
            }
            futures::stream::iter(claimed)
                .for_each_concurrent(self.inner.settings.concurrency, |t| async move {
                    let key = t.key.clone();
                    if let Err(e) = self.work_tuple(t).await {
                        tracing::warn!(
                            error = %e,
                            tuple = %key,
                            "tuple step failed; it is retried when its lease runs out"
                        );
                    }
                })
                .await;
            done += batch;
            if batch < self.inner.settings.batch as usize {
                return Ok(done);
            }
        }
    }
}

/// The time-driven step of one due request, as a change to commit.
fn plan_request(mut r: Request, now: DateTime<Utc>) -> Result<Change, EngineError> {
    let mut change = Change {
        at: now,
        ..Change::default()
    };
    let event = match r.state {
        State::Pending if r.approval_deadline.is_some_and(|d| d <= now) => transition(
            &mut r,
            State::Expired,
            now,
            BROKER_ACTOR,
            Some("nobody decided before the approval deadline"),
            AuditEvent::Expired,
        ),
        State::Approved if r.start_at <= now => {
            change.wake.push(r.target());
            transition(
                &mut r,
                State::Activating,
                now,
                BROKER_ACTOR,
                Some("the window opened"),
                AuditEvent::Activating,
            )
        }
        State::Active if r.end_at <= now => {
            change.wake.push(r.target());
            transition(
                &mut r,
                State::Ending,
                now,
                BROKER_ACTOR,
                Some("the window closed"),
                AuditEvent::Ending,
            )
        }
        _ => {
            // Not due after all (the row's schedule is stale): recompute it quietly.
            r.next_due_at = next_due(&r);
            change.requests.push(r);
            return Ok(change);
        }
    };
    let event = event.map_err(|e| {
        tracing::error!(error = %e, "workflow bug");
        EngineError::InvalidInput(e.to_string())
    })?;
    change.requests.push(r);
    change.events.push(event);
    Ok(change)
}
