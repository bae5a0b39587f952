//! The tuple worker: converges one assignment's actual state in Identity Center to the
//! state its requests want (present iff some request on the tuple is activating or active),
//! and moves those requests along as the assignment appears or goes.
//!
//! Every step is committed before the call it announces, and every call's result is
//! committed before the next step, so a crash between any two resumes correctly: a `call`
//! step found on resume lists the tuple's assignments first, then adopts what exists or
//! calls again. Only the holder of the tuple's lease calls Identity Center for it.

use std::future::Future;
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::backoff::{exponential, full_jitter, to_chrono};
use super::machine::transition;
use super::types::{Actual, BROKER_ACTOR, NewEvent, Origin, Request, State, Step, Tuple};
use super::{Engine, EngineError};
use crate::idc::{IdcError, OperationId, OperationStatus};
use crate::store::{Change, StoreError};

/// Steps one claim may take before it lets other tuples have a turn.
const MAX_STEPS: usize = 24;
/// Re-reads of the tuple's requests when they keep changing under a commit.
const SETTLE_RETRIES: usize = 8;

/// Why requests on a tuple cannot have what they want.
#[derive(Debug, Clone)]
enum Failure {
    /// The assignment could not be created: activating and active requests fail.
    Create(String),
    /// The assignment could not be deleted: ending requests fail (access may remain).
    Delete(String),
}

enum Flow {
    /// Take the next step now.
    Continue,
    /// The claim was released (or lost); this run is over.
    Done,
}

fn retry_reason(e: &IdcError) -> &'static str {
    match e {
        IdcError::Throttled(_) => "throttled",
        IdcError::Conflict(_) => "conflict",
        IdcError::Unavailable(_) => "unavailable",
        IdcError::NotFound(_) => "not_found",
        IdcError::AccessDenied(_) => "access_denied",
        IdcError::Other(_) => "other",
    }
}

/// Moves the tuple's requests along given the tuple's new state. Returns the requests that
/// changed and their events.
fn settle(
    t: &Tuple,
    requests: &mut [Request],
    failure: Option<&Failure>,
    now: DateTime<Utc>,
) -> (Vec<Request>, Vec<NewEvent>) {
    let mut changed = Vec::new();
    let mut events = Vec::new();
    let mut push = |r: &mut Request, to: State, kind: &str, detail: &str| match transition(
        r,
        to,
        now,
        BROKER_ACTOR,
        kind,
        Some(detail),
        json!({}),
    ) {
        Ok(e) => {
            events.push(e);
            changed.push(r.clone());
        }
        Err(e) => tracing::error!(error = %e, "workflow bug"),
    };
    if let Some(Failure::Create(reason)) = failure {
        for r in requests.iter_mut() {
            if r.state.needs_assignment() {
                let detail = format!("Identity Center could not create the assignment: {reason}");
                push(r, State::Failed, "failed", &detail);
            }
        }
    }
    let needs: Vec<i64> = requests
        .iter()
        .filter(|r| r.state.needs_assignment())
        .map(|r| r.id)
        .collect();
    for r in requests.iter_mut() {
        match r.state {
            State::Activating if t.actual == Actual::Present => {
                // The window runs from when access actually exists, for its full length.
                r.start_at = now;
                r.end_at = now + chrono::Duration::seconds(i64::from(r.duration_secs));
                let detail = match t.origin {
                    Some(Origin::Standing) => {
                        "the user already holds this assignment (standing access)"
                    }
                    _ => "the assignment is in place",
                };
                push(r, State::Active, "active", detail);
            }
            State::Ending => {
                if let Some(other) = needs.iter().find(|id| **id != r.id) {
                    let detail = format!(
                        "grant ended; the assignment stays because request {other} still needs it"
                    );
                    push(r, State::Ended, "ended", &detail);
                } else if t.actual == Actual::Absent {
                    push(
                        r,
                        State::Ended,
                        "ended",
                        "grant ended and the assignment was removed",
                    );
                } else if t.actual == Actual::Present && t.origin == Some(Origin::Standing) {
                    push(
                        r,
                        State::Ended,
                        "ended",
                        "grant ended; the user's standing assignment was kept",
                    );
                } else if let Some(Failure::Delete(reason)) = failure {
                    let detail = format!(
                        "Stint could not remove the assignment ({reason}); reconciliation keeps trying"
                    );
                    push(r, State::Failed, "revocation_failed", &detail);
                }
            }
            State::Failed if r.failed_from == Some(State::Ending) => {
                if t.actual == Actual::Absent && t.step.is_none() {
                    push(
                        r,
                        State::Ended,
                        "repaired",
                        "the assignment left in place by an earlier failure was removed",
                    );
                } else if !needs.is_empty() && t.actual == Actual::Present {
                    push(
                        r,
                        State::Ended,
                        "repaired",
                        "the assignment left in place is now held by another grant",
                    );
                }
            }
            _ => {}
        }
    }
    (changed, events)
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
        tuple_events: Vec<(String, Value)>,
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
                .map(|(kind, data)| {
                    let mut data = data.clone();
                    if let Value::Object(map) = &mut data {
                        map.insert("principal_id".into(), t.key.principal_id.clone().into());
                        map.insert("account_id".into(), t.key.account_id.clone().into());
                        map.insert(
                            "permission_set_arn".into(),
                            t.key.permission_set_arn.clone().into(),
                        );
                        map.insert("assignment".into(), next.actual.as_str().into());
                        if let Some((_, state)) = primary {
                            map.insert("state".into(), state.as_str().into());
                        }
                    }
                    NewEvent {
                        at: now,
                        actor: BROKER_ACTOR.into(),
                        kind: kind.clone(),
                        request_id: primary.map(|(id, _)| id),
                        data,
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
                            account = %t.key.account_id,
                            permission_set = %t.key.permission_set_arn,
                            "lost the lease on an assignment; its new holder carries on"
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
        events: Vec<(String, Value)>,
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

    async fn listed(&self, t: &Tuple) -> Result<bool, IdcError> {
        let keys = self
            .call(
                "list_assignments",
                self.inner
                    .idc
                    .list_assignments(&t.key.account_id, &t.key.permission_set_arn),
            )
            .await?;
        Ok(keys.contains(&t.key))
    }

    /// One step of the convergence.
    async fn step(
        &self,
        t: &mut Tuple,
        desired: bool,
        fresh: &mut bool,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let settings = &self.inner.settings;
        let mut next = t.clone();
        match (t.actual, t.step) {
            (Actual::Absent, _) => {
                if desired {
                    next.actual = Actual::Creating;
                    next.step = Some(Step::Check);
                    next.origin = None;
                    next.operation_id = None;
                    next.attempt = 0;
                    next.polls = 0;
                    next.op_started_at = Some(now);
                    next.deadline = Some(now + to_chrono(settings.retry_deadline));
                    self.then(t, next, vec![], None, Flow::Continue).await
                } else {
                    next.step = None;
                    self.release(&mut next, None);
                    self.then(t, next, vec![], None, Flow::Done).await
                }
            }
            (Actual::Creating, None | Some(Step::Check)) => {
                if !desired {
                    return self.abandon_create(t, next).await;
                }
                match self.listed(t).await {
                    Ok(true) if t.leaked => {
                        // Left behind by an earlier creation that ended in doubt: Stint's own.
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.leaked = false;
                        let ev = (
                            "assignment_adopted".to_string(),
                            json!({
                                "detail": "the assignment an earlier attempt asked for exists",
                            }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(true) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Standing);
                        next.step = None;
                        next.leaked = false;
                        let ev = (
                            "standing_assignment_found".to_string(),
                            json!({
                                "detail": "the user already holds this assignment and Stint did not create it: it will never be deleted by Stint",
                            }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(false) => {
                        next.step = Some(Step::Call);
                        *fresh = true;
                        let ev = (
                            "assignment_create_requested".to_string(),
                            json!({ "attempt": t.attempt + 1 }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "list_assignments", e).await,
                }
            }
            (Actual::Creating, Some(Step::Call)) => {
                if !*fresh || !desired {
                    match self.listed(t).await {
                        Ok(true) => {
                            next.actual = Actual::Present;
                            next.origin = Some(Origin::Stint);
                            next.step = None;
                            next.operation_id = None;
                            let ev = (
                                "assignment_adopted".to_string(),
                                json!({
                                    "detail": "the assignment Stint had asked for exists",
                                }),
                            );
                            return self.then(t, next, vec![ev], None, Flow::Continue).await;
                        }
                        Ok(false) if !desired => return self.abandon_create(t, next).await,
                        Ok(false) => {}
                        Err(e) => return self.failed_call(t, next, "list_assignments", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call(
                        "create_assignment",
                        self.inner.idc.create_assignment(&t.key),
                    )
                    .await
                {
                    Ok(OperationId(op)) => {
                        next.step = Some(Step::Poll);
                        next.operation_id = Some(op.clone());
                        next.polls = 0;
                        let check = now + to_chrono(settings.poll_initial);
                        self.release(&mut next, Some(check));
                        let ev = (
                            "assignment_create_started".to_string(),
                            json!({ "operation_id": op, "attempt": t.attempt + 1 }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Done).await
                    }
                    Err(e) => self.failed_call(t, next, "create_assignment", e).await,
                }
            }
            (Actual::Creating, Some(Step::Poll)) => {
                let Some(op) = t.operation_id.clone() else {
                    next.step = Some(Step::Call);
                    return self.then(t, next, vec![], None, Flow::Continue).await;
                };
                match self
                    .call(
                        "creation_status",
                        self.inner.idc.creation_status(&OperationId(op.clone())),
                    )
                    .await
                {
                    Ok(OperationStatus::Succeeded) => {
                        next.actual = Actual::Present;
                        next.origin = Some(Origin::Stint);
                        next.step = None;
                        next.operation_id = None;
                        next.attempt = 0;
                        next.leaked = false;
                        let took = t.op_started_at.map(|s| (now - s).num_milliseconds());
                        let ev = (
                            "assignment_created".to_string(),
                            json!({ "operation_id": op, "took_ms": took }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Continue).await
                    }
                    Ok(OperationStatus::Failed { reason }) => {
                        self.give_up(t, next, &format!("the creation failed: {reason}"))
                            .await
                    }
                    Ok(OperationStatus::InProgress) => self.poll_later(t, next).await,
                    Err(IdcError::NotFound(_)) => {
                        // Identity Center forgot the operation: find out what exists instead.
                        next.step = Some(Step::Call);
                        next.operation_id = None;
                        *fresh = false;
                        self.then(t, next, vec![], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "creation_status", e).await,
                }
            }
            (Actual::Present, _) => {
                if desired || t.origin == Some(Origin::Standing) {
                    next.leaked = false;
                    next.step = None;
                    self.release(&mut next, None);
                    self.then(t, next, vec![], None, Flow::Done).await
                } else if t.leaked {
                    // A deletion already failed; reconciliation schedules the next attempt.
                    self.release(&mut next, None);
                    self.then(t, next, vec![], None, Flow::Done).await
                } else {
                    next.actual = Actual::Deleting;
                    next.step = Some(Step::Call);
                    next.operation_id = None;
                    next.attempt = 0;
                    next.polls = 0;
                    next.op_started_at = Some(now);
                    next.deadline = Some(now + to_chrono(settings.retry_deadline));
                    *fresh = true;
                    let ev = (
                        "assignment_delete_requested".to_string(),
                        json!({ "attempt": 1 }),
                    );
                    self.then(t, next, vec![ev], None, Flow::Continue).await
                }
            }
            (Actual::Deleting, None | Some(Step::Check) | Some(Step::Call)) => {
                if desired && *fresh {
                    // Nothing was called yet: keep the assignment for the grant that needs it.
                    return self.keep_present(t, next).await;
                }
                if !*fresh || desired {
                    match self.listed(t).await {
                        Ok(false) => {
                            return self.gone(t, next, "assignment_already_gone", None).await;
                        }
                        Ok(true) if desired => return self.keep_present(t, next).await,
                        Ok(true) => {}
                        Err(e) => return self.failed_call(t, next, "list_assignments", e).await,
                    }
                }
                *fresh = false;
                match self
                    .call(
                        "delete_assignment",
                        self.inner.idc.delete_assignment(&t.key),
                    )
                    .await
                {
                    Ok(OperationId(op)) => {
                        next.step = Some(Step::Poll);
                        next.operation_id = Some(op.clone());
                        next.polls = 0;
                        let check = now + to_chrono(settings.poll_initial);
                        self.release(&mut next, Some(check));
                        let ev = (
                            "assignment_delete_started".to_string(),
                            json!({ "operation_id": op, "attempt": t.attempt + 1 }),
                        );
                        self.then(t, next, vec![ev], None, Flow::Done).await
                    }
                    Err(IdcError::NotFound(_)) => {
                        self.gone(t, next, "assignment_already_gone", None).await
                    }
                    Err(e) => self.failed_call(t, next, "delete_assignment", e).await,
                }
            }
            (Actual::Deleting, Some(Step::Poll)) => {
                let Some(op) = t.operation_id.clone() else {
                    next.step = Some(Step::Call);
                    return self.then(t, next, vec![], None, Flow::Continue).await;
                };
                match self
                    .call(
                        "deletion_status",
                        self.inner.idc.deletion_status(&OperationId(op.clone())),
                    )
                    .await
                {
                    Ok(OperationStatus::Succeeded) => {
                        self.gone(t, next, "assignment_deleted", Some(op)).await
                    }
                    Ok(OperationStatus::Failed { reason }) => {
                        self.give_up(t, next, &format!("the deletion failed: {reason}"))
                            .await
                    }
                    Ok(OperationStatus::InProgress) => self.poll_later(t, next).await,
                    Err(IdcError::NotFound(_)) => {
                        next.step = Some(Step::Call);
                        next.operation_id = None;
                        *fresh = false;
                        self.then(t, next, vec![], None, Flow::Continue).await
                    }
                    Err(e) => self.failed_call(t, next, "deletion_status", e).await,
                }
            }
        }
    }

    async fn abandon_create(&self, t: &mut Tuple, mut next: Tuple) -> Result<Flow, EngineError> {
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.operation_id = None;
        let ev = (
            "assignment_create_abandoned".to_string(),
            json!({ "detail": "no grant needs the assignment any more, and it does not exist" }),
        );
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn keep_present(&self, t: &mut Tuple, mut next: Tuple) -> Result<Flow, EngineError> {
        next.actual = Actual::Present;
        next.origin = Some(Origin::Stint);
        next.step = None;
        next.operation_id = None;
        let ev = (
            "assignment_delete_abandoned".to_string(),
            json!({ "detail": "a grant needs the assignment again before it was deleted" }),
        );
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn gone(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        kind: &str,
        op: Option<String>,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.operation_id = None;
        next.attempt = 0;
        next.leaked = false;
        let took = t.op_started_at.map(|s| (now - s).num_milliseconds());
        let ev = (
            kind.to_string(),
            json!({ "operation_id": op, "took_ms": took }),
        );
        self.then(t, next, vec![ev], None, Flow::Continue).await
    }

    async fn poll_later(&self, t: &mut Tuple, mut next: Tuple) -> Result<Flow, EngineError> {
        let now = self.now();
        if t.deadline.is_some_and(|d| now >= d) {
            return self
                .give_up(
                    t,
                    next,
                    "the operation was still in progress at its deadline",
                )
                .await;
        }
        let settings = &self.inner.settings;
        next.polls = t.polls.saturating_add(1);
        let wait = exponential(settings.poll_initial, settings.poll_max, next.polls);
        self.release(&mut next, Some(now + to_chrono(wait)));
        self.then(t, next, vec![], None, Flow::Done).await
    }

    /// A call failed: retry it after a jittered backoff, or give up at the deadline or on an
    /// error that retrying cannot fix.
    async fn failed_call(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        op: &'static str,
        error: IdcError,
    ) -> Result<Flow, EngineError> {
        let now = self.now();
        let reason = retry_reason(&error);
        if !error.is_retryable() {
            return self.give_up(t, next, &format!("{op}: {error}")).await;
        }
        if t.deadline.is_some_and(|d| now >= d) {
            return self
                .give_up(
                    t,
                    next,
                    &format!("{op} kept failing until the deadline: {error}"),
                )
                .await;
        }
        let settings = &self.inner.settings;
        next.attempt = t.attempt.saturating_add(1);
        let wait = full_jitter(settings.retry_base, settings.retry_cap, next.attempt);
        let retry_at = now + to_chrono(wait);
        self.release(&mut next, Some(retry_at));
        self.inner.metrics.count_retry(reason);
        let ev = (
            "retry_scheduled".to_string(),
            json!({
                "operation": op,
                "reason": reason,
                "error": error.to_string(),
                "attempt": next.attempt,
                "retry_at": retry_at,
            }),
        );
        self.then(t, next, vec![ev], None, Flow::Done).await
    }

    /// The operation in flight cannot succeed. A failed creation leaves the tuple absent
    /// but suspect (the create may yet land), a failed deletion leaves it present and
    /// leaked; reconciliation checks both until Identity Center agrees.
    async fn give_up(
        &self,
        t: &mut Tuple,
        mut next: Tuple,
        reason: &str,
    ) -> Result<Flow, EngineError> {
        next.step = None;
        next.operation_id = None;
        next.attempt = 0;
        next.leaked = true;
        self.release(&mut next, None);
        let (kind, failure) = if t.actual == Actual::Deleting {
            next.actual = Actual::Present;
            next.origin = Some(Origin::Stint);
            (
                "assignment_delete_failed",
                Failure::Delete(reason.to_string()),
            )
        } else {
            next.actual = Actual::Absent;
            next.origin = None;
            (
                "assignment_create_failed",
                Failure::Create(reason.to_string()),
            )
        };
        self.inner.metrics.count_failure(kind);
        tracing::warn!(
            account = %t.key.account_id,
            permission_set = %t.key.permission_set_arn,
            principal = %t.key.principal_id,
            reason,
            "{kind}"
        );
        let ev = (kind.to_string(), json!({ "reason": reason, "alert": true }));
        self.then(t, next, vec![ev], Some(failure), Flow::Done)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::idc::{AssignmentKey, PrincipalType};
    use crate::workflow::types::{AccountInfo, PermissionSetInfo, Person};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn key() -> AssignmentKey {
        AssignmentKey {
            principal_type: PrincipalType::User,
            principal_id: "u-alice".into(),
            account_id: "333333333333".into(),
            permission_set_arn: "arn:ps".into(),
        }
    }

    fn request(id: i64, state: State) -> Request {
        Request {
            id,
            requester: Person {
                user_id: "u-alice".into(),
                user_name: "alice".into(),
                display_name: "Alice".into(),
            },
            account: AccountInfo {
                id: "333333333333".into(),
                name: "prod".into(),
            },
            permission_set: PermissionSetInfo {
                arn: "arn:ps".into(),
                name: "PowerUserAccess".into(),
                description: None,
                session_duration_secs: 3600,
            },
            state,
            failed_from: None,
            reason: "debug".into(),
            ticket: None,
            duration_secs: 3600,
            start_at: now(),
            end_at: now(),
            pending_end_at: None,
            approval_required: false,
            approver_groups: vec![],
            approval_deadline: None,
            decided_by: None,
            decision_comment: None,
            outcome: None,
            created_at: now(),
            updated_at: now(),
            next_due_at: None,
            version: 1,
        }
    }

    fn tuple(actual: Actual, origin: Option<Origin>) -> Tuple {
        let mut t = Tuple::absent(key(), now());
        t.actual = actual;
        t.origin = origin;
        t
    }

    #[test]
    fn ending_a_shared_assignment_keeps_it_for_the_other_grant() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending), request(2, State::Active)];
        let (changed, events) = settle(&t, &mut reqs, None, now());
        assert_eq!(changed.len(), 1);
        assert_eq!(changed[0].id, 1);
        assert_eq!(changed[0].state, State::Ended);
        assert!(
            events[0].data["detail"]
                .as_str()
                .unwrap()
                .contains("request 2")
        );
    }

    #[test]
    fn ending_waits_while_stints_own_assignment_is_present() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending)];
        let (changed, _) = settle(&t, &mut reqs, None, now());
        assert!(changed.is_empty());
    }

    #[test]
    fn standing_access_ends_the_grant_without_removal() {
        let t = tuple(Actual::Present, Some(Origin::Standing));
        let mut reqs = vec![request(1, State::Ending), request(2, State::Activating)];
        let (changed, _) = settle(&t, &mut reqs, None, now());
        let states: Vec<_> = changed.iter().map(|r| (r.id, r.state)).collect();
        assert!(states.contains(&(2, State::Active)));
        assert!(states.contains(&(1, State::Ended)));
    }

    #[test]
    fn a_failed_deletion_fails_the_ending_grant_and_a_later_removal_repairs_it() {
        let t = tuple(Actual::Present, Some(Origin::Stint));
        let mut reqs = vec![request(1, State::Ending)];
        let (changed, _) = settle(&t, &mut reqs, Some(&Failure::Delete("boom".into())), now());
        assert_eq!(changed[0].state, State::Failed);
        assert_eq!(changed[0].failed_from, Some(State::Ending));

        let gone = tuple(Actual::Absent, None);
        let mut reqs = changed;
        let (changed, events) = settle(&gone, &mut reqs, None, now());
        assert_eq!(changed[0].state, State::Ended);
        assert_eq!(events[0].kind, "repaired");
    }

    #[test]
    fn a_failed_creation_fails_every_grant_that_needed_it() {
        let t = tuple(Actual::Absent, None);
        let mut reqs = vec![request(1, State::Activating), request(2, State::Active)];
        let (changed, _) = settle(&t, &mut reqs, Some(&Failure::Create("nope".into())), now());
        assert!(changed.iter().all(|r| r.state == State::Failed));
        assert_eq!(changed.len(), 2);
    }
}
