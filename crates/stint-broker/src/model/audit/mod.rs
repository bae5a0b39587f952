//! Every audit event the broker writes, typed. This module is the one place events become
//! the stored `(kind, data)` pair and back: the store appends [`AuditEvent::encode`]d data
//! to the hash chain, and readers (webhooks, request history, the event stream) decode
//! records with [`AuditEvent::decode`] instead of reading JSON keys.
//!
//! The stored JSON is the payload struct serialised through `serde_json::Value`, whose maps
//! keep keys sorted: the bytes are those the broker wrote when events were built with
//! `json!`, so existing chains verify and webhook bodies do not change. The fixtures in
//! `tests/fixtures/audit/` hold those bytes, one file per kind.
//!
//! Adding an event: one line in the `audit_events!` list below (variant, payload, kind),
//! the payload struct beside its kin, a fixture file, and the answers to the exhaustive
//! matches in [`AuditKind`] (is it delivered by webhook? does it change an approval?).

mod activity;
mod assignment;
mod membership;
mod request;
mod session;

pub use activity::{ActivityAfterWindow, CallAfterWindow};
pub use assignment::{
    Adopted, AssignmentStep, CallRequested, CallStarted, Completed, Deleted, Drift, Explained,
    GaveUp, LateDeletion, Overdue, RetryScheduled,
};
pub use membership::{
    MembershipAdopted, MembershipCall, MembershipChanged, MembershipDrift, MembershipExplained,
    MembershipGaveUp, MembershipRetry, MembershipStep,
};
pub use request::{
    Approved, Commented, ExtensionRejected, ExtensionRequested, Moved, Rejected, RequestStep,
    Requested,
};
pub use session::{Login, LoginRefused, Logout, PolicyReloaded};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{RequestId, State};

/// Declares [`AuditEvent`] and [`AuditKind`] from one list, so a kind's name is written
/// once: it is both the serde tag and what [`AuditKind::as_str`] returns.
macro_rules! audit_events {
    ($( $(#[doc = $doc:literal])* $variant:ident($payload:ty) = $kind:literal, )*) => {
        /// One audit event: its kind and its typed payload.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", content = "data")]
        pub enum AuditEvent {
            $( $(#[doc = $doc])* #[serde(rename = $kind)] $variant($payload), )*
        }

        /// The kind of an audit event, without its payload.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum AuditKind {
            $( $variant, )*
        }

        impl AuditKind {
            pub const ALL: &'static [AuditKind] = &[$(AuditKind::$variant),*];

            /// The stored name of the kind.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $( AuditKind::$variant => $kind, )*
                }
            }
        }

        impl AuditEvent {
            pub fn kind(&self) -> AuditKind {
                match self {
                    $( AuditEvent::$variant(_) => AuditKind::$variant, )*
                }
            }
        }
    };
}

audit_events! {
    /// A session was opened.
    Login(Login) = "login",
    /// Refused sign-ins, aggregated per interval.
    LoginRefused(LoginRefused) = "login_refused",
    /// A session was closed.
    Logout(Logout) = "logout",
    /// The policy file was (re)loaded.
    PolicyReloaded(PolicyReloaded) = "policy_reloaded",

    Requested(Requested) = "requested",
    AutoApproved(RequestStep) = "auto_approved",
    Approved(Approved) = "approved",
    Rejected(Rejected) = "rejected",
    Cancelled(Commented) = "cancelled",
    Expired(RequestStep) = "expired",
    Activating(RequestStep) = "activating",
    Active(RequestStep) = "active",
    Ending(RequestStep) = "ending",
    Ended(RequestStep) = "ended",
    Revoked(Commented) = "revoked",
    Failed(RequestStep) = "failed",
    /// The grant ended but its assignment could not be removed.
    RevocationFailed(RequestStep) = "revocation_failed",
    /// A failed ending was set right by reconciliation.
    Repaired(RequestStep) = "repaired",
    Extended(Moved) = "extended",
    ExtensionRequested(ExtensionRequested) = "extension_requested",
    ExtensionApproved(Moved) = "extension_approved",
    ExtensionRejected(ExtensionRejected) = "extension_rejected",

    AssignmentAdopted(Adopted) = "assignment_adopted",
    StandingAssignmentFound(Explained) = "standing_assignment_found",
    AssignmentCreateRequested(CallRequested) = "assignment_create_requested",
    AssignmentCreateStarted(CallStarted) = "assignment_create_started",
    AssignmentCreated(Completed) = "assignment_created",
    AssignmentCreateAbandoned(Explained) = "assignment_create_abandoned",
    AssignmentCreateFailed(GaveUp) = "assignment_create_failed",
    AssignmentDeleteRequested(CallRequested) = "assignment_delete_requested",
    AssignmentDeleteStarted(CallStarted) = "assignment_delete_started",
    AssignmentDeleted(Deleted) = "assignment_deleted",
    AssignmentAlreadyGone(Completed) = "assignment_already_gone",
    AssignmentDeleteAbandoned(Explained) = "assignment_delete_abandoned",
    AssignmentDeleteFailed(GaveUp) = "assignment_delete_failed",
    AssignmentOperationOverdue(Overdue) = "assignment_operation_overdue",
    RetryScheduled(RetryScheduled) = "retry_scheduled",

    LeakedAssignmentFound(Drift) = "leaked_assignment_found",
    AssignmentRemovedOutside(Drift) = "assignment_removed_outside",
    AssignmentAddedOutside(Drift) = "assignment_added_outside",
    LeakCleared(Drift) = "leak_cleared",

    MembershipAdopted(MembershipAdopted) = "membership_adopted",
    StandingMembershipFound(MembershipExplained) = "standing_membership_found",
    MembershipCreateRequested(MembershipCall) = "membership_create_requested",
    MembershipCreated(MembershipChanged) = "membership_created",
    MembershipCreateAbandoned(MembershipExplained) = "membership_create_abandoned",
    MembershipCreateFailed(MembershipGaveUp) = "membership_create_failed",
    MembershipDeleteRequested(MembershipCall) = "membership_delete_requested",
    MembershipDeleted(MembershipChanged) = "membership_deleted",
    MembershipAlreadyGone(MembershipChanged) = "membership_already_gone",
    MembershipDeleteAbandoned(MembershipExplained) = "membership_delete_abandoned",
    MembershipDeleteFailed(MembershipGaveUp) = "membership_delete_failed",
    MembershipRetryScheduled(MembershipRetry) = "membership_retry_scheduled",

    LeakedMembershipFound(MembershipDrift) = "leaked_membership_found",
    MembershipRemovedOutside(MembershipDrift) = "membership_removed_outside",
    MembershipAddedOutside(MembershipDrift) = "membership_added_outside",
    MembershipLeakCleared(MembershipDrift) = "membership_leak_cleared",

    /// A grant's credentials were used after its window (alerted).
    ActivityAfterWindow(ActivityAfterWindow) = "activity_after_window",
}

impl AuditKind {
    pub fn parse(s: &str) -> Option<AuditKind> {
        AuditKind::ALL.iter().copied().find(|k| k.as_str() == s)
    }

    /// Whether events of this kind about requests are sent to webhooks. Steps in between
    /// (`activating`, `ending`, Identity Center calls and retries) are the broker's
    /// business; drift is delivered whatever its kind (see [`AuditEvent::delivered`]).
    pub fn delivered(self) -> bool {
        use AuditKind::*;
        match self {
            Requested
            | AutoApproved
            | Approved
            | Rejected
            | Cancelled
            | Expired
            | Active
            | Ended
            | Revoked
            | Failed
            | RevocationFailed
            | AssignmentOperationOverdue
            | Repaired
            | Extended
            | ExtensionRequested
            | ExtensionApproved
            | ExtensionRejected
            | ActivityAfterWindow => true,
            Login
            | LoginRefused
            | Logout
            | PolicyReloaded
            | Activating
            | Ending
            | AssignmentAdopted
            | StandingAssignmentFound
            | AssignmentCreateRequested
            | AssignmentCreateStarted
            | AssignmentCreated
            | AssignmentCreateAbandoned
            | AssignmentCreateFailed
            | AssignmentDeleteRequested
            | AssignmentDeleteStarted
            | AssignmentDeleted
            | AssignmentAlreadyGone
            | AssignmentDeleteAbandoned
            | AssignmentDeleteFailed
            | RetryScheduled
            | LeakedAssignmentFound
            | AssignmentRemovedOutside
            | AssignmentAddedOutside
            | LeakCleared
            | MembershipAdopted
            | StandingMembershipFound
            | MembershipCreateRequested
            | MembershipCreated
            | MembershipCreateAbandoned
            | MembershipCreateFailed
            | MembershipDeleteRequested
            | MembershipDeleted
            | MembershipAlreadyGone
            | MembershipDeleteAbandoned
            | MembershipDeleteFailed
            | MembershipRetryScheduled
            | LeakedMembershipFound
            | MembershipRemovedOutside
            | MembershipAddedOutside
            | MembershipLeakCleared => false,
        }
    }

    /// Whether the kind changes what approvers have to decide (the event stream tells
    /// approvers' windows to refresh).
    pub fn changes_approval(self) -> bool {
        use AuditKind::*;
        match self {
            Requested | Approved | Rejected | Cancelled | Expired | ExtensionRequested
            | ExtensionApproved | ExtensionRejected => true,
            Login
            | LoginRefused
            | Logout
            | PolicyReloaded
            | AutoApproved
            | Activating
            | Active
            | Ending
            | Ended
            | Revoked
            | Failed
            | RevocationFailed
            | Repaired
            | Extended
            | AssignmentAdopted
            | StandingAssignmentFound
            | AssignmentCreateRequested
            | AssignmentCreateStarted
            | AssignmentCreated
            | AssignmentCreateAbandoned
            | AssignmentCreateFailed
            | AssignmentDeleteRequested
            | AssignmentDeleteStarted
            | AssignmentDeleted
            | AssignmentAlreadyGone
            | AssignmentDeleteAbandoned
            | AssignmentDeleteFailed
            | AssignmentOperationOverdue
            | RetryScheduled
            | LeakedAssignmentFound
            | AssignmentRemovedOutside
            | AssignmentAddedOutside
            | LeakCleared
            | MembershipAdopted
            | StandingMembershipFound
            | MembershipCreateRequested
            | MembershipCreated
            | MembershipCreateAbandoned
            | MembershipCreateFailed
            | MembershipDeleteRequested
            | MembershipDeleted
            | MembershipAlreadyGone
            | MembershipDeleteAbandoned
            | MembershipDeleteFailed
            | MembershipRetryScheduled
            | LeakedMembershipFound
            | MembershipRemovedOutside
            | MembershipAddedOutside
            | MembershipLeakCleared
            | ActivityAfterWindow => false,
        }
    }
}

impl std::fmt::Display for AuditKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored record whose data does not fit its kind's payload, or whose kind is unknown.
#[derive(Debug, thiserror::Error)]
#[error("audit event {kind:?}: {source}")]
pub struct DecodeError {
    pub kind: String,
    #[source]
    pub source: serde_json::Error,
}

impl AuditEvent {
    /// The stored `data` of the event: its payload as compact JSON with sorted keys.
    pub fn encode(&self) -> Result<String, serde_json::Error> {
        match serde_json::to_value(self)? {
            Value::Object(mut tagged) => {
                Ok(tagged.remove("data").unwrap_or(Value::Null).to_string())
            }
            other => Ok(other.to_string()),
        }
    }

    /// The event a stored record holds.
    pub fn decode(kind: &str, data: &str) -> Result<AuditEvent, DecodeError> {
        let fail = |source| DecodeError {
            kind: kind.to_owned(),
            source,
        };
        let data: Value = serde_json::from_str(data).map_err(fail)?;
        let mut tagged = serde_json::Map::new();
        tagged.insert("kind".into(), Value::String(kind.to_owned()));
        tagged.insert("data".into(), data);
        serde_json::from_value(Value::Object(tagged)).map_err(fail)
    }

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

/// One audit event about to be appended; the store gives it its seq and hash.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvent {
    pub at: DateTime<Utc>,
    /// User name, or `stint` for the broker itself.
    pub actor: String,
    pub request_id: Option<RequestId>,
    pub event: AuditEvent,
}

#[cfg(test)]
mod golden_samples;
#[cfg(test)]
mod golden_samples_membership;
#[cfg(test)]
pub(crate) mod golden_tests;
