// No console window on Windows release builds; the app lives in the tray.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

use std::process::ExitCode;

use stint_startup::Handover;

fn main() -> ExitCode {
    let (mode, ignored) = stint_app::Mode::from_args(std::env::args().skip(1));
    // First, before any thread exists: the whole app becomes the stint-tray beside it
    // (in place on Linux and macOS; on Windows the tray is started and this ends).
    match stint_startup::hand_over_to_tray(mode == stint_app::Mode::Whole) {
        Ok(Handover::TrayStarted) => return ExitCode::SUCCESS,
        Ok(Handover::Stay) => {}
        Err(e) => eprintln!("stint-app: {e}; running the whole app instead"),
    }
    if let Err(e) = stint_startup::restart_without_gdk_gl() {
        eprintln!("stint-app: could not restart without GDK's OpenGL ({e}); running with it");
    }
    if !ignored.is_empty() {
        eprintln!("stint-app: ignoring arguments it does not know: {ignored:?}");
    }
    match stint_app::run(mode) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stint-app: {e:#}");
            ExitCode::FAILURE
        }
    }
}
