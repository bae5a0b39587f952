//! The Stint agent. On a person's machine one long-running process — the tray app when
//! it runs, `stint agent` without a desktop — holds the login, the broker session, the
//! grant state (kept current by the broker's event stream) and role credentials in
//! memory, and answers the `stint` CLI over a local socket only the same user can open.
//! A warm `credential-process` answered here touches neither the network nor the keyring.
//!
//! - [`protocol`]: the wire format, typed in one place (length-prefixed JSON, versioned).
//! - [`location`]: where the socket (or named pipe) lives.
//! - [`transport`]: the listener that admits only the same user, per OS.
//! - [`grants`]: the person's active grants, as the event stream says.
//! - [`overview`]: what `stint ls` shows, read again whenever the event stream says it changed.
//! - [`service`]: what the agent answers; [`serve`]: the accept loop and the stream follower.
//! - [`client`]: how the CLI asks, and falls back when no agent answers.
//!
//! The crate knows nothing of Tauri or clap: the app embeds [`serve::run`] as the CLI does.
// `deny`, not `forbid` as in every other crate: `transport::pipe_security` (Windows only)
// is the one module allowed `unsafe`, for the named pipe's user-only DACL.
#![deny(unsafe_code)]

pub mod client;
pub mod grants;
pub mod location;
pub mod overview;
pub mod protocol;
pub mod serve;
pub mod service;
pub mod transport;

pub use client::{AgentClient, Asked};
pub use serve::{AgentHandle, run};
