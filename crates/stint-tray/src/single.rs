//! One tray per login: a second `stint-tray` (the menu entry clicked again, a second
//! "Start at login", `stint-app` started while the tray runs) would put up a second icon
//! that serves nothing. It finds the first one's lock held, opens the window instead — as
//! a second launch of the whole app did — and ends.

use stint_client::Paths;
use stint_client::lock::{LockGuard, MachineLock};

pub enum Claim {
    /// This process is the tray; the lock is held while the guard lives.
    First(LockGuard),
    /// Another tray of the same login runs.
    Second,
    /// No lock could be taken (no cache directory, say): logged, and no reason to stop.
    Unchecked,
}

/// Takes the tray's lock, beside the login's other locks (one per cache directory, as
/// the login is).
pub async fn claim() -> Claim {
    let paths = match Paths::from_env() {
        Ok(paths) => paths,
        Err(e) => {
            tracing::warn!(error = %e, "no place for the tray's lock; not checking for another tray");
            return Claim::Unchecked;
        }
    };
    match MachineLock::new(&paths.cache_dir, "tray")
        .try_acquire()
        .await
    {
        Ok(Some(guard)) => Claim::First(guard),
        Ok(None) => Claim::Second,
        Err(e) => {
            tracing::warn!(error = %e, "cannot take the tray's lock; not checking for another tray");
            Claim::Unchecked
        }
    }
}
