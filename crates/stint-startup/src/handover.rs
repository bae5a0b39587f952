//! Stint's desktop is two processes by default (issue 11): `stint-tray`, the tray icon and
//! the agent without WebKit, which starts `stint-app --window` (the window alone) when the
//! window is asked for. Whatever starts `stint-app` as the whole app — the menu entry, the
//! Start menu or Launchpad, "Start at login", `make demo`, a person in a terminal — gets
//! that split: `stint-app` hands over to the `stint-tray` installed beside it (the
//! installers put both in one folder: `/usr/bin`, `Stint.app/Contents/MacOS`,
//! `C:\Program Files\Stint`).
//!
//! How it hands over differs by system. On Linux and macOS the process replaces itself
//! (`exec`), keeping its process id, arguments and environment: whatever started it (a
//! session manager, launchd) still watches the process it started. Windows has no `exec`:
//! there `stint-app` starts `stint-tray` with the same arguments and environment and ends.
//!
//! `STINT_WHOLE_APP=1` keeps the whole app (tray and window in one process): the WebDriver
//! stories drive it, and `scripts/measure-app.sh --whole-app` measures it. Without a
//! `stint-tray` beside it (a `cargo build -p stint-app` alone, say) the app runs whole too,
//! so a person is never left with nothing.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// Set (to anything but empty or `0`), `stint-app` runs whole.
pub const WHOLE_APP: &str = "STINT_WHOLE_APP";
/// The tray's executable, looked for in `stint-app`'s directory.
pub const TRAY: &str = "stint-tray";

/// What [`hand_over_to_tray`] did when it returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handover {
    /// Nothing: this process goes on as the whole app.
    Stay,
    /// The tray is started as a process of its own (Windows): this one ends now.
    TrayStarted,
}

/// Whether a process hands over to the tray: only one started as the whole app does (a
/// window-only process was started by the tray, and handing over would start a second
/// tray instead of a window), only when nobody asked for the whole app in `whole_app`
/// (`STINT_WHOLE_APP`'s value), and only when the tray is there.
pub fn hands_over(whole: bool, whole_app: Option<&OsStr>, tray_beside: bool) -> bool {
    let asked_whole = whole_app.is_some_and(|v| !v.is_empty() && v != "0");
    whole && !asked_whole && tray_beside
}

/// Where the tray would be: beside `exe`.
pub fn tray_beside(exe: &Path) -> Option<PathBuf> {
    exe.parent()
        .map(|dir| dir.join(format!("{TRAY}{}", std::env::consts::EXE_SUFFIX)))
}

/// Hands this process over to `stint-tray` when [`hands_over`] says so; `whole` is whether
/// it was started as the whole app. Call first in `main`, before any thread exists (on
/// Linux, before the app's own restart without GDK's OpenGL: the tray does its own). On
/// Linux and macOS it returns only when it did nothing; on Windows with
/// [`Handover::TrayStarted`] once the tray is started. An error says why the tray could
/// not be started (the caller then runs the whole app).
pub fn hand_over_to_tray(whole: bool) -> Result<Handover, std::io::Error> {
    let Some(tray) = tray_beside(&std::env::current_exe()?) else {
        return Ok(Handover::Stay);
    };
    let whole_app = std::env::var_os(WHOLE_APP);
    if !hands_over(whole, whole_app.as_deref(), tray.is_file()) {
        return Ok(Handover::Stay);
    }
    start_tray(&tray).map_err(|error| {
        std::io::Error::new(
            error.kind(),
            format!("cannot start {}: {error}", tray.display()),
        )
    })
}

/// Replaces this process with `tray`: it returns only with why it could not.
#[cfg(unix)]
fn start_tray(tray: &Path) -> Result<Handover, std::io::Error> {
    use std::os::unix::process::CommandExt as _;

    Err(std::process::Command::new(tray)
        .args(std::env::args_os().skip(1))
        .exec())
}

/// Starts `tray` beside this process, which then ends. The tray inherits the standard
/// streams (nothing, in a release build: both are GUI programs) and is not waited for.
#[cfg(windows)]
fn start_tray(tray: &Path) -> Result<Handover, std::io::Error> {
    std::process::Command::new(tray)
        .args(std::env::args_os().skip(1))
        .spawn()?;
    Ok(Handover::TrayStarted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(value: &str) -> Option<&OsStr> {
        Some(OsStr::new(value))
    }

    #[test]
    fn the_whole_app_hands_over_to_the_tray_beside_it() {
        assert!(hands_over(true, None, true));
        // Empty and 0 read as "not asked", as a shell's `STINT_WHOLE_APP=` or `=0` means.
        assert!(hands_over(true, env(""), true));
        assert!(hands_over(true, env("0"), true));
    }

    #[test]
    fn the_opt_out_keeps_the_whole_app() {
        assert!(!hands_over(true, env("1"), true));
        assert!(!hands_over(true, env("yes"), true));
    }

    #[test]
    fn without_a_tray_beside_it_the_app_runs_whole() {
        assert!(!hands_over(true, None, false));
    }

    #[test]
    fn the_window_alone_never_hands_over() {
        assert!(!hands_over(false, None, true));
        assert!(!hands_over(false, env("1"), true));
    }

    #[test]
    fn the_tray_is_looked_for_beside_the_app() {
        let dir = Path::new("install").join("dir");
        let tray = format!("stint-tray{}", std::env::consts::EXE_SUFFIX);
        assert_eq!(tray_beside(&dir.join("stint-app")), Some(dir.join(tray)));
    }
}
