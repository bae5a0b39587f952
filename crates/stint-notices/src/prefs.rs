//! Which notifications the person wants: set in the window's Settings, kept in the app's
//! `app.toml` under `[notifications]`, and honoured by whichever program shows them.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Which notifications to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationPrefs {
    pub approved: bool,
    pub rejected: bool,
    pub active: bool,
    pub expiring: bool,
    pub ended: bool,
    /// For approvers: a new request to review.
    pub to_review: bool,
}

impl Default for NotificationPrefs {
    fn default() -> Self {
        Self {
            approved: true,
            rejected: true,
            active: true,
            expiring: true,
            ended: true,
            to_review: true,
        }
    }
}

/// The app's preferences file, `app.toml`, beside the client's `config.toml`.
pub fn app_prefs_path(config_file: &Path) -> PathBuf {
    config_file.with_file_name("app.toml")
}

/// The `[notifications]` of `app.toml`, for a program that shows notifications but does
/// not own the file (the tray): the rest of the file is the app's and is not looked at.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct NotificationsOnly {
    notifications: NotificationPrefs,
}

impl NotificationPrefs {
    /// Reads them from `app.toml` at `path`; a missing file is the defaults. An unreadable
    /// or broken file is an error that names it (the caller decides to show everything).
    pub fn read(path: &Path) -> Result<Self, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str::<NotificationsOnly>(&text)
                .map(|file| file.notifications)
                .map_err(|e| format!("{}: {}", path.display(), e.message())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_notifications_are_read_and_a_missing_file_is_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = app_prefs_path(&dir.path().join("config.toml"));
        assert_eq!(path, dir.path().join("app.toml"));
        assert_eq!(
            NotificationPrefs::read(&path).unwrap(),
            NotificationPrefs::default()
        );

        // What the app writes: other settings the tray does not know stay unread.
        std::fs::write(
            &path,
            "start_at_login = true\n\n[notifications]\nactive = false\ntoReview = false\n\n\
             [console.\"333333333333/ReadOnlyAccess\"]\nregion = \"eu-west-1\"\n",
        )
        .unwrap();
        let prefs = NotificationPrefs::read(&path).unwrap();
        assert!(!prefs.active && !prefs.to_review);
        assert!(prefs.approved && prefs.ended);

        std::fs::write(&path, "[notifications]\nactive = \"sometimes\"\n").unwrap();
        let err = NotificationPrefs::read(&path).unwrap_err();
        assert!(err.contains("app.toml"), "{err}");
    }
}
