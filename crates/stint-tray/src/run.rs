//! The tray's process: GTK and the tray icon on the main thread, the agent and the menu's
//! watcher on a tokio runtime's threads. Quitting (the menu, SIGTERM, Ctrl-C or
//! `stint agent stop`) ends both.

use std::time::Duration;

use anyhow::{Context, Result};

use crate::menu::Action;
use crate::{actions, shared, tray, watch};

pub fn run() -> Result<()> {
    gtk::init().context(
        "cannot start GTK: no display (DISPLAY and WAYLAND_DISPLAY are unset?). \
         Without a desktop, run `stint agent` instead",
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("stint-agent")
        .enable_all()
        .build()
        .context("cannot start the agent's runtime")?;
    let (core, handle) = runtime.block_on(shared::open(runtime.handle().clone()));
    tray::create()?;
    tray::on_click({
        let core = core.clone();
        move |id| {
            if let Some(action) = Action::parse(id) {
                actions::dispatch(&core, action);
            }
        }
    });
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
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
        tray::quit();
    });
    runtime.spawn(watch::run(core, tray::post));
    gtk::main();
    let _ = stop.send(());
    // The agent removes its socket as it stops.
    let _ = runtime.block_on(async { tokio::time::timeout(Duration::from_secs(5), agent).await });
    runtime.shutdown_timeout(Duration::from_secs(2));
    Ok(())
}

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
