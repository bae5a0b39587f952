//! `GET /v1/me` and `GET /v1/eligibility`: who the caller is and what they may ask for.

use axum::Json;
use stint_api::{ApiError, Eligibility, Me, UserRef, routes};

use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::policy::{eligible_access, eligible_group};

/// The caller: user, groups and personas under the policy in force.
#[utoipa::path(
    get,
    path = routes::ME,
    operation_id = "getMe",
    tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = Me),
        (status = 401, description = "No valid session", body = ApiError),
    )
)]
pub async fn me(viewer: Viewer) -> Result<Json<Me>, AppError> {
    let personas = viewer.policy.personas(&viewer.subject);
    let caller = &viewer.caller;
    Ok(Json(Me {
        user: UserRef::from(&caller.person),
        email: caller.email.clone(),
        groups: caller.groups.clone(),
        personas,
    }))
}

/// Everything the caller may request: accounts, permission sets, the longest window, and
/// whether approval or a ticket is needed; and the groups whose membership they may
/// request, with what each gives.
#[utoipa::path(
    get,
    path = routes::ELIGIBILITY,
    operation_id = "getEligibility",
    tag = "people",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "What the caller may request", body = Eligibility),
        (status = 401, description = "No valid session", body = ApiError),
    )
)]
pub async fn eligibility(viewer: Viewer) -> Result<Json<Eligibility>, AppError> {
    let settings = viewer.policy.settings();
    let items = viewer
        .policy
        .eligible(&viewer.subject)
        .iter()
        .map(|item| eligible_access(item, settings))
        .collect();
    let groups = viewer
        .policy
        .eligible_groups(&viewer.subject)
        .iter()
        .map(|item| eligible_group(item, &viewer.policy))
        .collect();
    Ok(Json(Eligibility { items, groups }))
}
