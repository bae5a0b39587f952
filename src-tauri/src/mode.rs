//! How this process was started: the whole app (tray and window, as on macOS and Windows),
//! or only the window, started by `stint-tray` (Linux), which is the tray and the agent
//! and never links WebKit. A window-only process makes no tray icon and ends a short
//! while after its window is closed, so that the tray's idle footprint is the tray alone.

/// The argument `stint-tray` starts the window with.
pub const WINDOW_FLAG: &str = "--window";

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
        for arg in args {
            if arg == WINDOW_FLAG {
                mode = Mode::WindowOnly;
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
}
