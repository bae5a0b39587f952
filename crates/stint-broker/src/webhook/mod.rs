//! Outbound webhooks: the policy's `settings.webhook_url` is POSTed a signed JSON notice for
//! every audit event of interest — a request created, approved (or auto-approved),
//! rejected, cancelled, expired, active, ended, revoked, failed, repaired or extended, and
//! any drift reconciliation finds.
//!
//! Delivery is at least once and in audit order. The notifier follows the audit log with
//! a cursor row in the database (the last seq delivered), advanced only after the receiver
//! answers 2xx; anything else is retried with capped, jittered backoff, forever, and the
//! events behind it wait. After a restart it resumes from the cursor, so nothing is lost;
//! a delivery cut off between the receiver's 2xx and the cursor's write is sent again,
//! which is why receivers deduplicate on `seq`. The notifier runs beside the engine and
//! never blocks it: the engine only writes audit events, as it always does.
//!
//! With several replicas on PostgreSQL one delivers at a time: the cursor row carries a
//! lease, renewed before every attempt; a replica that stops renewing (crashed, cut off)
//! is replaced once its lease runs out, and the new holder resumes from the cursor.
//!
//! Each delivery is `POST <webhook_url>` with `Content-Type: application/json`, the body a
//! [`Notice`], and the headers `X-Stint-Signature: sha256=<hex HMAC-SHA256 of the body
//! with webhook_secret>`, `X-Stint-Event-Seq: <seq>` and `X-Stint-Event: <kind>`. Without
//! a `webhook_secret` in the broker's config nothing is sent (an unsigned notice could be
//! forged by anyone who can reach the receiver); the broker says so in its log, and the
//! events wait for the secret.
//!
//! The cursor belongs to one receiver (it stores the SHA-256 of the URL, never the URL,
//! which may carry a token): a new or changed `webhook_url` starts at the events recorded
//! from then on, not the whole history. While `webhook_url` is unset nothing is sent; set
//! back to the same URL, the receiver gets what it missed.

mod notice;
mod notifier;
mod sender;
mod signature;

pub use notice::{AssignmentRef, Notice, is_delivered};
pub use notifier::{Notifier, NotifierParts, WebhookTarget, receiver_key};
pub use sender::origin;
pub use signature::{KIND_HEADER, SEQ_HEADER, SIGNATURE_HEADER, sign, verify};

use std::time::Duration;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
    #[error("cannot encode a webhook notice: {0}")]
    Encode(String),
    #[error("webhook settings: {0}")]
    Settings(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The notifier's knobs; tests shorten them.
#[derive(Debug, Clone)]
pub struct WebhookSettings {
    /// How long one process holds the delivery lease without renewing it.
    pub lease: Duration,
    /// Longest wait for a receiver's answer.
    pub timeout: Duration,
    /// Retries of a failed delivery: full jitter over `retry_base * 2^attempt`, capped.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How often the audit log is looked at for events other replicas wrote (this
    /// process's own commits wake the notifier at once).
    pub poll: Duration,
    /// Audit events read per query.
    pub batch: u32,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(60),
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(30),
            poll: Duration::from_secs(2),
            batch: 200,
        }
    }
}

impl WebhookSettings {
    /// The lease is renewed before each attempt, and a backoff or an attempt can run for
    /// up to the cap or the timeout in between: the lease must outlast both comfortably,
    /// or another replica would take over while this one still delivers.
    pub fn check(&self) -> Result<(), String> {
        let longest_gap = self.retry_cap.max(self.timeout);
        if self.lease < longest_gap * 2 {
            return Err(format!(
                "the webhook lease ({:?}) must be at least twice the longer of the retry cap ({:?}) and the timeout ({:?})",
                self.lease, self.retry_cap, self.timeout
            ));
        }
        if self.timeout.is_zero() || self.poll.is_zero() || self.retry_cap.is_zero() {
            return Err("the webhook timeout, poll and retry cap must be longer than zero".into());
        }
        if self.batch == 0 {
            return Err("the webhook batch must be at least 1".into());
        }
        Ok(())
    }
}
