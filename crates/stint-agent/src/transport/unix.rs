//! The Unix socket. The file is 0600 in a 0700 directory, so the kernel already keeps
//! other users out; the peer-uid check also refuses root's processes and anything that
//! reaches the socket another way (a descriptor passed on, a directory made by hand).

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use stint_client::{Error, Result};
use tokio::net::{UnixListener, UnixStream};

use super::Accepted;
use crate::location::Location;

pub type Conn = UnixStream;

pub struct Listener {
    inner: UnixListener,
    path: PathBuf,
    uid: u32,
}

impl Listener {
    /// Binds the socket, replacing a stale one; refuses when an agent already answers there.
    pub async fn bind(location: &Location) -> Result<Self> {
        location.prepare_dir()?;
        let path = location.path.clone();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        if path.exists() {
            if UnixStream::connect(&path).await.is_ok() {
                return Err(Error::InvalidInput(format!(
                    "an agent already runs at {}: stop it with `stint agent stop`, or use it",
                    path.display()
                )));
            }
            std::fs::remove_file(&path).map_err(io)?;
        }
        let inner = UnixListener::bind(&path).map_err(io)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).map_err(io)?;
        Ok(Self {
            inner,
            path,
            uid: rustix::process::geteuid().as_raw(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn accept(&self) -> std::io::Result<Accepted> {
        let (conn, _) = self.inner.accept().await?;
        let peer = conn.peer_cred()?.uid();
        Ok(if peer == self.uid {
            Accepted::Admitted(conn)
        } else {
            Accepted::Refused {
                conn,
                peer: format!("uid {peer}"),
            }
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        // Another agent may have replaced a socket we thought stale; only remove our own.
        let _ = std::fs::remove_file(&self.path);
    }
}

pub async fn connect(location: &Location) -> std::io::Result<Conn> {
    UnixStream::connect(&location.path).await
}
