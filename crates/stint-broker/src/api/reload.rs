//! Keeping the policy and the directory snapshot current: a reload (SIGHUP or the admin
//! endpoint) re-reads the policy file and resolves it against a fresh organization; a
//! refresh (on a timer) re-resolves the policy in force against a fresh organization and
//! re-reads the approver groups' members. Either way a failure keeps what was in force.

use serde_json::json;

use super::directory::{
    DirectorySnapshot, approver_groups, fetch_grantable_groups, fetch_members, fetch_organization,
    grantable_group_names_in,
};
use super::state::AppState;
use crate::idc::IdcError;
use crate::policy::{LoadSummary, ReloadError};
use crate::store::Change;
use crate::workflow::types::{BROKER_ACTOR, NewEvent};

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
    pub async fn refresh_directory(&self) -> Result<(), IdcError> {
        let _one_at_a_time = self.inner.reloading.lock().await;
        let (organization, permission_sets) = fetch_organization(self.inner.idc.as_ref()).await?;
        let names = self.policy().current().policy.grantable_group_names();
        let groups = fetch_grantable_groups(self.inner.idc.as_ref(), &names).await?;
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

    /// The members of the policy's approver groups, or the snapshot's if Identity Center
    /// cannot be asked now (approvers change rarely; being a refresh late is better than
    /// refusing every request).
    async fn members_or_previous(
        &self,
    ) -> std::collections::BTreeMap<String, Vec<crate::idc::DirectoryUser>> {
        let groups = approver_groups(&self.policy().current());
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
                kind: "policy_reloaded".into(),
                request_id: None,
                data: json!({
                    "file": path,
                    "eligibility_rules": summary.eligibility_rules,
                    "approval_rules": summary.approval_rules,
                    "warnings": summary.warnings.iter().map(ToString::to_string).collect::<Vec<_>>(),
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
