//! One HTTP delivery: the body serialized once, signed, and POSTed with a timeout.

use std::time::Duration;

use reqwest::StatusCode;
use url::Url;

use super::WebhookError;
use super::notice::Notice;
use super::signature::{KIND_HEADER, SEQ_HEADER, SIGNATURE_HEADER, sign};
use crate::config::Secret;

/// How one attempt went.
#[derive(Debug)]
pub(super) enum Outcome {
    /// A 2xx: the receiver has it.
    Delivered(StatusCode),
    /// Any other status: tried again later.
    Refused(StatusCode),
    /// No answer (connection refused, timeout, TLS): tried again later.
    Unreachable(String),
}

pub(super) struct Sender {
    http: reqwest::Client,
    secret: Secret,
}

/// What logs may say about a receiver: its origin. The path and query may carry a token
/// (chat webhooks do), so they are never printed.
pub fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

impl Sender {
    pub(super) fn new(secret: Secret, timeout: Duration) -> Result<Sender, WebhookError> {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(timeout)
            // A receiver that redirects is misconfigured; following it would send the
            // signed body somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("stint-broker/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| WebhookError::Client(e.without_url().to_string()))?;
        Ok(Sender { http, secret })
    }

    pub(super) async fn send(&self, url: &Url, notice: &Notice) -> Result<Outcome, WebhookError> {
        let body = serde_json::to_vec(notice).map_err(|e| WebhookError::Encode(e.to_string()))?;
        let signature = sign(self.secret.expose().as_bytes(), &body);
        let sent = self
            .http
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(SIGNATURE_HEADER, signature)
            .header(SEQ_HEADER, notice.seq.to_string())
            .header(KIND_HEADER, notice.kind.as_str())
            .body(body)
            .send()
            .await;
        Ok(match sent {
            Ok(response) if response.status().is_success() => Outcome::Delivered(response.status()),
            Ok(response) => Outcome::Refused(response.status()),
            // reqwest's messages name the URL; the origin is logged separately.
            Err(e) => Outcome::Unreachable(e.without_url().to_string()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_hides_path_and_query() {
        let url =
            Url::parse("https://hooks.example.com:8443/services/T0/B0/secret-token?k=v").unwrap();
        assert_eq!(origin(&url), "https://hooks.example.com:8443");
    }
}
