//! Which roles a person plays under a policy: requester, approver, auditor, admin.

use stint_api::Persona;

use super::{Subject, names_subject};
use crate::policy::model::{Policy, Settings};
use crate::policy::resolve::ResolvedPolicy;

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
}

impl ResolvedPolicy {
    pub fn settings(&self) -> &Settings {
        &self.policy.settings
    }

    pub fn personas(&self, subject: &Subject) -> Vec<Persona> {
        self.policy.personas(subject)
    }
}
