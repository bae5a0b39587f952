//! The HTTP client the broker client and the console sign-in share.

use crate::error::{Error, Result};

/// The one HTTP client of a [`crate::Stint`]: a user agent naming Stint and a connect limit.
pub(crate) fn default_client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("stint/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| Error::protocol("HTTP", format!("cannot build the HTTP client: {e}")))
}
