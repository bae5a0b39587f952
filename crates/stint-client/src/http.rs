//! The HTTP client the broker client and the console sign-in share, and the deadlines
//! every network call of the client keeps.

use std::time::Duration;

use crate::error::{Error, Result};

/// How long one HTTP call may take in all: connecting, TLS, sending, and reading the whole
/// answer. A broker or endpoint that accepts and never answers costs this, not forever.
pub const CALL_DEADLINE: Duration = Duration::from_secs(10);

/// How long connecting (TCP and TLS) may take; also part of [`CALL_DEADLINE`].
pub const CONNECT_DEADLINE: Duration = Duration::from_secs(5);

/// An open event stream that delivers nothing, not even the broker's keep-alive comment
/// (every 15 s), for this long is dead and is reconnected.
pub const STREAM_IDLE_DEADLINE: Duration = Duration::from_secs(45);

/// The one HTTP client of a [`crate::Stint`]: a user agent naming Stint and a connect limit.
/// The total deadline is set per request ([`CALL_DEADLINE`]), because the event stream
/// shares this client and lives for hours.
pub(crate) fn default_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("stint/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_DEADLINE)
        .build()
        .map_err(|e| Error::protocol("HTTP", format!("cannot build the HTTP client: {e}")))
}
