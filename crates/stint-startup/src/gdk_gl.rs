//! Stint's desktop programs run without GDK's OpenGL on Linux. GDK opens OpenGL on X11 as
//! soon as it starts, only to choose its visuals: Mesa and LLVM, resident for the whole
//! life of a process that draws a menu (the tray: 82 MB RSS with it, 26 MB without, for a
//! bare tray) or a few forms that WebKit draws well without a GPU (the app: about 30 MB PSS,
//! 50 MB RSS).
//!
//! Whoever sets `GDK_GL` themselves (to anything: empty gives OpenGL back) is obeyed. GDK
//! reads the variable once, at start, and changing the environment of a running process is
//! unsafe (which the workspace forbids), so the program starts itself again in place
//! (`exec`: same process id, same arguments) with the variable set, and takes it back out
//! of what it starts (the window, browsers).

use std::process::Command;

const GDK_GL: &str = "GDK_GL";
/// Tells the restarted program, and nothing else, that `GDK_GL` is Stint's doing.
const SET_BY_STINT: &str = "STINT_SET_GDK_GL";

/// Replaces this process with itself without GDK's OpenGL, unless `GDK_GL` is already
/// set. Call first in `main`, before any thread or window exists (after the app's
/// hand-over: the tray does its own, so there is one `exec`, not two). Returns only when
/// it did nothing, or when `exec` failed (the program then runs with OpenGL).
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

/// Whether this process runs with the `GDK_GL` it set for itself.
pub fn set_by_stint() -> bool {
    std::env::var_os(SET_BY_STINT).is_some()
}

/// Gives a program this one starts the environment the person started this one with.
pub fn restore_env(command: &mut Command) -> &mut Command {
    restore_env_if(command, set_by_stint())
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
        let mut command = Command::new("xdg-open");
        restore_env_if(&mut command, true);
        assert_eq!(
            removed(&command),
            [OsStr::new(GDK_GL), OsStr::new(SET_BY_STINT)]
        );
    }

    #[test]
    fn leaves_a_gdk_gl_the_person_set() {
        let mut command = Command::new("xdg-open");
        restore_env_if(&mut command, false);
        assert_eq!(command.get_envs().count(), 0);
    }
}
