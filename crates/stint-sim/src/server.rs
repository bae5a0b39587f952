//! Serving a world: [`serve`] on a listener you bound until a shutdown future completes,
//! or [`spawn`] on 127.0.0.1 and a free port, returning a [`RunningSim`] handle for tests.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::clock::SimClock;
use crate::control::{
    AssignmentsSnapshot, AuthorizeDecision, CallPage, ClockState, ControlError, DeviceDecision,
    MembershipsSnapshot, TrailSnapshot,
};
use crate::faults::Faults;
use crate::secret::Secret;
use crate::sim::Sim;
use crate::world::World;

/// The one JSON line `stint-sim serve` prints on stdout once it is listening, and what
/// [`RunningSim::ready`] returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ready {
    /// Always `ready`.
    pub event: String,
    pub url: String,
    pub region: String,
    pub instance_arn: String,
    pub identity_store_id: String,
    pub start_url: String,
    pub endpoints: Endpoints,
}

/// Where each API is served. All but `signin`, `device` and `control` are the base URL:
/// one port serves everything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoints {
    pub sso: String,
    pub sso_oidc: String,
    pub sso_admin: String,
    pub identitystore: String,
    pub organizations: String,
    pub sts: String,
    /// CloudWatch Logs (the organization trail's log group, Logs Insights).
    pub logs: String,
    /// S3, EC2 and DynamoDB: the few read calls role credentials can make.
    pub s3: String,
    pub ec2: String,
    pub dynamodb: String,
    pub signin: String,
    pub device: String,
    /// The browser sign-in's authorize endpoint (`/authorize`).
    pub authorize: String,
    pub control: String,
}

impl Ready {
    pub fn new(world: &World, url: &str) -> Self {
        let url = url.trim_end_matches('/').to_owned();
        Self {
            event: "ready".into(),
            region: world.instance().region.clone(),
            instance_arn: world.instance().instance_arn.clone(),
            identity_store_id: world.instance().identity_store_id.clone(),
            start_url: format!("{url}/start"),
            endpoints: Endpoints {
                sso: url.clone(),
                sso_oidc: url.clone(),
                sso_admin: url.clone(),
                identitystore: url.clone(),
                organizations: url.clone(),
                sts: url.clone(),
                logs: url.clone(),
                s3: url.clone(),
                ec2: url.clone(),
                dynamodb: url.clone(),
                signin: format!("{url}/federation"),
                device: format!("{url}/device"),
                authorize: format!("{url}/authorize"),
                control: format!("{url}/_sim"),
            },
            url,
        }
    }
}

/// The URL a listener is reached at. An unspecified address (0.0.0.0) is reached on
/// loopback.
pub fn base_url(addr: SocketAddr) -> String {
    let ip = if addr.ip().is_unspecified() {
        std::net::IpAddr::from([127, 0, 0, 1])
    } else {
        addr.ip()
    };
    format!("http://{}", SocketAddr::new(ip, addr.port()))
}

/// Serves `world` on `listener` until `shutdown` completes, then finishes in-flight
/// requests and returns.
pub async fn serve(
    world: World,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let url = base_url(listener.local_addr()?);
    let sim = Arc::new(Sim::new(world, SimClock::system(), url));
    serve_sim(sim, listener, shutdown).await
}

async fn serve_sim(
    sim: Arc<Sim>,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    tracing::info!(url = %sim.base_url, world = %sim.world.source_name(), "serving");
    // The peer address becomes CloudTrail's sourceIPAddress.
    axum::serve(
        listener,
        crate::http::router(sim).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Starts the simulator on 127.0.0.1 and a free port, in this tokio runtime.
pub async fn spawn(world: World) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    spawn_on(world, listener).await
}

/// Starts the simulator on a listener you bound.
pub async fn spawn_on(world: World, listener: TcpListener) -> std::io::Result<RunningSim> {
    let addr = listener.local_addr()?;
    let sim = Arc::new(Sim::new(world, SimClock::system(), base_url(addr)));
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(serve_sim(sim.clone(), listener, async {
        let _ = rx.await;
    }));
    Ok(RunningSim {
        sim,
        addr,
        shutdown: Some(tx),
        task: Some(task),
    })
}

/// A world operator's long-term keys: what the broker signs admin calls with.
#[derive(Debug, Clone)]
pub struct OperatorCredentials {
    pub access_key_id: String,
    pub secret_access_key: Secret,
    pub account_id: String,
    pub role_name: String,
}

/// A simulator running in this process. Dropping it shuts the server down; call
/// [`RunningSim::shutdown`] to wait for that.
pub struct RunningSim {
    sim: Arc<Sim>,
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningSim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningSim")
            .field("url", &self.sim.base_url)
            .finish_non_exhaustive()
    }
}

impl RunningSim {
    /// `http://127.0.0.1:PORT`: the endpoint URL for every AWS SDK client.
    pub fn url(&self) -> &str {
        &self.sim.base_url
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn region(&self) -> &str {
        &self.sim.world.instance().region
    }

    pub fn instance_arn(&self) -> &str {
        &self.sim.world.instance().instance_arn
    }

    pub fn identity_store_id(&self) -> &str {
        &self.sim.world.instance().identity_store_id
    }

    /// The access portal URL (`<url>/start`), the `startUrl` of StartDeviceAuthorization.
    pub fn start_url(&self) -> String {
        self.sim.start_url()
    }

    pub fn world(&self) -> &World {
        &self.sim.world
    }

    pub fn ready(&self) -> Ready {
        Ready::new(&self.sim.world, &self.sim.base_url)
    }

    /// The first operator's keys (worlds have at least one operator).
    pub fn operator_credentials(&self) -> OperatorCredentials {
        let op = &self.sim.world.operators()[0];
        OperatorCredentials {
            access_key_id: op.access_key_id.clone(),
            secret_access_key: op.secret_access_key.clone(),
            account_id: op.account_id.clone(),
            role_name: op.role_name.clone(),
        }
    }

    /// The simulator's clock. Clients that sign requests after the clock was advanced
    /// more than 15 minutes must sign with this time (see the crate docs).
    pub fn clock(&self) -> SimClock {
        self.sim.clock.clone()
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.sim.now()
    }

    pub fn advance_clock(&self, by: Duration) -> ClockState {
        self.sim.advance_clock(by)
    }

    /// Approves a pending device authorization (by user code or device code) as
    /// `user_name`, as the person on the verification page would.
    pub fn approve_device(
        &self,
        code: &str,
        user_name: &str,
    ) -> Result<DeviceDecision, ControlError> {
        self.sim.decide_device(code, user_name, false)
    }

    /// Denies a pending device authorization.
    pub fn deny_device(&self, code: &str, user_name: &str) -> Result<DeviceDecision, ControlError> {
        self.sim.decide_device(code, user_name, true)
    }

    /// Acts as the person on the browser sign-in page: checks `authorize_url` (the
    /// `/authorize?...` URL a client opens) and approves it as `user_name`. Follow the
    /// returned `redirect_to` to deliver the code to the client.
    pub fn approve_authorization(
        &self,
        authorize_url: &str,
        user_name: &str,
    ) -> Result<AuthorizeDecision, ControlError> {
        crate::http::approve_authorization_url(&self.sim, authorize_url, user_name, false)
    }

    /// Denies a browser sign-in: the client is sent `error=access_denied`.
    pub fn deny_authorization(
        &self,
        authorize_url: &str,
    ) -> Result<AuthorizeDecision, ControlError> {
        crate::http::approve_authorization_url(&self.sim, authorize_url, "", true)
    }

    /// Every group membership now, standing and API-made.
    pub fn memberships(&self) -> MembershipsSnapshot {
        self.sim.memberships_snapshot()
    }

    /// Every CloudTrail record so far, with when each reaches the log group.
    pub fn trail(&self) -> TrailSnapshot {
        self.sim.trail_snapshot()
    }

    pub fn faults(&self) -> Faults {
        self.sim.faults()
    }

    /// Replaces the faults (and restarts their RNG from `faults.seed`).
    pub fn set_faults(&self, faults: Faults) -> Result<(), ControlError> {
        self.sim.set_faults(faults)
    }

    /// Logged calls with `seq > since`.
    pub fn calls_since(&self, since: u64) -> CallPage {
        self.sim.calls_since(since)
    }

    pub fn assignments(&self) -> AssignmentsSnapshot {
        self.sim.assignments_snapshot()
    }

    /// Stops accepting connections, finishes in-flight requests, and waits.
    pub async fn shutdown(mut self) -> std::io::Result<()> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        match self.task.take() {
            Some(task) => task
                .await
                .map_err(|e| std::io::Error::other(format!("simulator task failed: {e}")))?,
            None => Ok(()),
        }
    }
}

impl Drop for RunningSim {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}
