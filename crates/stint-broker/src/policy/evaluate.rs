//! Questions the broker asks of a resolved policy: what may this person request, may they
//! have this, who approves it, may this person approve it, which personas do they have.
//! Pure functions of the policy, the organization snapshot it was resolved against, and
//! group memberships the caller passes in.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::time::Duration;

use stint_api::{ErrorCode, Persona};

use crate::idc::{Account, DirectoryGroup, DirectoryUser, PermissionSet};

use super::fields::human;
use super::model::{EligibilityRule, Policy, RuleId};
use super::resolve::ResolvedPolicy;

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

impl Policy {
    /// The roles this person plays. Requester: some eligibility rule names them or one of
    /// their groups. Approver: they are in some approval rule's groups. Auditor and admin:
    /// they are in the groups `[settings]` names.
    pub fn personas(&self, subject: &Subject) -> Vec<Persona> {
        let mut out = Vec::new();
        if self
            .eligibility
            .iter()
            .any(|r| names_subject(r, subject).is_some())
        {
            out.push(Persona::Requester);
        }
        if self
            .approval
            .iter()
            .any(|r| subject.in_any(&r.approver_groups))
        {
            out.push(Persona::Approver);
        }
        if subject.in_any(&self.settings.auditor_groups) {
            out.push(Persona::Auditor);
        }
        if subject.in_any(&self.settings.admin_groups) {
            out.push(Persona::Admin);
        }
        out
    }

    pub fn is_auditor(&self, subject: &Subject) -> bool {
        subject.in_any(&self.settings.auditor_groups)
    }

    pub fn is_admin(&self, subject: &Subject) -> bool {
        subject.in_any(&self.settings.admin_groups)
    }

    /// Checks a ticket against the pattern. `Ok(None)` when no ticket was given.
    pub fn check_ticket<'t>(&self, ticket: Option<&'t str>) -> Result<Option<&'t str>, Refusal> {
        let Some(ticket) = ticket.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        match &self.settings.ticket_pattern {
            Some(p) if !p.matches(ticket) => Err(Refusal::new(
                RefusalKind::TicketMismatch,
                format!(
                    "ticket \"{ticket}\" does not match the required pattern {}.",
                    p.source
                ),
            )
            .suggest(Some(
                "Give the ticket id as your tracker writes it.".to_owned(),
            ))),
            _ => Ok(Some(ticket)),
        }
    }
}

impl ResolvedPolicy {
    pub fn settings(&self) -> &super::model::Settings {
        &self.policy.settings
    }

    pub fn personas(&self, subject: &Subject) -> Vec<Persona> {
        self.policy.personas(subject)
    }

    pub fn find_account(&self, id_or_name: &str) -> Option<&Account> {
        self.org.account(id_or_name)
    }

    pub fn find_permission_set(&self, name: &str) -> Option<&PermissionSet> {
        self.permission_sets.iter().find(|p| p.name == name)
    }

    /// The eligibility rules that name this person and cover this target, in file order.
    pub(crate) fn matching_rules<'p>(
        &'p self,
        subject: &Subject,
        account_id: &str,
        permission_set: &str,
    ) -> Vec<&'p EligibilityRule> {
        self.policy
            .eligibility
            .iter()
            .zip(&self.eligibility_scopes)
            .filter(|(rule, scope)| {
                scope.covers(account_id, permission_set) && names_subject(rule, subject).is_some()
            })
            .map(|(rule, _)| rule)
            .collect()
    }

    /// Everything this person may request, sorted by account name then permission set.
    pub fn eligible(&self, subject: &Subject) -> Vec<Eligible> {
        let mut by_target: BTreeMap<(String, String), Vec<&EligibilityRule>> = BTreeMap::new();
        for (rule, scope) in self.policy.eligibility.iter().zip(&self.eligibility_scopes) {
            if names_subject(rule, subject).is_none() {
                continue;
            }
            for account in &scope.accounts {
                for ps in scope.permission_sets.iter().flatten() {
                    by_target
                        .entry((account.clone(), ps.clone()))
                        .or_default()
                        .push(rule);
                }
            }
        }
        let mut out: Vec<Eligible> = by_target
            .into_iter()
            .filter_map(|((account_id, ps_name), rules)| {
                let account = self.org.account(&account_id)?.clone();
                let permission_set = self.find_permission_set(&ps_name)?.clone();
                let max_duration = rules.iter().map(|r| r.max_duration).max()?;
                let at_max: Vec<_> = rules
                    .iter()
                    .filter(|r| r.max_duration == max_duration)
                    .collect();
                Some(Eligible {
                    account,
                    permission_set,
                    max_duration,
                    approval_required: at_max.iter().all(|r| r.approval_required),
                    max_without_approval: rules
                        .iter()
                        .filter(|r| !r.approval_required)
                        .map(|r| r.max_duration)
                        .max(),
                    ticket_required: at_max.iter().all(|r| r.ticket_required),
                    rules: rules.iter().map(|r| r.id()).collect(),
                })
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.account.name, &a.permission_set.name)
                .cmp(&(&b.account.name, &b.permission_set.name))
        });
        out
    }

    /// The approval rules covering a target, with their groups, in file order.
    pub fn approval_rules_for(
        &self,
        account_id: &str,
        permission_set: &str,
    ) -> Vec<(RuleId, Vec<String>)> {
        self.policy
            .approval
            .iter()
            .zip(&self.approval_scopes)
            .filter(|(_, scope)| scope.covers(account_id, permission_set))
            .map(|(rule, _)| {
                (
                    rule.id(),
                    rule.approver_groups
                        .iter()
                        .map(|g| g.value.clone())
                        .collect(),
                )
            })
            .collect()
    }

    /// The groups whose members may approve requests for a target: those of every approval
    /// rule that covers it. The broker fetches their members before calling [`Self::check`].
    pub fn approver_groups(&self, account_id: &str, permission_set: &str) -> Vec<String> {
        let mut groups: Vec<String> = Vec::new();
        for (_, gs) in self.approval_rules_for(account_id, permission_set) {
            for g in gs {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            }
        }
        groups
    }

    /// Decides a new request. When several eligibility rules match, the request is held to
    /// the most lenient *single* rule whose terms it meets in full: a rule allowing the
    /// duration, whose ticket requirement is met, preferring one that waives approval, then
    /// the first in the file. Terms are never mixed across rules, so one rule's long window
    /// cannot combine with another's waived approval.
    pub fn check(
        &self,
        subject: &Subject,
        ask: &Ask<'_>,
        directory: &dyn GroupDirectory,
    ) -> Result<Decision, Refusal> {
        let account = self.find_account(ask.account).ok_or_else(|| {
            Refusal::new(
                RefusalKind::UnknownTarget,
                format!(
                    "there is no account \"{}\" in the organization.",
                    ask.account
                ),
            )
            .suggest(self.suggest_anything(subject))
        })?;
        let permission_set = self
            .find_permission_set(ask.permission_set)
            .ok_or_else(|| {
                Refusal::new(
                    RefusalKind::UnknownTarget,
                    format!(
                        "there is no permission set named \"{}\".",
                        ask.permission_set
                    ),
                )
                .suggest(self.suggest_in_account(subject, account))
            })?;
        if let Some(problem) = stint_api::rules::duration_problem(ask.duration.as_secs()) {
            return Err(Refusal::new(
                RefusalKind::BadDuration,
                format!("{problem}."),
            ));
        }

        let matching = self.matching_rules(subject, &account.id, &permission_set.name);
        if matching.is_empty() {
            return Err(Refusal::new(
                RefusalKind::NotEligible,
                format!(
                    "no eligibility rule lets {} request {} in {} ({}).",
                    subject.user_name, permission_set.name, account.name, account.id
                ),
            )
            .suggest(self.suggest_instead(subject, account, permission_set)));
        }

        let target = Target {
            label: format!("{} in {}", permission_set.name, account.name),
            scope_word: "account",
        };
        let rules = self.approval_rules_for(&account.id, &permission_set.name);
        let groups = self.approver_groups(&account.id, &permission_set.name);
        let terms = self.choose_terms(
            subject,
            &target,
            &matching,
            ask.duration,
            ask.ticket,
            (rules, groups),
            directory,
        )?;
        Ok(Decision {
            account: account.clone(),
            permission_set: permission_set.clone(),
            duration: terms.duration,
            max_duration: terms.max_duration,
            rule: terms.rule,
            matched: terms.matched,
            approval_required: terms.approval_required,
            approval_rules: terms.approval_rules,
            approver_groups: terms.approver_groups,
            approvers: terms.approvers,
            approval_timeout: terms.approval_timeout,
        })
    }

    /// The part of a decision that does not depend on the kind of target: the one rule
    /// whose terms apply, and who approves. `approval` is the covering approval rules and
    /// their groups.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn choose_terms(
        &self,
        subject: &Subject,
        target: &Target,
        matching: &[&EligibilityRule],
        duration: Duration,
        ticket: Option<&str>,
        approval: (Vec<(RuleId, Vec<String>)>, Vec<String>),
        directory: &dyn GroupDirectory,
    ) -> Result<Terms, Refusal> {
        let label = &target.label;
        let ticket = self.policy.check_ticket(ticket)?;
        let longest = matching
            .iter()
            .map(|r| r.max_duration)
            .max()
            .unwrap_or_default();
        if duration > longest {
            return Err(Refusal::new(
                RefusalKind::BadDuration,
                format!(
                    "{label} can be granted for at most {}, and {} was asked.",
                    human(longest),
                    human(duration)
                ),
            )
            .suggest(Some(format!("Request {} or less.", human(longest)))));
        }
        let fitting: Vec<&EligibilityRule> = matching
            .iter()
            .copied()
            .filter(|r| duration <= r.max_duration)
            .collect();
        let chosen = fitting
            .iter()
            .copied()
            .filter(|r| !r.ticket_required || ticket.is_some())
            .min_by_key(|r| r.approval_required)
            .ok_or_else(|| {
                let pattern = self
                    .policy
                    .settings
                    .ticket_pattern
                    .as_ref()
                    .map(|p| format!(" matching {}", p.source))
                    .unwrap_or_default();
                Refusal::new(
                    RefusalKind::TicketRequired,
                    format!(
                        "{label} needs a ticket{pattern} (eligibility rule \"{}\").",
                        fitting.first().map_or("", |r| r.name.as_str())
                    ),
                )
                .suggest(Some(
                    "Add the change or incident ticket this work is for.".to_owned(),
                ))
            })?;

        let mut terms = Terms {
            duration,
            max_duration: chosen.max_duration,
            rule: chosen.id(),
            matched: matching.iter().map(|r| r.id()).collect(),
            approval_required: chosen.approval_required,
            approval_rules: Vec::new(),
            approver_groups: Vec::new(),
            approvers: Vec::new(),
            approval_timeout: self.policy.settings.approval_timeout,
        };
        if !chosen.approval_required {
            return Ok(terms);
        }

        let (rules, groups) = approval;
        if rules.is_empty() {
            return Err(Refusal::new(
                RefusalKind::NoApprover,
                format!(
                    "{label} needs approval (eligibility rule \"{}\", line {}), but no approval rule covers it, so nobody could approve the request.",
                    chosen.name, chosen.location.line
                ),
            )
            .suggest(Some(format!(
                "Ask a Stint admin to add an [[approval]] rule for this {}.",
                target.scope_word
            ))));
        }
        let mut approvers: BTreeSet<String> = BTreeSet::new();
        let mut empty = Vec::new();
        for group in &groups {
            match directory.members(group) {
                None => empty.push(format!("{group} (no such group in Identity Center)")),
                Some(members) => {
                    let others: Vec<String> = members
                        .into_iter()
                        .filter(|m| *m != subject.user_name)
                        .collect();
                    if others.is_empty() {
                        empty.push(format!(
                            "{group} (no members other than {})",
                            subject.user_name
                        ));
                    }
                    approvers.extend(others);
                }
            }
        }
        if approvers.is_empty() {
            let rule_names: Vec<String> = rules
                .iter()
                .map(|(r, _)| format!("\"{}\" (line {})", r.name, r.line))
                .collect();
            return Err(Refusal::new(
                RefusalKind::NoApprover,
                format!(
                    "{label} needs approval, but nobody other than you could approve it: approval rule {} names {}.",
                    rule_names.join(", "),
                    empty.join(", ")
                ),
            )
            .suggest(Some(
                "Ask a Stint admin to add approvers to those groups in Identity Center.".to_owned(),
            )));
        }
        terms.approval_rules = rules.into_iter().map(|(r, _)| r).collect();
        terms.approver_groups = groups;
        terms.approvers = approvers.into_iter().collect();
        Ok(terms)
    }

    /// Whether `approver` may approve a request for this target made by `requester`,
    /// under the current policy. Requests in flight use [`Decision::may_approve`] instead.
    pub fn may_approve(
        &self,
        approver: &Subject,
        requester: &str,
        account_id: &str,
        permission_set: &str,
    ) -> Result<(), ApprovalRefusal> {
        approval_allowed(
            requester,
            approver,
            &self.approver_groups(account_id, permission_set),
        )
    }

    fn suggest_instead(
        &self,
        subject: &Subject,
        account: &Account,
        ps: &PermissionSet,
    ) -> Option<String> {
        let eligible = self.eligible(subject);
        let here: Vec<&str> = eligible
            .iter()
            .filter(|e| e.account.id == account.id)
            .map(|e| e.permission_set.name.as_str())
            .collect();
        if !here.is_empty() {
            return Some(format!(
                "In {} you may request {}.",
                account.name,
                here.join(", ")
            ));
        }
        let elsewhere: Vec<&str> = eligible
            .iter()
            .filter(|e| e.permission_set.name == ps.name)
            .map(|e| e.account.name.as_str())
            .collect();
        if !elsewhere.is_empty() {
            return Some(format!(
                "You may request {} in {}.",
                ps.name,
                elsewhere.join(", ")
            ));
        }
        self.suggest_anything(subject)
    }

    fn suggest_in_account(&self, subject: &Subject, account: &Account) -> Option<String> {
        let here: Vec<String> = self
            .eligible(subject)
            .into_iter()
            .filter(|e| e.account.id == account.id)
            .map(|e| e.permission_set.name)
            .collect();
        if here.is_empty() {
            self.suggest_anything(subject)
        } else {
            Some(format!(
                "In {} you may request {}.",
                account.name,
                here.join(", ")
            ))
        }
    }

    fn suggest_anything(&self, subject: &Subject) -> Option<String> {
        let eligible = self.eligible(subject);
        if eligible.is_empty() {
            return Some(
                "You are not eligible for any access; ask a Stint admin which group to join."
                    .to_owned(),
            );
        }
        let mut accounts: Vec<&str> = eligible.iter().map(|e| e.account.name.as_str()).collect();
        accounts.dedup();
        Some(format!(
            "You may request access in {}; `stint ls` lists what.",
            accounts.join(", ")
        ))
    }
}
