//! HTTP: one router serves every protocol on one port. Requests are told apart by shape
//! (see [`aws::root`]); each gets a tracing span naming its operation, a request id, and a
//! `Date` header from the simulator's clock. Nothing here logs a query string, a header
//! value or a body: those carry tokens, secrets and signatures.

mod auth;
mod authorize;
mod aws;
mod control;
mod error;
mod federation;
mod html;
mod identitystore;
mod identitystore_memberships;
mod input;
mod logs;
mod oidc;
mod organizations;
mod pages;
mod paging;
mod portal;
mod resources;
mod sso_admin;
mod sso_admin_policies;
mod sts;
mod trail;
mod xml;

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use serde_json::Value;
use tracing::Instrument;

pub(crate) use authorize::approve_url as approve_authorization_url;
pub(crate) use aws::unknown_operation;
use error::AwsError;

use crate::faults::{Api, Injected};
use crate::sim::Sim;

/// Per-request facts handlers need: the id AWS would return, and when the request arrived
/// by the wall clock (the call log's timing, to the microsecond).
#[derive(Debug, Clone)]
pub(crate) struct RequestContext {
    pub request_id: String,
    pub arrival_micros: i64,
    /// The caller's address, for CloudTrail's `sourceIPAddress`.
    pub source_ip: String,
    /// The caller's `User-Agent`, for CloudTrail's `userAgent`.
    pub user_agent: String,
}

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/", get(aws::root).post(aws::root))
        .route("/client/register", post(oidc::register_client))
        .route(
            "/device_authorization",
            post(oidc::start_device_authorization),
        )
        .route("/token", post(oidc::create_token))
        .route(
            "/authorize",
            get(authorize::authorize_page).post(authorize::authorize_submit),
        )
        .route("/assignment/accounts", get(portal::list_accounts))
        .route("/assignment/roles", get(portal::list_account_roles))
        .route("/federation/credentials", get(portal::get_role_credentials))
        .route("/logout", post(portal::logout))
        .route("/federation", get(federation::federation))
        .route(
            "/device",
            get(pages::device_page).post(pages::device_submit),
        )
        .route("/start", get(pages::start))
        .route("/start/", get(pages::start))
        .route("/start/signin", post(pages::start_signin))
        .route("/start/console", get(pages::start_console))
        .route("/console/{id}", get(pages::console))
        .route("/console/{id}/", get(pages::console))
        .route("/console/{id}/{*rest}", get(pages::console))
        .nest("/_sim", control::router())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(sim.clone(), observe))
        .with_state(sim)
}

async fn not_found() -> Response {
    html::page(
        StatusCode::NOT_FOUND,
        "Not found",
        "<h1>Not found</h1><p>stint-sim does not serve this path. See <a href=\"/\">the index</a>.</p>",
    )
}

/// The path with anything secret-like replaced, for the request span.
fn loggable_path(path: &str) -> &str {
    if path.starts_with("/console/") {
        "/console/{session}"
    } else if path.len() > 64 {
        "{long path}"
    } else {
        path
    }
}

async fn observe(State(sim): State<Arc<Sim>>, mut req: Request, next: Next) -> Response {
    // The one wall-clock reading: when the request arrived, for the call log.
    let arrival_micros = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    let request_id = uuid::Uuid::new_v4().to_string();
    let span = tracing::info_span!(
        "request",
        method = %req.method(),
        path = loggable_path(req.uri().path()),
        operation = tracing::field::Empty,
        request_id = %request_id,
    );
    let source_ip = req
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    let user_agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    req.extensions_mut().insert(RequestContext {
        request_id: request_id.clone(),
        arrival_micros,
        source_ip,
        user_agent,
    });
    let started = Instant::now();
    let mut response = next.run(req).instrument(span.clone()).await;
    let headers = response.headers_mut();
    if let Ok(id) = HeaderValue::from_str(&request_id) {
        headers.insert("x-amzn-requestid", id);
    }
    // AWS answers with its own clock; so does the simulator, so SDKs that estimate skew
    // see the simulated time.
    let date = sim.now().format("%a, %d %b %Y %H:%M:%S GMT").to_string();
    if let Ok(date) = HeaderValue::from_str(&date) {
        headers.insert(header::DATE, date);
    }
    span.in_scope(|| {
        tracing::info!(
            status = response.status().as_u16(),
            elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            "handled"
        );
    });
    response
}

/// Adds the API's configured latency, then maybe refuses the call as fault injection says.
pub(crate) async fn apply_faults(sim: &Sim, api: Api) -> Result<(), AwsError> {
    let (latency, injected) = sim.state().faults.roll(api);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let Some(kind) = injected else {
        return Ok(());
    };
    tracing::info!(api = %api, fault = ?kind, "fault injected");
    let suffix = " (injected by stint-sim)";
    Err(match (api, kind) {
        (Api::SsoAdmin | Api::IdentityStore | Api::Logs, Injected::Throttle) => {
            AwsError::bad_request("ThrottlingException", format!("Rate exceeded{suffix}"))
        }
        (Api::Organizations, Injected::Throttle) => AwsError::bad_request(
            "TooManyRequestsException",
            format!(
                "AWS Organizations can't complete your request because another request is already in progress. Try again later.{suffix}"
            ),
        ),
        (Api::Sts, Injected::Throttle) => {
            AwsError::bad_request("Throttling", format!("Rate exceeded{suffix}"))
        }
        (Api::Sso | Api::SsoOidc, Injected::Throttle) => AwsError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "TooManyRequestsException",
            format!("Too many requests{suffix}"),
        ),
        (Api::Organizations, Injected::ServerError) => AwsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "ServiceException",
            format!(
                "AWS Organizations can't complete your request because of an internal service error.{suffix}"
            ),
        ),
        (Api::Sts, Injected::ServerError) => AwsError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "ServiceUnavailable",
            format!("Service is unavailable{suffix}"),
        ),
        (_, Injected::ServerError) => AwsError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalServerException",
            format!("An internal error occurred{suffix}"),
        ),
    })
}

/// AWS leaves absent members out rather than sending `null`; so do we.
pub(crate) fn strip_nulls(value: Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| (k, strip_nulls(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(strip_nulls).collect()),
        other => other,
    }
}

/// JSON 1.1 timestamps are epoch seconds.
pub(crate) fn timestamp(t: chrono::DateTime<chrono::Utc>) -> f64 {
    t.timestamp_millis() as f64 / 1000.0
}
