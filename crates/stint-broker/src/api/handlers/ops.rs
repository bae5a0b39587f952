//! Public operational endpoints: `/healthz`, `/metrics`, `/openapi.json`.

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use stint_api::{ApiError, Health, Readiness, routes};
use utoipa::OpenApi;

use crate::api::error::AppError;
use crate::api::openapi::ApiDoc;
use crate::api::state::AppState;
use crate::store::Backend;

/// Alive, and the database answers.
#[utoipa::path(
    get,
    path = routes::HEALTHZ,
    operation_id = "healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "The database does not answer", body = ApiError),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Result<axum::Json<Health>, AppError> {
    let store = state.engine().store();
    store
        .audit_head()
        .await
        .map_err(|e| AppError::unavailable("the broker cannot reach its database", e))?;
    Ok(axum::Json(Health {
        status: "ok".into(),
        database: match store.backend() {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
        .into(),
    }))
}

/// Ready to answer everything: the organization has been read from Identity Center and a
/// policy is in force. Until then (Identity Center throttling or down at start) the broker
/// is alive and runs its schedule, but answers 503 `directory_unavailable` to what needs the
/// policy; a load balancer should send traffic only to ready replicas.
#[utoipa::path(
    get,
    path = routes::READYZ,
    operation_id = "readyz",
    tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The organization has not been read from Identity Center yet (`directory_unavailable`)", body = ApiError),
    )
)]
pub async fn readyz(State(state): State<AppState>) -> Result<axum::Json<Readiness>, AppError> {
    if !state.is_ready() {
        return Err(AppError::directory_unavailable());
    }
    Ok(axum::Json(Readiness {
        status: "ready".into(),
        directory_read_at: state.directory().current().taken_at,
    }))
}

/// Prometheus text: requests by state, Identity Center call latency, retries, drift,
/// failures, scheduler lag, HTTP requests by route and status, policy reloads.
#[utoipa::path(
    get,
    path = routes::METRICS,
    operation_id = "metrics",
    tag = "operations",
    responses(
        (status = 200, description = "Prometheus text exposition", body = String, content_type = "text/plain"),
        (status = 503, description = "The database does not answer", body = ApiError),
    )
)]
pub async fn metrics(State(state): State<AppState>) -> Result<impl IntoResponse, AppError> {
    let mut text = state.engine().render_metrics().await?;
    text.push_str(&state.metrics().render());
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

/// This document.
#[utoipa::path(
    get,
    path = routes::OPENAPI,
    operation_id = "openapi",
    tag = "operations",
    responses((status = 200, description = "The OpenAPI 3.1 document", content_type = "application/json")),
)]
pub async fn openapi() -> impl IntoResponse {
    static DOC: OnceLock<String> = OnceLock::new();
    let doc = DOC.get_or_init(|| {
        ApiDoc::openapi()
            .to_json()
            .unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    });
    ([(header::CONTENT_TYPE, "application/json")], doc.as_str())
}
