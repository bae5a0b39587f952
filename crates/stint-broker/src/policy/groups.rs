//! Group membership as a grant target: the same questions as for an (account, permission
//! set) — may this person have it, on which rule's terms, who approves, why (not) — asked
//! of the rules' `grantable_groups`. A rule covers a group only by naming it; there is no
//! group "OU".

use std::collections::BTreeSet;
use std::time::Duration;

use crate::idc::GroupDetails;

use super::evaluate::{
    GroupDirectory, Refusal, RefusalKind, Subject, Target, Terms, names_subject,
};
use super::fields::human;
use super::model::{EligibilityRule, RuleId};
use super::resolve::ResolvedPolicy;

/// A request for membership of a group, to check before it is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupAsk<'a> {
    /// The group's display name.
    pub group: &'a str,
    pub duration: Duration,
    pub ticket: Option<&'a str>,
}

/// What the policy decided about a group membership request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDecision {
    pub group: GroupDetails,
    pub terms: Terms,
}

/// One group a person may request membership of: an entry of the eligibility listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EligibleGroup {
    pub group: GroupDetails,
    pub max_duration: Duration,
    pub approval_required: bool,
    pub max_without_approval: Option<Duration>,
    pub ticket_required: bool,
    pub rules: Vec<RuleId>,
}

/// The answer to "why can (not) user X have membership of group G".
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupExplanation {
    pub user: String,
    pub group: String,
    pub allowed: bool,
    pub approval_required: bool,
    pub max_duration: Option<Duration>,
    pub matched: Vec<RuleId>,
    pub near_misses: Vec<(RuleId, String)>,
    pub approval_rules: Vec<RuleId>,
    pub approver_groups: Vec<String>,
    /// Said when an external IdP provisions the group.
    pub external_idp: Option<String>,
    pub reasons: Vec<String>,
}

impl ResolvedPolicy {
    /// What membership of a group gives, in words: "AdministratorAccess in prod, …" (ids
    /// where the organization snapshot or the permission sets do not know the name).
    pub fn group_access_names(&self, group: &GroupDetails) -> Vec<String> {
        group
            .access
            .iter()
            .map(|a| {
                let ps = self
                    .permission_sets
                    .iter()
                    .find(|p| p.arn == a.permission_set_arn)
                    .map_or(a.permission_set_arn.as_str(), |p| p.name.as_str());
                let account = self
                    .org
                    .account(&a.account_id)
                    .map_or(a.account_id.as_str(), |acct| acct.name.as_str());
                format!("{ps} in {account}")
            })
            .collect()
    }

    pub fn find_grantable_group(&self, name: &str) -> Option<&GroupDetails> {
        self.grantable_groups
            .iter()
            .find(|g| g.display_name == name)
    }

    /// The eligibility rules that name this person and cover this group, in file order.
    pub(crate) fn matching_group_rules<'p>(
        &'p self,
        subject: &Subject,
        group: &str,
    ) -> Vec<&'p EligibilityRule> {
        self.policy
            .eligibility
            .iter()
            .zip(&self.eligibility_scopes)
            .filter(|(rule, scope)| {
                scope.covers_group(group) && names_subject(rule, subject).is_some()
            })
            .map(|(rule, _)| rule)
            .collect()
    }

    /// The approval rules covering a group, with their groups, in file order.
    pub fn approval_rules_for_group(&self, group: &str) -> Vec<(RuleId, Vec<String>)> {
        self.policy
            .approval
            .iter()
            .zip(&self.approval_scopes)
            .filter(|(_, scope)| scope.covers_group(group))
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

    /// The groups whose members may approve membership of `group`.
    pub fn approver_groups_for_group(&self, group: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, groups) in self.approval_rules_for_group(group) {
            for g in groups {
                if !out.contains(&g) {
                    out.push(g);
                }
            }
        }
        out
    }

    /// Every group this person may request membership of, sorted by name.
    pub fn eligible_groups(&self, subject: &Subject) -> Vec<EligibleGroup> {
        let mut out: Vec<EligibleGroup> = self
            .grantable_groups
            .iter()
            .filter_map(|group| {
                let rules = self.matching_group_rules(subject, &group.display_name);
                let max_duration = rules.iter().map(|r| r.max_duration).max()?;
                let at_max: Vec<_> = rules
                    .iter()
                    .filter(|r| r.max_duration == max_duration)
                    .collect();
                Some(EligibleGroup {
                    group: group.clone(),
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
        out.sort_by(|a, b| a.group.display_name.cmp(&b.group.display_name));
        out
    }

    /// Decides a new request for membership of a group, on the same terms as
    /// [`Self::check`]: one rule, the most lenient whose terms the request meets in full.
    pub fn check_group(
        &self,
        subject: &Subject,
        ask: &GroupAsk<'_>,
        directory: &dyn GroupDirectory,
    ) -> Result<GroupDecision, Refusal> {
        let group = self.find_grantable_group(ask.group).ok_or_else(|| {
            let names: Vec<String> = self
                .eligible_groups(subject)
                .into_iter()
                .map(|g| g.group.display_name)
                .collect();
            Refusal::new(
                RefusalKind::UnknownTarget,
                format!("no policy rule makes group \"{}\" grantable.", ask.group),
            )
            .suggest(Some(if names.is_empty() {
                "You may not request membership of any group.".to_owned()
            } else {
                format!("You may request membership of {}.", names.join(", "))
            }))
        })?;
        if let Some(problem) = stint_api::rules::duration_problem(ask.duration.as_secs()) {
            return Err(Refusal::new(
                RefusalKind::BadDuration,
                format!("{problem}."),
            ));
        }
        let matching = self.matching_group_rules(subject, &group.display_name);
        if matching.is_empty() {
            return Err(Refusal::new(
                RefusalKind::NotEligible,
                format!(
                    "no eligibility rule lets {} request membership of {}.",
                    subject.user_name, group.display_name
                ),
            ));
        }
        let target = Target {
            label: format!("membership of {}", group.display_name),
            scope_word: "group",
        };
        let terms = self.choose_terms(
            subject,
            &target,
            &matching,
            ask.duration,
            ask.ticket,
            (
                self.approval_rules_for_group(&group.display_name),
                self.approver_groups_for_group(&group.display_name),
            ),
            directory,
        )?;
        Ok(GroupDecision {
            group: group.clone(),
            terms,
        })
    }

    /// Explains whether `subject` may request membership of `group`. With a directory,
    /// approval is checked the way [`Self::check_group`] checks it.
    pub fn explain_group(
        &self,
        subject: &Subject,
        group: &str,
        directory: Option<&dyn GroupDirectory>,
    ) -> GroupExplanation {
        let mut out = GroupExplanation {
            user: subject.user_name.clone(),
            group: group.to_owned(),
            allowed: false,
            approval_required: false,
            max_duration: None,
            matched: Vec::new(),
            near_misses: Vec::new(),
            approval_rules: Vec::new(),
            approver_groups: Vec::new(),
            external_idp: None,
            reasons: Vec::new(),
        };
        let Some(details) = self.find_grantable_group(group) else {
            out.reasons.push(format!(
                "No rule makes group \"{group}\" grantable (rules name the groups Stint may add people to in `grantable_groups`)."
            ));
            return out;
        };
        let gives = self.group_access_names(details);
        out.reasons.push(if gives.is_empty() {
            format!("Group {group} is assigned nothing: membership gives no AWS access.")
        } else {
            format!("Membership of {group} gives {}.", gives.join(", "))
        });
        if !details.external_ids.is_empty() {
            let issuers: BTreeSet<&str> = details
                .external_ids
                .iter()
                .map(|e| e.issuer.as_str())
                .collect();
            let said = format!(
                "Group {group} is provisioned from an external identity provider ({}); its next sync may remove a membership Stint added.",
                issuers.into_iter().collect::<Vec<_>>().join(", ")
            );
            out.reasons.push(said.clone());
            out.external_idp = Some(said);
        }
        for (rule, scope) in self.policy.eligibility.iter().zip(&self.eligibility_scopes) {
            let id = rule.id();
            match (names_subject(rule, subject), scope.covers_group(group)) {
                (Some(via), true) => {
                    out.reasons.push(format!(
                        "{id} lets {} ({via}) request membership of {group} for up to {}, {}{}.",
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
                (None, true) => {
                    let why = format!(
                        "{id} makes {group} grantable, but does not name {} or their groups.",
                        subject.user_name
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
                    "No eligibility rule names {} together with group {group}.",
                    subject.user_name
                ));
            }
            return out;
        }
        let matching = self.matching_group_rules(subject, group);
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
        let rules = self.approval_rules_for_group(group);
        out.approval_rules = rules.iter().map(|(r, _)| r.clone()).collect();
        out.approver_groups = self.approver_groups_for_group(group);
        if matching.iter().any(|r| r.approval_required) {
            if rules.is_empty() {
                out.reasons.push(format!(
                    "No approval rule covers group {group}, so requests that need approval are refused."
                ));
            }
            for (rule, groups) in &rules {
                out.reasons.push(format!(
                    "{rule} lets members of {} approve.",
                    groups.join(", ")
                ));
            }
        }
        let without_approval = matching.iter().any(|r| !r.approval_required);
        let with_approval = match directory {
            None => !rules.is_empty(),
            Some(directory) => {
                let ask = GroupAsk {
                    group,
                    duration: longest,
                    ticket: None,
                };
                match self.check_group(subject, &ask, directory) {
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
        out
    }
}
