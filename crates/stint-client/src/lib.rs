//! Everything a Stint client does, with no UI: the IAM Identity Center device login and
//! its silent renewal, the token store (the OS keyring), role credentials and their cache,
//! export formats, console links, the AWS CLI's files, and the broker API with its event
//! stream.
//!
//! The CLI (`stint`) and the desktop app are thin layers over [`Stint`]. This crate
//! prints nothing and knows no terminal, argument parser or UI toolkit: it returns values
//! and typed [`Error`]s, and reports progress (such as the device code to show) through
//! callbacks ([`sso::LoginHooks`]) or returned values.
//!
//! # Errors and exit codes
//!
//! Every [`Error`] reads as one line saying what happened and the command to run next.
//! [`Error::kind`] sorts errors into classes; the CLI turns them into exit codes scripts
//! can rely on:
//!
//! | code | [`ErrorKind`] | meaning |
//! | --- | --- | --- |
//! | 0 | | success |
//! | 1 | `Other` | anything else |
//! | 2 | `Usage` | bad arguments or configuration (`stint configure`) |
//! | 3 | `NotLoggedIn` | not logged in, or the Identity Center session ended (`stint login`) |
//! | 4 | `Forbidden` | not eligible, or not allowed |
//! | 5 | `NotActive` | not approved yet, or the access window ended |
//! | 6 | `Unreachable` | the broker or AWS could not be reached |
//!
//! # Where things are kept
//!
//! Tokens, client registrations, role credentials and the broker session live in the OS
//! keyring ([`store::KeyringStore`]), never in a plain file. Optionally (on by default)
//! the SSO token is also written to the AWS CLI's cache so `aws` shares the login. Lock
//! files (no secrets) are in the cache directory ([`Paths`]).
#![forbid(unsafe_code)]

mod aws_error;
pub mod aws_files;
pub mod broker;
pub mod browser;
mod client;
pub mod clock;
pub mod config;
pub mod console;
pub mod credentials;
pub mod endpoints;
mod error;
pub mod export;
mod fsutil;
pub mod http;
pub mod identity;
pub mod lock;
pub mod log_safety;
pub mod paths;
pub mod portal;
pub mod secret;
pub mod sso;
pub mod store;
pub mod target;

pub use client::{
    AccessEntry, ConsoleRequest, HeldRole, Overview, ProfileStyle, Stint, StintOptions,
};
pub use config::Config;
pub use credentials::RoleCredentials;
pub use error::{Error, ErrorKind, Result};
pub use export::ExportFormat;
pub use paths::Paths;
pub use secret::Secret;
pub use target::{RequestTarget, ResolvedTarget, Target};

/// The exit code for an error of `kind` (see the table above).
pub fn exit_code(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::Other => 1,
        ErrorKind::Usage => 2,
        ErrorKind::NotLoggedIn => 3,
        ErrorKind::Forbidden => 4,
        ErrorKind::NotActive => 5,
        ErrorKind::Unreachable => 6,
    }
}
