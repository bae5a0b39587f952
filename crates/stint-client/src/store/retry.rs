//! A keyring call that met a daemon going away is tried again for a moment.
//!
//! The Secret Service is a separate process (gnome-keyring, KWallet) that D-Bus starts on
//! demand; when it restarts — an update, a crash, a session change — calls in flight fail
//! with a D-Bus error (`PlatformFailure`) although the next call a moment later succeeds.
//! Every call Stint makes is idempotent (read, overwrite, delete), so it is safe to repeat.
//! A locked store or a dismissed unlock prompt (`NoStorageAccess`) is not repeated: that
//! needs the person, and asking again would put the prompt back in their face.

use std::thread::sleep;
use std::time::Duration;

/// The pauses between attempts: about 1.5 s in all, enough for D-Bus to start a new daemon,
/// short enough that a machine with no Secret Service at all hears so promptly.
const PAUSES: [Duration; 4] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(400),
    Duration::from_millis(800),
];

/// `call`, repeated after each of [`PAUSES`] while it fails with a platform failure: what
/// every keyring call of the store goes through.
pub(super) fn patiently<T>(call: impl FnMut() -> keyring::Result<T>) -> keyring::Result<T> {
    retrying(&PAUSES, call)
}

/// `call`, repeated after each of `pauses` while it fails with a platform failure.
fn retrying<T>(
    pauses: &[Duration],
    mut call: impl FnMut() -> keyring::Result<T>,
) -> keyring::Result<T> {
    let mut pauses = pauses.iter();
    loop {
        match call() {
            Err(keyring::Error::PlatformFailure(e)) => match pauses.next() {
                Some(pause) => {
                    // The platform's message names the D-Bus failure, never a stored value.
                    tracing::debug!(error = %e, ?pause, "the keyring did not answer; trying again");
                    sleep(*pause);
                }
                None => return Err(keyring::Error::PlatformFailure(e)),
            },
            other => return other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform_failure() -> keyring::Error {
        keyring::Error::PlatformFailure("org.freedesktop.DBus.Error.NoReply".into())
    }

    const SHORT: [Duration; 3] = [Duration::from_millis(1); 3];

    #[test]
    fn a_daemon_that_comes_back_is_answered() {
        let mut calls = 0;
        let got = retrying(&SHORT, || {
            calls += 1;
            if calls < 3 {
                Err(platform_failure())
            } else {
                Ok("value")
            }
        });
        assert_eq!(got.unwrap(), "value");
        assert_eq!(calls, 3);
    }

    #[test]
    fn a_daemon_that_stays_away_is_reported_after_the_last_pause() {
        let mut calls = 0;
        let got: keyring::Result<()> = retrying(&SHORT, || {
            calls += 1;
            Err(platform_failure())
        });
        assert!(matches!(got, Err(keyring::Error::PlatformFailure(_))));
        assert_eq!(calls, SHORT.len() + 1);
    }

    #[test]
    fn a_locked_store_and_a_missing_entry_are_not_asked_again() {
        let mut calls = 0;
        let got: keyring::Result<()> = retrying(&SHORT, || {
            calls += 1;
            Err(keyring::Error::NoStorageAccess("locked".into()))
        });
        assert!(matches!(got, Err(keyring::Error::NoStorageAccess(_))));
        assert_eq!(calls, 1);

        let mut calls = 0;
        let got: keyring::Result<()> = retrying(&SHORT, || {
            calls += 1;
            Err(keyring::Error::NoEntry)
        });
        assert!(matches!(got, Err(keyring::Error::NoEntry)));
        assert_eq!(calls, 1);
    }
}
