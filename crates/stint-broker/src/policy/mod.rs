//! Policies: who may request what, who approves it, and the global settings.
//!
//! The policy is a TOML file (see `demo/policies.toml` for an annotated one) read in
//! three steps:
//!
//! 1. [`Policy::parse`] / [`Policy::load`]: syntax, types, ranges, regexes and the file's
//!    references to itself, reporting every problem as `file:line:col: error: ...`;
//! 2. [`Policy::resolve`]: ties account, OU and permission set names to the organization
//!    and to Identity Center, giving a [`ResolvedPolicy`] (names that do not exist are
//!    errors with their line; unusable approval and long role sessions are warnings);
//! 3. the questions of [`ResolvedPolicy`]: [`eligible`](ResolvedPolicy::eligible),
//!    [`check`](ResolvedPolicy::check), [`explain`](ResolvedPolicy::explain),
//!    [`explain_approvers`](ResolvedPolicy::explain_approvers),
//!    [`personas`](ResolvedPolicy::personas), and [`Decision::may_approve`].
//!
//! Evaluation is pure: no I/O, no clock. The caller passes the person's groups
//! ([`Subject`]) and, to find approvers, a [`GroupDirectory`].
//!
//! The semantics, which the policy file's header repeats for reviewers:
//! - A person may request (account, permission set) when at least one eligibility rule
//!   names them (as a user, or through a group they are in) and covers the account
//!   (listed by id or name, or in a listed OU, directly or, with `nested_ous`, at any
//!   depth) and the permission set.
//! - When several rules match, the request is held to one rule: the most lenient single
//!   rule whose terms it meets in full (duration within the rule's `max_duration`, ticket
//!   given if the rule needs one), preferring one without approval, then file order.
//!   Terms are never mixed across rules: a 1h no-approval rule and an 8h approval rule
//!   allow 1h without approval and up to 8h with it, never 8h without approval.
//! - Approvers are the members of the groups of *every* approval rule that covers the
//!   target, less the requester. Nobody approves their own request. If approval is needed
//!   and that leaves nobody, the request is refused when it is made, naming the rules and
//!   the empty groups.
//! - A grant is capped by its rule's `max_duration`, which is itself capped by the global
//!   one. A ticket, whenever given, must match `ticket_pattern` (the whole ticket).
//! - Personas: requester (named by some eligibility rule), approver (in some approval
//!   rule's groups), auditor and admin (in the groups `[settings]` names).
//! - A rule may also name `grantable_groups`: Identity Center groups Stint adds the person
//!   to for the window ([`ResolvedPolicy::check_group`], the same terms and approvers as
//!   above, per group). A group the policy gives powers to (admin, auditor, approver) is
//!   never grantable, and a group an external IdP provisions is a warning: its next sync
//!   may remove what Stint added.

mod api;
mod evaluate;
mod explain;
mod fields;
mod groups;
mod handle;
mod model;
mod parse;
mod resolve;
pub(crate) mod source;

pub use api::{
    account_ref, approver_explanation, eligible_access, eligible_group, explanation,
    grantable_group_gives, group_explanation, group_gives, permission_set_ref, rule_ref, secs,
};
pub use evaluate::{
    ApprovalRefusal, Ask, Decision, Eligible, GroupDirectory, Refusal, RefusalKind, Subject, Terms,
    Via,
};
pub use explain::{Approvers, Explanation};
pub use fields::human as human_duration;
pub use groups::{EligibleGroup, GroupAsk, GroupDecision, GroupExplanation};
pub use handle::{LoadSummary, PolicyHandle, ReloadError, load_resolved};
pub use model::{
    ApprovalRule, EligibilityRule, Located, Policy, RuleId, RuleKind, Settings, Targets,
    TicketPattern,
};
pub use parse::{LoadError, Parsed};
pub use resolve::{ROOT_NAME, ResolvedPolicy};
pub use source::{Diagnostic, Diagnostics, Location, Severity, SourceMap};

#[cfg(test)]
mod tests_approval;
#[cfg(test)]
mod tests_eligibility;
#[cfg(test)]
mod tests_explain;
#[cfg(test)]
mod tests_fixtures;
#[cfg(test)]
mod tests_groups;
#[cfg(test)]
mod tests_max_targets;
#[cfg(test)]
mod tests_parse;
#[cfg(test)]
mod tests_reload;
#[cfg(test)]
mod tests_resolve;
