//! The tuple worker: converges one assignment's actual state in Identity Center to the
//! state its requests want (present iff some request on the tuple is activating or active),
//! and moves those requests along as the assignment appears or goes.
//!
//! Every step is committed before the call it announces, and every call's result is
//! committed before the next step, so a crash between any two resumes correctly: a `call`
//! step found on resume lists the tuple's assignments first, then adopts what exists or
//! calls again. Only the holder of the tuple's lease calls Identity Center for it.
//!
//! A tuple is an account assignment or a group membership (`Target`): the same invariants
//! hold for both. `common.rs` holds the steps that are the same for both, `step.rs` takes one step of an assignment's convergence, `membership.rs`
//! one of a membership's (no operation to poll: a membership changes at once); `retry.rs`
//! decides what a failed call or a slow operation leads to; `super::settle` moves the
//! tuple's requests along.

mod common;
mod membership;
mod retry;
mod step;

use std::future::Future;
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::backoff::to_chrono;
use super::settle::{Failure, settle};
use super::{Engine, EngineError};
use crate::idc::IdcError;
use crate::model::audit::{AssignmentStep, MembershipStep};
use crate::model::{AssignmentKey, AuditEvent, BROKER_ACTOR, NewEvent, State, Target, Tuple};
use crate::store::{Change, StoreError};

use retry::retry_reason;

/// The assignment a tuple worker's event is about; `apply` completes it with the tuple's
/// new state and the request it is told to.
fn at(key: &AssignmentKey, t: &Tuple) -> AssignmentStep {
    AssignmentStep::new(key, t.actual, None)
}

/// Steps one claim may take before it lets other tuples have a turn.
const MAX_STEPS: usize = 24;
/// Re-reads of the tuple's requests when they keep changing under a commit.
const SETTLE_RETRIES: usize = 8;

enum Flow {
    /// Take the next step now.
    Continue,
    /// The claim was released (or lost); this run is over.
    Done,
}

impl Engine {
    /// Works on a claimed tuple until it is stable or waiting, then releases it.
    pub(super) async fn work_tuple(&self, claimed: Tuple) -> Result<(), EngineError> {
        let mut t = claimed;
        let mut fresh = false;
        for _ in 0..MAX_STEPS {
            let requests = self.inner.store.requests_on_tuple(&t.key).await?;
            let desired = requests.iter().any(|r| r.state.needs_assignment());
            match self.step(&mut t, desired, &mut fresh).await? {
                Flow::Continue => continue,
                Flow::Done => return Ok(()),
            }
        }
        let mut next = t.clone();
        self.release(&mut next, Some(self.now()));
        self.apply(&mut t, next, Vec::new(), None).await?;
        Ok(())
    }

    fn release(&self, next: &mut Tuple, check_at: Option<DateTime<Utc>>) {
        next.claimed_by = None;
        next.claimed_until = None;
        next.next_check_at = check_at;
    }

    /// Commits the tuple's next state with its events, settling its requests in the same
    /// transaction. Returns false when the lease was lost to another worker.
    async fn apply(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        tuple_events: Vec<AuditEvent>,
        failure: Option<Failure>,
    ) -> Result<bool, EngineError> {
        for _ in 0..SETTLE_RETRIES {
            let now = self.now();
            next.updated_at = now;
            next.version = t.version;
            if next.claimed_by.is_some() {
                next.claimed_until = Some(now + to_chrono(self.inner.settings.lease));
            }
            let mut requests = self.inner.store.requests_on_tuple(&t.key).await?;
            // Side effects are told about in the history of the request they serve.
            let primary = requests
                .iter()
                .find(|r| r.state.needs_assignment())
                .or_else(|| requests.iter().find(|r| r.state == State::Ending))
                .or_else(|| requests.first())
                .map(|r| (r.id, r.state));
            let mut events: Vec<NewEvent> = tuple_events
                .iter()
                .map(|event| {
                    let mut event = event.clone();
                    let state = primary.map(|(_, state)| state);
                    match &t.key {
                        Target::AccountAssignment(key) => {
                            if let Some(step) = event.assignment_step_mut() {
                                *step = AssignmentStep::new(key, next.actual, state);
                            }
                        }
                        Target::GroupMembership(key) => {
                            if let Some(step) = event.membership_step_mut() {
                                *step = MembershipStep::new(key, next.actual, state);
                            }
                        }
                    }
                    NewEvent {
                        at: now,
                        actor: BROKER_ACTOR.into(),
                        request_id: primary.map(|(id, _)| id),
                        event,
                    }
                })
                .collect();
            let (changed, request_events) = settle(&next, &mut requests, failure.as_ref(), now);
            events.extend(request_events);
            let change = Change {
                at: now,
                requests: changed,
                tuple: Some(next.clone()),
                wake: Vec::new(),
                events,
            };
            match self.commit(&change).await {
                Ok(_) => {
                    next.version = t.version + 1;
                    *t = next;
                    return Ok(true);
                }
                Err(StoreError::Conflict) => {
                    let current = self.inner.store.tuple(&t.key).await?;
                    let still_ours = current.is_some_and(|c| {
                        c.version == t.version
                            && c.claimed_by.as_deref() == Some(self.inner.settings.node_id.as_str())
                    });
                    if !still_ours {
                        tracing::warn!(
                            tuple = %t.key,
                            "lost the lease on a tuple; its new holder carries on"
                        );
                        return Ok(false);
                    }
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(EngineError::Store(StoreError::Conflict))
    }

    /// `apply`, then continue or stop.
    async fn then(
        &self,
        t: &mut Tuple,
        next: Tuple,
        events: Vec<AuditEvent>,
        failure: Option<Failure>,
        flow: Flow,
    ) -> Result<Flow, EngineError> {
        if self.apply(t, next, events, failure).await? {
            Ok(flow)
        } else {
            Ok(Flow::Done)
        }
    }

    /// Times one Identity Center call, bounds it, and records its latency.
    pub(super) async fn call<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, IdcError>>,
    ) -> Result<T, IdcError> {
        let started = Instant::now();
        let result = match tokio::time::timeout(self.inner.settings.call_timeout, fut).await {
            Ok(result) => result,
            Err(_) => Err(IdcError::Unavailable(format!(
                "no answer within {:?}",
                self.inner.settings.call_timeout
            ))),
        };
        self.inner.metrics.observe_call(
            op,
            started.elapsed(),
            match &result {
                Ok(_) => "ok",
                Err(e) => retry_reason(e),
            },
        );
        result
    }

    /// Whether Identity Center holds the assignment now.
    async fn listed(&self, key: &AssignmentKey) -> Result<bool, IdcError> {
        let keys = self
            .call(
                "list_assignments",
                self.inner
                    .idc
                    .list_assignments(&key.account_id, &key.permission_set_arn),
            )
            .await?;
        Ok(keys.contains(key))
    }
}
