//! A request's session activity: the trail's events of its role session, oldest first,
//! with use after the window flagged.

use axum::extract::State;
use stint_api::{ActivityEvent, ActivityPage, ActivityQuery, ApiError, routes};

use crate::activity::{ActivityError, Cursor, Matched, TrailQuery, select, window_of};
use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::{Path, Query};
use crate::api::handlers::requests::visible_request;
use crate::api::state::AppState;
use crate::model::RequestId;

const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// The CloudTrail events of the request's role session made with credentials issued in
/// its window, up to the expiry of the last of them. Visible as the request is. CloudTrail
/// delivers minutes late: `asOf` and `deliveryLagSecs` say what may be missing.
#[utoipa::path(
    get,
    path = routes::ACTIVITY,
    operation_id = "getActivity",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id"), ActivityQuery),
    responses(
        (status = 200, description = "One page, oldest first; empty when the request never gave access", body = ActivityPage),
        (status = 400, description = "A limit out of range or a cursor this broker did not give", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see; or session activity is not configured on this broker (`not_found`, the message says which)", body = ApiError),
        (status = 503, description = "The organization trail could not be read (`activity_unavailable`): the activity is unknown, not empty", body = ApiError),
    )
)]
pub async fn activity(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
    Query(query): Query<ActivityQuery>,
) -> Result<axum::Json<ActivityPage>, AppError> {
    let limit = query.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::invalid(format!(
            "limit {limit} is out of range: ask for 1 to {MAX_LIMIT} events"
        )));
    }
    let after = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(text) => Some(Cursor::decode(text).ok_or_else(|| {
            AppError::invalid("cursor is not one this broker gave; start again without it")
        })?),
    };
    let request = visible_request(&state, &viewer, id).await?;
    if let Some(group) = &request.group {
        return Err(AppError::invalid(format!(
            "request {id} is membership of group {}: session activity is read for account and permission set grants only (a group's roles span its accounts; not read yet)",
            group.name
        )));
    }
    let source = state.activity();
    let now = state.clock().now();
    let lag = source.delivery_lag();
    let role_session = crate::activity::RoleSession {
        account_id: request.account.id.clone(),
        permission_set: request.permission_set.name.clone(),
        user_name: request.requester.user_name.clone(),
    };
    let mut page = ActivityPage {
        items: Vec::new(),
        next_cursor: None,
        as_of: now,
        delivery_lag_secs: u32::try_from(lag.as_secs()).unwrap_or(u32::MAX),
        role_session: role_session.pattern(),
        window_start: None,
        window_end: None,
        watched_until: None,
        after_window_count: 0,
    };
    let Some(window) = window_of(&request, now) else {
        return Ok(axum::Json(page));
    };
    page.window_start = Some(window.start);
    page.window_end = Some(window.end);
    page.watched_until = Some(window.watched_until);
    if now < window.start {
        return Ok(axum::Json(page));
    }
    let batch = source
        .events(&TrailQuery {
            session: window.session.clone(),
            from: window.start,
            to: window.watched_until.min(now),
            after,
            limit,
        })
        .await
        .map_err(activity_error)?;
    let last = batch.events.last().map(|e| Cursor {
        event_time: e.event_time,
        event_id: e.event_id.clone(),
    });
    page.items = select(batch.events, &window)
        .into_iter()
        .map(to_api)
        .collect();
    page.after_window_count = page.items.iter().filter(|e| e.after_window).count() as u32;
    // The cursor follows what the source read, matched or not, so a page of other
    // sessions' events still moves on.
    page.next_cursor = batch.more.then_some(last).flatten().map(|c| c.encode());
    Ok(axum::Json(page))
}

fn to_api(m: Matched) -> ActivityEvent {
    let e = m.event;
    ActivityEvent {
        event_id: e.event_id,
        event_time: e.event_time,
        event_source: e.event_source,
        event_name: e.event_name,
        event_type: e.event_type,
        aws_region: e.aws_region,
        source_ip_address: e.source_ip_address,
        user_agent: e.user_agent,
        read_only: e.read_only,
        error_code: e.error_code,
        arn: e.arn,
        session_issued_at: e.session_issued_at,
        request_parameters: e.request_parameters,
        after_window: m.after_window,
    }
}

/// A broker without `[activity]` has no activity to show, for good: 404, not a 5xx, which
/// would say the broker is failing and invite retries. A trail that cannot be read now
/// is 503: the activity is unknown, not empty.
fn activity_error(e: ActivityError) -> AppError {
    match &e {
        ActivityError::NotConfigured => AppError::not_found(e.to_string()),
        _ => {
            AppError::activity_unavailable(format!("session activity is unknown right now: {e}"), e)
        }
    }
}
