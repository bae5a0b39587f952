//! Running a built [`Broker`]: the HTTP edge, the engine (schedule and reconciliation), the
//! directory refresh, SIGHUP reloads (policy and TLS certificate), the webhook notifier and
//! the session purge, until shutdown; then a graceful stop within [`SHUTDOWN_GRACE`].

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures::{Stream, StreamExt};
use tokio_util::sync::CancellationToken;

use super::{Broker, Ready, SESSION_PURGE_EVERY, SHUTDOWN_GRACE, ServeError};
use crate::activity::watch::Watch;

/// The first pause before reading the directory again when it could not be read at start,
/// doubled after each failure up to [`FIRST_LOAD_RETRY_CAP`].
const FIRST_LOAD_RETRY: Duration = Duration::from_secs(1);
const FIRST_LOAD_RETRY_CAP: Duration = Duration::from_secs(15);
use crate::api::{self, AppState};
use crate::edge::{self, TlsFiles};

impl Broker {
    /// Serves until `shutdown` resolves; reloads the policy on every item of `reloads`.
    pub async fn run(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        reloads: impl Stream<Item = ()> + Send + 'static,
    ) -> Result<(), ServeError> {
        self.run_reporting(shutdown, reloads, |_| {}).await
    }

    /// [`Broker::run`], calling `on_ready` once the broker really runs: the database took a
    /// write, and the scheduler and the HTTP edge are started. A database that takes no
    /// writes (read-only, full) stops the start with [`ServeError::Writes`] before that, so
    /// nobody is told "ready" by a broker that can record nothing.
    pub async fn run_reporting(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        reloads: impl Stream<Item = ()> + Send + 'static,
        on_ready: impl FnOnce(&Ready) + Send,
    ) -> Result<(), ServeError> {
        let Broker {
            state,
            engine,
            listener,
            ready,
            directory_refresh,
            shutdown: token,
            authentication,
            authenticator,
            notifier,
            edge,
            activity_watch,
        } = self;
        let tls = edge.tls.clone();
        // The engine's first act is a write (SQLite: leases left by a crash are released),
        // and so is everything it does after: a database that takes none is told now.
        engine
            .store()
            .check_writes()
            .await
            .map_err(ServeError::Writes)?;
        let app = api::router_with(state.clone(), authentication);
        let mut server = tokio::spawn(edge::serve(
            listener,
            app,
            edge,
            token.clone().cancelled_owned(),
        ));
        let mut scheduler = {
            let engine = engine.clone();
            let stop = token.clone();
            tokio::spawn(async move { engine.run(stop.cancelled_owned()).await })
        };
        let refresher = tokio::spawn(refresh_directory(
            state.clone(),
            directory_refresh,
            token.clone(),
        ));
        let reloader = tokio::spawn(reload_on(state.clone(), tls, reloads, token.clone()));
        let webhooks = tokio::spawn(notifier.run(token.clone()));
        let purger = {
            let stop = token.clone();
            let authenticator = authenticator.clone();
            tokio::spawn(async move {
                authenticator
                    .purge_periodically(SESSION_PURGE_EVERY, stop.cancelled_owned())
                    .await;
            })
        };
        let watch = activity_watch.map(|every| {
            let watch = Watch::new(
                engine.clone(),
                state.activity().clone(),
                state.clock().clone(),
            );
            tokio::spawn(watch.run(every, token.clone().cancelled_owned()))
        });
        let refusals = {
            let stop = token.clone();
            let every = authenticator.settings().sign_in_limits.refusal_interval;
            tokio::spawn(async move {
                authenticator
                    .flush_refusals_periodically(every, stop.cancelled_owned())
                    .await;
            })
        };

        tracing::info!(url = %ready.url, "serving");
        on_ready(&ready);
        let early = tokio::select! {
            () = shutdown => None,
            done = &mut server => Some(match done {
                Ok(Ok(())) => ServeError::Task("the HTTP server stopped on its own".into()),
                Ok(Err(e)) => ServeError::Http(e),
                Err(e) => ServeError::Task(e.to_string()),
            }),
            done = &mut scheduler => Some(match done {
                Ok(Ok(())) => ServeError::Task("the scheduler stopped on its own".into()),
                Ok(Err(e)) => ServeError::Engine(e),
                Err(e) => ServeError::Task(e.to_string()),
            }),
        };
        tracing::info!("shutting down");
        token.cancel();
        let finished = tokio::time::timeout(SHUTDOWN_GRACE, async {
            let server = if server.is_finished() {
                Ok(Ok(()))
            } else {
                (&mut server).await
            };
            let scheduler = if scheduler.is_finished() {
                Ok(Ok(()))
            } else {
                (&mut scheduler).await
            };
            let _ = refresher.await;
            let _ = reloader.await;
            let _ = purger.await;
            let _ = refusals.await;
            if let Some(watch) = watch {
                let _ = watch.await;
            }
            let _ = webhooks.await;
            (server, scheduler)
        })
        .await;
        if let Some(e) = early {
            return Err(e);
        }
        match finished {
            Ok((Ok(Ok(())), Ok(Ok(())))) => {
                tracing::info!("stopped");
                Ok(())
            }
            Ok((server, scheduler)) => {
                let why = format!("{server:?} / {scheduler:?}");
                Err(ServeError::Task(format!("stopped with an error: {why}")))
            }
            Err(_) => {
                tracing::warn!(
                    grace = ?SHUTDOWN_GRACE,
                    "shutdown took too long; stopping anyway (steps in flight resume on the next start)"
                );
                Ok(())
            }
        }
    }
}

/// The first directory read (when it failed at start), retried with backoff until it
/// succeeds; then a refresh every `every`.
async fn refresh_directory(state: AppState, every: Duration, stop: CancellationToken) {
    let clock = state.clock().clone();
    let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::minutes(5));
    let mut backoff = FIRST_LOAD_RETRY;
    loop {
        let wait = if state.is_ready() {
            every
        } else {
            let wait = chrono::Duration::from_std(backoff).unwrap_or(every);
            backoff = (backoff * 2).min(FIRST_LOAD_RETRY_CAP);
            wait
        };
        tokio::select! {
            () = stop.cancelled() => return,
            () = clock.sleep_until(clock.now() + wait) => {}
        }
        let first = !state.is_ready();
        match state.refresh_directory().await {
            Ok(()) => {}
            Err(e) if first => {
                tracing::warn!(error = %e, retry_in = ?backoff, "Identity Center still cannot be read; the broker is not ready yet");
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot refresh the directory; keeping the previous snapshot");
            }
        }
    }
}

async fn reload_on(
    state: AppState,
    tls: Option<Arc<TlsFiles>>,
    reloads: impl Stream<Item = ()> + Send + 'static,
    stop: CancellationToken,
) {
    tokio::pin!(reloads);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            next = reloads.next() => {
                if next.is_none() {
                    return;
                }
                tracing::info!("SIGHUP: reloading the policy");
                // The outcome is logged and counted by the reload itself.
                let _ = state.reload_policy(api::SIGNAL_ACTOR).await;
                if let Some(tls) = &tls {
                    match tls.reload() {
                        Ok(()) => tracing::info!("SIGHUP: TLS certificate reloaded"),
                        Err(e) => tracing::error!(error = %e, "SIGHUP: the TLS certificate was not reloaded; the previous one stays in use"),
                    }
                }
            }
        }
    }
}

/// SIGTERM or ctrl-c (shutdown), and SIGHUP (reload), as the process receives them.
#[cfg(unix)]
pub fn signals() -> std::io::Result<(
    impl Future<Output = ()> + Send + 'static,
    impl Stream<Item = ()> + Send + 'static,
)> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let shutdown = async move {
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM received"),
            _ = tokio::signal::ctrl_c() => tracing::info!("interrupt received"),
        }
    };
    let reloads = async_stream::stream! {
        while hangup.recv().await.is_some() {
            yield ();
        }
    };
    Ok((shutdown, reloads))
}
