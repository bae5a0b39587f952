//! `GET /v1/grants`: active grants with their end times.

use axum::extract::State;
use stint_api::{ApiError, Grant, GrantsQuery, Page, RequestScope, routes};

use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::Query;
use crate::api::page_limit::{MAX_REQUESTS, page_limit};
use crate::api::state::AppState;
use crate::api::wire::Wire;

/// Active grants, newest first: the caller's, or everyone's with `scope=all` (auditors and
/// admins).
#[utoipa::path(
    get,
    path = routes::GRANTS,
    operation_id = "listGrants",
    tag = "requests",
    security(("bearer" = [])),
    params(GrantsQuery),
    responses(
        (status = 200, description = "One page of active grants", body = Page<Grant>),
        (status = 400, description = "`scope=approvable` (grants are `mine` or `all`), a limit out of range, or a bad cursor", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "`scope=all` by someone who is neither auditor nor admin", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<GrantsQuery>,
) -> Result<axum::Json<Page<Grant>>, AppError> {
    let limit = page_limit(query.limit, 50, MAX_REQUESTS)?;
    let user_id = match query.scope {
        RequestScope::Mine => Some(viewer.caller.person.user_id.as_str()),
        RequestScope::All => {
            viewer.require_auditor("listing everyone's grants")?;
            None
        }
        RequestScope::Approvable => {
            return Err(AppError::invalid(
                "grants are listed with scope=mine or scope=all; scope=approvable is for requests",
            ));
        }
    };
    let page = state
        .engine()
        .active_grants(user_id, query.cursor.filter(|c| !c.is_empty()), Some(limit))
        .await?;
    let wire = Wire::of(&viewer);
    Ok(axum::Json(Page {
        items: page.items.iter().map(|r| wire.grant(r)).collect(),
        next_cursor: page.next_cursor,
    }))
}
