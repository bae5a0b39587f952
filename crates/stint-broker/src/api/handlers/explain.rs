//! `GET /v1/explain`: why can (or can't) a user request something.

use axum::extract::State;
use stint_api::{ApiError, ExplainQuery, Explanation, routes};

use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::Query;
use crate::api::state::AppState;
use crate::policy::{Subject, explanation, group_explanation};

/// Every rule that matched or nearly matched, by name and line, and who would approve,
/// for an account and permission set or (with `group`) membership of a grantable group.
/// Anyone may ask about themselves; auditors and admins about anyone.
#[utoipa::path(
    get,
    path = routes::EXPLAIN,
    operation_id = "explain",
    tag = "explain",
    security(("bearer" = [])),
    params(ExplainQuery),
    responses(
        (status = 200, description = "The explanation", body = Explanation),
        (status = 400, description = "Neither a group nor an account and permission set, or both (`invalid_input`)", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Asking about someone else without being auditor or admin", body = ApiError),
        (status = 404, description = "No such user in Identity Center", body = ApiError),
        (status = 503, description = "Identity Center could not be asked about the user", body = ApiError),
    )
)]
pub async fn explain(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ExplainQuery>,
) -> Result<axum::Json<Explanation>, AppError> {
    let group = query
        .group
        .as_deref()
        .map(str::trim)
        .filter(|g| !g.is_empty());
    let names_assignment =
        !query.account.trim().is_empty() || !query.permission_set.trim().is_empty();
    match (group, names_assignment) {
        (Some(_), true) => {
            return Err(AppError::invalid(
                "ask about a group or about an account and permission set, not both",
            ));
        }
        (None, false) => {
            return Err(AppError::invalid(
                "name what to explain: `account` and `permissionSet`, or `group`",
            ));
        }
        _ => {}
    }
    let subject = match query.user.as_deref().map(str::trim) {
        None | Some("") => viewer.subject.clone(),
        Some(user) if user == viewer.user_name() => viewer.subject.clone(),
        Some(user) => {
            viewer.require_auditor("explaining another person's access")?;
            let idc = &state.inner.idc;
            let found = idc.find_user(user).await?.ok_or_else(|| {
                AppError::not_found(format!("Identity Center has no user named \"{user}\""))
            })?;
            let groups = idc.user_groups(&found.user_id).await?;
            Subject::from_directory(&found, &groups)
        }
    };
    let directory = state.directory().current();
    if let Some(group) = group {
        let answer = viewer
            .policy
            .explain_group(&subject, group, Some(directory.as_ref()));
        return Ok(axum::Json(group_explanation(&answer)));
    }
    let answer = viewer.policy.explain(
        &subject,
        &query.account,
        &query.permission_set,
        Some(directory.as_ref()),
    );
    Ok(axum::Json(explanation(&answer)))
}
