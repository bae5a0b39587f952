//! The tray runs without GDK's OpenGL on Linux. GDK opens OpenGL on X11 as soon as it
//! starts, only to choose its visuals: Mesa and LLVM, about 50 MB RSS for the tray's whole
//! life, in a process that draws nothing but a menu (measured: 82 MB RSS with it, 26 MB
//! without, for a bare tray). The app (src-tauri/src/software_rendering.rs) does the same
//! for its own process; this is the tray's copy, because the tray must not link the app.
//!
//! Whoever sets `GDK_GL` themselves (to anything: empty gives OpenGL back) is obeyed. GDK
//! reads it once, at start, and changing the environment of a running process is unsafe
//! (which the workspace forbids), so the tray starts itself again in place (`exec`: same
//! process id, same arguments) with the variable set, and takes it back out of what it
//! starts (the window, browsers).

use std::process::Command;

const GDK_GL: &str = "GDK_GL";
/// Tells the restarted tray, and nothing else, that `GDK_GL` is Stint's doing.
const SET_BY_STINT: &str = "STINT_SET_GDK_GL";

/// Replaces this process with itself without GDK's OpenGL, unless `GDK_GL` is already
/// set. Call first in `main`, before any thread exists. Returns only when it did
/// nothing, or when `exec` failed (the tray then runs with OpenGL).
#[cfg(target_os = "linux")]
pub fn restart_without_gdk_gl() -> Result<(), std::io::Error> {
    use std::os::unix::process::CommandExt as _;

    if std::env::var_os(GDK_GL).is_some() {
        return Ok(());
    }
    let exe = std::env::current_exe()?;
    let mut args = std::env::args_os();
    let mut command = Command::new(exe);
    if let Some(arg0) = args.next() {
        command.arg0(arg0);
    }
    Err(command
        .args(args)
        .env(GDK_GL, "disable")
        .env(SET_BY_STINT, "1")
        .exec())
}

#[cfg(not(target_os = "linux"))]
pub fn restart_without_gdk_gl() -> Result<(), std::io::Error> {
    Ok(())
}

/// Gives a program the tray starts the environment the person started the tray with.
pub fn restore_env(command: &mut Command) -> &mut Command {
    restore_env_if(command, std::env::var_os(SET_BY_STINT).is_some())
}

fn restore_env_if(command: &mut Command, set_by_stint: bool) -> &mut Command {
    if set_by_stint {
        command.env_remove(GDK_GL).env_remove(SET_BY_STINT);
    }
    command
}

#[cfg(test)]
mod tests {
    use std::ffi::OsStr;

    use super::*;

    fn removed(command: &Command) -> Vec<&OsStr> {
        command
            .get_envs()
            .filter(|(_, value)| value.is_none())
            .map(|(key, _)| key)
            .collect()
    }

    #[test]
    fn takes_out_only_what_stint_put_in() {
        let mut command = Command::new("stint-app");
        restore_env_if(&mut command, true);
        assert_eq!(
            removed(&command),
            [OsStr::new(GDK_GL), OsStr::new(SET_BY_STINT)]
        );
        let mut command = Command::new("stint-app");
        restore_env_if(&mut command, false);
        assert!(removed(&command).is_empty());
    }
}
