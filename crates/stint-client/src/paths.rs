//! Where Stint and the AWS tools keep their files. Every location honours the variable
//! that tools already use for it, so tests and unusual setups need no special code path.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The operating systems whose conventions decide where files go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// XDG: `~/.config`, `~/.cache` (Linux and the BSDs).
    Unix,
    /// `~/Library/Application Support`, `~/Library/Caches`.
    MacOs,
    /// `%APPDATA%` (roaming settings), `%LOCALAPPDATA%` (this machine's cache).
    Windows,
}

impl Os {
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(target_os = "windows") {
            Os::Windows
        } else {
            Os::Unix
        }
    }
}

/// Every file location the client reads or writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    /// `STINT_CONFIG`, else `$XDG_CONFIG_HOME/stint/config.toml`, else the OS's place:
    /// `~/.config/stint/config.toml`, `~/Library/Application Support/stint/config.toml`,
    /// `%APPDATA%\stint\config.toml`.
    pub config_file: PathBuf,
    /// `STINT_CACHE_DIR`, else `$XDG_CACHE_HOME/stint`, else the OS's place: `~/.cache/stint`,
    /// `~/Library/Caches/stint`, `%LOCALAPPDATA%\stint`. Holds only lock files: secrets
    /// live in the keyring.
    pub cache_dir: PathBuf,
    /// `AWS_CONFIG_FILE`, else `~/.aws/config`.
    pub aws_config_file: PathBuf,
    /// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/credentials`.
    pub aws_credentials_file: PathBuf,
    /// `~/.aws/sso/cache`, where the AWS CLI and SDKs look for SSO tokens (they do not
    /// let it be moved).
    pub aws_sso_cache_dir: PathBuf,
}

impl Paths {
    /// Resolves every path from the process environment.
    pub fn from_env() -> Result<Self> {
        Self::resolve(
            |name| {
                std::env::var_os(name)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            },
            dirs::home_dir(),
        )
    }

    /// Resolves every path from `var` (an environment lookup) and the home directory, by
    /// this OS's conventions.
    pub fn resolve(var: impl Fn(&str) -> Option<PathBuf>, home: Option<PathBuf>) -> Result<Self> {
        Self::resolve_for(Os::current(), var, home)
    }

    /// As [`Paths::resolve`], by `os`'s conventions.
    pub fn resolve_for(
        os: Os,
        var: impl Fn(&str) -> Option<PathBuf>,
        home: Option<PathBuf>,
    ) -> Result<Self> {
        let home = home.ok_or(Error::NoHomeDirectory);
        let under_home = |rel: &str| -> Result<PathBuf> {
            home.as_ref()
                .map(|h| h.join(rel))
                .map_err(|_| Error::NoHomeDirectory)
        };
        let config_file = match var("STINT_CONFIG") {
            Some(path) => path,
            None => match var("XDG_CONFIG_HOME") {
                Some(dir) => dir.join("stint").join("config.toml"),
                None => match os {
                    Os::Unix => under_home(".config/stint/config.toml")?,
                    Os::MacOs => under_home("Library/Application Support/stint/config.toml")?,
                    Os::Windows => match var("APPDATA") {
                        Some(dir) => dir.join("stint").join("config.toml"),
                        None => under_home("AppData/Roaming/stint/config.toml")?,
                    },
                },
            },
        };
        let cache_dir = match var("STINT_CACHE_DIR") {
            Some(dir) => dir,
            None => match var("XDG_CACHE_HOME") {
                Some(dir) => dir.join("stint"),
                None => match os {
                    Os::Unix => under_home(".cache/stint")?,
                    Os::MacOs => under_home("Library/Caches/stint")?,
                    Os::Windows => match var("LOCALAPPDATA") {
                        Some(dir) => dir.join("stint"),
                        None => under_home("AppData/Local/stint")?,
                    },
                },
            },
        };
        Ok(Self {
            config_file,
            cache_dir,
            aws_config_file: match var("AWS_CONFIG_FILE") {
                Some(path) => path,
                None => under_home(".aws/config")?,
            },
            aws_credentials_file: match var("AWS_SHARED_CREDENTIALS_FILE") {
                Some(path) => path,
                None => under_home(".aws/credentials")?,
            },
            aws_sso_cache_dir: under_home(".aws/sso/cache")?,
        })
    }

    /// Every path under one directory: for tests and for trying Stint without touching `~`.
    pub fn under(root: &Path) -> Self {
        Self {
            config_file: root.join(".config/stint/config.toml"),
            cache_dir: root.join(".cache/stint"),
            aws_config_file: root.join(".aws/config"),
            aws_credentials_file: root.join(".aws/credentials"),
            aws_sso_cache_dir: root.join(".aws/sso/cache"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn resolve(vars: &[(&str, &str)]) -> Paths {
        resolve_on(Os::Unix, vars)
    }

    fn resolve_on(os: Os, vars: &[(&str, &str)]) -> Paths {
        let vars: HashMap<String, PathBuf> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), PathBuf::from(v)))
            .collect();
        Paths::resolve_for(
            os,
            |name| vars.get(name).cloned(),
            Some(PathBuf::from("/home/u")),
        )
        .unwrap()
    }

    #[test]
    fn macos_keeps_settings_in_application_support_and_locks_in_caches() {
        let paths = resolve_on(Os::MacOs, &[]);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/u/Library/Application Support/stint/config.toml")
        );
        assert_eq!(
            paths.cache_dir,
            PathBuf::from("/home/u/Library/Caches/stint")
        );
        // The AWS tools look in ~/.aws on every OS.
        assert_eq!(paths.aws_config_file, PathBuf::from("/home/u/.aws/config"));
        // An XDG variable the person set still wins.
        let paths = resolve_on(Os::MacOs, &[("XDG_CONFIG_HOME", "/x")]);
        assert_eq!(paths.config_file, PathBuf::from("/x/stint/config.toml"));
    }

    #[test]
    fn windows_uses_appdata_for_settings_and_localappdata_for_locks() {
        let paths = resolve_on(
            Os::Windows,
            &[("APPDATA", "/w/Roaming"), ("LOCALAPPDATA", "/w/Local")],
        );
        assert_eq!(
            paths.config_file,
            PathBuf::from("/w/Roaming/stint/config.toml")
        );
        assert_eq!(paths.cache_dir, PathBuf::from("/w/Local/stint"));
        assert_eq!(
            paths.aws_sso_cache_dir,
            PathBuf::from("/home/u/.aws/sso/cache")
        );
        let paths = resolve_on(Os::Windows, &[]);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/u/AppData/Roaming/stint/config.toml")
        );
    }

    #[test]
    fn defaults_live_under_home() {
        let paths = resolve(&[]);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/home/u/.config/stint/config.toml")
        );
        assert_eq!(paths.cache_dir, PathBuf::from("/home/u/.cache/stint"));
        assert_eq!(paths.aws_config_file, PathBuf::from("/home/u/.aws/config"));
        assert_eq!(
            paths.aws_credentials_file,
            PathBuf::from("/home/u/.aws/credentials")
        );
        assert_eq!(
            paths.aws_sso_cache_dir,
            PathBuf::from("/home/u/.aws/sso/cache")
        );
    }

    #[test]
    fn xdg_and_aws_variables_are_honoured_and_stint_config_wins() {
        let paths = resolve(&[
            ("XDG_CONFIG_HOME", "/x/config"),
            ("XDG_CACHE_HOME", "/x/cache"),
            ("AWS_CONFIG_FILE", "/a/config"),
            ("AWS_SHARED_CREDENTIALS_FILE", "/a/creds"),
        ]);
        assert_eq!(
            paths.config_file,
            PathBuf::from("/x/config/stint/config.toml")
        );
        assert_eq!(paths.cache_dir, PathBuf::from("/x/cache/stint"));
        assert_eq!(paths.aws_config_file, PathBuf::from("/a/config"));
        assert_eq!(paths.aws_credentials_file, PathBuf::from("/a/creds"));

        let paths = resolve(&[
            ("XDG_CONFIG_HOME", "/x/config"),
            ("STINT_CONFIG", "/s/stint.toml"),
        ]);
        assert_eq!(paths.config_file, PathBuf::from("/s/stint.toml"));
    }
}
