//! Where the agent listens. On Unix a socket `agent-<session>.sock` in
//! `$XDG_RUNTIME_DIR/stint` (a per-user, memory-backed directory the session manager
//! makes), else in `<cache dir>/run`; the directory is made 0700 and refused when anyone
//! else could enter it. On Windows a named pipe `\\.\pipe\stint-agent-<user>-<session>`.
//! `STINT_AGENT_SOCKET` names the socket or pipe outright.

use std::path::PathBuf;

use sha2::{Digest, Sha256};
use stint_client::{Paths, Result};

/// The agent's address for the sso-session `session`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The socket file (Unix) or the pipe name (Windows).
    pub path: PathBuf,
}

impl Location {
    /// The address for this environment: `var` reads environment variables.
    pub fn find(paths: &Paths, session: &str, var: impl Fn(&str) -> Option<String>) -> Self {
        if let Some(path) = var("STINT_AGENT_SOCKET").filter(|v| !v.trim().is_empty()) {
            return Self {
                path: PathBuf::from(path),
            };
        }
        let name = format!("agent-{}", file_safe(session));
        if cfg!(windows) {
            let user = var("USERNAME").unwrap_or_default();
            return Self {
                path: PathBuf::from(format!(r"\\.\pipe\stint-{name}-{}", file_safe(&user))),
            };
        }
        let dir = var("XDG_RUNTIME_DIR")
            .filter(|d| !d.trim().is_empty())
            .map(|d| PathBuf::from(d).join("stint"))
            .unwrap_or_else(|| paths.cache_dir.join("run"));
        Self {
            path: dir.join(format!("{name}.sock")),
        }
    }

    pub fn from_env(paths: &Paths, session: &str) -> Self {
        Self::find(paths, session, |name| std::env::var(name).ok())
    }

    /// Makes the socket's directory, owner-only, or says why it cannot be used.
    #[cfg(unix)]
    pub fn prepare_dir(&self) -> Result<()> {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        use stint_client::Error;
        let Some(dir) = self.path.parent() else {
            return Ok(());
        };
        let io = |source| Error::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(io)?;
        let meta = std::fs::metadata(dir).map_err(io)?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(Error::InvalidInput(format!(
                "{} belongs to uid {}, not to you (uid {me}): remove it, or set STINT_AGENT_SOCKET to a path in a directory of yours",
                dir.display(),
                meta.uid()
            )));
        }
        if meta.permissions().mode() & 0o077 != 0 {
            // Ours but open to others (made by hand, say): close it.
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700)).map_err(io)?;
        }
        Ok(())
    }

    #[cfg(not(unix))]
    pub fn prepare_dir(&self) -> Result<()> {
        Ok(())
    }
}

/// The name as it is when it is short and plain, else a digest of it: socket paths are
/// limited to about 100 bytes, and a name must not climb out of the directory.
fn file_safe(name: &str) -> String {
    let plain = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain && !name.is_empty() && name.len() <= 32 {
        name.to_owned()
    } else {
        hex::encode(&Sha256::digest(name.as_bytes())[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths() -> Paths {
        Paths {
            config_file: "/h/.config/stint/config.toml".into(),
            cache_dir: "/h/.cache/stint".into(),
            aws_config_file: "/h/.aws/config".into(),
            aws_credentials_file: "/h/.aws/credentials".into(),
            aws_sso_cache_dir: "/h/.aws/sso/cache".into(),
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_runtime_dir_comes_first_then_the_cache_dir() {
        let with = Location::find(&paths(), "stint", |n| {
            (n == "XDG_RUNTIME_DIR").then(|| "/run/user/1000".to_owned())
        });
        assert_eq!(
            with.path,
            PathBuf::from("/run/user/1000/stint/agent-stint.sock")
        );
        let without = Location::find(&paths(), "stint", |_| None);
        assert_eq!(
            without.path,
            PathBuf::from("/h/.cache/stint/run/agent-stint.sock")
        );
    }

    #[cfg(unix)]
    #[test]
    fn an_odd_session_name_becomes_a_digest() {
        let odd = Location::find(&paths(), "../../etc/x", |_| None);
        let name = odd.path.file_name().unwrap().to_str().unwrap().to_owned();
        assert!(!name.contains(".."), "{name}");
        assert_eq!(name.len(), "agent-".len() + 16 + ".sock".len());
    }

    #[cfg(unix)]
    #[test]
    fn a_shared_directory_is_closed_to_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("run");
        std::fs::create_dir(&run).unwrap();
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o777)).unwrap();
        let location = Location {
            path: run.join("agent-x.sock"),
        };
        location.prepare_dir().unwrap();
        let mode = std::fs::metadata(&run).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }
}
