//! The agent's listener, which admits only the user it runs as, and the client's connect.
//! Unix: a socket file mode 0600 in an owner-only directory, and every connection's peer
//! uid (`SO_PEERCRED`, `getpeereid`) compared with ours. Windows: a named pipe that
//! refuses remote clients and whose DACL grants only the user the agent runs as
//! (`pipe_security.rs`, the one module where Stint allows `unsafe`). Anyone may create a
//! pipe of any name first, so there the client also checks who serves the pipe it opened
//! before sending anything (`ServedByAnother`).

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

/// The agent's address is served by a process of another user (or one whose user cannot
/// be read): not the agent, whatever it answers. Nothing is sent to it; the CLI says so
/// and works without the agent. Travels inside the `io::Error` that `connect` returns.
#[derive(Debug)]
pub struct ServedByAnother(pub String);

impl std::fmt::Display for ServedByAnother {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ServedByAnother {}

/// Whether the process serving the agent's pipe is ours: `server` is its pid and user
/// (SID), or why they could not be read; `own` is our SID. Plain text, so it is tested
/// everywhere.
#[cfg_attr(not(windows), allow(dead_code))]
fn check_server(
    pipe: &str,
    own: &str,
    server: Result<(u32, String), std::io::Error>,
) -> std::io::Result<()> {
    let why = match server {
        Ok((_, sid)) if sid == own => return Ok(()),
        Ok((pid, sid)) => format!(
            "{pipe} is served by process {pid}, which runs as {sid}, not as you ({own}): \
             another program holds the agent's name. stint will not talk to it; end that \
             process (`tasklist /fi \"PID eq {pid}\"` names it), then start the agent again"
        ),
        Err(e) => format!(
            "cannot tell which user serves {pipe} ({e}), so stint will not talk to it: it \
             may be another user's program holding the agent's name"
        ),
    };
    Err(std::io::Error::new(
        std::io::ErrorKind::PermissionDenied,
        ServedByAnother(why),
    ))
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
    use super::{ServedByAnother, check_server};

    const PIPE: &str = r"\\.\pipe\stint-agent-work-alice";
    const ALICE: &str = "S-1-5-21-1-2-3-1001";

    fn refusal(server: Result<(u32, String), std::io::Error>) -> String {
        let e = check_server(PIPE, ALICE, server).expect_err("refused");
        assert_eq!(e.kind(), std::io::ErrorKind::PermissionDenied);
        let inner = e.get_ref().expect("carries the reason");
        assert!(inner.is::<ServedByAnother>(), "{inner:?}");
        inner.to_string()
    }

    #[test]
    fn the_client_talks_to_a_pipe_served_by_its_own_user_only() {
        check_server(PIPE, ALICE, Ok((4242, ALICE.to_owned()))).expect("ours");

        let squatter = refusal(Ok((4243, "S-1-5-21-1-2-3-1002".to_owned())));
        assert!(squatter.contains(PIPE), "{squatter}");
        assert!(squatter.contains("process 4243"), "{squatter}");
        assert!(
            squatter.contains("runs as S-1-5-21-1-2-3-1002, not as you (S-1-5-21-1-2-3-1001)"),
            "{squatter}"
        );
        assert!(squatter.contains("will not talk to it"), "{squatter}");

        // A SID that merely starts like ours is another user.
        refusal(Ok((4244, format!("{ALICE}0"))));

        // Unreadable (another user's process denies the query): refused as well.
        let unknown = refusal(Err(std::io::Error::from(
            std::io::ErrorKind::PermissionDenied,
        )));
        assert!(
            unknown.contains("cannot tell which user serves"),
            "{unknown}"
        );
    }

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
