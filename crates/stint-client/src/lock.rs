//! One login or refresh per machine at a time. A lock file under the cache directory is
//! held (with `flock`, through `fd-lock`) while a process runs the device flow or uses the
//! refresh token; the others wait, then re-read the token store and find the fresh token.
//! The OS drops the lock when a process dies, so a crash cannot wedge the others.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::fsutil;

/// A named lock file shared by every Stint process of this user.
#[derive(Debug, Clone)]
pub struct MachineLock {
    path: PathBuf,
}

/// Holding this keeps the lock; dropping it releases it.
#[derive(Debug)]
pub struct LockGuard {
    // Dropping the sender wakes the holder thread, which drops the OS lock.
    _release: std::sync::mpsc::Sender<()>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wait {
    Yes,
    No,
}

enum Event {
    Busy,
    Acquired,
    Failed(std::io::Error),
}

impl MachineLock {
    pub fn new(dir: &Path, name: &str) -> Self {
        Self {
            path: dir.join(format!("{name}.lock")),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Takes the lock, waiting as long as another process holds it. `on_wait` runs once,
    /// before waiting, only if the lock was busy (so a UI can say "another stint is logging
    /// in").
    pub async fn acquire(&self, on_wait: impl FnOnce()) -> Result<LockGuard> {
        // A waiting take returns only with the lock or an error.
        self.take(Wait::Yes, on_wait).await?.ok_or_else(|| {
            Error::io(
                &self.path,
                std::io::Error::other("the lock was busy and not waited for"),
            )
        })
    }

    /// Takes the lock if nobody holds it; `None` when another process does (one tray per
    /// login: the second one learns there is a first).
    pub async fn try_acquire(&self) -> Result<Option<LockGuard>> {
        self.take(Wait::No, || {}).await
    }

    async fn take(&self, wait: Wait, on_wait: impl FnOnce()) -> Result<Option<LockGuard>> {
        if let Some(dir) = self.path.parent() {
            fsutil::create_private_dir(dir)?;
        }
        let path = self.path.clone();
        let (events_tx, mut events_rx) = tokio::sync::mpsc::unbounded_channel();
        let (release_tx, release_rx) = std::sync::mpsc::channel::<()>();
        // The OS lock is held by a plain thread, because fd-lock's guard borrows the file
        // and cannot be moved across `.await` points.
        std::thread::Builder::new()
            .name("stint-lock".into())
            .spawn(move || hold(&path, wait, &events_tx, &release_rx))
            .map_err(|e| Error::io(&self.path, e))?;

        let mut on_wait = Some(on_wait);
        loop {
            match events_rx.recv().await {
                Some(Event::Busy) if wait == Wait::No => return Ok(None),
                Some(Event::Busy) => {
                    if let Some(f) = on_wait.take() {
                        f();
                    }
                }
                Some(Event::Acquired) => {
                    return Ok(Some(LockGuard {
                        _release: release_tx,
                    }));
                }
                Some(Event::Failed(e)) => return Err(Error::io(&self.path, e)),
                None => {
                    return Err(Error::io(
                        &self.path,
                        std::io::Error::other("the lock thread stopped"),
                    ));
                }
            }
        }
    }
}

fn hold(
    path: &Path,
    wait: Wait,
    events: &tokio::sync::mpsc::UnboundedSender<Event>,
    release: &std::sync::mpsc::Receiver<()>,
) {
    let fail = |e| {
        let _ = events.send(Event::Failed(e));
    };
    let file = match open_lock_file(path) {
        Ok(file) => file,
        Err(e) => return fail(e),
    };
    let mut lock = fd_lock::RwLock::new(file);
    // A trial first, only to learn whether we will wait; the trial guard is dropped at
    // once and the blocking `write` below takes the lock for real.
    let busy = match lock.try_write() {
        Ok(_trial) => false,
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => true,
        Err(e) => return fail(e),
    };
    if busy {
        let _ = events.send(Event::Busy);
        if wait == Wait::No {
            return;
        }
    }
    let guard = match lock.write() {
        Ok(guard) => guard,
        Err(e) => return fail(e),
    };
    if events.send(Event::Acquired).is_ok() {
        // Returns when the LockGuard (the only sender) is dropped.
        let _ = release.recv();
    }
    drop(guard);
}

fn open_lock_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn a_try_says_busy_while_another_holds_it_and_takes_it_after() {
        let dir = tempfile::tempdir().unwrap();
        let lock = MachineLock::new(dir.path(), "tray");
        let first = lock
            .try_acquire()
            .await
            .unwrap()
            .expect("the lock was free");
        assert!(lock.try_acquire().await.unwrap().is_none());
        drop(first);
        // The holder thread lets go as soon as it sees the guard dropped.
        let mut again = None;
        for _ in 0..100 {
            again = lock.try_acquire().await.unwrap();
            if again.is_some() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(again.is_some(), "the lock was not released");
    }

    #[tokio::test]
    async fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let lock = MachineLock::new(dir.path(), "sso-stint");
        let first = lock.acquire(|| panic!("the lock was free")).await.unwrap();

        let waited = Arc::new(AtomicBool::new(false));
        let got_it = Arc::new(AtomicBool::new(false));
        let second = {
            let lock = MachineLock::new(dir.path(), "sso-stint");
            let (waited, got_it) = (waited.clone(), got_it.clone());
            tokio::spawn(async move {
                let guard = lock
                    .acquire(|| waited.store(true, Ordering::SeqCst))
                    .await
                    .unwrap();
                got_it.store(true, Ordering::SeqCst);
                drop(guard);
            })
        };
        // The second task reports that it is waiting, and has not got the lock.
        wait_until(|| waited.load(Ordering::SeqCst)).await;
        assert!(!got_it.load(Ordering::SeqCst));
        drop(first);
        tokio::time::timeout(Duration::from_secs(30), second)
            .await
            .unwrap()
            .unwrap();
        assert!(got_it.load(Ordering::SeqCst));
    }

    #[tokio::test]
    async fn many_contenders_hold_it_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        let inside = Arc::new(AtomicUsize::new(0));
        let max_inside = Arc::new(AtomicUsize::new(0));
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let lock = MachineLock::new(dir.path(), "refresh");
                let (inside, max_inside) = (inside.clone(), max_inside.clone());
                tokio::spawn(async move {
                    let _guard = lock.acquire(|| {}).await.unwrap();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    max_inside.fetch_max(now, Ordering::SeqCst);
                    tokio::task::yield_now().await;
                    tokio::time::sleep(Duration::from_millis(5)).await;
                    inside.fetch_sub(1, Ordering::SeqCst);
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        assert_eq!(max_inside.load(Ordering::SeqCst), 1);
    }

    async fn wait_until(cond: impl Fn() -> bool) {
        tokio::time::timeout(Duration::from_secs(30), async {
            while !cond() {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .expect("condition not reached in 30 s");
    }
}
