//! The broker's HTTP API: JSON under `/v1`, every error `{code, message}`, described by the
//! OpenAPI document it serves. Handlers are thin: authenticate the caller ([`caller`]), ask
//! the policy in force, call the engine, convert to `stint-api` types.
//!
//! [`router`] builds the routes with the API's middleware (a `tracing` span and metrics per
//! request); [`serve`] runs a router on a listener until a shutdown future resolves, so tests
//! bind port 0 and stop the server when they want.

mod caller;
mod directory;
mod error;
mod events;
mod extract;
mod handlers;
mod metrics;
mod observe;
mod openapi;
mod page_limit;
mod reload;
mod state;
mod stream_slots;
mod wire;

pub use directory::{
    Directory, DirectorySnapshot, approver_groups, fetch_grantable_groups, fetch_members,
    fetch_organization, grantable_group_names_in,
};
pub use error::AppError;
pub use metrics::{ApiMetrics, ExtraMetrics};
pub use openapi::ApiDoc;
pub use reload::{ReloadFailure, SIGNAL_ACTOR};
pub use state::{AppParts, AppState, EventSettings};

use std::future::Future;

use axum::Router;
use axum::routing::{get, post};
use stint_api::routes;
use tokio::net::TcpListener;

use handlers::{actions, activity, admin, audit, explain, grants, me, ops, request_sets, requests};

/// Every route this module serves, with the API's middleware. The authentication routes
/// come from `auth::routes`; pass them to [`router_with`] so they share the middleware.
pub fn router(state: AppState) -> Router {
    router_with(state, Router::new())
}

/// [`router`] plus `extra` routes (the authentication module's), under the same middleware
/// and fallback.
pub fn router_with(state: AppState, extra: Router) -> Router {
    let api = Router::new()
        .route(routes::ME, get(me::me))
        .route(routes::ELIGIBILITY, get(me::eligibility))
        .route(routes::REQUESTS, post(requests::create).get(requests::list))
        .route(routes::REQUEST, get(requests::get))
        .route(routes::APPROVE, post(actions::approve))
        .route(routes::REJECT, post(actions::reject))
        .route(routes::CANCEL, post(actions::cancel))
        .route(routes::REVOKE, post(actions::revoke))
        .route(routes::EXTEND, post(actions::extend))
        .route(routes::APPROVERS, get(requests::approvers))
        .route(routes::ACTIVITY, get(activity::activity))
        .route(routes::REQUEST_SETS, post(request_sets::create))
        .route(routes::REQUEST_SET, get(request_sets::get))
        .route(routes::GRANTS, get(grants::list))
        .route(routes::EXPLAIN, get(explain::explain))
        .route(routes::AUDIT, get(audit::events))
        .route(routes::AUDIT_VERIFY, get(audit::verify))
        .route(routes::ADMIN_RELOAD, post(admin::reload))
        .route(routes::EVENTS, get(events::events))
        .route(routes::OPENAPI, get(ops::openapi))
        .route(routes::HEALTHZ, get(ops::healthz))
        .route(routes::READYZ, get(ops::readyz))
        .route(routes::METRICS, get(ops::metrics))
        .with_state(state.clone());
    api.merge(extra)
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state,
            observe::observe,
        ))
}

async fn not_found(uri: axum::http::Uri) -> AppError {
    AppError::not_found(format!(
        "there is no endpoint at {}: see /openapi.json for the API",
        uri.path()
    ))
}

async fn method_not_allowed(method: axum::http::Method, uri: axum::http::Uri) -> AppError {
    AppError::new(
        stint_api::ErrorCode::InvalidInput,
        format!(
            "{} does not take {method}: see /openapi.json for the API",
            uri.path()
        ),
    )
    .with_status(axum::http::StatusCode::METHOD_NOT_ALLOWED)
}

/// Serves `app` on `listener` with the edge's default limits until `shutdown` resolves,
/// then lets requests in flight finish. Event streams end on their own when the state's
/// shutdown token is cancelled. `stint-broker serve` calls [`crate::edge::serve`] with the
/// configured limits and TLS.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    crate::edge::serve(listener, app, crate::edge::Edge::default(), shutdown).await
}
