//! Public operational endpoints: `/healthz`, `/metrics`, `/openapi.json`.

use std::sync::OnceLock;
use std::time::Duration;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use stint_api::{ApiError, Health, Readiness, routes};
use utoipa::OpenApi;

use crate::api::error::AppError;
use crate::api::openapi::ApiDoc;
use crate::api::state::AppState;
use crate::store::{Backend, FAULT_MEMORY};

/// How long `/healthz` waits for the database before it says it does not answer.
const HEALTH_DEADLINE: Duration = Duration::from_secs(5);

/// Alive: the database answers and takes writes. Each call commits one harmless write, so
/// a database turned read-only or full shows here, not only when someone next asks for
/// access; a write of the broker's own that failed so in the last 30 s counts too (on a
/// full disk a small write may fit where a real one does not).
#[utoipa::path(
    get,
    path = routes::HEALTHZ,
    operation_id = "healthz",
    tag = "operations",
    responses(
        (status = 200, description = "Healthy", body = Health),
        (status = 503, description = "The database does not answer (`unavailable`), or answers but takes no writes because it is read-only or full (`database_read_only`, the message says which)", body = ApiError),
    )
)]
pub async fn healthz(State(state): State<AppState>) -> Result<axum::Json<Health>, AppError> {
    let store = state.engine().store();
    // A real write that failed for want of space may fail where this small one fits.
    if let Some(fault) = store.recent_write_fault() {
        return Err(AppError::new(
            stint_api::ErrorCode::DatabaseReadOnly,
            format!(
                "{fault} (a write failed so less than {} s ago)",
                FAULT_MEMORY.as_secs()
            ),
        ));
    }
    let check = async {
        store.audit_head().await?;
        store.check_writes().await
    };
    match tokio::time::timeout(HEALTH_DEADLINE, check).await {
        Err(_) => {
            return Err(AppError::unavailable(
                format!(
                    "the broker's database did not answer within {} s",
                    HEALTH_DEADLINE.as_secs()
                ),
                "health check timed out",
            ));
        }
        Ok(Err(e)) if e.write_fault().is_some() => return Err(AppError::store(e)),
        Ok(Err(e)) => {
            return Err(AppError::unavailable(
                "the broker cannot reach its database",
                e,
            ));
        }
        Ok(Ok(())) => {}
    }
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
