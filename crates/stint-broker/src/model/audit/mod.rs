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
//! matches in [`AuditKind`] (`kind.rs`: is it delivered by webhook? does it change an
//! approval?). What readers ask of any event (its state, detail, alert, drift, step) is in
//! `fields.rs`.

mod activity;
mod assignment;
mod fields;
mod kind;
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

use super::RequestId;
// The golden tests name `State` through `use super::*`.
#[cfg(test)]
use super::State;

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
