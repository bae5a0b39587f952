// No console window on Windows release builds; the app lives in the tray.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    let (mode, ignored) = stint_app::Mode::from_args(std::env::args().skip(1));
    // First, before any thread exists: on Linux the whole app becomes stint-tray here.
    if let Err(e) = stint_app::hand_over_to_tray(mode) {
        eprintln!("stint-app: {e}; running the whole app instead");
    }
    if let Err(e) = stint_app::restart_without_gdk_gl() {
        eprintln!("stint-app: could not restart without GDK's OpenGL ({e}); running with it");
    }
    if !ignored.is_empty() {
        eprintln!("stint-app: ignoring arguments it does not know: {ignored:?}");
    }
    match stint_app::run(mode) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stint-app: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
