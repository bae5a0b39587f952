//! `stint-tray`: Stint's tray icon and agent in one small process (issue 11). The agent
//! serves the `stint` CLI exactly as `stint agent` does (`stint-agent`), so the CLI's
//! `credential-process` is answered from this process's memory; the menu shows who is
//! signed in and the active grants, counting down. The window is the desktop app,
//! `stint-app`, started on demand as a process of its own: this one never links WebKit,
//! which is what keeps it small (tests/no_webkit.rs holds it to that).
//!
//! On Linux, macOS and Windows alike (`main_loop.rs` is the one part that differs); run
//! here on Linux, and on Windows under Wine (`tests/windows_wine.rs`); compiled for macOS.
// No console window on Windows release builds: it lives in the tray.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

mod actions;
mod announce;
mod clipboard;
mod icons;
mod launch;
mod logging;
mod main_loop;
mod menu;
mod notify;
mod run;
mod shared;
mod single;
mod tray;
mod view;
mod watch;

use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before any thread exists: this may start the process again in place.
    if let Err(e) = stint_startup::restart_without_gdk_gl() {
        eprintln!("warning: cannot restart without GDK's OpenGL ({e}); going on with it");
    }
    logging::init();
    match run::run() {
        Ok(()) => {
            // What a test that cannot wait for this process (started by a hand-over) reads.
            tracing::info!("tray ended");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(1)
        }
    }
}
