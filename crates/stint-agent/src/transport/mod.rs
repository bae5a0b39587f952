//! The agent's listener, which admits only the user it runs as, and the client's connect.
//! Unix: a socket file mode 0600 in an owner-only directory, and every connection's peer
//! uid (`SO_PEERCRED`, `getpeereid`) compared with ours. Windows: a named pipe that
//! refuses remote clients and whose DACL grants only the user the agent runs as
//! (`pipe_security.rs`, the one module where Stint allows `unsafe`).

#[cfg(unix)]
mod unix;
#[cfg(unix)]
pub use unix::{Conn, Listener, connect};

#[cfg(windows)]
mod pipe_security;
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

/// The pipe's security descriptor in SDDL: a protected DACL (nothing inherited) with one
/// entry, full control for `sid`, the user the agent runs as. Everyone else, SYSTEM and
/// administrators included, is granted nothing. Plain text, so it is tested everywhere.
#[cfg_attr(not(windows), allow(dead_code))]
fn user_only_sddl(sid: &str) -> String {
    format!("D:P(A;;GA;;;{sid})")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_pipe_grants_the_one_user_and_nobody_else() {
        let sddl = super::user_only_sddl("S-1-5-21-1-2-3-1001");
        assert_eq!(sddl, "D:P(A;;GA;;;S-1-5-21-1-2-3-1001)");
        // One access-control entry, an allow, for that SID: no Everyone (WD), no
        // administrators (BA), no SYSTEM (SY), nothing inherited (P).
        assert_eq!(sddl.matches('(').count(), 1);
        for other in ["WD", "BA", "SY", "AU", "IU"] {
            assert!(!sddl.contains(&format!(";{other})")), "{sddl}");
        }
    }
}
