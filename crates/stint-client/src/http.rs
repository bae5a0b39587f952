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
///
/// `STINT_CA_FILE` names a PEM file of certificates trusted besides the public roots: a
/// broker behind a company's own certificate authority.
pub(crate) fn default_client() -> Result<reqwest::Client> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("stint/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(CONNECT_DEADLINE);
    if let Some(path) = std::env::var_os("STINT_CA_FILE").filter(|p| !p.is_empty()) {
        let path = std::path::PathBuf::from(path);
        let pem = std::fs::read(&path).map_err(|source| Error::Io {
            path: path.clone(),
            source,
        })?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| Error::Config {
            path: path.clone(),
            message: format!("STINT_CA_FILE is not a PEM certificate bundle ({e})"),
        })?;
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| Error::protocol("HTTP", format!("cannot build the HTTP client: {e}")))
}
