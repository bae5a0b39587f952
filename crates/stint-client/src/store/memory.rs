//! [`MemoryStore`]: secrets in a map, for tests.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::SecretStore;
use crate::error::Result;
use crate::secret::Secret;

/// An in-process store, for tests only (the `test-support` feature, which this crate's own
/// tests turn on): it forgets everything when the process ends.
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
