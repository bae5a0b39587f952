//! What readers ask of any event, whatever its kind: the request's state after it, its
//! explanation, whether it alerts, the drift it reports, and the step it records.

use super::{
    Adopted, AssignmentStep, AuditEvent, Deleted, Drift, MembershipAdopted, MembershipDrift,
    MembershipStep, RequestStep,
};
use crate::model::State;

impl AuditEvent {
    /// The request's state right after the event, when the event concerns a request.
    pub fn state(&self) -> Option<State> {
        if let Some(step) = self.request_step() {
            return Some(step.state);
        }
        if let Some(at) = self.assignment_step() {
            return at.state;
        }
        if let Some(at) = self.membership_step() {
            return at.state;
        }
        if let Some(d) = self.membership_drift() {
            return d.state;
        }
        match self {
            AuditEvent::Requested(r) => Some(r.state),
            AuditEvent::ActivityAfterWindow(a) => Some(a.state),
            _ => self.drift().and_then(|d| d.state),
        }
    }

    /// The event's explanation in a sentence, when it has one.
    pub fn detail(&self) -> Option<&str> {
        if let Some(step) = self.request_step() {
            return step.detail.as_deref();
        }
        if let Some(d) = self.drift() {
            return Some(&d.detail);
        }
        if let Some(d) = self.membership_drift() {
            return Some(&d.detail);
        }
        match self {
            AuditEvent::MembershipAdopted(MembershipAdopted::Converged(e))
            | AuditEvent::StandingMembershipFound(e)
            | AuditEvent::MembershipCreateAbandoned(e)
            | AuditEvent::MembershipDeleteAbandoned(e) => Some(&e.detail),
            AuditEvent::MembershipCreateFailed(e) | AuditEvent::MembershipDeleteFailed(e) => {
                Some(&e.reason)
            }
            AuditEvent::AssignmentAdopted(Adopted::Converged(e))
            | AuditEvent::StandingAssignmentFound(e)
            | AuditEvent::AssignmentCreateAbandoned(e)
            | AuditEvent::AssignmentDeleteAbandoned(e) => Some(&e.detail),
            AuditEvent::AssignmentDeleted(Deleted::Late(e)) => Some(&e.detail),
            AuditEvent::AssignmentOperationOverdue(e) => Some(&e.detail),
            AuditEvent::ActivityAfterWindow(a) => Some(&a.detail),
            _ => None,
        }
    }

    /// Someone should look: access may be in place that should not be.
    pub fn alert(&self) -> bool {
        match self {
            AuditEvent::AssignmentOperationOverdue(e) => e.alert,
            AuditEvent::ActivityAfterWindow(a) => a.alert,
            AuditEvent::AssignmentCreateFailed(e) | AuditEvent::AssignmentDeleteFailed(e) => {
                e.alert
            }
            AuditEvent::MembershipCreateFailed(e) | AuditEvent::MembershipDeleteFailed(e) => {
                e.alert
            }
            _ => {
                self.drift().is_some_and(|d| d.alert)
                    || self.membership_drift().is_some_and(|d| d.alert)
            }
        }
    }

    /// Reconciliation found Identity Center differing from what Stint recorded.
    pub fn drift(&self) -> Option<&Drift> {
        match self {
            AuditEvent::AssignmentAdopted(Adopted::Drift(d))
            | AuditEvent::LeakedAssignmentFound(d)
            | AuditEvent::AssignmentRemovedOutside(d)
            | AuditEvent::AssignmentAddedOutside(d)
            | AuditEvent::LeakCleared(d) => Some(d).filter(|d| d.drift),
            _ => None,
        }
    }

    /// Reconciliation found Identity Store's group membership differing from what Stint
    /// recorded (an external IdP's sync removing a member Stint added, for one).
    pub fn membership_drift(&self) -> Option<&MembershipDrift> {
        match self {
            AuditEvent::MembershipAdopted(MembershipAdopted::Drift(d))
            | AuditEvent::LeakedMembershipFound(d)
            | AuditEvent::MembershipRemovedOutside(d)
            | AuditEvent::MembershipAddedOutside(d)
            | AuditEvent::MembershipLeakCleared(d) => Some(d).filter(|d| d.drift),
            _ => None,
        }
    }

    /// Whether the event is sent to webhooks: a request event of interest, or drift.
    pub fn delivered(&self) -> bool {
        self.kind().delivered() || self.drift().is_some() || self.membership_drift().is_some()
    }

    /// What every request lifecycle event carries.
    pub fn request_step(&self) -> Option<&RequestStep> {
        match self {
            AuditEvent::AutoApproved(s)
            | AuditEvent::Expired(s)
            | AuditEvent::Activating(s)
            | AuditEvent::Active(s)
            | AuditEvent::Ending(s)
            | AuditEvent::Ended(s)
            | AuditEvent::Failed(s)
            | AuditEvent::RevocationFailed(s)
            | AuditEvent::Repaired(s) => Some(s),
            AuditEvent::Approved(e) => Some(&e.step),
            AuditEvent::Rejected(e) => Some(&e.step),
            AuditEvent::Cancelled(e) | AuditEvent::Revoked(e) => Some(&e.step),
            AuditEvent::Extended(e) | AuditEvent::ExtensionApproved(e) => Some(&e.step),
            AuditEvent::ExtensionRequested(e) => Some(&e.step),
            AuditEvent::ExtensionRejected(e) => Some(&e.step),
            _ => None,
        }
    }

    /// Mutable access to the request step, for the state machine to fill in.
    pub fn request_step_mut(&mut self) -> Option<&mut RequestStep> {
        match self {
            AuditEvent::AutoApproved(s)
            | AuditEvent::Expired(s)
            | AuditEvent::Activating(s)
            | AuditEvent::Active(s)
            | AuditEvent::Ending(s)
            | AuditEvent::Ended(s)
            | AuditEvent::Failed(s)
            | AuditEvent::RevocationFailed(s)
            | AuditEvent::Repaired(s) => Some(s),
            AuditEvent::Approved(e) => Some(&mut e.step),
            AuditEvent::Rejected(e) => Some(&mut e.step),
            AuditEvent::Cancelled(e) | AuditEvent::Revoked(e) => Some(&mut e.step),
            AuditEvent::Extended(e) | AuditEvent::ExtensionApproved(e) => Some(&mut e.step),
            AuditEvent::ExtensionRequested(e) => Some(&mut e.step),
            AuditEvent::ExtensionRejected(e) => Some(&mut e.step),
            _ => None,
        }
    }

    fn assignment_step(&self) -> Option<&AssignmentStep> {
        match self {
            AuditEvent::AssignmentAdopted(Adopted::Converged(e))
            | AuditEvent::StandingAssignmentFound(e)
            | AuditEvent::AssignmentCreateAbandoned(e)
            | AuditEvent::AssignmentDeleteAbandoned(e) => Some(&e.at),
            AuditEvent::AssignmentCreateRequested(e) | AuditEvent::AssignmentDeleteRequested(e) => {
                Some(&e.at)
            }
            AuditEvent::AssignmentCreateStarted(e) | AuditEvent::AssignmentDeleteStarted(e) => {
                Some(&e.at)
            }
            AuditEvent::AssignmentCreated(e)
            | AuditEvent::AssignmentAlreadyGone(e)
            | AuditEvent::AssignmentDeleted(Deleted::Completed(e)) => Some(&e.at),
            AuditEvent::AssignmentDeleted(Deleted::Late(e)) => Some(&e.at),
            AuditEvent::AssignmentCreateFailed(e) | AuditEvent::AssignmentDeleteFailed(e) => {
                Some(&e.at)
            }
            AuditEvent::AssignmentOperationOverdue(e) => Some(&e.at),
            AuditEvent::RetryScheduled(e) => Some(&e.at),
            _ => None,
        }
    }

    fn membership_step(&self) -> Option<&MembershipStep> {
        match self {
            AuditEvent::MembershipAdopted(MembershipAdopted::Converged(e))
            | AuditEvent::StandingMembershipFound(e)
            | AuditEvent::MembershipCreateAbandoned(e)
            | AuditEvent::MembershipDeleteAbandoned(e) => Some(&e.at),
            AuditEvent::MembershipCreateRequested(e) | AuditEvent::MembershipDeleteRequested(e) => {
                Some(&e.at)
            }
            AuditEvent::MembershipCreated(e)
            | AuditEvent::MembershipDeleted(e)
            | AuditEvent::MembershipAlreadyGone(e) => Some(&e.at),
            AuditEvent::MembershipCreateFailed(e) | AuditEvent::MembershipDeleteFailed(e) => {
                Some(&e.at)
            }
            AuditEvent::MembershipRetryScheduled(e) => Some(&e.at),
            _ => None,
        }
    }

    /// Which membership a tuple worker's event is about: the worker fills it in when it
    /// commits the event with the tuple's new state.
    pub fn membership_step_mut(&mut self) -> Option<&mut MembershipStep> {
        match self {
            AuditEvent::MembershipAdopted(MembershipAdopted::Converged(e))
            | AuditEvent::StandingMembershipFound(e)
            | AuditEvent::MembershipCreateAbandoned(e)
            | AuditEvent::MembershipDeleteAbandoned(e) => Some(&mut e.at),
            AuditEvent::MembershipCreateRequested(e) | AuditEvent::MembershipDeleteRequested(e) => {
                Some(&mut e.at)
            }
            AuditEvent::MembershipCreated(e)
            | AuditEvent::MembershipDeleted(e)
            | AuditEvent::MembershipAlreadyGone(e) => Some(&mut e.at),
            AuditEvent::MembershipCreateFailed(e) | AuditEvent::MembershipDeleteFailed(e) => {
                Some(&mut e.at)
            }
            AuditEvent::MembershipRetryScheduled(e) => Some(&mut e.at),
            _ => None,
        }
    }

    /// Which assignment a tuple worker's event is about: the worker fills it in when it
    /// commits the event with the tuple's new state.
    pub fn assignment_step_mut(&mut self) -> Option<&mut AssignmentStep> {
        match self {
            AuditEvent::AssignmentAdopted(Adopted::Converged(e))
            | AuditEvent::StandingAssignmentFound(e)
            | AuditEvent::AssignmentCreateAbandoned(e)
            | AuditEvent::AssignmentDeleteAbandoned(e) => Some(&mut e.at),
            AuditEvent::AssignmentCreateRequested(e) | AuditEvent::AssignmentDeleteRequested(e) => {
                Some(&mut e.at)
            }
            AuditEvent::AssignmentCreateStarted(e) | AuditEvent::AssignmentDeleteStarted(e) => {
                Some(&mut e.at)
            }
            AuditEvent::AssignmentCreated(e)
            | AuditEvent::AssignmentAlreadyGone(e)
            | AuditEvent::AssignmentDeleted(Deleted::Completed(e)) => Some(&mut e.at),
            AuditEvent::AssignmentDeleted(Deleted::Late(e)) => Some(&mut e.at),
            AuditEvent::AssignmentCreateFailed(e) | AuditEvent::AssignmentDeleteFailed(e) => {
                Some(&mut e.at)
            }
            AuditEvent::AssignmentOperationOverdue(e) => Some(&mut e.at),
            AuditEvent::RetryScheduled(e) => Some(&mut e.at),
            _ => None,
        }
    }
}
