//! Where secrets live: the OS keyring (Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows), never a plain file. [`SecretStore`] is the seam; the
//! [`Vault`] on top stores typed values as JSON under one key each.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::secret::Secret;

/// The keyring service name every Stint entry is filed under.
pub const KEYRING_SERVICE: &str = "stint";

/// A place to keep secrets by key. Calls may block (the keyring talks D-Bus); [`Vault`]
/// runs them off the async executor.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    fn set(&self, key: &str, value: &Secret) -> Result<()>;
    /// Removing an entry that does not exist is not an error.
    fn delete(&self, key: &str) -> Result<()>;
}

/// The OS keyring.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

impl KeyringStore {
    pub fn new() -> Self {
        Self::with_service(KEYRING_SERVICE)
    }

    pub fn with_service(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(keyring_error)
    }

    /// Whether a keyring answers at all: a probe read of an entry that never exists.
    pub fn probe(&self) -> Result<()> {
        self.get("stint-probe").map(|_| ())
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new()
    }
}

impl SecretStore for KeyringStore {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        match self.entry(key)?.get_password() {
            Ok(value) => Ok(Some(Secret::new(value))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(keyring_error)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(keyring_error(e)),
        }
    }
}

fn keyring_error(e: keyring::Error) -> Error {
    // keyring's messages name the platform failure, never the stored value.
    Error::Keyring {
        message: e.to_string(),
    }
}

/// An in-process store, for unit tests and for the app's tests. Not persistent.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    entries: Arc<Mutex<HashMap<String, Secret>>>,
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.lock().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemoryStore {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        Ok(self.lock().get(key).cloned())
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.lock().insert(key.to_owned(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.lock().remove(key);
        Ok(())
    }
}

/// Typed values in a [`SecretStore`], one JSON document per key.
#[derive(Clone)]
pub struct Vault {
    store: Arc<dyn SecretStore>,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vault").finish_non_exhaustive()
    }
}

impl Vault {
    pub fn new(store: Arc<dyn SecretStore>) -> Self {
        Self { store }
    }

    /// The value under `key`. An entry that no longer parses (written by another version)
    /// reads as absent: it only ever holds something that can be fetched again.
    pub async fn load<T: DeserializeOwned + Send + 'static>(&self, key: &str) -> Result<Option<T>> {
        let store = self.store.clone();
        let key = key.to_owned();
        blocking(move || {
            let Some(raw) = store.get(&key)? else {
                return Ok(None);
            };
            match serde_json::from_str(raw.expose()) {
                Ok(value) => Ok(Some(value)),
                Err(e) => {
                    tracing::warn!(key, error = %e, "ignoring an unreadable keyring entry");
                    Ok(None)
                }
            }
        })
        .await
    }

    pub async fn save<T: Serialize>(&self, key: &str, value: &T) -> Result<()> {
        let json = serde_json::to_string(value)
            .map_err(|e| Error::protocol("the keyring", format!("cannot encode {key}: {e}")))?;
        let store = self.store.clone();
        let key = key.to_owned();
        blocking(move || store.set(&key, &Secret::new(json))).await
    }

    pub async fn delete(&self, key: &str) -> Result<()> {
        let store = self.store.clone();
        let key = key.to_owned();
        blocking(move || store.delete(&key)).await
    }
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::Keyring {
            message: format!("keyring worker failed: {e}"),
        })?
}

/// The keys Stint files its entries under. The sso-session name separates logins to
/// different Identity Centers on one machine.
pub mod keys {
    pub fn sso_token(session: &str) -> String {
        format!("sso-token:{session}")
    }

    pub fn sso_registration(session: &str) -> String {
        format!("sso-registration:{session}")
    }

    pub fn role_credentials(session: &str) -> String {
        format!("role-credentials:{session}")
    }

    pub fn broker_session(session: &str, broker_url: &str) -> String {
        format!("broker-session:{session}:{broker_url}")
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Thing {
        name: String,
        n: u32,
    }

    #[tokio::test]
    async fn vault_round_trips_typed_values_and_deletes() {
        let memory = MemoryStore::new();
        let vault = Vault::new(Arc::new(memory.clone()));
        assert_eq!(vault.load::<Thing>("k").await.unwrap(), None);
        let thing = Thing {
            name: "a".into(),
            n: 1,
        };
        vault.save("k", &thing).await.unwrap();
        assert_eq!(vault.load::<Thing>("k").await.unwrap(), Some(thing));
        assert_eq!(memory.keys(), vec!["k".to_owned()]);
        vault.delete("k").await.unwrap();
        vault.delete("k").await.unwrap();
        assert_eq!(vault.load::<Thing>("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn an_unreadable_entry_reads_as_absent() {
        let memory = MemoryStore::new();
        memory.set("k", &Secret::new("not json")).unwrap();
        let vault = Vault::new(Arc::new(memory));
        assert_eq!(vault.load::<Thing>("k").await.unwrap(), None);
    }
}
