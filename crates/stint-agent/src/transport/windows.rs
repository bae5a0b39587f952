//! The Windows named pipe. Remote clients are refused (`reject_remote_clients`), the
//! first instance must be ours (`first_pipe_instance`), so another program cannot squat
//! the name before the agent starts, and every instance is created with a DACL that grants
//! only the user the agent runs as (`pipe_security`): another local user cannot open it.
//! A client checks that the pipe it opened is served by its own user before it writes a
//! byte: a pipe made first by another user (squatting the name while no agent ran) is
//! refused, whatever it would answer.

use std::path::{Path, PathBuf};

use stint_client::{Error, Result};
use tokio::net::windows::named_pipe::{
    ClientOptions, NamedPipeClient, NamedPipeServer, ServerOptions,
};
use tokio::sync::Mutex;

use super::Accepted;
use super::pipe_security::{self, UserOnly};
use crate::location::Location;

pub enum Conn {
    Server(NamedPipeServer),
    Client(NamedPipeClient),
}

pub struct Listener {
    next: Mutex<NamedPipeServer>,
    path: PathBuf,
    security: UserOnly,
}

impl Listener {
    pub async fn bind(location: &Location) -> Result<Self> {
        let path = location.path.clone();
        let io = |source| Error::Io {
            path: path.clone(),
            source,
        };
        let security = UserOnly::new().map_err(io)?;
        let first = security
            .create(
                ServerOptions::new()
                    .first_pipe_instance(true)
                    .reject_remote_clients(true),
                &path,
            )
            .map_err(io)?;
        Ok(Self {
            next: Mutex::new(first),
            path,
            security,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub async fn accept(&self) -> std::io::Result<Accepted> {
        let mut next = self.next.lock().await;
        next.connect().await?;
        let fresh = self
            .security
            .create(ServerOptions::new().reject_remote_clients(true), &self.path)?;
        let connected = std::mem::replace(&mut *next, fresh);
        Ok(Accepted::Admitted(Conn::Server(connected)))
    }
}

pub async fn connect(location: &Location) -> std::io::Result<Conn> {
    let client = ClientOptions::new().open(&location.path)?;
    let own = pipe_security::current_user_sid()?;
    super::check_server(
        &location.path.display().to_string(),
        &own,
        pipe_security::server_user(&client),
    )?;
    Ok(Conn::Client(client))
}

impl tokio::io::AsyncRead for Conn {
    fn poll_read(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Server(s) => std::pin::Pin::new(s).poll_read(cx, buf),
            Conn::Client(c) => std::pin::Pin::new(c).poll_read(cx, buf),
        }
    }
}

impl tokio::io::AsyncWrite for Conn {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        match self.get_mut() {
            Conn::Server(s) => std::pin::Pin::new(s).poll_write(cx, buf),
            Conn::Client(c) => std::pin::Pin::new(c).poll_write(cx, buf),
        }
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Server(s) => std::pin::Pin::new(s).poll_flush(cx),
            Conn::Client(c) => std::pin::Pin::new(c).poll_flush(cx),
        }
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        match self.get_mut() {
            Conn::Server(s) => std::pin::Pin::new(s).poll_shutdown(cx),
            Conn::Client(c) => std::pin::Pin::new(c).poll_shutdown(cx),
        }
    }
}
