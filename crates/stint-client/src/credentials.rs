//! Role credentials, and the cache that keeps them (in the keyring) until five minutes
//! before they expire, so `credential_process` answers without a network call.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::secret::Secret;
use crate::store::{Vault, keys};

/// Cached credentials are not handed out when less than this is left.
pub const MIN_REMAINING: Duration = Duration::minutes(5);

/// Without an agent, how long the broker's word that a grant is active is trusted before
/// cached credentials from it are handed out again without asking: at most one broker
/// round trip per target in this time, and a revoke shows as "access ended" within it.
pub const GRANT_CHECK_TTL: Duration = Duration::seconds(15);

/// Temporary credentials for one role in one account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleCredentials {
    pub account_id: String,
    pub role_name: String,
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    pub expiration: DateTime<Utc>,
}

impl RoleCredentials {
    pub fn remaining(&self, now: DateTime<Utc>) -> Duration {
        self.expiration - now
    }
}

/// One cached entry: the credentials and, when they came from a Stint grant, when that
/// grant ends (after which the broker is asked again before they are handed out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CachedCredentials {
    pub credentials: RoleCredentials,
    pub grant_ends_at: Option<DateTime<Utc>>,
    /// When the broker last said the grant is active (entries written before this field
    /// existed read as never checked).
    #[serde(default)]
    pub grant_checked_at: Option<DateTime<Utc>>,
}

impl CachedCredentials {
    pub fn usable(&self, now: DateTime<Utc>) -> bool {
        self.credentials.remaining(now) > MIN_REMAINING
            && self.grant_ends_at.is_none_or(|end| end > now)
    }

    /// Whether the broker said, less than [`GRANT_CHECK_TTL`] ago, that the grant is
    /// active. A check time in the future (the clock went back) does not count.
    pub fn recently_checked(&self, now: DateTime<Utc>) -> bool {
        self.grant_checked_at
            .is_some_and(|at| at <= now && now - at < GRANT_CHECK_TTL)
    }
}

/// All cached credentials of one sso-session, in one keyring entry. Callers serialise
/// writes with a machine lock; a lost write only costs a refetch.
#[derive(Debug, Clone)]
pub struct CredentialCache {
    vault: Vault,
    key: String,
}

type Entries = BTreeMap<String, CachedCredentials>;

impl CredentialCache {
    pub fn new(vault: Vault, session_name: &str) -> Self {
        Self {
            vault,
            key: keys::role_credentials(session_name),
        }
    }

    fn slot(account_id: &str, role_name: &str) -> String {
        format!("{account_id}/{role_name}")
    }

    pub async fn get(
        &self,
        account_id: &str,
        role_name: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<CachedCredentials>> {
        let entries: Entries = self.vault.load(&self.key).await?.unwrap_or_default();
        Ok(entries
            .get(&Self::slot(account_id, role_name))
            .filter(|c| c.usable(now))
            .cloned())
    }

    pub async fn put(&self, entry: CachedCredentials, now: DateTime<Utc>) -> Result<()> {
        let mut entries: Entries = self.vault.load(&self.key).await?.unwrap_or_default();
        entries.retain(|_, c| c.usable(now));
        entries.insert(
            Self::slot(&entry.credentials.account_id, &entry.credentials.role_name),
            entry,
        );
        self.vault.save(&self.key, &entries).await
    }

    pub async fn remove(&self, account_id: &str, role_name: &str) -> Result<()> {
        let mut entries: Entries = self.vault.load(&self.key).await?.unwrap_or_default();
        if entries.remove(&Self::slot(account_id, role_name)).is_some() {
            self.vault.save(&self.key, &entries).await?;
        }
        Ok(())
    }

    pub async fn clear(&self) -> Result<()> {
        self.vault.delete(&self.key).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::store::MemoryStore;

    fn creds(role: &str, expiration: DateTime<Utc>) -> RoleCredentials {
        RoleCredentials {
            account_id: "333333333333".into(),
            role_name: role.into(),
            access_key_id: "ASIA".into(),
            secret_access_key: Secret::new("s"),
            session_token: Secret::new("t"),
            expiration,
        }
    }

    #[tokio::test]
    async fn credentials_are_served_until_five_minutes_before_expiry() {
        let now = Utc::now();
        let cache = CredentialCache::new(Vault::new(Arc::new(MemoryStore::new())), "stint");
        let entry = CachedCredentials {
            credentials: creds("Admin", now + Duration::hours(1)),
            grant_ends_at: None,
            grant_checked_at: None,
        };
        cache.put(entry.clone(), now).await.unwrap();
        assert_eq!(
            cache.get("333333333333", "Admin", now).await.unwrap(),
            Some(entry.clone())
        );
        let late = now + Duration::minutes(55) + Duration::seconds(1);
        assert_eq!(
            cache.get("333333333333", "Admin", late).await.unwrap(),
            None
        );
        assert_eq!(cache.get("333333333333", "Other", now).await.unwrap(), None);
    }

    #[tokio::test]
    async fn credentials_from_a_grant_are_not_served_after_the_grant_ends() {
        let now = Utc::now();
        let cache = CredentialCache::new(Vault::new(Arc::new(MemoryStore::new())), "stint");
        let entry = CachedCredentials {
            credentials: creds("Admin", now + Duration::hours(4)),
            grant_ends_at: Some(now + Duration::minutes(30)),
            grant_checked_at: None,
        };
        cache.put(entry, now).await.unwrap();
        assert!(
            cache
                .get("333333333333", "Admin", now + Duration::minutes(29))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            cache
                .get("333333333333", "Admin", now + Duration::minutes(30))
                .await
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_grant_check_is_trusted_for_its_ttl_only_and_never_from_the_future() {
        let now = Utc::now();
        let entry = |checked: Option<DateTime<Utc>>| CachedCredentials {
            credentials: creds("Admin", now + Duration::hours(1)),
            grant_ends_at: Some(now + Duration::minutes(30)),
            grant_checked_at: checked,
        };
        assert!(!entry(None).recently_checked(now));
        assert!(entry(Some(now)).recently_checked(now));
        assert!(entry(Some(now - GRANT_CHECK_TTL + Duration::seconds(1))).recently_checked(now));
        assert!(!entry(Some(now - GRANT_CHECK_TTL)).recently_checked(now));
        assert!(!entry(Some(now + Duration::seconds(1))).recently_checked(now));
    }

    #[tokio::test]
    async fn entries_for_several_roles_live_side_by_side_and_clear_together() {
        let now = Utc::now();
        let store = MemoryStore::new();
        let cache = CredentialCache::new(Vault::new(Arc::new(store.clone())), "stint");
        for role in ["A", "B"] {
            cache
                .put(
                    CachedCredentials {
                        credentials: creds(role, now + Duration::hours(1)),
                        grant_ends_at: None,
                        grant_checked_at: None,
                    },
                    now,
                )
                .await
                .unwrap();
        }
        assert!(cache.get("333333333333", "A", now).await.unwrap().is_some());
        cache.remove("333333333333", "A").await.unwrap();
        assert!(cache.get("333333333333", "A", now).await.unwrap().is_none());
        assert!(cache.get("333333333333", "B", now).await.unwrap().is_some());
        cache.clear().await.unwrap();
        assert!(store.keys().is_empty());
    }
}
