//! On Linux, Stint is two processes by default (issue 11): `stint-tray`, the tray icon and
//! the agent without WebKit, which starts this app as the window alone (`--window`) when
//! the window is asked for. Whatever starts `stint-app` as the whole app (the menu entry,
//! "Start at login", `make demo`, a person in a terminal) gets that split: this process
//! replaces itself with the `stint-tray` installed beside it, keeping its process id, its
//! other arguments and its environment.
//!
//! `STINT_WHOLE_APP=1` keeps the whole app (tray and window in one process, as on macOS
//! and Windows): the WebDriver stories drive it, and `scripts/measure-app.sh` measures it.
//! Without a `stint-tray` beside it (a `cargo build -p stint-app` alone, say) the app runs
//! whole too, so a person is never left with nothing.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

use crate::mode::Mode;

/// Set (to anything but empty or `0`), `stint-app` runs whole on Linux too.
pub const WHOLE_APP: &str = "STINT_WHOLE_APP";
/// The tray's executable, looked for in this executable's directory.
pub const TRAY: &str = "stint-tray";

/// Whether a process started in `mode` hands over to the tray: only the whole app does
/// (a window-only process was started by the tray), only when nobody asked for the whole
/// app in `whole_app` (`STINT_WHOLE_APP`'s value), and only when the tray is there.
pub fn hands_over(mode: Mode, whole_app: Option<&OsStr>, tray_beside: bool) -> bool {
    let asked_whole = whole_app.is_some_and(|v| !v.is_empty() && v != "0");
    mode == Mode::Whole && !asked_whole && tray_beside
}

/// Where the tray would be: beside `exe`.
pub fn tray_beside(exe: &Path) -> Option<PathBuf> {
    exe.parent()
        .map(|dir| dir.join(format!("{TRAY}{}", std::env::consts::EXE_SUFFIX)))
}

/// Replaces this process with `stint-tray` when [`hands_over`] says so. Call first in
/// `main`, before any thread exists (and before the app's own restart without GDK's
/// OpenGL: the tray does its own, so there is one `exec` here, not two). Returns only when
/// it did nothing, or with why the `exec` failed (the caller then runs the whole app).
#[cfg(target_os = "linux")]
pub fn hand_over_to_tray(mode: Mode) -> Result<(), std::io::Error> {
    use std::os::unix::process::CommandExt as _;

    let Some(tray) = tray_beside(&std::env::current_exe()?) else {
        return Ok(());
    };
    let whole_app = std::env::var_os(WHOLE_APP);
    if !hands_over(mode, whole_app.as_deref(), tray.is_file()) {
        return Ok(());
    }
    let error = std::process::Command::new(&tray)
        .args(std::env::args_os().skip(1))
        .exec();
    Err(std::io::Error::new(
        error.kind(),
        format!("cannot start {}: {error}", tray.display()),
    ))
}

#[cfg(not(target_os = "linux"))]
pub fn hand_over_to_tray(_mode: Mode) -> Result<(), std::io::Error> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: &str) -> Option<&OsStr> {
        Some(OsStr::new(value))
    }

    #[test]
    fn the_whole_app_hands_over_to_the_tray_beside_it() {
        assert!(hands_over(Mode::Whole, None, true));
        // Empty and 0 read as "not asked", as a shell's `STINT_WHOLE_APP=` or `=0` means.
        assert!(hands_over(Mode::Whole, env(""), true));
        assert!(hands_over(Mode::Whole, env("0"), true));
    }

    #[test]
    fn the_opt_out_keeps_the_whole_app() {
        assert!(!hands_over(Mode::Whole, env("1"), true));
        assert!(!hands_over(Mode::Whole, env("yes"), true));
    }

    #[test]
    fn without_a_tray_beside_it_the_app_runs_whole() {
        assert!(!hands_over(Mode::Whole, None, false));
    }

    #[test]
    fn the_window_alone_never_hands_over() {
        // The tray started it: handing over would start a second tray, not a window.
        assert!(!hands_over(Mode::WindowOnly, None, true));
        assert!(!hands_over(Mode::WindowOnly, env("1"), true));
    }

    #[cfg(unix)]
    #[test]
    fn the_tray_is_looked_for_beside_the_app() {
        assert_eq!(
            tray_beside(Path::new("/usr/bin/stint-app")),
            Some(PathBuf::from("/usr/bin/stint-tray"))
        );
    }
}
