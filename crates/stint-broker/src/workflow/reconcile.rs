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
//! Group memberships Stint grants are reconciled the same way, one `GetGroupMembershipId`
//! each, with their own event kinds. A group an external IdP provisions over SCIM may lose
//! a member Stint added at that IdP's next sync: that is found here as
//! `membership_removed_outside`, and the membership is added again while a grant needs it.
//!
//! Limit: AWS cannot tell a standing assignment (or membership) added after Stint created
//! its own apart from Stint's; Stint deletes the tuple when its grants end.

use std::collections::BTreeMap;

use super::{Engine, EngineError};
use crate::backoff::to_chrono;
use crate::idc::{OperationId, OperationStatus};
use crate::model::audit::{
    Adopted, AssignmentStep, Deleted, Drift, LateDeletion, MembershipAdopted, MembershipDrift,
};
use crate::model::{
    Actual, AssignmentKey, AuditEvent, BROKER_ACTOR, NewEvent, Origin, Step, Target, Tuple,
};
use crate::store::{Change, StoreError};

/// What one reconciliation pass found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReconcileReport {
    pub checked: usize,
    /// Drift found, by kind.
    pub drift: BTreeMap<String, u64>,
    /// (account, permission set) pairs that could not be listed this time, and
    /// memberships that could not be looked up.
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
                let in_aws = match &t.key {
                    Target::AccountAssignment(key) => present.contains(key),
                    Target::GroupMembership(_) => continue,
                };
                self.reconciled(t, in_aws, &mut report).await?;
            }
        }
        self.reconcile_memberships(&mut report).await?;
        Ok(report)
    }

    /// The group memberships Stint manages, each looked up in Identity Store. Read before
    /// the lookup, so a worker's change in between makes the correction a refused one.
    async fn reconcile_memberships(&self, report: &mut ReconcileReport) -> Result<(), EngineError> {
        for t in self.inner.store.managed_memberships().await? {
            let Target::GroupMembership(key) = &t.key else {
                continue;
            };
            let in_aws = match self
                .call("get_membership", self.inner.idc.membership(key))
                .await
            {
                Ok(found) => found.is_some(),
                Err(e) => {
                    tracing::warn!(tuple = %t.key, error = %e, "cannot look up a membership to reconcile it");
                    report.unreachable += 1;
                    continue;
                }
            };
            self.reconciled(t, in_aws, report).await?;
        }
        Ok(())
    }

    /// Reconciles one tuple and counts what it found.
    async fn reconciled(
        &self,
        t: Tuple,
        in_aws: bool,
        report: &mut ReconcileReport,
    ) -> Result<(), EngineError> {
        report.checked += 1;
        match self.reconcile_tuple(t, in_aws).await {
            Ok(Some(kind)) => {
                self.inner.metrics.count_drift(kind);
                *report.drift.entry(kind.to_string()).or_default() += 1;
                Ok(())
            }
            Ok(None) | Err(EngineError::Store(StoreError::Conflict)) => Ok(()),
            Err(e) => Err(e),
        }
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
            if let (Target::AccountAssignment(key), Some(op)) = (&t.key, t.operation_id.clone()) {
                // A deletion Stint gave up on may have completed since: then the absence is
                // Stint's own doing, not drift.
                let status = self
                    .call(
                        "deletion_status",
                        self.inner.idc.deletion_status(&OperationId(op.clone())),
                    )
                    .await;
                if matches!(status, Ok(OperationStatus::Succeeded)) {
                    let key = key.clone();
                    self.late_deletion(t, &key, op, requests.first().map(|r| r.id), now)
                        .await?;
                    return Ok(None);
                }
            }
        }
        let mut next = t.clone();
        next.updated_at = now;
        let found = match (t.actual, in_aws) {
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
                Found::Leaked
            }
            (Actual::Present, false) => {
                next.actual = Actual::Absent;
                next.origin = None;
                next.leaked = false;
                if desired {
                    Found::RemovedWhileNeeded
                } else {
                    Found::Removed
                }
            }
            (Actual::Absent, true) if t.leaked => {
                next.actual = Actual::Present;
                next.origin = Some(Origin::Stint);
                if desired {
                    next.leaked = false;
                    Found::Adopted
                } else {
                    next.actual = Actual::Deleting;
                    next.step = Some(Step::Call);
                    next.operation_id = None;
                    next.attempt = 0;
                    next.polls = 0;
                    next.op_started_at = Some(now);
                    next.deadline = Some(now + to_chrono(self.inner.settings.retry_deadline));
                    Found::MaybeLeaked
                }
            }
            (Actual::Absent, true) => {
                next.actual = Actual::Present;
                next.origin = Some(Origin::Standing);
                Found::Added
            }
            (Actual::Absent, false) => {
                if t.leaked {
                    next.leaked = false;
                    Found::Cleared
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
        // A leak is what someone must look at; the other drifts put themselves right.
        let alert = matches!(found, Found::Leaked | Found::MaybeLeaked);
        let detail = found.detail(&t.key);
        let event = found.event(
            &t.key,
            Seen {
                detail,
                alert,
                state: primary.map(|(_, s)| s),
                recorded: t.actual,
                in_identity_center: in_aws,
                grants_needing_it: needing,
            },
        );
        let kind = event.kind();
        if alert {
            tracing::warn!(tuple = %t.key, "{detail}");
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
        key: &AssignmentKey,
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
                at: AssignmentStep::new(key, Actual::Absent, None),
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

/// What reconciliation found a tuple to be, against what Stint recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Found {
    /// Stint's own, present, and no grant needs it: removed.
    Leaked,
    /// Present after a creation in doubt, and no grant needs it: removed.
    MaybeLeaked,
    /// Gone, removed outside Stint, while a grant needs it: made again.
    RemovedWhileNeeded,
    /// Gone, removed outside Stint.
    Removed,
    /// Present after a creation in doubt, and a grant needs it: Stint's.
    Adopted,
    /// Present, made outside Stint: standing, never removed.
    Added,
    /// What Stint could not account for is gone.
    Cleared,
}

/// The fields every drift event carries, whatever its target.
struct Seen {
    detail: &'static str,
    alert: bool,
    state: Option<crate::model::State>,
    recorded: Actual,
    in_identity_center: bool,
    grants_needing_it: Vec<i64>,
}

impl Found {
    fn detail(self, target: &Target) -> &'static str {
        match target {
            Target::AccountAssignment(_) => match self {
                Found::Leaked => {
                    "an assignment Stint made is still in place although no grant needs it: deleting it"
                }
                Found::MaybeLeaked => {
                    "an assignment Stint may have made is in place although no grant needs it: deleting it"
                }
                Found::RemovedWhileNeeded => {
                    "the assignment was deleted outside Stint while a grant needs it: creating it again"
                }
                Found::Removed => "the assignment was deleted outside Stint",
                Found::Adopted => {
                    "the assignment an earlier attempt asked for exists and a grant needs it"
                }
                Found::Added => {
                    "the user was given this assignment outside Stint: it is standing access and Stint will not delete it"
                }
                Found::Cleared => "the assignment Stint could not account for is gone",
            },
            Target::GroupMembership(_) => match self {
                Found::Leaked => {
                    "a membership Stint made is still in place although no grant needs it: removing it"
                }
                Found::MaybeLeaked => {
                    "a membership Stint may have made is in place although no grant needs it: removing it"
                }
                Found::RemovedWhileNeeded => {
                    "the membership was removed outside Stint (an external IdP's sync, or a person) while a grant needs it: adding it again"
                }
                Found::Removed => "the membership was removed outside Stint",
                Found::Adopted => {
                    "the membership an earlier attempt asked for exists and a grant needs it"
                }
                Found::Added => {
                    "the user was added to this group outside Stint: it is standing membership and Stint will not remove it"
                }
                Found::Cleared => "the membership Stint could not account for is gone",
            },
        }
    }

    /// The drift event of this finding, of the target's kind.
    fn event(self, target: &Target, seen: Seen) -> AuditEvent {
        match target {
            Target::AccountAssignment(key) => {
                let d = Drift {
                    detail: seen.detail.to_string(),
                    drift: true,
                    alert: seen.alert,
                    state: seen.state,
                    principal_id: key.principal_id.clone(),
                    account_id: key.account_id.clone(),
                    permission_set_arn: key.permission_set_arn.clone(),
                    recorded: seen.recorded,
                    in_identity_center: seen.in_identity_center,
                    grants_needing_it: seen.grants_needing_it,
                };
                match self {
                    Found::Leaked | Found::MaybeLeaked => AuditEvent::LeakedAssignmentFound(d),
                    Found::RemovedWhileNeeded | Found::Removed => {
                        AuditEvent::AssignmentRemovedOutside(d)
                    }
                    Found::Adopted => AuditEvent::AssignmentAdopted(Adopted::Drift(d)),
                    Found::Added => AuditEvent::AssignmentAddedOutside(d),
                    Found::Cleared => AuditEvent::LeakCleared(d),
                }
            }
            Target::GroupMembership(key) => {
                let d = MembershipDrift {
                    detail: seen.detail.to_string(),
                    drift: true,
                    alert: seen.alert,
                    state: seen.state,
                    group_id: key.group_id.clone(),
                    user_id: key.user_id.clone(),
                    recorded: seen.recorded,
                    in_identity_center: seen.in_identity_center,
                    grants_needing_it: seen.grants_needing_it,
                };
                match self {
                    Found::Leaked | Found::MaybeLeaked => AuditEvent::LeakedMembershipFound(d),
                    Found::RemovedWhileNeeded | Found::Removed => {
                        AuditEvent::MembershipRemovedOutside(d)
                    }
                    Found::Adopted => AuditEvent::MembershipAdopted(MembershipAdopted::Drift(d)),
                    Found::Added => AuditEvent::MembershipAddedOutside(d),
                    Found::Cleared => AuditEvent::MembershipLeakCleared(d),
                }
            }
        }
    }
}
