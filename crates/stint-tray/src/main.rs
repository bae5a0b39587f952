//! `stint-tray`: Stint's tray icon and agent in one small process (issue 11). The agent
//! serves the `stint` CLI exactly as `stint agent` does (`stint-agent`), so the CLI's
//! `credential-process` is answered from this process's memory; the menu shows who is
//! signed in and the active grants, counting down. The window is the desktop app,
//! `stint-app`, started on demand as a process of its own: this one never links WebKit,
//! which is what keeps it small (tests/no_webkit.rs holds it to that).
//!
//! Linux only for now: on macOS and Windows the tray and window are still one app.
#![forbid(unsafe_code)]
#![cfg_attr(not(target_os = "linux"), allow(dead_code))]

mod gdk_gl;
mod launch;
mod logging;
mod menu;
mod notify;
mod view;

#[cfg(target_os = "linux")]
mod actions;
#[cfg(target_os = "linux")]
mod announce;
#[cfg(target_os = "linux")]
mod icons;
#[cfg(target_os = "linux")]
mod run;
#[cfg(target_os = "linux")]
mod shared;
#[cfg(target_os = "linux")]
mod tray;
#[cfg(target_os = "linux")]
mod watch;

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before any thread exists: this may start the process again in place.
    if let Err(e) = gdk_gl::restart_without_gdk_gl() {
        eprintln!("warning: cannot restart without GDK's OpenGL ({e}); going on with it");
    }
    logging::init();
    run_tray()
}

#[cfg(target_os = "linux")]
fn run_tray() -> ExitCode {
    match run::run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(1)
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn run_tray() -> ExitCode {
    eprintln!(
        "error: stint-tray runs on Linux only for now; on this system the Stint app \
         (stint-app) is the tray, and `stint agent` the agent"
    );
    ExitCode::from(1)
}
