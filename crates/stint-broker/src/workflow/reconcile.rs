//! Reconciliation: compares every tuple Stint manages with what Identity Center reports,
//! and puts right what drifted. It never calls create or delete itself: it corrects the
//! tuple's recorded state and wakes it, and the tuple worker (holding the lease) converges.
//!
//! What it finds, and does:
//! - Stint's assignment gone while a grant needs it (someone deleted it): recorded absent,
//!   so the worker creates it again.
//! - An assignment Stint left behind (a deletion that failed, a creation in doubt, or any
//!   Stint-made assignment no grant needs): an alert event each time it is found, and a new
//!   deletion.
//! - An assignment present that Stint never made: standing access, never deleted.
//!
//! Limit: AWS cannot tell a standing assignment added after Stint created its own apart from
//! Stint's; Stint deletes the tuple when its grants end.

use std::collections::BTreeMap;

use super::backoff::to_chrono;
use super::{Engine, EngineError};
use crate::idc::{OperationId, OperationStatus};
use crate::model::audit::{Adopted, AssignmentStep, Deleted, Drift, LateDeletion};
use crate::model::{Actual, AuditEvent, AuditKind, BROKER_ACTOR, NewEvent, Origin, Step, Tuple};
use crate::store::{Change, StoreError};

/// What one reconciliation pass found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    /// Drift found, by kind.
    pub drift: BTreeMap<String, u64>,
    /// (account, permission set) pairs that could not be listed this time.
    pub unreachable: usize,
}

impl ReconcileReport {
    pub fn drift_total(&self) -> u64 {
        self.drift.values().sum()
    }
}

impl Engine {
    /// One reconciliation pass over every managed tuple, one (account, permission set)
    /// pair at a time, so memory stays flat however many grants there are. Each pair's
    /// tuples are read before its assignments are listed: a change made by a worker in
    /// between bumps the tuple's version, and the correction based on the older read is
    /// refused instead of applied.
    pub async fn reconcile(&self) -> Result<ReconcileReport, EngineError> {
        let pairs = self.inner.store.managed_pairs().await?;
        let mut report = ReconcileReport::default();
        for (account, permission_set) in pairs {
            let tuples = self
                .inner
                .store
                .managed_tuples_of(&account, &permission_set)
                .await?;
            if tuples.is_empty() {
                continue;
            }
            let present = match self
                .call(
                    "list_assignments",
                    self.inner.idc.list_assignments(&account, &permission_set),
                )
                .await
            {
                Ok(keys) => keys,
                Err(e) => {
                    tracing::warn!(%account, %permission_set, error = %e, "cannot list assignments to reconcile them");
                    report.unreachable += 1;
                    continue;
                }
            };
            for t in tuples {
                report.checked += 1;
                let in_aws = present.contains(&t.key);
                match self.reconcile_tuple(t, in_aws).await {
                    Ok(Some(kind)) => {
                        self.inner.metrics.count_drift(kind);
                        *report.drift.entry(kind.to_string()).or_default() += 1;
                    }
                    Ok(None) | Err(EngineError::Store(StoreError::Conflict)) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        Ok(report)
    }

    /// Corrects one tuple against what Identity Center reports. Returns the drift found.
    async fn reconcile_tuple(
        &self,
        t: Tuple,
        in_aws: bool,
    ) -> Result<Option<&'static str>, EngineError> {
        let now = self.now();
        if t.claimed_until.is_some_and(|until| until > now)
            || matches!(t.actual, Actual::Creating | Actual::Deleting)
        {
            // A worker is on it; its own steps list and adopt.
            return Ok(None);
        }
        let requests = self.inner.store.requests_on_tuple(&t.key).await?;
        let needing: Vec<i64> = requests
            .iter()
            .filter(|r| r.state.needs_assignment())
            .map(|r| r.id)
            .collect();
        let desired = !needing.is_empty();
        if t.actual == Actual::Present && !in_aws && t.leaked {
            if let Some(op) = t.operation_id.clone() {
                // A deletion Stint gave up on may have completed since: then the absence is
                // Stint's own doing, not drift.
                let status = self
                    .call(
                        "deletion_status",
                        self.inner.idc.deletion_status(&OperationId(op.clone())),
                    )
                    .await;
                if matches!(status, Ok(OperationStatus::Succeeded)) {
                    self.late_deletion(t, op, requests.first().map(|r| r.id), now)
                        .await?;
                    return Ok(None);
                }
            }
        }
        let mut next = t.clone();
        next.updated_at = now;
        let (kind, detail): (fn(Drift) -> AuditEvent, &str) = match (t.actual, in_aws) {
            (Actual::Present, true) => {
                if desired || t.origin == Some(Origin::Standing) {
                    return Ok(None);
                }
                // Stint's own assignment and no grant needs it: take it back.
                next.actual = Actual::Deleting;
                next.step = Some(Step::Call);
                next.operation_id = None;
                next.attempt = 0;
                next.polls = 0;
                next.op_started_at = Some(now);
                next.deadline = Some(now + to_chrono(self.inner.settings.retry_deadline));
                next.leaked = true;
                (
                    AuditEvent::LeakedAssignmentFound,
                    "an assignment Stint made is still in place although no grant needs it: deleting it",
                )
            }
            (Actual::Present, false) => {
                next.actual = Actual::Absent;
                next.origin = None;
                next.leaked = false;
                if desired {
                    (
                        AuditEvent::AssignmentRemovedOutside,
                        "the assignment was deleted outside Stint while a grant needs it: creating it again",
                    )
                } else {
                    (
                        AuditEvent::AssignmentRemovedOutside,
                        "the assignment was deleted outside Stint",
                    )
                }
            }
            (Actual::Absent, true) if t.leaked => {
                next.actual = Actual::Present;
                next.origin = Some(Origin::Stint);
                if desired {
                    next.leaked = false;
                    (
                        |d| AuditEvent::AssignmentAdopted(Adopted::Drift(d)),
                        "the assignment an earlier attempt asked for exists and a grant needs it",
                    )
                } else {
                    next.actual = Actual::Deleting;
                    next.step = Some(Step::Call);
                    next.operation_id = None;
                    next.attempt = 0;
                    next.polls = 0;
                    next.op_started_at = Some(now);
                    next.deadline = Some(now + to_chrono(self.inner.settings.retry_deadline));
                    (
                        AuditEvent::LeakedAssignmentFound,
                        "an assignment Stint may have made is in place although no grant needs it: deleting it",
                    )
                }
            }
            (Actual::Absent, true) => {
                next.actual = Actual::Present;
                next.origin = Some(Origin::Standing);
                (
                    AuditEvent::AssignmentAddedOutside,
                    "the user was given this assignment outside Stint: it is standing access and Stint will not delete it",
                )
            }
            (Actual::Absent, false) => {
                if t.leaked {
                    next.leaked = false;
                    (
                        AuditEvent::LeakCleared,
                        "the assignment Stint could not account for is gone",
                    )
                } else if desired {
                    // Nothing drifted, but a grant waits on a tuple nobody is working on.
                    let change = Change {
                        at: now,
                        wake: vec![t.key.clone()],
                        ..Change::default()
                    };
                    self.commit(&change).await?;
                    return Ok(None);
                } else {
                    return Ok(None);
                }
            }
            (Actual::Creating | Actual::Deleting, _) => return Ok(None),
        };
        let primary = requests.first().map(|r| (r.id, r.state));
        let event = kind(Drift {
            detail: detail.to_string(),
            drift: true,
            alert: false,
            state: primary.map(|(_, s)| s),
            principal_id: t.key.principal_id.clone(),
            account_id: t.key.account_id.clone(),
            permission_set_arn: t.key.permission_set_arn.clone(),
            recorded: t.actual,
            in_identity_center: in_aws,
            grants_needing_it: needing,
        });
        let kind = event.kind();
        // A leak is what someone must look at; the other drifts put themselves right.
        let alert = kind == AuditKind::LeakedAssignmentFound;
        let event = with_alert(event, alert);
        if alert {
            tracing::warn!(
                account = %t.key.account_id,
                permission_set = %t.key.permission_set_arn,
                principal = %t.key.principal_id,
                "{detail}"
            );
        }
        let event = NewEvent {
            at: now,
            actor: BROKER_ACTOR.into(),
            request_id: primary.map(|(id, _)| id),
            event,
        };
        let change = Change {
            at: now,
            requests: Vec::new(),
            tuple: Some(next),
            wake: vec![t.key.clone()],
            events: vec![event],
        };
        self.commit(&change).await?;
        Ok(Some(kind.as_str()))
    }

    /// Records the late success of a deletion Stint had given up on, and wakes the tuple so
    /// its worker settles the requests (a failed revocation is repaired).
    async fn late_deletion(
        &self,
        t: Tuple,
        op: String,
        request_id: Option<i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<(), EngineError> {
        let mut next = t.clone();
        next.updated_at = now;
        next.actual = Actual::Absent;
        next.origin = None;
        next.step = None;
        next.operation_id = None;
        next.leaked = false;
        let event = NewEvent {
            at: now,
            actor: BROKER_ACTOR.into(),
            request_id,
            event: AuditEvent::AssignmentDeleted(Deleted::Late(LateDeletion {
                at: AssignmentStep::new(&t.key, Actual::Absent, None),
                operation_id: op,
                late: true,
                detail: "Identity Center completed the deletion Stint had asked for after Stint gave up on it".into(),
            })),
        };
        let change = Change {
            at: now,
            requests: Vec::new(),
            tuple: Some(next),
            wake: vec![t.key.clone()],
            events: vec![event],
        };
        self.commit(&change).await?;
        Ok(())
    }
}

/// The drift event with its alert flag set.
fn with_alert(mut event: AuditEvent, alert: bool) -> AuditEvent {
    if let AuditEvent::AssignmentAdopted(Adopted::Drift(d))
    | AuditEvent::LeakedAssignmentFound(d)
    | AuditEvent::AssignmentRemovedOutside(d)
    | AuditEvent::AssignmentAddedOutside(d)
    | AuditEvent::LeakCleared(d) = &mut event
    {
        d.alert = alert;
    }
    event
}
