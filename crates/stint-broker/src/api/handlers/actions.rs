//! What people do to a request: approve, reject, cancel, revoke, extend. The handler makes
//! sure the caller may know the request exists and asks the policy what it must; the engine
//! enforces who may do what (nobody approves their own request, only the requester cancels)
//! and commits the change with its audit event.

use std::time::Duration;

use axum::extract::State;
use stint_api::{AccessRequest, ApiError, Decision, ExtendRequest, routes};

use super::request_sets::{extendable, extension_approval};
use super::requests::visible_request;
use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::{Json, OptionalJson, Path};
use crate::api::state::AppState;
use crate::api::wire::Wire;
use crate::model::RequestId;
use crate::policy::GroupAsk;

type Answer = Result<axum::Json<AccessRequest>, AppError>;

/// The body of a rejection as the OpenAPI document gives it: like a [`Decision`], but the
/// comment is required and says something. The handler reads a `Decision` so that a
/// missing comment gets the engine's sentence rather than serde's.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct Rejection {
    /// Why, for the requester: 1 to 2,000 characters, no control characters but line
    /// breaks and tabs, not only spaces.
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = r"^[^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*[^\u0000-\u0020\u007F-\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000][^\u0000-\u0008\u000B-\u001F\u007F-\u009F]*$"
    )]
    comment: String,
}

/// Approves a pending request, or an extension waiting for approval.
#[utoipa::path(
    post,
    path = routes::APPROVE,
    operation_id = "approveRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body(content = Decision, description = "An optional comment; the body may be left out"),
    responses(
        (status = 200, description = "Approved", body = AccessRequest),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not an approver of it (`forbidden`), or the caller's own request (`self_approval`)", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Nothing waits for a decision", body = ApiError),
    )
)]
pub async fn approve(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    OptionalJson(body): OptionalJson<Decision>,
) -> Answer {
    visible_request(&state, &viewer, id).await?;
    let request = state
        .engine()
        .approve(id, &viewer.actor(), body.comment)
        .await?;
    Ok(axum::Json(Wire::of(&viewer).request(&request)))
}

/// Rejects a pending request, or an extension waiting for approval. A comment is required.
#[utoipa::path(
    post,
    path = routes::REJECT,
    operation_id = "rejectRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body(content = Rejection, description = "`comment` is required: tell the requester why"),
    responses(
        (status = 200, description = "Rejected", body = AccessRequest),
        (status = 400, description = "No comment, or one that is not plain text", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not an approver of it, or the caller's own request", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Nothing waits for a decision", body = ApiError),
    )
)]
pub async fn reject(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    OptionalJson(body): OptionalJson<Decision>,
) -> Answer {
    visible_request(&state, &viewer, id).await?;
    let request = state
        .engine()
        .reject(id, &viewer.actor(), body.comment)
        .await?;
    Ok(axum::Json(Wire::of(&viewer).request(&request)))
}

/// The requester withdraws a request whose window has not opened.
#[utoipa::path(
    post,
    path = routes::CANCEL,
    operation_id = "cancelRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body(content = Decision, description = "An optional comment; the body may be left out"),
    responses(
        (status = 200, description = "Cancelled", body = AccessRequest),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not the requester", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Already started or decided: revoke an active grant instead", body = ApiError),
    )
)]
pub async fn cancel(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    OptionalJson(body): OptionalJson<Decision>,
) -> Answer {
    visible_request(&state, &viewer, id).await?;
    let request = state
        .engine()
        .cancel(id, &viewer.actor(), body.comment)
        .await?;
    Ok(axum::Json(Wire::of(&viewer).request(&request)))
}

/// Ends a grant now (or one approved but not started): its requester, an approver of it,
/// or an admin. The assignment is deleted unless another active grant still needs it.
#[utoipa::path(
    post,
    path = routes::REVOKE,
    operation_id = "revokeRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body(content = Decision, description = "An optional comment; the body may be left out"),
    responses(
        (status = 200, description = "Ending (or ended, if it had not started)", body = AccessRequest),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Neither its requester, an approver of it, nor an admin", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "Not approved or active", body = ApiError),
    )
)]
pub async fn revoke(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    OptionalJson(body): OptionalJson<Decision>,
) -> Answer {
    visible_request(&state, &viewer, id).await?;
    let request = state
        .engine()
        .revoke(id, &viewer.actor(), body.comment)
        .await?;
    Ok(axum::Json(Wire::of(&viewer).request(&request)))
}

/// Lengthens the window in place. The policy is asked about the new length: beyond the
/// rule's maximum it is refused; where the longer window needs approval, the new end waits
/// for an approver as `pendingEndAt` and the grant keeps its current end until then.
/// Extending a member of a request set extends the whole set (every member still running,
/// held to the policy as one decision; a member that failed is passed over, and the set may
/// be extended through it). The answer is the member asked about — one that failed as it
/// stands, `failed` with its end unmoved and its `outcome` — and the set's own read shows
/// every member and which failed.
#[utoipa::path(
    post,
    path = routes::EXTEND,
    operation_id = "extendRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    request_body = ExtendRequest,
    responses(
        (status = 200, description = "Extended, or the extension waits for approval (`pendingEndAt`)", body = AccessRequest),
        (status = 400, description = "The new length is longer than the policy allows", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not the requester, or no longer eligible", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 409, description = "The request has ended or was decided; for a set member, no member of the set is still running", body = ApiError),
    )
)]
pub async fn extend(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    Json(body): Json<ExtendRequest>,
) -> Answer {
    let request = visible_request(&state, &viewer, id).await?;
    if !viewer.is_requester(&request) {
        return Err(AppError::forbidden(format!(
            "only {} can extend request {id}; an approver or admin can revoke it",
            request.requester.user_name
        )));
    }
    if body.by_secs == 0 {
        return Err(AppError::invalid(
            "bySecs must be above zero: say how much longer you need",
        ));
    }
    // A set member is checked with its set: the set may go on through a member that failed.
    if request.set_id.is_none() && !extendable(&request) {
        return Err(crate::workflow::EngineError::InvalidState {
            id,
            state: request.state,
            action: "extended",
        }
        .into());
    }
    let by = Duration::from_secs(u64::from(body.by_secs));
    let by_span = chrono::Duration::seconds(i64::from(body.by_secs));
    // Approval needed for the new length, and from whom: a group grant by its group's
    // rule (a group is never part of a request set), an assignment (and its set) by the
    // accounts' rules.
    let approval = match &request.group {
        Some(group) => {
            // The whole window as it would become, held to the policy like a new request.
            let length = (request.end_at + by_span - request.start_at)
                .to_std()
                .unwrap_or(by);
            let directory = state.directory().current();
            let terms = viewer
                .policy
                .check_group(
                    &viewer.subject,
                    &GroupAsk {
                        group: &group.name,
                        duration: length,
                        ticket: request.ticket.as_deref(),
                    },
                    directory.as_ref(),
                )?
                .terms;
            terms.approval_required.then_some(terms.approver_groups)
        }
        None => extension_approval(&state, &viewer, &request, by_span).await?,
    };
    let extended = state
        .engine()
        .extend(id, &viewer.actor(), by, body.reason, approval)
        .await?;
    Ok(axum::Json(Wire::of(&viewer).request(&extended)))
}
