//! `/_sim`: the control API tests and the demo use to act as a person (approve a device
//! sign-in), move time, inject faults and read what happened.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::json;

use crate::control::{AuthorizeApproval, ControlError, DeviceApproval};
use crate::faults::Faults;
use crate::http::identitystore::user_json;
use crate::sim::Sim;

pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/", get(index))
        .route("/device/approve", post(approve_device))
        .route("/authorize/approve", post(approve_authorization))
        .route("/clock", get(clock))
        .route("/clock/advance", post(advance_clock))
        .route("/faults", get(get_faults).put(put_faults))
        .route("/assignments", get(assignments))
        .route("/memberships", get(memberships))
        .route("/cloudtrail", get(cloudtrail))
        .route("/calls", get(calls))
        .route("/world", get(world))
}

impl ControlError {
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ControlError::BadRequest(_) => StatusCode::BAD_REQUEST,
            ControlError::NotFound(_) => StatusCode::NOT_FOUND,
            ControlError::Conflict(_) => StatusCode::CONFLICT,
            ControlError::Gone(_) => StatusCode::GONE,
        }
    }
}

fn error(err: ControlError) -> Response {
    (err.status(), Json(json!({ "error": err.to_string() }))).into_response()
}

/// JSON bodies that fail to parse get a message saying what was wrong, not axum's default.
fn parse<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, ControlError> {
    serde_json::from_slice(body)
        .map_err(|e| ControlError::BadRequest(format!("bad JSON body: {e}")))
}

async fn index(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlIndex");
    let base = format!("{}/_sim", sim.base_url);
    Json(json!({
        "endpoints": {
            "approveDevice": format!("POST {base}/device/approve {{\"userCode\"|\"deviceCode\", \"userName\", \"deny\"}}"),
            "approveAuthorization": format!("POST {base}/authorize/approve {{\"authorizeUrl\", \"userName\", \"deny\"}}"),
            "clock": format!("GET {base}/clock"),
            "advanceClock": format!("POST {base}/clock/advance {{\"seconds\"}}"),
            "faults": format!("GET|PUT {base}/faults"),
            "assignments": format!("GET {base}/assignments"),
            "memberships": format!("GET {base}/memberships"),
            "cloudtrail": format!("GET {base}/cloudtrail"),
            "calls": format!("GET {base}/calls?since=<seq>"),
            "world": format!("GET {base}/world"),
        }
    }))
    .into_response()
}

async fn approve_device(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Response {
    tracing::Span::current().record("operation", "ControlApproveDevice");
    let req: DeviceApproval = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    let Some(code) = req.user_code.as_deref().or(req.device_code.as_deref()) else {
        return error(ControlError::BadRequest(
            "give userCode (XXXX-XXXX) or deviceCode".into(),
        ));
    };
    match sim.decide_device(code, &req.user_name, req.deny) {
        Ok(decision) => Json(decision).into_response(),
        Err(e) => error(e),
    }
}

async fn approve_authorization(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Response {
    tracing::Span::current().record("operation", "ControlApproveAuthorization");
    let req: AuthorizeApproval = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    match super::authorize::approve_url(&sim, &req.authorize_url, &req.user_name, req.deny) {
        Ok(decision) => Json(decision).into_response(),
        Err(e) => error(e),
    }
}

async fn clock(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlClock");
    Json(sim.clock_state()).into_response()
}

#[derive(Deserialize)]
struct Advance {
    seconds: f64,
}

async fn advance_clock(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Response {
    tracing::Span::current().record("operation", "ControlAdvanceClock");
    let req: Advance = match parse(&body) {
        Ok(r) => r,
        Err(e) => return error(e),
    };
    if !req.seconds.is_finite() || req.seconds < 0.0 {
        return error(ControlError::BadRequest(
            "seconds must be a non-negative number: the clock only moves forward".into(),
        ));
    }
    let state = sim.advance_clock(Duration::from_secs_f64(req.seconds));
    tracing::info!(seconds = req.seconds, now = %state.now, "clock advanced");
    Json(state).into_response()
}

async fn get_faults(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlGetFaults");
    Json(sim.faults()).into_response()
}

async fn put_faults(State(sim): State<Arc<Sim>>, body: axum::body::Bytes) -> Response {
    tracing::Span::current().record("operation", "ControlPutFaults");
    let faults: Faults = match parse(&body) {
        Ok(f) => f,
        Err(e) => return error(e),
    };
    match sim.set_faults(faults) {
        Ok(()) => {
            tracing::info!(faults = ?sim.faults(), "faults set");
            Json(sim.faults()).into_response()
        }
        Err(e) => error(e),
    }
}

async fn assignments(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlAssignments");
    Json(sim.assignments_snapshot()).into_response()
}

async fn memberships(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlMemberships");
    Json(sim.memberships_snapshot()).into_response()
}

async fn cloudtrail(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlCloudTrail");
    Json(sim.trail_snapshot()).into_response()
}

async fn calls(State(sim): State<Arc<Sim>>, Query(q): Query<HashMap<String, String>>) -> Response {
    tracing::Span::current().record("operation", "ControlCalls");
    let since = match q.get("since").map(|s| s.parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            return error(ControlError::BadRequest(
                "since must be a call sequence number (0 for all)".into(),
            ));
        }
    };
    Json(sim.calls_since(since)).into_response()
}

/// The world with its derived ids, so a test can find alice's user id or a permission
/// set's ARN without computing them.
async fn world(State(sim): State<Arc<Sim>>) -> Response {
    tracing::Span::current().record("operation", "ControlWorld");
    let w = &sim.world;
    let org = w.organization();
    Json(json!({
        "source": w.source_name(),
        "instance": {
            "instanceArn": w.instance().instance_arn,
            "identityStoreId": w.instance().identity_store_id,
            "region": w.instance().region,
            "ownerAccountId": w.instance().owner_account_id,
        },
        "users": w.users().iter().map(|u| user_json(w, u)).collect::<Vec<_>>(),
        "groups": w.groups().iter().map(|g| json!({
            "groupId": g.group_id,
            "name": g.name,
            "description": g.description,
            "externalIds": g.external_ids.iter().map(|e| json!({ "issuer": e.issuer, "id": e.id })).collect::<Vec<_>>(),
            "memberUserNames": g.member_ids.iter().filter_map(|id| w.user_by_id(id)).map(|u| u.user_name.clone()).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "organization": {
            "id": org.id,
            "rootId": org.root_id,
            "managementAccountId": org.management_account_id,
            "ous": org.ous.iter().map(|o| json!({"id": o.id, "name": o.name, "parentId": o.parent_id})).collect::<Vec<_>>(),
        },
        "accounts": w.accounts().iter().map(|a| json!({"id": a.id, "name": a.name, "email": a.email, "parentId": a.parent_id})).collect::<Vec<_>>(),
        "permissionSets": w.permission_sets().iter().map(|p| json!({
            "arn": p.arn,
            "name": p.name,
            "description": p.description,
            "sessionDurationSeconds": p.session_duration.as_secs(),
        })).collect::<Vec<_>>(),
    }))
    .into_response()
}
