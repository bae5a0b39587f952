//! Why can (or can't) someone request something, and who may approve it: every rule that
//! matched or nearly matched, by name and line, in sentences a person can act on.

use std::time::Duration;

use super::evaluate::{Ask, GroupDirectory, RefusalKind, Subject, names_subject};
use super::fields::human;
use super::model::{EligibilityRule, RuleId};
use super::resolve::ResolvedPolicy;

/// The answer to "why can (not) user X request permission set P in account A".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub user: String,
    /// The account as asked, or its name when it exists.
    pub account: String,
    pub permission_set: String,
    pub allowed: bool,
    /// Whether a request for the longest allowed window needs approval.
    pub approval_required: bool,
    pub max_duration: Option<Duration>,
    /// Eligibility rules that name the person and cover the target.
    pub matched: Vec<RuleId>,
    /// Eligibility rules that fit two of person, account and permission set, with what
    /// is missing.
    pub near_misses: Vec<(RuleId, String)>,
    /// Approval rules covering the target.
    pub approval_rules: Vec<RuleId>,
    pub approver_groups: Vec<String>,
    /// One sentence per finding, in order.
    pub reasons: Vec<String>,
}

/// The answer to "who may approve this request".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approvers {
    pub rules: Vec<RuleId>,
    pub groups: Vec<String>,
    /// Members of those groups, less the requester, sorted.
    pub users: Vec<String>,
    /// Groups that exist but contribute nobody, or do not exist.
    pub empty_groups: Vec<String>,
}

impl ResolvedPolicy {
    /// Explains whether `subject` may request `permission_set` in `account` (id or name).
    /// With a directory, approval is checked the way [`Self::check`] checks it.
    pub fn explain(
        &self,
        subject: &Subject,
        account: &str,
        permission_set: &str,
        directory: Option<&dyn GroupDirectory>,
    ) -> Explanation {
        let mut out = Explanation {
            user: subject.user_name.clone(),
            account: account.to_owned(),
            permission_set: permission_set.to_owned(),
            allowed: false,
            approval_required: false,
            max_duration: None,
            matched: Vec::new(),
            near_misses: Vec::new(),
            approval_rules: Vec::new(),
            approver_groups: Vec::new(),
            reasons: Vec::new(),
        };
        let Some(acct) = self.find_account(account).cloned() else {
            out.reasons.push(format!(
                "There is no account \"{account}\" in the organization."
            ));
            return out;
        };
        out.account = acct.name.clone();
        let Some(ps) = self.find_permission_set(permission_set).cloned() else {
            out.reasons.push(format!(
                "Identity Center has no permission set named \"{permission_set}\"."
            ));
            return out;
        };
        let target = format!("{} in {} ({})", ps.name, acct.name, acct.id);

        for (rule, scope) in self.policy.eligibility.iter().zip(&self.eligibility_scopes) {
            let who = names_subject(rule, subject);
            let where_ = scope.covers_account(&acct.id);
            let what = scope.covers_permission_set(&ps.name);
            let id = rule.id();
            match (&who, where_, what) {
                (Some(via), true, true) => {
                    out.reasons.push(format!(
                        "{id} lets {} ({via}) request {target} for up to {}, {}{}.",
                        subject.user_name,
                        human(rule.max_duration),
                        if rule.approval_required {
                            "with approval"
                        } else {
                            "without approval"
                        },
                        if rule.ticket_required {
                            " and a ticket"
                        } else {
                            ""
                        },
                    ));
                    out.matched.push(id);
                }
                (None, true, true) => {
                    let why = format!(
                        "{id} covers {target}, but does not name {} ({}).",
                        subject.user_name,
                        who_it_names(rule)
                    );
                    out.reasons.push(why.clone());
                    out.near_misses.push((id, why));
                }
                (Some(via), false, true) => {
                    let why = format!(
                        "{id} names {} ({via}) and {}, but does not cover account {}.",
                        subject.user_name, ps.name, acct.name
                    );
                    out.reasons.push(why.clone());
                    out.near_misses.push((id, why));
                }
                (Some(via), true, false) => {
                    let why = format!(
                        "{id} names {} ({via}) and covers {}, but not permission set {} (it allows {}).",
                        subject.user_name,
                        acct.name,
                        ps.name,
                        rule.permission_sets
                            .iter()
                            .map(|p| p.value.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    out.reasons.push(why.clone());
                    out.near_misses.push((id, why));
                }
                _ => {}
            }
        }

        if out.matched.is_empty() {
            if out.near_misses.is_empty() {
                out.reasons.push(format!(
                    "No eligibility rule comes close: none names {} or their groups together with {target}.",
                    subject.user_name
                ));
            }
            return out;
        }

        // The same question `check` answers, for the longest window the rules allow.
        let matching = self.matching_rules(subject, &acct.id, &ps.name);
        let longest = matching
            .iter()
            .map(|r| r.max_duration)
            .max()
            .unwrap_or_default();
        out.max_duration = Some(longest);
        out.approval_required = matching
            .iter()
            .filter(|r| r.max_duration == longest)
            .all(|r| r.approval_required);
        if let Some(free) = matching
            .iter()
            .filter(|r| !r.approval_required)
            .map(|r| r.max_duration)
            .max()
        {
            if out.approval_required {
                out.reasons.push(format!(
                    "Requests up to {} need no approval; longer ones do.",
                    human(free)
                ));
            }
        }
        let rules = self.approval_rules_for(&acct.id, &ps.name);
        out.approval_rules = rules.iter().map(|(r, _)| r.clone()).collect();
        out.approver_groups = self.approver_groups(&acct.id, &ps.name);
        if matching.iter().any(|r| r.approval_required) {
            if rules.is_empty() {
                out.reasons.push(format!(
                    "No approval rule covers {target}, so requests that need approval are refused."
                ));
            }
            for (rule, groups) in &rules {
                out.reasons.push(format!(
                    "{rule} lets members of {} approve.",
                    groups.join(", ")
                ));
            }
        }

        // Some request is possible when a rule waives approval, or when approval for the
        // longest window could be given (checked against the directory when there is one).
        let without_approval = matching.iter().any(|r| !r.approval_required);
        let with_approval = match directory {
            None => !rules.is_empty(),
            Some(directory) => {
                let ask = Ask {
                    account: &acct.id,
                    permission_set: &ps.name,
                    duration: longest,
                    ticket: None,
                };
                match self.check(subject, &ask, directory) {
                    // A missing ticket is the requester's to give, not a refusal.
                    Ok(_) => true,
                    Err(refusal) if refusal.kind == RefusalKind::TicketRequired => true,
                    Err(refusal) => {
                        out.reasons.push(refusal.message);
                        false
                    }
                }
            }
        };
        out.allowed = without_approval || with_approval;
        if let Some(p) = &self.policy.settings.ticket_pattern {
            if matching.iter().any(|r| r.ticket_required) {
                out.reasons.push(format!(
                    "A ticket is required, and tickets must match {}.",
                    p.source
                ));
            }
        }
        out
    }

    /// Who may approve a request by `requester` for a target: the approval rules that
    /// cover it, their groups, and the members of those groups other than the requester.
    pub fn explain_approvers(
        &self,
        requester: &str,
        account_id: &str,
        permission_set: &str,
        directory: &dyn GroupDirectory,
    ) -> Approvers {
        let rules = self.approval_rules_for(account_id, permission_set);
        let groups = self.approver_groups(account_id, permission_set);
        let mut users = std::collections::BTreeSet::new();
        let mut empty_groups = Vec::new();
        for group in &groups {
            let others: Vec<String> = directory
                .members(group)
                .unwrap_or_default()
                .into_iter()
                .filter(|m| m != requester)
                .collect();
            if others.is_empty() {
                empty_groups.push(group.clone());
            }
            users.extend(others);
        }
        Approvers {
            rules: rules.into_iter().map(|(r, _)| r).collect(),
            groups,
            users: users.into_iter().collect(),
            empty_groups,
        }
    }
}

fn who_it_names(rule: &EligibilityRule) -> String {
    let mut parts = Vec::new();
    if !rule.users.is_empty() {
        parts.push(format!(
            "users {}",
            rule.users
                .iter()
                .map(|u| u.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if !rule.groups.is_empty() {
        parts.push(format!(
            "groups {}",
            rule.groups
                .iter()
                .map(|g| g.value.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    format!("it names {}", parts.join(" and "))
}
