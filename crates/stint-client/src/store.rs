//! Where secrets live: the OS keyring — the Secret Service on Linux, the login Keychain on
//! macOS, Credential Manager on Windows —, never a plain file. [`SecretStore`] is the seam;
//! the [`Vault`] on top stores typed values as JSON under one key each.
//!
//! The `keyring` crate picks its backend by target and Cargo feature (this crate's
//! `Cargo.toml` turns on one per OS); with none it silently falls back to a mock that
//! forgets everything when the process ends. [`KeyringStore`] refuses that mock, so a build
//! without a real store fails loudly at the first login instead of logging people out on
//! every run.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::secret::Secret;

mod chunked;
#[cfg(any(test, feature = "test-support"))]
mod memory;
mod retry;
pub use chunked::Chunked;
#[cfg(any(test, feature = "test-support"))]
pub use memory::MemoryStore;

/// The keyring service name every Stint entry is filed under.
pub const KEYRING_SERVICE: &str = "stint";

/// The most one Windows credential holds (`CRED_MAX_CREDENTIAL_BLOB_SIZE`): larger values
/// are split by [`Chunked`].
pub const WINDOWS_CREDENTIAL_MAX_BYTES: usize = 5 * 512;

/// A place to keep secrets by key. Calls may block (the keyring talks D-Bus); [`Vault`]
/// runs them off the async executor.
pub trait SecretStore: Send + Sync + 'static {
    fn get(&self, key: &str) -> Result<Option<Secret>>;
    fn set(&self, key: &str, value: &Secret) -> Result<()>;
    /// Removing an entry that does not exist is not an error.
    fn delete(&self, key: &str) -> Result<()>;
}

/// Which keyring this build of Stint talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyringBackend {
    /// What people know it as: "Secret Service", "macOS Keychain", "Windows Credential Manager".
    pub name: &'static str,
    /// Whether entries outlive the process. False only for keyring's mock, which Stint refuses.
    pub persistent: bool,
}

impl KeyringBackend {
    /// The backend the `keyring` crate was built with for this target.
    pub fn current() -> Self {
        let persistent = matches!(
            keyring::default::default_credential_builder().persistence(),
            keyring::credential::CredentialPersistence::UntilDelete
        );
        let name = if !persistent {
            "none (an in-memory mock)"
        } else if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(target_os = "windows") {
            "Windows Credential Manager"
        } else {
            "Secret Service"
        };
        Self { name, persistent }
    }
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
        static BACKEND: std::sync::OnceLock<KeyringBackend> = std::sync::OnceLock::new();
        if !BACKEND.get_or_init(KeyringBackend::current).persistent {
            return Err(Error::Keyring {
                message: format!(
                    "this build of Stint has no keyring for {} (it would forget every login); \
                     build it with the keyring backend for this OS",
                    std::env::consts::OS
                ),
            });
        }
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
        self.entries().get(key)
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        self.entries().set(key, value)
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.entries().delete(key)
    }
}

impl KeyringStore {
    /// Windows' credentials are size-limited: values are split across several.
    #[cfg(target_os = "windows")]
    fn entries(&self) -> Chunked<OneEntry> {
        Chunked::new(OneEntry(self.clone()), WINDOWS_CREDENTIAL_MAX_BYTES)
    }

    #[cfg(not(target_os = "windows"))]
    fn entries(&self) -> OneEntry {
        OneEntry(self.clone())
    }
}

/// One keyring entry per key, read and written as text.
struct OneEntry(KeyringStore);

impl SecretStore for OneEntry {
    fn get(&self, key: &str) -> Result<Option<Secret>> {
        // On Windows a password is stored as UTF-16, which halves what a credential holds;
        // the UTF-8 bytes go in as they are.
        let entry = self.0.entry(key)?;
        #[cfg(target_os = "windows")]
        let read = retry::patiently(|| entry.get_secret()).map(|bytes| {
            String::from_utf8(bytes).map_err(|_| Error::Keyring {
                message: format!(
                    "the keyring entry {key} is not text (written by another program?): \
                     run `stint logout` to clear it"
                ),
            })
        });
        #[cfg(not(target_os = "windows"))]
        let read = retry::patiently(|| entry.get_password()).map(Ok);
        match read {
            Ok(value) => Ok(Some(Secret::new(value?))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(keyring_error(e)),
        }
    }

    fn set(&self, key: &str, value: &Secret) -> Result<()> {
        let entry = self.0.entry(key)?;
        #[cfg(target_os = "windows")]
        let written = retry::patiently(|| entry.set_secret(value.expose().as_bytes()));
        #[cfg(not(target_os = "windows"))]
        let written = retry::patiently(|| entry.set_password(value.expose()));
        written.map_err(keyring_error)
    }

    fn delete(&self, key: &str) -> Result<()> {
        let entry = self.0.entry(key)?;
        match retry::patiently(|| entry.delete_credential()) {
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

    /// The browser sign-in's client, registered for one loopback redirect URI.
    pub fn sso_browser_registration(session: &str) -> String {
        format!("sso-browser-registration:{session}")
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

    /// The guard against keyring's mock: every OS Stint is built for has a keyring that
    /// keeps entries. Runs natively on Linux and, cross-built, under Wine on Windows.
    #[test]
    fn this_build_keeps_secrets_in_the_os_keyring() {
        let backend = KeyringBackend::current();
        assert!(backend.persistent, "{backend:?}");
        let expected = match std::env::consts::OS {
            "linux" => "Secret Service",
            "macos" => "macOS Keychain",
            "windows" => "Windows Credential Manager",
            other => panic!("no keyring backend chosen for {other}"),
        };
        assert_eq!(backend.name, expected);
    }

    #[tokio::test]
    async fn an_unreadable_entry_reads_as_absent() {
        let memory = MemoryStore::new();
        memory.set("k", &Secret::new("not json")).unwrap();
        let vault = Vault::new(Arc::new(memory));
        assert_eq!(vault.load::<Thing>("k").await.unwrap(), None);
    }
}
