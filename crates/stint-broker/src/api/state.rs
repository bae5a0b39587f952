//! What every handler shares: the engine, the policy in force, the directory snapshot, the
//! way callers are recognised, the clock, and the API's own metrics.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::directory::Directory;
use super::metrics::ApiMetrics;
use super::stream_slots::StreamSlots;
use crate::activity::ActivitySource;
use crate::auth::CallerResolver;
use crate::clock::SharedClock;
use crate::idc::IdentityCenter;
use crate::policy::PolicyHandle;
use crate::workflow::Engine;

/// How `/v1/events` streams behave.
#[derive(Debug, Clone)]
pub struct EventSettings {
    /// A comment line this often keeps proxies from closing an idle stream.
    pub keep_alive: Duration,
    /// How often a stream checks that its session is still valid (logout ends it).
    pub session_check: Duration,
    /// Streams one session may hold open at once (`http.max_event_streams_per_session`);
    /// one more is answered 429.
    pub max_per_session: usize,
}

impl Default for EventSettings {
    fn default() -> Self {
        Self {
            keep_alive: Duration::from_secs(15),
            session_check: Duration::from_secs(30),
            max_per_session: crate::config::HttpConfig::default().max_event_streams_per_session,
        }
    }
}

/// Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct AppState {
    pub(super) inner: Arc<Inner>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("engine", &self.inner.engine)
            .finish_non_exhaustive()
    }
}

pub(super) struct Inner {
    pub engine: Engine,
    pub policy: Arc<PolicyHandle>,
    pub directory: Arc<Directory>,
    pub idc: Arc<dyn IdentityCenter>,
    pub resolver: Arc<dyn CallerResolver>,
    pub clock: SharedClock,
    pub metrics: Arc<ApiMetrics>,
    pub shutdown: CancellationToken,
    pub events: EventSettings,
    /// The organization trail.
    pub activity: Arc<dyn ActivitySource>,
    /// One policy reload at a time (SIGHUP and the admin endpoint may race).
    pub reloading: tokio::sync::Mutex<()>,
    /// The event streams each session holds open.
    pub streams: Arc<StreamSlots>,
}

/// Everything an [`AppState`] is made of.
pub struct AppParts {
    pub engine: Engine,
    pub policy: Arc<PolicyHandle>,
    pub directory: Arc<Directory>,
    /// For what the snapshot does not hold: another user's groups, a policy reload.
    pub idc: Arc<dyn IdentityCenter>,
    pub resolver: Arc<dyn CallerResolver>,
    pub clock: SharedClock,
    pub events: EventSettings,
    /// The organization trail (`activity::NoActivity` when it is not configured).
    pub activity: Arc<dyn ActivitySource>,
    /// Event streams end when this is cancelled, so a graceful shutdown is not held open
    /// by clients that never hang up.
    pub shutdown: CancellationToken,
}

impl AppState {
    pub fn new(parts: AppParts) -> Self {
        Self {
            inner: Arc::new(Inner {
                engine: parts.engine,
                policy: parts.policy,
                directory: parts.directory,
                idc: parts.idc,
                resolver: parts.resolver,
                clock: parts.clock,
                metrics: Arc::new(ApiMetrics::default()),
                shutdown: parts.shutdown,
                streams: StreamSlots::new(parts.events.max_per_session),
                events: parts.events,
                activity: parts.activity,
                reloading: tokio::sync::Mutex::new(()),
            }),
        }
    }

    pub fn activity(&self) -> &Arc<dyn ActivitySource> {
        &self.inner.activity
    }

    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    pub fn policy(&self) -> &Arc<PolicyHandle> {
        &self.inner.policy
    }

    pub fn directory(&self) -> &Arc<Directory> {
        &self.inner.directory
    }

    pub fn clock(&self) -> &SharedClock {
        &self.inner.clock
    }

    pub fn metrics(&self) -> &Arc<ApiMetrics> {
        &self.inner.metrics
    }
}
