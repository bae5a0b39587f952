//! Questions about an event's kind alone: its stored name, whether webhooks get it, and
//! whether it changes what approvers have to decide. The matches are exhaustive so a new
//! kind must answer them.

use super::AuditKind;

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
