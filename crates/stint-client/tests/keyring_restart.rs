//! The Secret Service dies and comes back while Stint uses it: calls made meanwhile are
//! answered once it is back, not failed. Needs `scripts/with-keyring.sh`, whose watch
//! brings an unlocked daemon back (as D-Bus activation does on a desktop); its own binary,
//! so killing the daemon disturbs no other test.

use std::process::Command;

use stint_client::Secret;
use stint_client::store::{KeyringStore, SecretStore};

/// The pid owning the Secret Service's name on the session bus, if any.
fn secret_service_pid() -> Option<u32> {
    let out = Command::new("dbus-send")
        .args([
            "--session",
            "--print-reply=literal",
            "--dest=org.freedesktop.DBus",
            "/",
            "org.freedesktop.DBus.GetConnectionUnixProcessID",
            "string:org.freedesktop.secrets",
        ])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .last()?
        .parse()
        .ok()
}

#[test]
fn calls_made_while_the_daemon_restarts_are_answered_when_it_is_back() {
    if std::env::var_os("STINT_TEST_KEYRING").is_none() {
        eprintln!(
            "\n*** SKIPPED: needs the daemon watch of scripts/with-keyring.sh.\n*** Run: scripts/with-keyring.sh cargo test -p stint-client --test keyring_restart\n"
        );
        return;
    }
    let store = KeyringStore::with_service(format!("stint-test-{}", std::process::id()));
    store.set("before", &Secret::new("kept")).unwrap();

    for round in 0..3 {
        let daemon = secret_service_pid().expect("scripts/with-keyring.sh started no daemon");
        let killed = Command::new("kill")
            .args(["-9", &daemon.to_string()])
            .status()
            .unwrap();
        assert!(killed.success(), "could not kill the daemon {daemon}");

        // At once, while nobody owns the name: each call waits for the daemon to be back.
        let key = format!("during-{round}");
        store
            .set(&key, &Secret::new(format!("value {round}")))
            .unwrap();
        assert_eq!(
            store.get(&key).unwrap().unwrap().expose(),
            format!("value {round}")
        );
        let now = secret_service_pid().expect("no daemon came back");
        assert_ne!(
            now, daemon,
            "the daemon was not replaced: the kill did nothing"
        );
    }
    // What was written before the first restart was on disk, not only in the dead daemon.
    assert_eq!(store.get("before").unwrap().unwrap().expose(), "kept");
    for key in ["before", "during-0", "during-1", "during-2"] {
        store.delete(key).unwrap();
    }
}
