//! Role credentials for a target, cached until shortly before they expire; for access
//! held through Stint the broker is asked whether the grant is still active (at most once
//! per [`crate::credentials::GRANT_CHECK_TTL`]), so an ended window reads "access ended" and not an AWS
//! refusal. The broker gets [`BROKER_BUDGET`] in all per call: a hung broker delays
//! credentials by that much, never more.

use std::time::Duration;

use stint_api::{AccessRequest, Grant, ListRequestsQuery, RequestScope, RequestState};
use tokio::time::Instant;

use super::Stint;
use crate::credentials::{CachedCredentials, RoleCredentials};
use crate::error::{Error, Result};
use crate::portal::PortalError;
use crate::target::{ResolvedTarget, Target};

/// How long one credentials call waits on the broker in all (name lookup and grant
/// check), so `credential_process` answers within 2 s with the broker hung.
pub const BROKER_BUDGET: Duration = Duration::from_millis(1500);

/// What the broker says about a target, when the client must decide about credentials.
enum GrantCheck {
    NoBroker,
    Active(Box<Grant>),
    NotActive,
    Unknown(Error),
}

impl Stint {
    /// Role credentials for `target`, from the cache while they have more than five
    /// minutes left. For access held through Stint, the broker is asked whether the
    /// grant is active, so an ended window reads "access ended", not "Forbidden".
    pub async fn credentials(&self, target: &Target) -> Result<RoleCredentials> {
        let budget = Instant::now() + BROKER_BUDGET;
        let resolved = self.resolve_within(target, Some(budget)).await?;
        self.credentials_within(&resolved, budget).await
    }

    pub async fn credentials_for(&self, target: &ResolvedTarget) -> Result<RoleCredentials> {
        self.credentials_within(target, Instant::now() + BROKER_BUDGET)
            .await
    }

    async fn credentials_within(
        &self,
        target: &ResolvedTarget,
        budget: Instant,
    ) -> Result<RoleCredentials> {
        let core = &self.core;
        let (account, role) = (target.account_id.as_str(), target.permission_set.as_str());
        let mut check = None;
        if let Some(hit) = core.creds.get(account, role, core.clock.now()).await? {
            if hit.grant_ends_at.is_none() || hit.recently_checked(core.clock.now()) {
                return Ok(hit.credentials);
            }
            // From a Stint grant: a revoke ends it before its scheduled end, so ask.
            match self.grant_check(target, budget).await {
                GrantCheck::NotActive => core.creds.remove(account, role).await?,
                GrantCheck::Active(grant) => {
                    let credentials = hit.credentials.clone();
                    self.remember_check(hit, &grant).await?;
                    return Ok(credentials);
                }
                // Unreachable broker: the window has not passed, so the cache stands.
                GrantCheck::NoBroker | GrantCheck::Unknown(_) => return Ok(hit.credentials),
            }
            check = Some(GrantCheck::NotActive);
        }
        // Asked before taking the lock: authenticating to the broker needs the baseline
        // role's credentials, which take a lock of their own.
        let check = match check {
            Some(check) => check,
            None => self.grant_check(target, budget).await,
        };
        let _guard = core.creds_lock.acquire(|| {}).await?;
        // Another process may have fetched them while we waited.
        if let Some(hit) = core.creds.get(account, role, core.clock.now()).await? {
            if hit.grant_ends_at.is_none() || !matches!(check, GrantCheck::NotActive) {
                return Ok(hit.credentials);
            }
        }
        let fetched = core
            .with_token(|t| async move { core.portal.role_credentials(&t, account, role).await })
            .await;
        match fetched {
            Ok(creds) => {
                let grant_ends_at = match &check {
                    GrantCheck::Active(grant) => Some(grant.end_at),
                    GrantCheck::NoBroker | GrantCheck::NotActive => None,
                    GrantCheck::Unknown(e) => {
                        // Not cached: without the broker we cannot tell when to stop.
                        tracing::debug!(error = %e, "broker not asked; credentials not cached");
                        return Ok(creds);
                    }
                };
                if matches!(check, GrantCheck::NotActive) {
                    if let Some(ending) = self.ending_request(target).await {
                        // The assignment is still being deleted: the window is over.
                        return Err(Error::AccessEnded {
                            request_id: ending.id,
                            target: target.label(),
                            requested: ending.target_label(),
                            ended_at: ending.end_at,
                        });
                    }
                }
                core.creds
                    .put(
                        CachedCredentials {
                            credentials: creds.clone(),
                            grant_ends_at,
                            grant_checked_at: grant_ends_at.map(|_| core.clock.now()),
                        },
                        core.clock.now(),
                    )
                    .await?;
                Ok(creds)
            }
            // With the broker silent, asking it why would only wait again.
            Err(PortalError::NoAccess) if matches!(check, GrantCheck::Unknown(_)) => {
                Err(Error::NoAccess {
                    target: target.label(),
                })
            }
            Err(PortalError::NoAccess) => Err(self.why_no_access(target).await),
            Err(e) => Err(e.into_error()),
        }
    }

    /// Records that the broker just said the grant is active (and until when: it may
    /// have been extended).
    async fn remember_check(&self, hit: CachedCredentials, grant: &Grant) -> Result<()> {
        let core = &self.core;
        let _guard = core.creds_lock.acquire(|| {}).await?;
        core.creds
            .put(
                CachedCredentials {
                    grant_ends_at: Some(grant.end_at),
                    grant_checked_at: Some(core.clock.now()),
                    ..hit
                },
                core.clock.now(),
            )
            .await
    }

    async fn grant_check(&self, target: &ResolvedTarget, budget: Instant) -> GrantCheck {
        let Some(broker) = &self.broker else {
            return GrantCheck::NoBroker;
        };
        match tokio::time::timeout_at(budget, broker.grants()).await {
            Ok(Ok(grants)) => grants
                .into_iter()
                .find(|g| g.gives_role(&target.account_id, &target.permission_set))
                .map_or(GrantCheck::NotActive, |g| GrantCheck::Active(Box::new(g))),
            Ok(Err(e)) => GrantCheck::Unknown(e),
            Err(_) => GrantCheck::Unknown(broker.silent(BROKER_BUDGET)),
        }
    }

    /// The person's requests that give `target` (its own, or a group's that gives it),
    /// newest first.
    /// `state` narrows the reading (comma-separated states, as the broker takes them).
    async fn requests_for(
        &self,
        target: &ResolvedTarget,
        state: Option<&str>,
    ) -> Result<Vec<AccessRequest>> {
        let broker = self.broker()?;
        // A group request names no account, so the broker's account filter would leave it
        // out: the person's requests are read and matched here.
        let query = ListRequestsQuery {
            scope: RequestScope::Mine,
            state: state.map(str::to_owned),
            ..Default::default()
        };
        let mut requests: Vec<AccessRequest> = broker
            .all_requests(&query)
            .await?
            .into_iter()
            .filter(|r| r.gives_role(&target.account_id, &target.permission_set))
            .collect();
        requests.sort_by_key(|r| std::cmp::Reverse(r.created_at));
        Ok(requests)
    }

    async fn ending_request(&self, target: &ResolvedTarget) -> Option<AccessRequest> {
        let requests = self.requests_for(target, Some("ending")).await.ok()?;
        let newest = requests.into_iter().next()?;
        (newest.state == RequestState::Ending).then_some(newest)
    }

    /// The most useful explanation of why `target` has no credentials.
    async fn why_no_access(&self, target: &ResolvedTarget) -> Error {
        let no_access = || Error::NoAccess {
            target: target.label(),
        };
        let Some(broker) = &self.broker else {
            return no_access();
        };
        if let Ok(requests) = self.requests_for(target, None).await {
            if let Some(newest) = requests.first() {
                match newest.state {
                    RequestState::Pending
                    | RequestState::Approved
                    | RequestState::Activating
                    | RequestState::Active => {
                        return Error::NotApproved {
                            request_id: newest.id,
                            target: target.label(),
                            state: newest.state,
                        };
                    }
                    RequestState::Ending | RequestState::Ended => {
                        return Error::AccessEnded {
                            request_id: newest.id,
                            target: target.label(),
                            // A group's request is asked for again as the group.
                            requested: newest.target_label(),
                            ended_at: newest.end_at,
                        };
                    }
                    _ => {}
                }
            }
        }
        match broker.eligibility().await {
            Ok(eligibility) => {
                let eligible = eligibility.items.iter().any(|i| {
                    i.account.id == target.account_id
                        && i.permission_set.name == target.permission_set
                });
                if eligible {
                    no_access()
                } else {
                    Error::NotEligible {
                        target: target.label(),
                        alternatives: eligibility
                            .items
                            .iter()
                            .map(|i| format!("{}/{}", i.account.name, i.permission_set.name))
                            .collect(),
                    }
                }
            }
            Err(_) => no_access(),
        }
    }

    /// Forgets the cached credentials of `target` (after a revoke, say).
    pub async fn forget_credentials(&self, target: &ResolvedTarget) -> Result<()> {
        self.core
            .creds
            .remove(&target.account_id, &target.permission_set)
            .await
    }
}
