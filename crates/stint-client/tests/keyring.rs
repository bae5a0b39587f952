//! The token store against a real Secret Service. Run inside `scripts/with-keyring.sh`
//! (a private D-Bus session with an unlocked, throw-away gnome-keyring). Without a
//! reachable Secret Service the tests say so loudly and do nothing.

use std::sync::Arc;

use stint_client::Secret;
use stint_client::store::{KeyringStore, SecretStore, Vault};

fn keyring() -> Option<KeyringStore> {
    let store = KeyringStore::with_service(format!("stint-test-{}", std::process::id()));
    match store.probe() {
        Ok(()) => Some(store),
        Err(e) if std::env::var_os("STINT_TEST_KEYRING").is_some() => {
            panic!("scripts/with-keyring.sh started a keyring, but it does not answer: {e}")
        }
        // In CI a missing prerequisite is a failure, not a skip.
        Err(e) if std::env::var_os("CI").is_some() => {
            panic!("no Secret Service in CI ({e}): run the tests inside scripts/with-keyring.sh")
        }
        Err(e) => {
            eprintln!(
                "\n*** SKIPPED: no Secret Service reachable ({e}).\n*** Run: scripts/with-keyring.sh cargo test -p stint-client --test keyring\n"
            );
            None
        }
    }
}

#[test]
fn secrets_round_trip_through_the_os_keyring() {
    let Some(store) = keyring() else { return };
    let key = "sso-token:round-trip";
    assert_eq!(store.get(key).unwrap(), None);
    store.set(key, &Secret::new("first")).unwrap();
    assert_eq!(store.get(key).unwrap().unwrap().expose(), "first");
    store.set(key, &Secret::new("second")).unwrap();
    assert_eq!(store.get(key).unwrap().unwrap().expose(), "second");
    store.delete(key).unwrap();
    store.delete(key).unwrap();
    assert_eq!(store.get(key).unwrap(), None);
}

#[tokio::test]
async fn typed_values_survive_a_new_store_instance() {
    let Some(store) = keyring() else { return };
    let vault = Vault::new(Arc::new(store.clone()));
    let value = serde_json::json!({"accessToken": "t0ken", "n": 3});
    vault.save("typed", &value).await.unwrap();
    // A second handle (as a second process would have) reads the same entry.
    let again = Vault::new(Arc::new(store));
    assert_eq!(
        again.load::<serde_json::Value>("typed").await.unwrap(),
        Some(value)
    );
    again.delete("typed").await.unwrap();
    assert_eq!(
        vault.load::<serde_json::Value>("typed").await.unwrap(),
        None
    );
}
