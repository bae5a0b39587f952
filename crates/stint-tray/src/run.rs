//! The tray's process: the main loop and the tray icon on the main thread
//! (`main_loop.rs`), the agent and the menu's watcher on a tokio runtime's threads.
//! Quitting (the menu, SIGTERM, Ctrl-C or `stint agent stop`) ends both. A second tray of
//! the same login opens the window and ends (`single.rs`).

use std::time::Duration;

use anyhow::{Context, Result};
use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::menu::Action;
use crate::single::Claim;
use crate::{actions, launch, main_loop, notify, shared, single, tray, watch};

/// Set (to anything), the tray opens the window once as it starts: not every desktop shows
/// a tray icon, and `make demo` must show the window. The whole app reads the same.
const SHOW_WINDOW: &str = "STINT_SHOW_WINDOW";

pub fn run() -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("stint-agent")
        .enable_all()
        .build()
        .context("cannot start the agent's runtime")?;
    let _first = match runtime.block_on(single::claim()) {
        Claim::First(guard) => Some(guard),
        Claim::Unchecked => None,
        Claim::Second => {
            tracing::info!("Stint's tray already runs for this login; opening its window");
            return launch::open_app().map_err(anyhow::Error::msg);
        }
    };
    notify::init();
    let mut started = None;
    // The display is asked for first: without one the agent never binds its socket.
    let looped = main_loop::run(|| {
        started = Some(start(&runtime)?);
        Ok(())
    });
    if let Some(Started { agent, stop }) = started {
        let _ = stop.send(());
        // The agent removes its socket as it stops.
        let _ =
            runtime.block_on(async { tokio::time::timeout(Duration::from_secs(5), agent).await });
    }
    runtime.shutdown_timeout(Duration::from_secs(2));
    looped
}

/// What runs beside the main loop, stopped when it ends.
struct Started {
    agent: JoinHandle<()>,
    stop: oneshot::Sender<()>,
}

/// On the main loop's thread, once it runs: the agent and the icon.
fn start(runtime: &Runtime) -> Result<Started> {
    let (core, handle) = runtime.block_on(shared::open(runtime.handle().clone()));
    tray::create()?;
    // `make demo` waits for this line.
    tracing::info!("tray ready");
    tray::on_click({
        let core = core.clone();
        move |id| {
            if let Some(action) = Action::parse(id) {
                actions::dispatch(&core, action);
            }
        }
    });
    let (stop, stopped) = oneshot::channel::<()>();
    let agent = runtime.spawn(async move {
        let shutdown = async {
            tokio::select! {
                _ = stopped => {}
                () = signalled() => {}
            }
        };
        match handle {
            Some(handle) => handle.serve(shutdown).await,
            None => shutdown.await,
        }
        // However it ended, the tray ends with the agent: they are one.
        main_loop::quit();
    });
    if std::env::var_os(SHOW_WINDOW).is_some() {
        actions::dispatch(&core, Action::OpenApp);
    }
    runtime.spawn(watch::run(core, tray::post));
    Ok(Started { agent, stop })
}

/// Ctrl-C, or SIGTERM where there is one (a logout, `kill`).
#[cfg(unix)]
async fn signalled() {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn signalled() {
    let _ = tokio::signal::ctrl_c().await;
}
