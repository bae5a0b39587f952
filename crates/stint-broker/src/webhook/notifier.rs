//! The delivery loop: claim the lease, read the audit log after the cursor, deliver what is
//! of interest in order, advance the cursor after each 2xx.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use url::Url;

use super::notice::{Notice, is_delivered};
use super::sender::{Outcome, Sender, origin};
use super::{WebhookError, WebhookSettings};
use crate::audit::AuditFilter;
use crate::backoff::{exponential, full_jitter, to_chrono};
use crate::clock::SharedClock;
use crate::config::Secret;
use crate::store::Store;

/// How long a stopping process waits for the answer to a delivery already sent.
pub const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// Where notices go now: read before every round and attempt, so a policy reload that
/// changes or removes the URL takes effect at once.
pub type WebhookTarget = Arc<dyn Fn() -> Option<Url> + Send + Sync>;

/// Everything a [`Notifier`] is made of.
pub struct NotifierParts {
    pub store: Arc<dyn Store>,
    pub target: WebhookTarget,
    /// Signs every body; without it nothing is sent.
    pub secret: Option<Secret>,
    pub clock: SharedClock,
    /// Names this process in the lease; unique per replica (the engine's node id).
    pub owner: String,
    /// The broker's public URL, carried in every notice.
    pub broker: String,
    pub settings: WebhookSettings,
    /// The audit head this process knows of (`Engine::head`): wakes the notifier the
    /// moment this process records an event, instead of at the next poll.
    pub wake: Option<watch::Receiver<i64>>,
}

pub struct Notifier {
    store: Arc<dyn Store>,
    target: WebhookTarget,
    sender: Option<Sender>,
    clock: SharedClock,
    owner: String,
    broker: String,
    settings: WebhookSettings,
    wake: Option<watch::Receiver<i64>>,
    /// The lease as this process last wrote it, while it holds it.
    held: Option<Held>,
}

/// While this process holds the lease, the cursor row changes only through it, so its
/// own copy is the truth and the database is written only to move the cursor or to renew
/// the lease before it gets short.
struct Held {
    receiver: String,
    cursor: i64,
    until: DateTime<Utc>,
}

impl std::fmt::Debug for Notifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Notifier")
            .field("owner", &self.owner)
            .field("signed", &self.sender.is_some())
            .finish_non_exhaustive()
    }
}

/// What the loop does after a round.
enum Next {
    /// More events are waiting: go again now.
    More,
    /// Caught up: wait for a new event (or the next poll).
    Wait,
    /// Not this process's turn, or something failed: look again after a poll interval.
    Pause,
}

/// What the cursor row stores for a receiver: the SHA-256 (hex) of its URL, never the URL,
/// which may carry a token.
pub fn receiver_key(url: &Url) -> String {
    hex::encode(Sha256::digest(url.as_str().as_bytes()))
}

impl Notifier {
    pub fn new(parts: NotifierParts) -> Result<Notifier, WebhookError> {
        parts.settings.check().map_err(WebhookError::Settings)?;
        let sender = parts
            .secret
            .filter(|s| !s.expose().is_empty())
            .map(|secret| Sender::new(secret, parts.settings.timeout))
            .transpose()?;
        Ok(Notifier {
            store: parts.store,
            target: parts.target,
            sender,
            clock: parts.clock,
            owner: parts.owner,
            broker: parts.broker,
            settings: parts.settings,
            wake: parts.wake,
            held: None,
        })
    }

    /// Delivers until `stop` is cancelled, then gives the lease up so another replica can
    /// take over at once. An attempt in flight when `stop` comes gets [`STOP_GRACE`] to be
    /// answered; after that it is abandoned and sent again by whoever delivers next.
    pub async fn run(mut self, stop: CancellationToken) {
        let mut told_unsigned = false;
        while !stop.is_cancelled() {
            let next = match (self.target)() {
                None => Next::Pause,
                Some(url) if self.sender.is_none() => {
                    if !told_unsigned {
                        tracing::error!(
                            receiver = %origin(&url),
                            "the policy sets webhook_url but the broker has no webhook_secret: no webhook is sent until it is set (STINT_WEBHOOK_SECRET); events wait meanwhile"
                        );
                        told_unsigned = true;
                    }
                    Next::Pause
                }
                Some(url) => match self.round(&url, &stop).await {
                    Ok(next) => next,
                    Err(e) => {
                        tracing::warn!(error = %e, "webhook delivery paused; trying again shortly");
                        Next::Pause
                    }
                },
            };
            match next {
                Next::More => {}
                Next::Wait => self.wait(&stop, true).await,
                Next::Pause => self.wait(&stop, false).await,
            }
        }
        if let Err(e) = self.store.webhook_release(&self.owner).await {
            tracing::debug!(error = %e, "could not give up the webhook lease; it runs out on its own");
        }
    }

    /// The cursor, after taking or renewing the lease if it is not held or is getting
    /// short; `None` while another process holds it.
    async fn lease(&mut self, url: &Url) -> Result<Option<i64>, WebhookError> {
        let receiver = receiver_key(url);
        let now = self.clock.now();
        let lease = to_chrono(self.settings.lease);
        if let Some(held) = &self.held {
            if held.receiver == receiver && now + lease / 2 < held.until {
                return Ok(Some(held.cursor));
            }
        }
        let until = now + lease;
        let claimed = self
            .store
            .webhook_claim(&self.owner, &receiver, now, until)
            .await?;
        match (claimed, self.held.is_some()) {
            (Some(cursor), was_held) => {
                if !was_held {
                    tracing::info!(receiver = %origin(url), after_seq = cursor, "delivering webhooks");
                }
                self.held = Some(Held {
                    receiver,
                    cursor,
                    until,
                });
            }
            (None, true) => {
                tracing::info!("another broker delivers webhooks now");
                self.held = None;
            }
            (None, false) => {}
        }
        Ok(claimed)
    }

    /// Moves the cursor to `seq` (or only renews the lease, when `seq` is not past it).
    /// `false` when the lease was lost: another process delivers now.
    async fn advance(&mut self, seq: i64) -> Result<bool, WebhookError> {
        let now = self.clock.now();
        let until = now + to_chrono(self.settings.lease);
        let kept = self
            .store
            .webhook_advance(&self.owner, seq, now, until)
            .await?;
        match (&mut self.held, kept) {
            (Some(held), true) => {
                held.cursor = held.cursor.max(seq);
                held.until = until;
            }
            (_, false) => {
                if self.held.take().is_some() {
                    tracing::info!("another broker delivers webhooks now");
                }
            }
            (None, true) => {}
        }
        Ok(kept)
    }

    /// One page of the audit log after the cursor.
    async fn round(&mut self, url: &Url, stop: &CancellationToken) -> Result<Next, WebhookError> {
        if let Some(wake) = &mut self.wake {
            wake.borrow_and_update();
        }
        let Some(cursor) = self.lease(url).await? else {
            return Ok(Next::Pause);
        };
        let page = self
            .store
            .audit_events(&AuditFilter {
                after: Some(cursor),
                limit: self.settings.batch,
                ..AuditFilter::default()
            })
            .await?;
        let Some(last) = page.last().map(|r| r.seq) else {
            return Ok(Next::Wait);
        };
        for record in page.iter().filter(|r| is_delivered(r)) {
            let request = match record.request_id {
                Some(id) => self.store.request(id).await?,
                None => None,
            };
            let notice = Notice::new(record, request.as_ref(), &self.broker);
            if !self.deliver(url, &notice, stop).await? {
                return Ok(Next::Pause);
            }
        }
        // The events of no interest at the end of the page are passed over.
        if !self.advance(last).await? {
            return Ok(Next::Pause);
        }
        Ok(if page.len() >= self.settings.batch as usize {
            Next::More
        } else {
            Next::Wait
        })
    }

    /// Sends one notice until the receiver takes it. `false` when this process should stop
    /// trying: it is stopping, another replica holds the lease, or the URL changed.
    async fn deliver(
        &mut self,
        url: &Url,
        notice: &Notice,
        stop: &CancellationToken,
    ) -> Result<bool, WebhookError> {
        let mut attempt: u32 = 0;
        loop {
            if (self.target)().as_ref() != Some(url) {
                return Ok(false);
            }
            // Make sure the lease outlasts this attempt, so nobody else sends the event
            // meanwhile (the settings keep half a lease longer than an attempt or a wait).
            if self.lease(url).await?.is_none() {
                return Ok(false);
            }
            let Some(sender) = &self.sender else {
                return Ok(false);
            };
            attempt += 1;
            let outcome = {
                let send = sender.send(url, notice);
                tokio::pin!(send);
                tokio::select! {
                    outcome = &mut send => outcome?,
                    () = stop.cancelled() => {
                        // The receiver may already have taken the body and its answer be
                        // on the way: a moment's wait spares it a repeat after a graceful stop.
                        match tokio::time::timeout(STOP_GRACE, &mut send).await {
                            Ok(outcome) => outcome?,
                            Err(_) => return Ok(false),
                        }
                    }
                }
            };
            let why = match outcome {
                Outcome::Delivered(status) => {
                    tracing::debug!(seq = notice.seq, kind = %notice.kind, status = status.as_u16(), attempt, "webhook delivered");
                    return self.advance(notice.seq).await;
                }
                Outcome::Refused(status) => format!("the receiver answered {status}"),
                Outcome::Unreachable(error) => error,
            };
            // Equal jitter: at least half the exponential step, so a receiver that is down
            // is not hammered, and replicas' retries spread out.
            let ceiling = exponential(
                self.settings.retry_base,
                self.settings.retry_cap,
                attempt - 1,
            );
            let wait = ceiling / 2 + full_jitter(ceiling / 2, ceiling / 2, 0);
            tracing::warn!(
                receiver = %origin(url),
                seq = notice.seq,
                kind = %notice.kind,
                attempt,
                retry_in = ?wait,
                "webhook not delivered: {why}; trying again"
            );
            let at = self.clock.now() + to_chrono(wait);
            tokio::select! {
                () = self.clock.sleep_until(at) => {}
                () = stop.cancelled() => return Ok(false),
            }
        }
    }

    /// Until this process records an event (when `on_event`), the poll interval passes, or
    /// `stop`.
    async fn wait(&mut self, stop: &CancellationToken, on_event: bool) {
        let at = self.clock.now() + to_chrono(self.settings.poll);
        let clock = self.clock.clone();
        let sleep = clock.sleep_until(at);
        match self.wake.as_mut().filter(|_| on_event) {
            Some(wake) => {
                let engine_gone = tokio::select! {
                    changed = wake.changed() => changed.is_err(),
                    () = sleep => false,
                    () = stop.cancelled() => false,
                };
                if engine_gone {
                    self.wake = None;
                }
            }
            None => {
                tokio::select! {
                    () = sleep => {}
                    () = stop.cancelled() => {}
                }
            }
        }
    }
}
