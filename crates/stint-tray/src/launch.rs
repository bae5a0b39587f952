//! "Open Stint…": the window is the desktop app, `stint-app --window`, started as its own
//! process (so this one never links WebKit), which ends soon after its window is closed. Found next to this executable first (an install puts
//! them together), then on `PATH`.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use stint_startup::gdk_gl;

pub const APP: &str = "stint-app";
/// `stint-app`'s argument for the window alone (its `mode.rs`; the tray must not link
/// the app, so the word is written twice; `tests/ui/test_window_process.py` fails if they
/// disagree).
pub const WINDOW_FLAG: &str = "--window";
/// Where the window opens, in `stint-app`'s words (its `mode.rs`, `destination`).
const VIEW_FLAG: &str = "--view";
const REQUEST_FLAG: &str = "--request";

/// A view of the window (`access`, `approvals`) and the request to show there: where a
/// click on a notification goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    pub view: &'static str,
    pub request_id: i64,
}

/// `stint-app`'s arguments for the window alone, opened at `to` when given.
pub fn window_args(to: Option<&Destination>) -> Vec<String> {
    let mut args = vec![WINDOW_FLAG.to_owned()];
    if let Some(to) = to {
        args.extend([
            VIEW_FLAG.to_owned(),
            to.view.to_owned(),
            REQUEST_FLAG.to_owned(),
            to.request_id.to_string(),
        ]);
    }
    args
}

/// Where `stint-app` is: beside `exe`, else in a `PATH` directory. `is_file` is asked of
/// each candidate (the file system, or a test's list).
pub fn find(
    exe: Option<&Path>,
    path_var: Option<&OsStr>,
    is_file: impl Fn(&Path) -> bool,
) -> Option<PathBuf> {
    let name = format!("{APP}{}", std::env::consts::EXE_SUFFIX);
    let beside = exe.and_then(Path::parent).map(|dir| dir.join(&name));
    let on_path = path_var
        .map(|p| std::env::split_paths(p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&name));
    beside.into_iter().chain(on_path).find(|p| is_file(p))
}

/// Starts the window, or says (for a notification) why it cannot.
pub fn open_app() -> Result<(), String> {
    open_app_at(None)
}

/// Starts the window at `to` (a running one is brought there: `stint-app` hands a second
/// launch over to the first), or says why it cannot.
pub fn open_app_at(to: Option<&Destination>) -> Result<(), String> {
    let exe = std::env::current_exe().ok();
    let path_var = std::env::var_os("PATH");
    let Some(app) = find(exe.as_deref(), path_var.as_deref(), Path::is_file) else {
        return Err(format!(
            "{APP} was found neither next to {} nor on PATH. Install Stint's desktop app, \
             or use the `stint` command.",
            exe.as_deref()
                .and_then(Path::parent)
                .map_or_else(|| "this program".to_owned(), |d| d.display().to_string())
        ));
    };
    let mut command = Command::new(&app);
    // The window alone: no tray icon of its own (this process is the tray), and it ends
    // a little after its window is closed, so the tray's idle footprint is the tray's.
    command
        .args(window_args(to))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    gdk_gl::restore_env(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", app.display()))?;
    // Reaped when it exits, so no zombie stays behind this long-running process.
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    #[cfg(unix)]
    use std::ffi::OsString;

    use super::*;

    #[cfg(unix)]
    fn exists(files: &[&str]) -> impl Fn(&Path) -> bool {
        let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
        move |p| files.iter().any(|f| f == p)
    }

    #[cfg(unix)]
    fn path(dirs: &[&str]) -> OsString {
        std::env::join_paths(dirs).unwrap()
    }

    #[test]
    fn a_destination_is_passed_in_the_apps_words() {
        assert_eq!(window_args(None), ["--window"]);
        let to = Destination {
            view: "approvals",
            request_id: 42,
        };
        assert_eq!(
            window_args(Some(&to)),
            ["--window", "--view", "approvals", "--request", "42"]
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_app_beside_the_tray_wins_over_path() {
        let found = find(
            Some(Path::new("/opt/stint/stint-tray")),
            Some(&path(&["/usr/bin"])),
            exists(&["/opt/stint/stint-app", "/usr/bin/stint-app"]),
        );
        assert_eq!(found, Some(PathBuf::from("/opt/stint/stint-app")));
    }

    #[cfg(unix)]
    #[test]
    fn else_the_first_on_path_and_else_none() {
        let on_path = find(
            Some(Path::new("/opt/stint/stint-tray")),
            Some(&path(&["/usr/local/bin", "/usr/bin"])),
            exists(&["/usr/bin/stint-app"]),
        );
        assert_eq!(on_path, Some(PathBuf::from("/usr/bin/stint-app")));
        assert_eq!(
            find(
                Some(Path::new("/opt/stint/stint-tray")),
                Some(&path(&["/usr/bin"])),
                exists(&[])
            ),
            None
        );
    }
}
