//! The agent's listener, which admits only the user it runs as, and the client's connect.
//! Unix: a socket file mode 0600 in an owner-only directory, and every connection's peer
//! uid (`SO_PEERCRED`, `getpeereid`) compared with ours. Windows: a named pipe that
//! refuses remote clients (see `windows.rs` for its access control).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::{Conn, Listener, connect};

#[cfg(windows)]
mod windows;
#[cfg(windows)]
pub use windows::{Conn, Listener, connect};

/// What an accepted connection turned out to be.
pub enum Accepted {
    /// The same user: serve it.
    Admitted(Conn),
    /// Another user (`peer` names it): answer with a refusal and close.
    Refused { conn: Conn, peer: String },
}
