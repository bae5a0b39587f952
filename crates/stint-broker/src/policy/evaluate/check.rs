//! Whether a request is allowed and on which terms: the ticket, the one rule whose terms
//! apply, and who may approve it.

use std::collections::BTreeSet;
use std::time::Duration;

use crate::policy::fields::human;
use crate::policy::model::{EligibilityRule, Policy, RuleId};
use crate::policy::resolve::ResolvedPolicy;

use super::{
    ApprovalRefusal, Ask, Decision, GroupDirectory, Refusal, RefusalKind, Subject, Target, Terms,
    approval_allowed,
};

impl Policy {
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
}
