//! `GET /v1/events`: server-sent events carrying to each caller what concerns them, from
//! the engine's change feed. The SSE `id` is the audit sequence number, so a client that
//! reconnects with `Last-Event-ID` resumes where it stopped, without loss or repeats.
//!
//! Who gets what:
//! - the requester, every change of their requests (`request_changed`);
//! - a member of a request's approver groups (not the requester), the request when it is
//!   made, decided (approved, rejected, cancelled, expired) or an extension of it is asked
//!   or decided (`approval_changed`) — not its later activation and expiry.
//!
//! A stream ends when the session expires or is logged out (checked now and then), when the
//! broker shuts down, or when the feed fails; the client reconnects with `Last-Event-ID`.

use std::collections::HashMap;
use std::convert::Infallible;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use stint_api::{ApiError, BrokerEvent, EventKind, routes};

use super::caller::{Viewer, bearer_token};
use super::error::AppError;
use super::state::AppState;
use super::stream_slots::StreamSlot;
use super::wire::Wire;
use crate::audit::AuditFilter;
use crate::auth::AuthError;
use crate::model::{AuditKind, RequestId};
use crate::workflow::{ACTIVITY_AFTER_WINDOW, RequestChange};

const LAST_EVENT_ID: &str = "last-event-id";

/// Follows the changes that concern the caller. Honours `Last-Event-ID`.
#[utoipa::path(
    get,
    path = routes::EVENTS,
    operation_id = "streamEvents",
    tag = "events",
    security(("bearer" = [])),
    params(("Last-Event-ID" = Option<i64>, Header, description = "Resume after this event (the last `id:` received)")),
    responses(
        (status = 200, description = "A `text/event-stream`: each `data:` is one BrokerEvent, each `id:` its audit sequence number; comment lines keep the connection alive", body = BrokerEvent, content_type = "text/event-stream"),
        (status = 400, description = "Last-Event-ID is not a sequence number", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 429, description = "This session already holds `http.max_event_streams_per_session` streams open (`rate_limited`, with `Retry-After`)", body = ApiError),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    headers: HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    let after = match headers.get(LAST_EVENT_ID) {
        None => state.engine().change_cursor(),
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
            .filter(|seq| *seq >= 0)
            .ok_or_else(|| {
                AppError::invalid(
                    "Last-Event-ID must be the id of an event this stream sent (a whole number)",
                )
            })?,
    };
    // The stream re-checks the session now and then, so a logout ends it.
    let token = bearer_token(&headers)?.to_owned();
    let slots = &state.inner.streams;
    let slot = slots
        .take(&viewer.caller.session_id)
        .ok_or_else(|| too_many_streams(slots.max()))?;
    tracing::debug!(after, "event stream opened");
    let keep_alive = KeepAlive::new().interval(state.inner.events.keep_alive);
    Ok(Sse::new(follow(state, viewer, SessionToken(token), after, slot)).keep_alive(keep_alive))
}

/// How long a client refused a stream is told to wait: streams end when their clients go.
const STREAM_RETRY_SECS: u64 = 10;

fn too_many_streams(max: usize) -> AppError {
    AppError::new(
        stint_api::ErrorCode::RateLimited,
        format!(
            "this session already has {max} event streams open, the most the broker allows (http.max_event_streams_per_session); close one (each app and `stint watch` holds one) or try again in {STREAM_RETRY_SECS} s"
        ),
    )
    .with_retry_after(STREAM_RETRY_SECS)
}

/// Held only to re-check the session; never printed.
struct SessionToken(String);

fn follow(
    state: AppState,
    viewer: Viewer,
    token: SessionToken,
    after: i64,
    slot: StreamSlot,
) -> impl Stream<Item = Result<Event, Infallible>> {
    async_stream::stream! {
        // Held for as long as the stream lives; dropped with it, however it ends.
        let _slot = slot;
        let engine = state.engine().clone();
        let changes = engine.changes(after);
        tokio::pin!(changes);
        let clock = state.inner.clock.clone();
        let expires = clock.sleep_until(viewer.caller.session_expires_at);
        tokio::pin!(expires);
        let mut check = tokio::time::interval(state.inner.events.session_check);
        check.tick().await;
        let shutdown = state.inner.shutdown.clone();
        // Per request, the last seq this stream looked at: an approver's event is decided
        // on every audit event since then, not only the latest.
        let mut seen: HashMap<RequestId, i64> = HashMap::new();
        // Per request, the last seq looked at for use after the window (approvers,
        // auditors and admins), so each finding is told once.
        let mut flagged: HashMap<RequestId, i64> = HashMap::new();
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = &mut expires => {
                    tracing::debug!("event stream ended: the session expired");
                    break;
                }
                _ = check.tick() => {
                    match state.inner.resolver.resolve(&token.0).await {
                        Ok(_) | Err(AuthError::Unavailable(_) | AuthError::DatabaseReadOnly(_)) => {}
                        Err(_) => {
                            tracing::debug!("event stream ended: the session is no longer valid");
                            break;
                        }
                    }
                }
                next = changes.next() => match next {
                    None => break,
                    Some(Err(e)) => {
                        tracing::warn!(error = %e, "event stream ended: the change feed failed; the client resumes with Last-Event-ID");
                        break;
                    }
                    Some(Ok(change)) => {
                        let request = &change.request;
                        let since = if viewer.is_approver_of(request) {
                            // Only requests this viewer approves need remembering, and
                            // only until nothing more can be decided about them.
                            let since = if request.state.is_final() {
                                seen.remove(&request.id)
                            } else {
                                seen.insert(request.id, change.seq)
                            };
                            since.unwrap_or(after)
                        } else {
                            after
                        };
                        let watcher = !viewer.is_requester(request)
                            && (viewer.sees_everything() || viewer.is_approver_of(request));
                        if watcher {
                            let since = flagged.insert(request.id, change.seq).unwrap_or(after);
                            match used_after_window(&state, &change, since).await {
                                Ok(true) => {
                                    if let Some(event) = sse_event(&Wire::now(&state), &change, EventKind::UsedAfterWindow) {
                                        yield Ok(event);
                                    }
                                    continue;
                                }
                                Ok(false) => {}
                                Err(e) => {
                                    tracing::warn!(error = %e, "event stream ended: cannot read the audit log");
                                    break;
                                }
                            }
                        }
                        match relevance(&state, &viewer, &change, since).await {
                            Ok(Some(kind)) => {
                                if let Some(event) = sse_event(&Wire::now(&state), &change, kind) {
                                    yield Ok(event);
                                }
                            }
                            Ok(None) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "event stream ended: cannot read the audit log");
                                break;
                            }
                        }
                    }
                },
            }
        }
    }
}

/// Why this change concerns the viewer, if it does.
async fn relevance(
    state: &AppState,
    viewer: &Viewer,
    change: &RequestChange,
    since: i64,
) -> Result<Option<EventKind>, crate::workflow::EngineError> {
    let request = &change.request;
    if viewer.is_requester(request) {
        return Ok(Some(EventKind::RequestChanged));
    }
    if !viewer.is_approver_of(request) {
        return Ok(None);
    }
    let events = state
        .engine()
        .audit(AuditFilter {
            request_id: Some(request.id),
            after: Some(since),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await?;
    let decided = events
        .iter()
        .filter(|e| e.seq <= change.seq)
        .any(|e| AuditKind::parse(&e.kind).is_some_and(AuditKind::changes_approval));
    Ok(decided.then_some(EventKind::ApprovalChanged))
}

/// Whether a finding of use after the window was recorded about the request in
/// `(since, change.seq]`.
async fn used_after_window(
    state: &AppState,
    change: &RequestChange,
    since: i64,
) -> Result<bool, crate::workflow::EngineError> {
    let events = state
        .engine()
        .audit(AuditFilter {
            request_id: Some(change.request.id),
            kind: Some(ACTIVITY_AFTER_WINDOW.to_owned()),
            after: Some(since),
            limit: 1000,
            ..AuditFilter::default()
        })
        .await?;
    Ok(events.iter().any(|e| e.seq <= change.seq))
}

fn sse_event(wire: &Wire, change: &RequestChange, kind: EventKind) -> Option<Event> {
    let payload = BrokerEvent {
        seq: change.seq,
        kind,
        request: wire.request(&change.request),
    };
    match serde_json::to_string(&payload) {
        Ok(data) => Some(Event::default().id(change.seq.to_string()).data(data)),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode an event");
            None
        }
    }
}
