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

/// GDK opens OpenGL when it starts on X11 (to pick its visuals), which maps Mesa's driver
/// and LLVM into a process that, as a tray, never draws with GL: about 50 MB of RSS and
/// 30 MB of PSS, measured (scripts/measure-app.sh). WebKit sets up its own GL for the
/// page when the window opens, so the window still renders. `GDK_GL=disable` has to be in
/// the environment before GTK starts, and changing our own environment is unsafe code, so
/// the app starts itself again with it, once, same process id and arguments. Only on X11:
/// GDK on Wayland opens GL lazily, so there is nothing to save there. Whoever sets GDK_GL
/// themselves keeps their choice.
#[cfg(target_os = "linux")]
fn without_gdk_gl() {
    use std::os::unix::process::CommandExt;
    let var = |name| std::env::var_os(name).filter(|v| !v.is_empty());
    let x11 = var("DISPLAY").is_some()
        && (var("WAYLAND_DISPLAY").is_none()
            || var("GDK_BACKEND").is_some_and(|b| b.to_string_lossy().starts_with("x11")));
    if !x11 || std::env::var_os("GDK_GL").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let mut command = std::process::Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    let err = command.args(args).env("GDK_GL", "disable").exec();
    // exec only returns on failure: carry on with GL rather than not at all.
    eprintln!("stint-app: could not restart without GDK OpenGL ({err}); continuing");
}
