//! What the person holds now (the access portal) and may request (the broker), and
//! account names resolved to ids.

use futures::{StreamExt, TryStreamExt};
use serde::{Deserialize, Serialize};
use stint_api::EligibleAccess;

use super::Stint;
use crate::error::{Error, Result};
use crate::portal::{PortalAccount, PortalError};
use crate::target::{ResolvedTarget, Target};

/// One account/permission set the person can use or request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessEntry {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    /// Held now in Identity Center (standing, or an active grant).
    pub assigned: bool,
    /// Requestable through Stint.
    pub eligible: bool,
    /// The longest window policy allows, when requestable.
    pub max_duration_secs: Option<u32>,
    /// Whether a request needs someone's approval, when requestable.
    pub approval_required: Option<bool>,
    /// The longest window that needs no approval, when policy waives it for windows
    /// shorter than the maximum (so "needs approval" is not the whole truth).
    #[serde(default)]
    pub max_without_approval_secs: Option<u32>,
}

/// A role the person holds in Identity Center right now, as the access portal lists it:
/// standing access, or the assignment of an active grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldRole {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
}

/// How many accounts' roles are asked for at once: a person may see dozens of accounts,
/// and one `ListAccountRoles` each in turn would take seconds.
const ROLE_LISTS_AT_ONCE: usize = 6;

impl Stint {
    /// Every role the person holds now (portal `ListAccounts`, then `ListAccountRoles` per
    /// account, a few at once), sorted by account name and role, without Stint's baseline
    /// role: it grants nothing and only proves who the person is to the broker.
    pub async fn held_roles(&self) -> Result<Vec<HeldRole>> {
        let baseline = self.core.config.baseline().ok();
        let accounts = self.portal_accounts().await?;
        let per_account: Vec<Vec<HeldRole>> = futures::stream::iter(accounts)
            .map(|account| async move {
                let roles = self.portal_roles(&account.id).await?;
                Ok::<_, Error>(
                    roles
                        .into_iter()
                        .map(|role| HeldRole {
                            account_id: account.id.clone(),
                            account_name: account.name.clone(),
                            permission_set: role,
                        })
                        .collect(),
                )
            })
            .buffered(ROLE_LISTS_AT_ONCE)
            .try_collect()
            .await?;
        let mut roles: Vec<HeldRole> = per_account
            .into_iter()
            .flatten()
            .filter(|r| {
                !baseline.as_ref().is_some_and(|b| {
                    b.account_id == r.account_id && b.role_name == r.permission_set
                })
            })
            .collect();
        roles.sort_by(|a, b| {
            (&a.account_name, &a.permission_set).cmp(&(&b.account_name, &b.permission_set))
        });
        Ok(roles)
    }

    /// The accounts the person holds any role in right now.
    pub async fn portal_accounts(&self) -> Result<Vec<PortalAccount>> {
        let core = &self.core;
        core.with_token(|t| async move { core.portal.accounts(&t).await })
            .await
            .map_err(PortalError::into_error)
    }

    /// The roles (permission sets) the person holds in `account_id` right now.
    pub async fn portal_roles(&self, account_id: &str) -> Result<Vec<String>> {
        let core = &self.core;
        match core
            .with_token(|t| async move { core.portal.roles(&t, account_id).await })
            .await
        {
            Err(PortalError::NoAccess) => Ok(Vec::new()),
            other => other.map_err(PortalError::into_error),
        }
    }

    /// Everything the person holds now (portal) or may request (broker), merged.
    pub async fn access(&self) -> Result<Vec<AccessEntry>> {
        let eligible = match &self.broker {
            Some(broker) => broker.eligibility().await?.items,
            None => Vec::new(),
        };
        self.access_with(eligible).await
    }

    /// [`Stint::access`] with the broker's eligibility already read.
    pub(super) async fn access_with(
        &self,
        eligible: Vec<EligibleAccess>,
    ) -> Result<Vec<AccessEntry>> {
        let mut entries: Vec<AccessEntry> = Vec::new();
        for account in self.portal_accounts().await? {
            for role in self.portal_roles(&account.id).await? {
                entries.push(AccessEntry {
                    account_id: account.id.clone(),
                    account_name: account.name.clone(),
                    permission_set: role,
                    assigned: true,
                    eligible: false,
                    max_duration_secs: None,
                    approval_required: None,
                    max_without_approval_secs: None,
                });
            }
        }
        for item in eligible {
            match entries.iter_mut().find(|e| {
                e.account_id == item.account.id && e.permission_set == item.permission_set.name
            }) {
                Some(e) => {
                    e.eligible = true;
                    e.max_duration_secs = Some(item.max_duration_secs);
                    e.approval_required = Some(item.approval_required);
                    e.max_without_approval_secs = item.max_without_approval_secs;
                }
                None => entries.push(AccessEntry {
                    account_id: item.account.id,
                    account_name: item.account.name,
                    permission_set: item.permission_set.name,
                    assigned: false,
                    eligible: true,
                    max_duration_secs: Some(item.max_duration_secs),
                    approval_required: Some(item.approval_required),
                    max_without_approval_secs: item.max_without_approval_secs,
                }),
            }
        }
        entries.sort_by(|a, b| {
            (&a.account_name, &a.permission_set).cmp(&(&b.account_name, &b.permission_set))
        });
        Ok(entries)
    }

    /// Resolves an account name to its id, from the broker's eligibility list and the
    /// accounts the portal shows.
    pub async fn resolve(&self, target: &Target) -> Result<ResolvedTarget> {
        self.resolve_within(target, None).await
    }

    /// [`Stint::resolve`], waiting on the broker until `budget` at most (then the portal's
    /// accounts alone are searched).
    pub(super) async fn resolve_within(
        &self,
        target: &Target,
        budget: Option<tokio::time::Instant>,
    ) -> Result<ResolvedTarget> {
        if let Some(id) = target.account_id() {
            return Ok(ResolvedTarget {
                account_id: id.to_owned(),
                account_name: id.to_owned(),
                permission_set: target.permission_set.clone(),
            });
        }
        let mut known: Vec<(String, String)> = Vec::new();
        if let Some(broker) = &self.broker {
            let eligibility = match budget {
                Some(at) => tokio::time::timeout_at(at, broker.eligibility())
                    .await
                    .unwrap_or_else(|_| Err(broker.silent(super::credentials::BROKER_BUDGET))),
                None => broker.eligibility().await,
            };
            match eligibility {
                Ok(e) => known.extend(e.items.into_iter().map(|i| (i.account.name, i.account.id))),
                Err(e) => tracing::debug!(error = %e, "eligibility not available for name lookup"),
            }
        }
        if !known
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case(&target.account))
        {
            known.extend(
                self.portal_accounts()
                    .await?
                    .into_iter()
                    .map(|a| (a.name, a.id)),
            );
        }
        let found = known
            .iter()
            .find(|(name, _)| name == &target.account)
            .or_else(|| {
                known
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(&target.account))
            });
        match found {
            Some((name, id)) => Ok(ResolvedTarget {
                account_id: id.clone(),
                account_name: name.clone(),
                permission_set: target.permission_set.clone(),
            }),
            None => {
                let mut names: Vec<String> = known.into_iter().map(|(n, _)| n).collect();
                names.sort();
                names.dedup();
                Err(Error::UnknownAccount {
                    account: target.account.clone(),
                    known: names,
                })
            }
        }
    }
}
