// No console window on Windows release builds; the app lives in the tray.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
#![forbid(unsafe_code)]

fn main() -> std::process::ExitCode {
    #[cfg(target_os = "linux")]
    without_gdk_gl();
    match stint_app::run() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stint-app: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// GTK opens an OpenGL context at start (Mesa and its LLVM: about 30 MB) that a tray
/// and one small window never need. `GDK_GL=disable` must be in the environment before
/// GTK starts, and setting it in-process is unsafe, so the app starts itself again with
/// it, once. Someone who sets GDK_GL themselves keeps their choice.
#[cfg(target_os = "linux")]
fn without_gdk_gl() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("GDK_GL").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let err = std::process::Command::new(exe)
        .args(std::env::args_os().skip(1))
        .env("GDK_GL", "disable")
        .exec();
    // Only returns on failure: carry on with GL rather than not at all.
    eprintln!("stint-app: could not restart without GDK OpenGL ({err}); continuing");
}
