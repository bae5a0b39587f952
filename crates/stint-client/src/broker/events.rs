//! `GET /v1/events`, followed for as long as the caller keeps polling the stream:
//! reconnects with exponential backoff and `Last-Event-ID`, so no event is missed, and
//! authenticates again when the broker session expires mid-stream.

use std::time::Duration;

use futures::Stream;
use futures::StreamExt;
use reqwest::header::{ACCEPT, HeaderValue};
use stint_api::{BrokerEvent, ErrorCode, routes};

use super::BrokerClient;
use super::sse::SseParser;
use crate::error::{Error, ErrorKind, Result};
use crate::http::{CALL_DEADLINE, STREAM_IDLE_DEADLINE};

/// The longest pause between reconnection attempts.
pub const RECONNECT_MAX: Duration = Duration::from_secs(30);
const RECONNECT_FIRST: Duration = Duration::from_millis(500);

/// What the event stream yields.
#[derive(Debug, Clone, PartialEq)]
pub enum EventStreamItem {
    /// The stream is (re)connected.
    Connected,
    Event(Box<BrokerEvent>),
    /// The connection dropped; the next attempt is after `after`.
    Reconnecting {
        after: Duration,
        reason: String,
    },
}

impl BrokerClient {
    /// Follows the event stream from after `last_event_id` (the audit sequence number).
    /// The stream ends with an `Err` only for what retrying cannot fix: no login, or the
    /// broker refusing this person.
    pub fn events(
        &self,
        last_event_id: Option<i64>,
    ) -> impl Stream<Item = Result<EventStreamItem>> + Send + 'static {
        let client = self.clone();
        async_stream::stream! {
            let mut last_id = last_event_id.map(|id| id.to_string());
            let mut backoff = RECONNECT_FIRST;
            let mut server_retry: Option<Duration> = None;
            let mut rejected_token = None;
            loop {
                let session = match &rejected_token {
                    Some(token) => client.authenticate(Some(token)).await,
                    None => client.session().await,
                };
                let session = match session {
                    Ok(s) => s,
                    Err(e) if retryable(&e) => {
                        let after = server_retry.unwrap_or(backoff);
                        yield Ok(EventStreamItem::Reconnecting { after, reason: e.to_string() });
                        tokio::time::sleep(jitter(after)).await;
                        backoff = (backoff * 2).min(RECONNECT_MAX);
                        continue;
                    }
                    Err(e) => {
                        yield Err(e);
                        return;
                    }
                };
                rejected_token = None;

                let mut request = client
                    .http
                    .get(match client.url(routes::EVENTS) { Ok(u) => u, Err(e) => { yield Err(e); return; } })
                    .bearer_auth(session.token.expose())
                    .header(ACCEPT, "text/event-stream");
                if let Some(id) = last_id.as_deref().and_then(|id| HeaderValue::from_str(id).ok()) {
                    request = request.header("Last-Event-ID", id);
                }
                // The headers within the call deadline; the body is open-ended, but never
                // silent for longer than the idle deadline (the broker sends keep-alives).
                let sent = tokio::time::timeout(CALL_DEADLINE, request.send()).await;
                let reason = match sent {
                    Err(_) => client.silent(CALL_DEADLINE).to_string(),
                    Ok(Err(e)) => client.unreachable(&e).to_string(),
                    Ok(Ok(response)) if response.status().is_success() => {
                        backoff = RECONNECT_FIRST;
                        yield Ok(EventStreamItem::Connected);
                        let mut parser = SseParser::new();
                        let mut body = response.bytes_stream();
                        let mut ended = "the broker closed the stream".to_owned();
                        loop {
                            let chunk = match tokio::time::timeout(STREAM_IDLE_DEADLINE, body.next()).await {
                                Err(_) => {
                                    ended = format!("{}: the event stream was silent for {} s", client.unreachable_service(), STREAM_IDLE_DEADLINE.as_secs());
                                    break;
                                }
                                Ok(None) => break,
                                Ok(Some(Ok(c))) => c,
                                Ok(Some(Err(e))) => { ended = client.unreachable(&e).to_string(); break; }
                            };
                            for event in parser.feed(&chunk) {
                                if let Some(ms) = event.retry_ms {
                                    server_retry = Some(Duration::from_millis(ms));
                                }
                                if event.data.is_empty() {
                                    continue;
                                }
                                match serde_json::from_str::<BrokerEvent>(&event.data) {
                                    Ok(parsed) => {
                                        last_id = event.id.clone().or_else(|| Some(parsed.seq.to_string()));
                                        yield Ok(EventStreamItem::Event(Box::new(parsed)));
                                    }
                                    Err(e) => tracing::warn!(error = %e, "skipping an event this client does not understand"),
                                }
                            }
                        }
                        ended
                    }
                    Ok(Ok(response)) => match client.decode::<serde_json::Value>(response).await {
                        Err(Error::Broker(api)) if api.code == ErrorCode::Unauthenticated => {
                            // The session expired: authenticate again right away.
                            rejected_token = Some(session.token.clone());
                            continue;
                        }
                        Err(e) if retryable(&e) => e.to_string(),
                        Err(e) => { yield Err(e); return; }
                        Ok(_) => "the broker did not start an event stream".to_owned(),
                    },
                };
                let after = server_retry.unwrap_or(backoff);
                yield Ok(EventStreamItem::Reconnecting { after, reason });
                tokio::time::sleep(jitter(after)).await;
                backoff = (backoff * 2).min(RECONNECT_MAX);
            }
        }
    }
}

fn retryable(e: &Error) -> bool {
    matches!(e.kind(), ErrorKind::Unreachable)
        || matches!(
            e.api_code(),
            Some(ErrorCode::Internal | ErrorCode::Unavailable)
        )
}

/// Up to 20% less than `d`, so clients dropped together do not reconnect together.
fn jitter(d: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|t| t.subsec_nanos())
        .unwrap_or(0);
    let fraction = f64::from(nanos % 1000) / 1000.0 * 0.2;
    d.mul_f64(1.0 - fraction)
}
