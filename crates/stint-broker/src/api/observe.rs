//! One `tracing` span per request (method, route template, status, latency, and the caller's
//! user name once known) and the HTTP metrics. Headers are never recorded: the
//! `Authorization` header carries the session token.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::Empty;

use super::state::AppState;

/// The route label of a request no route matched: never the raw path, which a scanner
/// could make unbounded.
const UNMATCHED: &str = "unmatched";

pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| UNMATCHED.to_owned(), |p| p.as_str().to_owned());
    let method = request.method().clone();
    let span = tracing::info_span!(
        "http",
        method = %method,
        route = %route,
        status = Empty,
        latency_ms = Empty,
        user = Empty,
    );
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let took = started.elapsed();
    let status = response.status().as_u16();
    span.record("status", status);
    span.record("latency_ms", took.as_secs_f64() * 1000.0);
    let _entered = span.enter();
    // Probes and scrapes come every few seconds; keep them out of the default log.
    if matches!(route.as_str(), "/healthz" | "/metrics") {
        tracing::debug!("request");
    } else if status >= 500 {
        tracing::warn!("request");
    } else {
        tracing::info!("request");
    }
    state
        .metrics()
        .observe_request(&route, &method, status, took);
    response
}

/// Names the caller in the request's span once they are authenticated.
pub fn record_user(user_name: &str) {
    tracing::Span::current().record("user", user_name);
}
