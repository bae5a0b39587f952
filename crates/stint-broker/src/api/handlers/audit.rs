//! `GET /v1/audit` and `GET /v1/audit/verify`, for auditors and admins.

use axum::extract::State;
use stint_api::{ApiError, AuditEvent, AuditQuery, AuditVerification, Page, routes};

use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::Query;
use crate::api::page_limit::{MAX_AUDIT_EVENTS, page_limit};
use crate::api::state::AppState;
use crate::audit::AuditFilter;

const DEFAULT_LIMIT: u32 = 200;

/// Audit events in order, filtered; pass a page's `nextCursor` as `after` for the next.
#[utoipa::path(
    get,
    path = routes::AUDIT,
    operation_id = "listAuditEvents",
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "One page of events, oldest first", body = Page<AuditEvent>),
        (status = 400, description = "A limit out of range", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Neither auditor nor admin", body = ApiError),
    )
)]
pub async fn events(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<AuditQuery>,
) -> Result<axum::Json<Page<AuditEvent>>, AppError> {
    viewer.require_auditor("the audit log")?;
    let limit = page_limit(query.limit, DEFAULT_LIMIT, MAX_AUDIT_EVENTS)?;
    let records = state
        .engine()
        .audit(AuditFilter {
            request_id: query.request_id,
            actor: query.actor,
            kind: query.kind,
            after: query.after,
            limit,
        })
        .await?;
    let next_cursor = (records.len() == limit as usize)
        .then(|| records.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(axum::Json(Page {
        items: records.iter().map(|r| r.to_api()).collect(),
        next_cursor,
    }))
}

/// Walks the whole hash chain and names the first event that does not follow.
#[utoipa::path(
    get,
    path = routes::AUDIT_VERIFY,
    operation_id = "verifyAudit",
    tag = "audit",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The verification; `ok` is false when the chain is broken", body = AuditVerification),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Neither auditor nor admin", body = ApiError),
    )
)]
pub async fn verify(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<axum::Json<AuditVerification>, AppError> {
    viewer.require_auditor("verifying the audit log")?;
    let verification = state.engine().verify_audit().await?;
    if !verification.ok() {
        tracing::error!(
            first_bad = ?verification.first_bad,
            "the audit chain is broken"
        );
    }
    Ok(axum::Json(verification.to_api()))
}
