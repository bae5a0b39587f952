//! `POST /v1/admin/reload`: re-read the policy file (admins).

use axum::extract::State;
use stint_api::{ApiError, PolicySummary, routes};

use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::reload::ReloadFailure;
use crate::api::state::AppState;

/// Re-reads the policy file and resolves it against a fresh organization snapshot. A file
/// with any problem is refused whole, the previous policy stays in force, and the answer
/// lists every problem as `file:line:col: error: ...`. Requests already made keep the
/// decision made for them.
#[utoipa::path(
    post,
    path = routes::ADMIN_RELOAD,
    operation_id = "reloadPolicy",
    tag = "admin",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The new policy is in force", body = PolicySummary),
        (status = 400, description = "The file has problems; the previous policy stays", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not an admin", body = ApiError),
        (status = 503, description = "Identity Center could not be reached; the previous policy stays", body = ApiError),
    )
)]
pub async fn reload(
    State(state): State<AppState>,
    viewer: Viewer,
) -> Result<axum::Json<PolicySummary>, AppError> {
    if !viewer.admin {
        return Err(AppError::forbidden(format!(
            "reloading the policy is for admins; {} is not one",
            viewer.user_name()
        )));
    }
    match state.reload_policy(viewer.user_name()).await {
        Ok(summary) => Ok(axum::Json(PolicySummary {
            eligibility_rules: u32::try_from(summary.eligibility_rules).unwrap_or(u32::MAX),
            approval_rules: u32::try_from(summary.approval_rules).unwrap_or(u32::MAX),
            warnings: summary.warnings.iter().map(ToString::to_string).collect(),
        })),
        Err(ReloadFailure::Policy(e)) => Err(AppError::invalid(e.to_string())),
        Err(e @ ReloadFailure::Directory(_)) => Err(AppError::unavailable(
            "Identity Center could not be reached to resolve the policy; the previous policy stays in force",
            e,
        )),
    }
}
