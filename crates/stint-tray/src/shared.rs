//! What the tray's two threads share: the client core, the agent this process runs for
//! the `stint` CLI, and the signals the menu's watcher follows. Opened on the tokio
//! runtime before the tray appears.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use stint_agent::AgentHandle;
use stint_agent::location::Location;
use stint_agent::service::Agent;
use stint_client::{Stint, StintOptions};
use tokio::runtime::Handle;
use tokio::sync::Notify;

use crate::view::Serving;

pub struct Core {
    /// The client core, or why Stint is not set up.
    pub stint: Result<Stint, String>,
    /// The agent: serving the CLI's socket when `serving` is `Here`, else only the tray's.
    pub agent: Option<Arc<Agent>>,
    pub serving: Serving,
    /// "Sign in…" is under way.
    pub signing_in: AtomicBool,
    /// Wakes the menu's watcher (after a sign-in, say).
    pub wake: Notify,
    pub runtime: Handle,
}

/// Opens the client core from the environment (as `stint` does) and binds the agent's
/// socket. The handle, when there is one, is served by the caller.
pub async fn open(runtime: Handle) -> (Arc<Core>, Option<AgentHandle>) {
    let opened = match StintOptions::from_env() {
        Ok(options) => Stint::open(options).await,
        Err(e) => Err(e),
    };
    let make = |stint, agent, serving| {
        Arc::new(Core {
            stint,
            agent,
            serving,
            signing_in: AtomicBool::new(false),
            wake: Notify::new(),
            runtime: runtime.clone(),
        })
    };
    let stint = match opened {
        Ok(stint) => stint,
        Err(e) => {
            tracing::warn!(error = %e, "Stint is not set up");
            return (make(Err(e.to_string()), None, Serving::Unconfigured), None);
        }
    };
    let location = Location::from_env(stint.paths(), &stint.sso_settings().session_name);
    match AgentHandle::bind(stint.clone(), &location).await {
        Ok(handle) => {
            tracing::info!(
                session = %stint.sso_settings().session_name,
                socket = %handle.path().display(),
                "Stint agent listening"
            );
            let agent = handle.agent();
            (make(Ok(stint), Some(agent), Serving::Here), Some(handle))
        }
        Err(e) => {
            // Another agent (`stint agent`) serves this login: the tray works beside it,
            // reading through its own copy of the agent's memory.
            tracing::warn!(error = %e, "not serving the stint CLI");
            let agent = Arc::new(Agent::new(stint.clone()));
            let serving = Serving::Failed { why: e.to_string() };
            (make(Ok(stint), Some(agent), serving), None)
        }
    }
}
