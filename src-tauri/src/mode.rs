//! How this process was started: the whole app (tray and window in one process, which
//! hands over to `stint-tray` unless `STINT_WHOLE_APP` is set: `stint-startup`), or only
//! the window, started by `stint-tray`, which is the tray and the agent and never links
//! WebKit. A window-only process makes no tray icon and ends a short
//! while after its window is closed, so that the tray's idle footprint is the tray alone.

use crate::view::{Navigate, View};

/// The argument `stint-tray` starts the window with.
pub const WINDOW_FLAG: &str = "--window";
/// Where the window opens (`--view approvals --request 42`): what a click on one of the
/// tray's notifications asks for. `stint-tray`'s `launch.rs` writes the same words.
pub const VIEW_FLAG: &str = "--view";
pub const REQUEST_FLAG: &str = "--request";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Tray and window in one process; closing the window hides it.
    Whole,
    /// The window alone; closing it ends the process.
    WindowOnly,
}

impl Mode {
    /// The mode the arguments ask for. Other arguments are ignored with a warning rather
    /// than refused: a desktop may pass its own, and the app must still start.
    pub fn from_args(args: impl IntoIterator<Item = String>) -> (Self, Vec<String>) {
        let mut mode = Mode::Whole;
        let mut ignored = Vec::new();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == WINDOW_FLAG {
                mode = Mode::WindowOnly;
            } else if arg == VIEW_FLAG || arg == REQUEST_FLAG {
                // Read by `destination`; its value goes with it.
                args.next();
            } else {
                ignored.push(arg);
            }
        }
        (mode, ignored)
    }

    pub fn has_tray(self) -> bool {
        self == Mode::Whole
    }
}

/// Where the arguments ask the window to open: `--view` names one of the window's views
/// (`access`, `approvals`, …), `--request` the request to show there; the person's access
/// when they do not say. An unknown view or a request that is not a number is reported
/// and left out: the window still opens.
pub fn destination(args: impl IntoIterator<Item = String>) -> Navigate {
    let mut view = None;
    let mut request_id = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        if arg == VIEW_FLAG {
            let value = args.next().unwrap_or_default();
            match serde_json::from_value::<View>(serde_json::Value::String(value.clone())) {
                Ok(v) => view = Some(v),
                Err(_) => tracing::warn!(view = %value, "no such view; opening the default one"),
            }
        } else if arg == REQUEST_FLAG {
            let value = args.next().unwrap_or_default();
            match value.parse::<i64>() {
                Ok(id) => request_id = Some(id),
                Err(_) => tracing::warn!(request = %value, "not a request id; ignored"),
            }
        }
    }
    Navigate {
        view: view.unwrap_or(View::Access),
        request_id,
        ask: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn no_arguments_is_the_whole_app() {
        assert_eq!(Mode::from_args(args(&[])), (Mode::Whole, vec![]));
        assert!(Mode::Whole.has_tray());
    }

    #[test]
    fn the_window_flag_is_the_window_alone_and_others_are_reported() {
        let (mode, ignored) = Mode::from_args(args(&["-psn_0_1", WINDOW_FLAG]));
        assert_eq!(mode, Mode::WindowOnly);
        assert!(!mode.has_tray());
        assert_eq!(ignored, args(&["-psn_0_1"]));
    }

    #[test]
    fn a_notification_opens_the_window_at_its_request() {
        let given = args(&[WINDOW_FLAG, VIEW_FLAG, "approvals", REQUEST_FLAG, "42"]);
        assert_eq!(Mode::from_args(given.clone()), (Mode::WindowOnly, vec![]));
        assert_eq!(
            destination(given),
            Navigate {
                view: View::Approvals,
                request_id: Some(42),
                ask: None,
            }
        );
        assert_eq!(destination(args(&[WINDOW_FLAG])).view, View::Access);
    }

    #[test]
    fn a_wrong_destination_still_opens_the_window() {
        let nowhere = destination(args(&[VIEW_FLAG, "nowhere", REQUEST_FLAG, "7"]));
        assert_eq!((nowhere.view, nowhere.request_id), (View::Access, Some(7)));
        let bad_id = destination(args(&[VIEW_FLAG, "approvals", REQUEST_FLAG, "seven"]));
        assert_eq!((bad_id.view, bad_id.request_id), (View::Approvals, None));
    }
}
