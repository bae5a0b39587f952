//! The app's own preferences (which notifications, start at login, where Open console
//! went last for each role), kept next to the client's `config.toml` as `app.toml`. Connection settings (broker, start URL, region)
//! live in `config.toml` itself, shared with the `stint` CLI.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::view::{ConsoleChoice, NotificationPrefs, RoleKey};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppPrefs {
    pub start_at_login: bool,
    pub notifications: NotificationPrefs,
    /// The last console destination chosen per role, keyed `<account id>/<permission set>`
    /// (a setting, not a secret: it lives here, not in the keyring).
    pub console: BTreeMap<String, ConsoleChoice>,
}

impl AppPrefs {
    /// Where Open console went last for `role` (the defaults when never chosen).
    pub fn console_for(&self, role: &RoleKey) -> ConsoleChoice {
        self.console
            .get(&console_key(role))
            .cloned()
            .unwrap_or_default()
    }

    /// Remembers `choice` for `role`; the defaults are remembered by forgetting.
    pub fn remember_console(&mut self, role: &RoleKey, choice: ConsoleChoice) {
        if choice == ConsoleChoice::default() {
            self.console.remove(&console_key(role));
        } else {
            self.console.insert(console_key(role), choice);
        }
    }
}

fn console_key(role: &RoleKey) -> String {
    format!("{}/{}", role.account_id, role.permission_set)
}

#[derive(Debug, thiserror::Error)]
pub enum PrefsError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{}: {message}; fix or delete the file", path.display())]
    Parse { path: PathBuf, message: String },
}

impl AppPrefs {
    /// A missing file is the defaults.
    pub fn load(path: &Path) -> Result<Self, PrefsError> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| PrefsError::Parse {
                path: path.to_owned(),
                message: e.message().to_owned(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(PrefsError::Io {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// Writes through a temporary file so a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<(), PrefsError> {
        let io = |source| PrefsError::Io {
            path: path.to_owned(),
            source,
        };
        let text = toml::to_string_pretty(self).map_err(|e| PrefsError::Parse {
            path: path.to_owned(),
            message: e.to_string(),
        })?;
        let dir = path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(io)?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(
            &tmp,
            format!("# Stint app preferences; the app writes this file.\n\n{text}"),
        )
        .map_err(io)?;
        std::fs::rename(&tmp, path).map_err(io)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_default_and_saving_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("stint/app.toml");
        assert_eq!(AppPrefs::load(&path).unwrap(), AppPrefs::default());
        let prefs = AppPrefs {
            start_at_login: true,
            notifications: NotificationPrefs {
                to_review: false,
                ..Default::default()
            },
            ..Default::default()
        };
        prefs.save(&path).unwrap();
        assert_eq!(AppPrefs::load(&path).unwrap(), prefs);
    }

    #[test]
    fn the_console_choice_is_kept_per_role_and_forgotten_when_default() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.toml");
        let prod = RoleKey {
            account_id: "333333333333".into(),
            permission_set: "ReadOnlyAccess".into(),
        };
        let dev = RoleKey {
            account_id: "555555555555".into(),
            permission_set: "ReadOnlyAccess".into(),
        };
        let s3 = ConsoleChoice {
            region: Some("eu-west-1".into()),
            service: Some("s3".into()),
        };
        let mut prefs = AppPrefs::default();
        prefs.remember_console(&prod, s3.clone());
        prefs.save(&path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.contains("[console.\"333333333333/ReadOnlyAccess\"]"),
            "{text}"
        );
        let mut read = AppPrefs::load(&path).unwrap();
        assert_eq!(read.console_for(&prod), s3);
        assert_eq!(read.console_for(&dev), ConsoleChoice::default());
        read.remember_console(&prod, ConsoleChoice::default());
        assert!(read.console.is_empty());
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.toml");
        std::fs::write(&path, "[notifications]\nexpiring = false\n").unwrap();
        let prefs = AppPrefs::load(&path).unwrap();
        assert!(!prefs.notifications.expiring);
        assert!(prefs.notifications.approved);
        assert!(!prefs.start_at_login);
    }

    #[test]
    fn a_broken_file_names_itself() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.toml");
        std::fs::write(&path, "start_at_login = \"sometimes\"\n").unwrap();
        let err = AppPrefs::load(&path).unwrap_err().to_string();
        assert!(err.contains("app.toml"), "{err}");
    }
}
