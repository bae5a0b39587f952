//! The broker's ground floor: the domain types every other module speaks (requests, the
//! people around them, the assignments they are granted through, and the audit events that
//! record it all). `model` depends on nothing else in the broker; `store`, `workflow`,
//! `webhook`, `api`, `auth`, `idc` and `metrics` point down to it.

pub mod audit;
mod request;
mod tuple;
pub mod wire;

pub use audit::{AuditEvent, AuditKind, NewEvent};
pub use request::{
    AccountInfo, Actor, BROKER_ACTOR, GroupInfo, NewRequest, PermissionSetInfo, Person, Request,
    RequestId, State,
};
pub use tuple::{Actual, AssignmentKey, MembershipKey, Origin, PrincipalType, Step, Target, Tuple};
