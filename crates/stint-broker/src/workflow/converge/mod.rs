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
//! hold for both. What each step does is decided in `decide` without I/O; this module is
//! the driver: it asks Identity Center what a decision needs, commits the outcome (with
//! `super::settle` moving the tuple's requests along), and loops.

mod decide;

use std::future::Future;
use std::time::Instant;

use super::settle::{Failure, settle};
use super::{Engine, EngineError};
use crate::backoff::{full_jitter, to_chrono};
use crate::idc::{IdcError, MembershipId, OperationId};
use crate::model::audit::{AssignmentStep, MembershipStep};
use crate::model::{
    Actual, AssignmentKey, AuditEvent, BROKER_ACTOR, NewEvent, State, Target, Tuple,
};
use crate::store::{Change, StoreError};

use decide::{Ask, Flow, Next, Outcome, Seen, Situation, Tally, decide, release, retry_reason};

/// Steps one claim may take before it lets other tuples have a turn.
const MAX_STEPS: usize = 24;
/// Re-reads of the tuple's requests when they keep changing under a commit.
const SETTLE_RETRIES: usize = 8;

impl Engine {
    /// Works on a claimed tuple until it is stable or waiting, then releases it.
    pub(super) async fn work_tuple(&self, claimed: Tuple) -> Result<(), EngineError> {
        let mut t = claimed;
        let mut fresh = false;
        for _ in 0..MAX_STEPS {
            let requests = self.inner.store.requests_on_tuple(&t.key).await?;
            let desired = requests.iter().any(|r| r.state.needs_assignment());
            let outcome = self.decided(&t, desired, &mut fresh).await;
            fresh = outcome.fresh;
            self.tally(&t, &outcome.tallies);
            let committed = self
                .apply(&mut t, outcome.next, outcome.events, outcome.failure)
                .await?;
            if !committed || outcome.flow == Flow::Done {
                return Ok(());
            }
        }
        let mut next = t.clone();
        release(&mut next, Some(self.now()));
        self.apply(&mut t, next, Vec::new(), None).await?;
        Ok(())
    }

    /// The tuple's next step, decided with what Identity Center answers to the questions
    /// the decision asks.
    async fn decided(&self, t: &Tuple, desired: bool, fresh: &mut bool) -> Outcome {
        let mut seen = Seen::Nothing;
        loop {
            let situation = Situation {
                t,
                desired,
                fresh: *fresh,
                now: self.now(),
                settings: &self.inner.settings,
                jitter: full_jitter,
            };
            match decide(&situation, seen) {
                Next::Commit(outcome) => return *outcome,
                Next::Ask(ask) => {
                    if matches!(ask, Ask::Create | Ask::Delete) {
                        *fresh = false;
                    }
                    seen = self.ask(t, ask).await;
                }
            }
        }
    }

    /// Asks Identity Center one question about the tuple's target.
    async fn ask(&self, t: &Tuple, ask: Ask) -> Seen {
        let idc = &self.inner.idc;
        let operation = |OperationId(op)| op;
        match (&t.key, ask) {
            (Target::AccountAssignment(key), Ask::Look) => Seen::Looked(self.listed(key).await),
            (Target::AccountAssignment(key), Ask::Create) => Seen::Started(
                self.call("create_assignment", idc.create_assignment(key))
                    .await
                    .map(operation),
            ),
            (Target::AccountAssignment(key), Ask::Delete) => Seen::Started(
                self.call("delete_assignment", idc.delete_assignment(key))
                    .await
                    .map(operation),
            ),
            (Target::AccountAssignment(_), Ask::Status(op)) => {
                let op = OperationId(op);
                Seen::Status(if t.actual == Actual::Deleting {
                    self.call("deletion_status", idc.deletion_status(&op)).await
                } else {
                    self.call("creation_status", idc.creation_status(&op)).await
                })
            }
            (Target::GroupMembership(key), Ask::Look) => Seen::Looked(
                self.call("get_membership", idc.membership(key))
                    .await
                    .map(|id| id.is_some()),
            ),
            (Target::GroupMembership(key), Ask::Create) => Seen::Changed(
                self.call("add_membership", idc.add_membership(key))
                    .await
                    .map(|MembershipId(id)| Some(id)),
            ),
            (Target::GroupMembership(key), Ask::Delete) => Seen::Changed(
                self.call("remove_membership", idc.remove_membership(key))
                    .await
                    .map(|()| None),
            ),
            // `decide` never asks it: a membership changes at once, with no operation.
            (Target::GroupMembership(_), Ask::Status(_)) => Seen::Status(Err(IdcError::Other(
                "a group membership has no operation to follow".into(),
            ))),
        }
    }

    /// Counts and logs what the decision says happened besides its audit events.
    fn tally(&self, t: &Tuple, tallies: &[Tally]) {
        for tally in tallies {
            match tally {
                Tally::Retry(reason) => self.inner.metrics.count_retry(reason),
                Tally::Failure { kind, detail } => {
                    self.inner.metrics.count_failure(kind);
                    tracing::warn!(tuple = %t.key, detail, "{kind}");
                }
            }
        }
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
