//! What the agent answers. Credentials come from memory while they have more than five
//! minutes left and the grant book (fed by the event stream) does not say their grant
//! ended; anything else goes through the client core once — the network, the keyring,
//! the broker's word on why there is no access — and the answer is kept for next time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use stint_api::BrokerEvent;
use stint_client::credentials::MIN_REMAINING;
use stint_client::{ConsoleRequest, Error, ResolvedTarget, Result, RoleCredentials, Stint, Target};
use tokio::sync::{broadcast, watch};

use crate::grants::{GrantBook, Standing};
use crate::overview::{Answer, Picture};
use crate::protocol::{Envelope, Failure, Request, Response, Serving, Status, VERSION};

/// Role credentials held in memory for one target.
#[derive(Debug, Clone)]
struct Held {
    credentials: RoleCredentials,
    /// Whether they may come from a Stint grant (so the book is asked before each use):
    /// true unless the book said, when they were fetched, that no grant covers them.
    from_grant: bool,
}

#[derive(Default)]
struct Memory {
    /// Targets as typed (`prod/ReadOnlyAccess`) resolved to account ids. Account names
    /// rarely change; an agent restart forgets them.
    resolved: HashMap<String, ResolvedTarget>,
    /// By (account id, permission set).
    held: HashMap<(String, String), Held>,
}

pub struct Agent {
    stint: Stint,
    serving: Serving,
    pub(crate) book: Mutex<GrantBook>,
    memory: Mutex<Memory>,
    /// What `stint ls` shows, kept current through the event stream.
    pub(crate) picture: Picture,
    from_memory: AtomicU64,
    by_core: AtomicU64,
    stop: watch::Sender<bool>,
    /// Each event of the broker's stream as it comes, for the tray's notifications: some
    /// news (a grant used after its window) is in an event and in no picture.
    pub(crate) events: broadcast::Sender<BrokerEvent>,
}

/// Events kept for a slow listener; one that falls further behind is told it missed some
/// and reads the whole picture instead.
const EVENTS_KEPT: usize = 64;

impl Agent {
    pub fn new(stint: Stint) -> Self {
        Self {
            serving: Serving::of(&stint),
            stint,
            book: Mutex::new(GrantBook::default()),
            memory: Mutex::new(Memory::default()),
            picture: Picture::default(),
            from_memory: AtomicU64::new(0),
            by_core: AtomicU64::new(0),
            stop: watch::channel(false).0,
            events: broadcast::channel(EVENTS_KEPT).0,
        }
    }

    pub fn stint(&self) -> &Stint {
        &self.stint
    }

    /// What `stint ls` shows; its generation tells a watcher that something changed.
    pub fn picture(&self) -> &Picture {
        &self.picture
    }

    /// The broker's events from now on, while the agent follows its stream.
    pub fn events(&self) -> broadcast::Receiver<BrokerEvent> {
        self.events.subscribe()
    }

    pub fn serving(&self) -> &Serving {
        &self.serving
    }

    /// Resolves when someone asked the agent to stop.
    pub async fn stopped(&self) {
        let mut rx = self.stop.subscribe();
        let _ = rx.wait_for(|stop| *stop).await;
    }

    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    pub async fn handle(&self, envelope: Envelope) -> Response {
        if envelope.version != VERSION {
            return Response::WrongVersion { agent: VERSION };
        }
        if envelope.serving != self.serving {
            return Response::WrongLogin {
                agent: self.serving.clone(),
            };
        }
        let result = match envelope.request {
            Request::Status => Ok(Response::Status(self.status())),
            Request::Credentials { target } => self
                .credentials(&target)
                .await
                .map(|credentials| Response::Credentials { credentials }),
            Request::Console {
                target,
                service,
                region,
                portal,
            } => {
                let request = ConsoleRequest {
                    service,
                    region,
                    portal,
                };
                self.console(&target, &request)
                    .await
                    .map(|url| Response::Console { url })
            }
            Request::Overview => self.overview().await.map(|overview| Response::Overview {
                overview: Box::new(overview),
            }),
            Request::Forget => {
                self.forget_all();
                Ok(Response::Forgotten)
            }
            Request::Stop => {
                self.stop();
                Ok(Response::Stopping)
            }
        };
        result.unwrap_or_else(|e| Response::Error(Failure::from(&e)))
    }

    fn status(&self) -> Status {
        // One lock at a time: the hot path takes memory, then the book.
        let (connected, grants) = {
            let book = lock(&self.book);
            (book.connected(), book.len())
        };
        Status {
            pid: std::process::id(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            serving: self.serving.clone(),
            event_stream: self.stint.has_broker().then_some(connected),
            grants,
            cached_credentials: lock(&self.memory).held.len(),
            overview: self.picture.standing(),
            served_from_memory: self.from_memory.load(Ordering::Relaxed),
            served_by_core: self.by_core.load(Ordering::Relaxed),
        }
    }

    /// Role credentials for `text` (`ACCOUNT/PERMISSION_SET`).
    pub async fn credentials(&self, text: &str) -> Result<RoleCredentials> {
        let target: Target = text.parse()?;
        let key = target.to_string();
        if let Some(credentials) = self.held(&key) {
            self.from_memory.fetch_add(1, Ordering::Relaxed);
            return Ok(credentials);
        }
        self.by_core.fetch_add(1, Ordering::Relaxed);
        let resolved = self.resolve(&target, &key).await?;
        let slot = (resolved.account_id.clone(), resolved.permission_set.clone());
        let before = self.standing(&resolved);
        if before == Standing::NotGranted {
            // The keyring may hold credentials from a grant the book saw end, trusted
            // for a few seconds more without an agent: not here.
            self.stint.forget_credentials(&resolved).await?;
        }
        let credentials = self.stint.credentials_for(&resolved).await?;
        // An event may have arrived meanwhile: unless the book said "no grant" both
        // before and after, the book is asked again before each use.
        let from_grant =
            before != Standing::NotGranted || self.standing(&resolved) != Standing::NotGranted;
        lock(&self.memory).held.insert(
            slot,
            Held {
                credentials: credentials.clone(),
                from_grant,
            },
        );
        Ok(credentials)
    }

    /// Everything `stint ls` shows: from memory while the event stream follows the
    /// broker and nothing changed since the last read.
    pub async fn overview(&self) -> Result<stint_client::Overview> {
        let following = self.following();
        match self.picture.get(following, || self.stint.overview()).await {
            Answer::Memory(overview) => {
                self.from_memory.fetch_add(1, Ordering::Relaxed);
                Ok(overview)
            }
            Answer::Read(read) => {
                self.by_core.fetch_add(1, Ordering::Relaxed);
                read
            }
        }
    }

    /// Whether the broker's event stream is connected now, so what the agent holds is
    /// current.
    pub fn following(&self) -> bool {
        self.stint.has_broker() && lock(&self.book).connected()
    }

    /// The hot path: memory and the grant book only, no await.
    fn held(&self, key: &str) -> Option<RoleCredentials> {
        let mut memory = lock(&self.memory);
        let resolved = memory.resolved.get(key)?.clone();
        let slot = (resolved.account_id.clone(), resolved.permission_set.clone());
        let held = memory.held.get(&slot)?;
        let now = chrono::Utc::now();
        let fresh = held.credentials.remaining(now) > MIN_REMAINING;
        let ended = held.from_grant && self.standing(&resolved) == Standing::NotGranted;
        if fresh && !ended {
            return Some(held.credentials.clone());
        }
        memory.held.remove(&slot);
        None
    }

    fn standing(&self, target: &ResolvedTarget) -> Standing {
        lock(&self.book).standing(
            &target.account_id,
            &target.permission_set,
            chrono::Utc::now(),
        )
    }

    async fn resolve(&self, target: &Target, key: &str) -> Result<ResolvedTarget> {
        if let Some(resolved) = lock(&self.memory).resolved.get(key) {
            return Ok(resolved.clone());
        }
        let resolved = self.stint.resolve(target).await?;
        lock(&self.memory)
            .resolved
            .insert(key.to_owned(), resolved.clone());
        Ok(resolved)
    }

    /// A console sign-in URL for `text` (`ACCOUNT/PERMISSION_SET`), through the held
    /// credentials: what `stint console` and the tray's "Open console" open.
    pub async fn console(
        &self,
        text: &str,
        request: &ConsoleRequest,
    ) -> Result<stint_client::Secret> {
        let target: Target = text.parse()?;
        if request.portal {
            let resolved = self.resolve(&target, &target.to_string()).await?;
            return self.stint.portal_shortcut(&resolved, request);
        }
        let credentials = self.credentials(text).await?;
        self.stint.federation_url(&credentials, request).await
    }

    /// An event about one of the person's requests for this target: whatever it says,
    /// the credentials held for it are looked at again on the next call.
    pub(crate) fn forget_target(&self, account_id: &str, permission_set: &str) {
        lock(&self.memory)
            .held
            .remove(&(account_id.to_owned(), permission_set.to_owned()));
    }

    /// After `stint logout` or a new login the held credentials may be someone else's.
    pub fn forget_all(&self) {
        {
            let mut memory = lock(&self.memory);
            memory.held.clear();
            memory.resolved.clear();
        }
        self.picture.changed();
    }
}

/// A poisoned lock means a panic while holding it; the data (plain maps) is still whole.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl From<Failure> for Response {
    fn from(f: Failure) -> Self {
        Response::Error(f)
    }
}

impl Agent {
    /// The error a refused peer is told.
    pub fn refusal(peer: &str) -> Response {
        Response::Error(Failure::from(&Error::InvalidInput(format!(
            "this Stint agent serves only the user it runs as, not {peer}"
        ))))
    }
}
