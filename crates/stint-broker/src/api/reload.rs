//! Keeping the policy and the directory snapshot current: a reload (SIGHUP or the admin
//! endpoint) re-reads the policy file and resolves it against a fresh organization; a
//! refresh (on a timer) re-resolves the policy in force against a fresh organization and
//! re-reads the approver groups' members. Either way a failure keeps what was in force.

use super::directory::{
    DirectorySnapshot, approver_groups, fetch_grantable_groups, fetch_members, fetch_organization,
    grantable_group_names_in,
};
use super::state::AppState;
use crate::idc::IdcError;
use crate::model::audit::PolicyReloaded;
use crate::model::{AuditEvent, BROKER_ACTOR, NewEvent};
use crate::policy::{LoadSummary, ReloadError, load_resolved};
use crate::store::Change;

#[derive(Debug, thiserror::Error)]
pub enum ReloadFailure {
    /// The file does not read, parse or resolve; every problem is in the message.
    #[error("{0}")]
    Policy(#[from] ReloadError),
    /// Identity Center could not be asked for the organization to resolve it against.
    #[error("the policy was not reloaded: {0}; the previous policy stays in force")]
    Directory(#[from] IdcError),
}

impl AppState {
    /// Re-reads the policy file and swaps it in; `by` is who asked (a user name, or the
    /// broker for SIGHUP), recorded in the audit log.
    pub async fn reload_policy(&self, by: &str) -> Result<LoadSummary, ReloadFailure> {
        let _one_at_a_time = self.inner.reloading.lock().await;
        let idc = self.inner.idc.as_ref();
        let (organization, permission_sets) = match fetch_organization(idc).await {
            Ok(found) => found,
            Err(e) => {
                self.metrics().policy_loaded(None);
                return Err(e.into());
            }
        };
        let names = grantable_group_names_in(self.policy().path());
        let groups = match fetch_grantable_groups(idc, &names).await {
            Ok(found) => found,
            Err(e) => {
                self.metrics().policy_loaded(None);
                return Err(e.into());
            }
        };
        let summary = match self
            .policy()
            .reload(&organization, &permission_sets, &groups)
        {
            Ok(summary) => summary,
            Err(e) => {
                self.metrics().policy_loaded(None);
                tracing::warn!(by, problems = %e, "policy reload refused");
                return Err(e.into());
            }
        };
        self.metrics()
            .policy_loaded(Some((summary.eligibility_rules, summary.approval_rules)));
        let members = self.members_or_previous().await;
        self.directory().replace(DirectorySnapshot {
            organization,
            permission_sets,
            members,
            taken_at: Some(self.inner.clock.now()),
        });
        tracing::info!(
            by,
            eligibility_rules = summary.eligibility_rules,
            approval_rules = summary.approval_rules,
            warnings = summary.warnings.len(),
            "policy reloaded"
        );
        self.audit_reload(by, &summary).await;
        Ok(summary)
    }

    /// Re-reads the organization and the approver groups, and re-resolves the policy in
    /// force against them (an account moved to another OU, a permission set was added).
    /// With no policy in force yet (Identity Center could not be read at start) it is the
    /// first load: the file is read and resolved, and nothing is swapped in unless the
    /// organization, the policy and the approver groups all are.
    pub async fn refresh_directory(&self) -> Result<(), ReloadFailure> {
        let _one_at_a_time = self.inner.reloading.lock().await;
        let idc = self.inner.idc.as_ref();
        let (organization, permission_sets) = fetch_organization(idc).await?;
        let Some(current) = self.policy().in_force() else {
            let names = grantable_group_names_in(self.policy().path());
            let groups = fetch_grantable_groups(idc, &names).await?;
            let (policy, summary) = load_resolved(
                self.policy().path(),
                &organization,
                &permission_sets,
                &groups,
            )?;
            let members = fetch_members(idc, &approver_groups(&policy)).await?;
            self.policy().replace(policy);
            self.directory().replace(DirectorySnapshot {
                organization,
                permission_sets,
                members,
                taken_at: Some(self.inner.clock.now()),
            });
            self.metrics()
                .policy_loaded(Some((summary.eligibility_rules, summary.approval_rules)));
            tracing::info!(
                eligibility_rules = summary.eligibility_rules,
                approval_rules = summary.approval_rules,
                warnings = summary.warnings.len(),
                "Identity Center answered: policy loaded, the broker is ready"
            );
            return Ok(());
        };
        let names = current.policy.grantable_group_names();
        let groups = fetch_grantable_groups(idc, &names).await?;
        if let Err(e) = self
            .policy()
            .refresh(&organization, &permission_sets, &groups)
        {
            tracing::error!(
                problems = %e,
                "the policy no longer resolves against the organization; the previous resolution stays in force until the policy file is fixed and reloaded"
            );
        }
        let members = self.members_or_previous().await;
        self.directory().replace(DirectorySnapshot {
            organization,
            permission_sets,
            members,
            taken_at: Some(self.inner.clock.now()),
        });
        Ok(())
    }

    /// Whether a policy is in force: false only while the broker waits for Identity Center
    /// to answer its first directory read.
    pub fn is_ready(&self) -> bool {
        self.policy().in_force().is_some()
    }

    /// The members of the policy's approver groups, or the snapshot's if Identity Center
    /// cannot be asked now (approvers change rarely; being a refresh late is better than
    /// refusing every request).
    async fn members_or_previous(
        &self,
    ) -> std::collections::BTreeMap<String, Vec<crate::idc::DirectoryUser>> {
        let groups = self
            .policy()
            .in_force()
            .map(|p| approver_groups(&p))
            .unwrap_or_default();
        match fetch_members(self.inner.idc.as_ref(), &groups).await {
            Ok(members) => members,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the approver groups' members; keeping the previous ones");
                self.directory().current().members.clone()
            }
        }
    }

    async fn audit_reload(&self, by: &str, summary: &LoadSummary) {
        let path = self.policy().path().display().to_string();
        let change = Change {
            at: crate::store::time_truncate(self.inner.clock.now()),
            events: vec![NewEvent {
                at: crate::store::time_truncate(self.inner.clock.now()),
                actor: by.to_owned(),
                request_id: None,
                event: AuditEvent::PolicyReloaded(PolicyReloaded {
                    file: path,
                    eligibility_rules: summary.eligibility_rules,
                    approval_rules: summary.approval_rules,
                    warnings: summary.warnings.iter().map(ToString::to_string).collect(),
                }),
            }],
            ..Change::default()
        };
        if let Err(e) = self.engine().store().commit(&change).await {
            tracing::error!(error = %e, "the policy was reloaded but the audit event could not be written");
        }
    }
}

/// Who reloads on SIGHUP, in the audit log.
pub const SIGNAL_ACTOR: &str = BROKER_ACTOR;
