//! The app's own preferences (which notifications, start at login), kept next to the
//! client's `config.toml` as `app.toml`. Connection settings (broker, start URL, region)
//! live in `config.toml` itself, shared with the `stint` CLI.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::view::NotificationPrefs;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppPrefs {
    pub start_at_login: bool,
    pub notifications: NotificationPrefs,
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

/// `app.toml` beside the client's configuration file.
pub fn path_beside(config_file: &Path) -> PathBuf {
    config_file.with_file_name("app.toml")
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
        };
        prefs.save(&path).unwrap();
        assert_eq!(AppPrefs::load(&path).unwrap(), prefs);
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
