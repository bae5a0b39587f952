//! Questions the broker asks of a resolved policy: what may this person request, may they
//! have this, who approves it, may this person approve it, which personas do they have.
//! Pure functions of the policy, the organization snapshot it was resolved against, and
//! group memberships the caller passes in.
//!
//! This file holds the types those questions take and answer; `personas.rs` says which
//! roles a person plays, `eligible.rs` what they may request and who approves a target,
//! `check.rs` whether a request is allowed and on which terms, and `suggest.rs` what a
//! refusal suggests instead.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use stint_api::ErrorCode;

use crate::idc::{Account, DirectoryGroup, DirectoryUser, PermissionSet};

use super::model::{EligibilityRule, RuleId};

mod check;
mod eligible;
mod personas;
mod suggest;

/// The person asking: an Identity Center user name and the names of their groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    pub user_name: String,
    pub groups: BTreeSet<String>,
}

impl Subject {
    pub fn new<G: Into<String>>(
        user_name: impl Into<String>,
        groups: impl IntoIterator<Item = G>,
    ) -> Self {
        Self {
            user_name: user_name.into(),
            groups: groups.into_iter().map(Into::into).collect(),
        }
    }

    pub fn from_directory(user: &DirectoryUser, groups: &[DirectoryGroup]) -> Self {
        Self::new(
            user.user_name.clone(),
            groups.iter().map(|g| g.display_name.clone()),
        )
    }

    pub fn in_any(&self, groups: &[super::model::Located<String>]) -> bool {
        groups.iter().any(|g| self.groups.contains(&g.value))
    }
}

/// Who is in a group, as Identity Center says. `None` means the group does not exist.
pub trait GroupDirectory {
    fn members(&self, group: &str) -> Option<Vec<String>>;
}

impl GroupDirectory for HashMap<String, Vec<DirectoryUser>> {
    fn members(&self, group: &str) -> Option<Vec<String>> {
        self.get(group)
            .map(|users| users.iter().map(|u| u.user_name.clone()).collect())
    }
}

impl GroupDirectory for BTreeMap<String, Vec<DirectoryUser>> {
    fn members(&self, group: &str) -> Option<Vec<String>> {
        self.get(group)
            .map(|users| users.iter().map(|u| u.user_name.clone()).collect())
    }
}

/// Group name → member user names; handy in tests and for small directories.
impl GroupDirectory for BTreeMap<String, Vec<String>> {
    fn members(&self, group: &str) -> Option<Vec<String>> {
        self.get(group).cloned()
    }
}

/// How a rule names the subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    User,
    Group(String),
}

impl fmt::Display for Via {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Via::User => f.write_str("by name"),
            Via::Group(g) => write!(f, "through group {g}"),
        }
    }
}

pub(crate) fn names_subject(rule: &EligibilityRule, subject: &Subject) -> Option<Via> {
    if rule.users.iter().any(|u| u.value == subject.user_name) {
        return Some(Via::User);
    }
    rule.groups
        .iter()
        .find(|g| subject.groups.contains(&g.value))
        .map(|g| Via::Group(g.value.clone()))
}

/// One (account, permission set) a person may request: an entry of `GET /v1/eligibility`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Eligible {
    pub account: Account,
    pub permission_set: PermissionSet,
    /// The longest window any matching rule allows.
    pub max_duration: Duration,
    /// Whether a request for the longest window needs approval.
    pub approval_required: bool,
    /// The longest window that needs no approval, when some rule waives it.
    pub max_without_approval: Option<Duration>,
    /// Whether a request for the longest window needs a ticket.
    pub ticket_required: bool,
    /// The eligibility rules that allow it, in file order.
    pub rules: Vec<RuleId>,
}

/// A request to check before it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ask<'a> {
    /// Account id or name.
    pub account: &'a str,
    /// Permission set name.
    pub permission_set: &'a str,
    pub duration: Duration,
    pub ticket: Option<&'a str>,
}

/// What the policy decided about a request when it was made. The broker stores it with
/// the request, so a reload later does not change who may approve a request in flight.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub account: Account,
    pub permission_set: PermissionSet,
    pub duration: Duration,
    /// The longest the grant may become (by extension) under the rule that allowed it.
    pub max_duration: Duration,
    /// The eligibility rule whose terms apply.
    pub rule: RuleId,
    /// Every eligibility rule that matched the person and the target.
    pub matched: Vec<RuleId>,
    pub approval_required: bool,
    /// The approval rules covering the target (empty when no approval is needed).
    pub approval_rules: Vec<RuleId>,
    /// Groups whose members may approve (less the requester).
    pub approver_groups: Vec<String>,
    /// The people who could approve, less the requester, at the time of the request.
    pub approvers: Vec<String>,
    /// A pending request expires after this long.
    pub approval_timeout: Duration,
}

/// The terms of a decision, whatever the kind of target: see [`Decision`], whose fields
/// these are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Terms {
    pub duration: Duration,
    pub max_duration: Duration,
    pub rule: RuleId,
    pub matched: Vec<RuleId>,
    pub approval_required: bool,
    pub approval_rules: Vec<RuleId>,
    pub approver_groups: Vec<String>,
    pub approvers: Vec<String>,
    pub approval_timeout: Duration,
}

/// How refusals name what was asked for.
pub(crate) struct Target {
    /// "PowerUserAccess in prod", "membership of oncall-admins".
    pub label: String,
    /// What an approval rule would be added for: "account", "group".
    pub scope_word: &'static str,
}

/// Why someone may not approve a request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApprovalRefusal {
    #[error("nobody approves their own request; ask someone in {groups}")]
    OwnRequest { groups: String },
    #[error("{user} is not in any group that may approve this request ({groups})")]
    NotAnApprover { user: String, groups: String },
}

impl ApprovalRefusal {
    pub fn error_code(&self) -> ErrorCode {
        match self {
            ApprovalRefusal::OwnRequest { .. } => ErrorCode::SelfApproval,
            ApprovalRefusal::NotAnApprover { .. } => ErrorCode::Forbidden,
        }
    }
}

impl Decision {
    /// Whether `approver` may approve (or reject) this request made by `requester`.
    /// Group membership is the approver's now; the groups are those decided at creation.
    pub fn may_approve(&self, requester: &str, approver: &Subject) -> Result<(), ApprovalRefusal> {
        approval_allowed(requester, approver, &self.approver_groups)
    }
}

fn approval_allowed(
    requester: &str,
    approver: &Subject,
    approver_groups: &[String],
) -> Result<(), ApprovalRefusal> {
    let groups = approver_groups.join(", ");
    if approver.user_name == requester {
        return Err(ApprovalRefusal::OwnRequest { groups });
    }
    if approver_groups.iter().any(|g| approver.groups.contains(g)) {
        Ok(())
    } else {
        Err(ApprovalRefusal::NotAnApprover {
            user: approver.user_name.clone(),
            groups,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// No such account or permission set.
    UnknownTarget,
    /// No eligibility rule lets this person request this.
    NotEligible,
    /// Zero, or longer than any matching rule allows.
    BadDuration,
    /// The rules that allow this need a ticket and none was given.
    TicketRequired,
    /// A ticket was given that does not match the pattern.
    TicketMismatch,
    /// Approval is needed and nobody but the requester could give it.
    NoApprover,
}

/// A request the policy refuses, with what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}{}", .suggestion.as_ref().map(|s| format!(" {s}")).unwrap_or_default())]
pub struct Refusal {
    pub kind: RefusalKind,
    pub message: String,
    pub suggestion: Option<String>,
}

impl Refusal {
    pub(crate) fn new(kind: RefusalKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            suggestion: None,
        }
    }

    pub(crate) fn suggest(mut self, suggestion: Option<String>) -> Self {
        self.suggestion = suggestion;
        self
    }

    pub fn error_code(&self) -> ErrorCode {
        match self.kind {
            RefusalKind::UnknownTarget | RefusalKind::NotEligible => ErrorCode::NotEligible,
            RefusalKind::BadDuration => ErrorCode::InvalidInput,
            RefusalKind::TicketRequired | RefusalKind::TicketMismatch => ErrorCode::TicketRequired,
            RefusalKind::NoApprover => ErrorCode::NoApprover,
        }
    }
}
