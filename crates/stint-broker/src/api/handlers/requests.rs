//! Requests: create one, list them, read one with its history, and who may approve it.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use stint_api::{
    AccessRequest, ApiError, ApproverExplanation, CreateRequest, ListRequestsQuery, Page,
    RequestScope, UserRef, routes,
};

use super::before_policy::{Asking, before_policy};
use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::{Json, Path, Query};
use crate::api::page_limit::{MAX_REQUESTS, page_limit};
use crate::api::state::AppState;
use crate::api::wire::Wire;
use crate::model::{
    AccountInfo, GroupInfo, PermissionSetInfo, Request, RequestId, State as RequestState,
};
use crate::policy::{Ask, GroupAsk, GroupDirectory, rule_ref, secs};
use crate::workflow::{ApprovalDecision, ListQuery, NewGrant, Scope};

/// Requests a page when the query does not say.
const DEFAULT_PAGE: u32 = 50;

/// The request, if the caller may know it exists; otherwise the same answer as for a
/// request that does not exist.
pub async fn visible_request(
    state: &AppState,
    viewer: &Viewer,
    id: RequestId,
) -> Result<Request, AppError> {
    let request = state.engine().request(id).await?;
    if viewer.can_see(&request) {
        Ok(request)
    } else {
        Err(crate::workflow::EngineError::NotFound(id).into())
    }
}

/// Asks for access: an (account, permission set), or membership of a grantable group. The
/// policy decides at once whether it is allowed, whether it needs approval and who could
/// give it; a request nobody could approve is refused here.
#[utoipa::path(
    post,
    path = routes::REQUESTS,
    operation_id = "createRequest",
    tag = "requests",
    security(("bearer" = [])),
    request_body = CreateRequest,
    responses(
        (status = 201, description = "Recorded: `pending`, or `approved` when no approval is needed", body = AccessRequest),
        (status = 400, description = "Bad input (both a group and an account, or neither), a duration out of range, or a missing or malformed ticket (`invalid_input`, `ticket_required`)", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "Not eligible, or nobody could approve it (`not_eligible`, `no_approver`)", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<CreateRequest>,
) -> Result<(StatusCode, axum::Json<AccessRequest>), AppError> {
    let duration = before_policy(
        &state,
        &Asking {
            reason: &body.reason,
            ticket: body.ticket.as_deref(),
            duration_secs: body.duration_secs,
            start_at: body.start_at,
        },
    )?;
    // The policy's answer, in a block: what it reads need not live across the await.
    let (target, decision) = {
        let directory = state.directory().current();
        let asked = Asked {
            duration,
            ticket: body.ticket.as_deref(),
            directory: directory.as_ref(),
        };
        match body.group.as_deref() {
            Some(group) => {
                if !body.account.is_empty() || !body.permission_set.is_empty() {
                    return Err(AppError::invalid(
                        "name either a group or an account and permission set, not both: a group gives what it is assigned",
                    ));
                }
                group_target(&viewer, group.trim(), &asked)?
            }
            None => assignment_target(&viewer, &body.account, &body.permission_set, &asked)?,
        }
    };
    let rule = decision.rule.clone();
    let grant = NewGrant {
        account: target.account,
        permission_set: target.permission_set,
        group: target.group,
        duration: decision.duration,
        start_at: body.start_at,
        reason: body.reason,
        ticket: body.ticket,
        decision: decision.approval,
    };
    let request = state.engine().create(&viewer.actor(), grant).await?;
    let out = Wire::of(&viewer).request(&request);
    tracing::info!(
        request_id = request.id,
        target = %out.target_label(),
        state = %request.state,
        rule = %rule,
        "request created"
    );
    Ok((StatusCode::CREATED, axum::Json(out)))
}

/// What every kind of target is checked with.
struct Asked<'a> {
    duration: Duration,
    ticket: Option<&'a str>,
    directory: &'a dyn GroupDirectory,
}

/// What a request is for, as the engine records it: an (account, permission set), or a
/// group (the account and permission set then empty).
struct TargetInfo {
    account: AccountInfo,
    permission_set: PermissionSetInfo,
    group: Option<GroupInfo>,
}

/// The policy's terms for one target: how long, who approves, by which rule.
struct Granted {
    duration: Duration,
    approval: ApprovalDecision,
    rule: String,
}

fn assignment_target(
    viewer: &Viewer,
    account: &str,
    permission_set: &str,
    asked: &Asked<'_>,
) -> Result<(TargetInfo, Granted), AppError> {
    if account.is_empty() || permission_set.is_empty() {
        return Err(AppError::invalid(
            "name the account and the permission set (or a group): for example account \"prod\" and permissionSet \"ReadOnlyAccess\"",
        ));
    }
    let decision = viewer.policy.check(
        &viewer.subject,
        &Ask {
            account,
            permission_set,
            duration: asked.duration,
            ticket: asked.ticket,
        },
        asked.directory,
    )?;
    let ps = &decision.permission_set;
    let target = TargetInfo {
        account: AccountInfo {
            id: decision.account.id.clone(),
            name: decision.account.name.clone(),
        },
        permission_set: PermissionSetInfo {
            arn: ps.arn.clone(),
            name: ps.name.clone(),
            description: ps.description.clone(),
            session_duration_secs: secs(ps.session_duration),
        },
        group: None,
    };
    let granted = Granted {
        duration: decision.duration,
        approval: ApprovalDecision {
            approval_required: decision.approval_required,
            approver_groups: decision.approver_groups.clone(),
            approval_timeout: Some(decision.approval_timeout),
        },
        rule: decision.rule.name.clone(),
    };
    Ok((target, granted))
}

fn group_target(
    viewer: &Viewer,
    group: &str,
    asked: &Asked<'_>,
) -> Result<(TargetInfo, Granted), AppError> {
    if group.is_empty() {
        return Err(AppError::invalid(
            "group: name the group, as GET /v1/eligibility lists it (for example \"oncall-admins\")",
        ));
    }
    let decision = viewer.policy.check_group(
        &viewer.subject,
        &GroupAsk {
            group,
            duration: asked.duration,
            ticket: asked.ticket,
        },
        asked.directory,
    )?;
    let terms = decision.terms;
    let target = TargetInfo {
        account: AccountInfo {
            id: String::new(),
            name: String::new(),
        },
        permission_set: PermissionSetInfo {
            arn: String::new(),
            name: String::new(),
            description: None,
            session_duration_secs: 0,
        },
        group: Some(GroupInfo {
            id: decision.group.group_id,
            name: decision.group.display_name,
        }),
    };
    let granted = Granted {
        duration: terms.duration,
        approval: ApprovalDecision {
            approval_required: terms.approval_required,
            approver_groups: terms.approver_groups,
            approval_timeout: Some(terms.approval_timeout),
        },
        rule: terms.rule.name,
    };
    Ok((target, granted))
}

/// `state=pending,active`: a list of state names, every state when the parameter is left
/// out. `state=` names none, and an empty name in a list (`pending,`) is no state either:
/// both are refused like any other unknown name.
fn parse_states(states: Option<&str>) -> Result<Vec<RequestState>, AppError> {
    let Some(states) = states else {
        return Ok(Vec::new());
    };
    states
        .split(',')
        .map(str::trim)
        .map(|s| {
            RequestState::parse(s).ok_or_else(|| {
                AppError::invalid(format!(
                    "\"{s}\" is not a request state; use one of {}",
                    RequestState::ALL.map(RequestState::as_str).join(", ")
                ))
            })
        })
        .collect()
}

/// A page of requests, newest first: the caller's (`scope=mine`), those waiting for their
/// decision (`approvable`), or every request (`all`, auditors and admins).
#[utoipa::path(
    get,
    path = routes::REQUESTS,
    operation_id = "listRequests",
    tag = "requests",
    security(("bearer" = [])),
    params(ListRequestsQuery),
    responses(
        (status = 200, description = "One page", body = Page<AccessRequest>),
        (status = 400, description = "An unknown state, a limit out of range or a cursor this broker did not give", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "`scope=all` by someone who is neither auditor nor admin", body = ApiError),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(query): Query<ListRequestsQuery>,
) -> Result<axum::Json<Page<AccessRequest>>, AppError> {
    let scope = match query.scope {
        RequestScope::Mine => Scope::Mine,
        RequestScope::Approvable => Scope::Approvable,
        RequestScope::All => {
            viewer.require_auditor("listing every request")?;
            Scope::All
        }
    };
    let states = parse_states(query.state.as_deref())?;
    let limit = page_limit(query.limit, DEFAULT_PAGE, MAX_REQUESTS)?;
    // An account may be named as people say it; the store keeps ids.
    let account_id = query.account.map(|a| {
        viewer
            .policy
            .find_account(&a)
            .map_or(a, |found| found.id.clone())
    });
    let page = state
        .engine()
        .list(
            &viewer.actor(),
            ListQuery {
                scope,
                states,
                account_id,
                // `cursor=` with nothing after it is the first page, as when it is left out.
                cursor: query.cursor.filter(|c| !c.is_empty()),
                limit: Some(limit),
            },
        )
        .await?;
    let wire = Wire::of(&viewer);
    Ok(axum::Json(Page {
        items: page.items.iter().map(|r| wire.request(r)).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// One request with its history. Visible to its requester, its approvers, auditors and
/// admins; anyone else is told it does not exist.
#[utoipa::path(
    get,
    path = routes::REQUEST,
    operation_id = "getRequest",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    responses(
        (status = 200, description = "The request and its history", body = AccessRequest),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
) -> Result<axum::Json<AccessRequest>, AppError> {
    let details = state.engine().request_details(id).await?;
    if !viewer.can_see(&details.request) {
        return Err(crate::workflow::EngineError::NotFound(id).into());
    }
    Ok(axum::Json(Wire::of(&viewer).details(&details)))
}

/// Who may approve a request: the groups fixed when it was made, their members other than
/// the requester, and the approval rules that cover it now.
#[utoipa::path(
    get,
    path = routes::APPROVERS,
    operation_id = "getApprovers",
    tag = "explain",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The request id")),
    responses(
        (status = 200, description = "Who may approve it", body = ApproverExplanation),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 404, description = "No such request, or not one the caller may see", body = ApiError),
        (status = 503, description = "Identity Center could not be asked about a group", body = ApiError),
    )
)]
pub async fn approvers(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
) -> Result<axum::Json<ApproverExplanation>, AppError> {
    let request = visible_request(&state, &viewer, id).await?;
    let directory = state.directory().current();
    let mut users: BTreeMap<String, UserRef> = BTreeMap::new();
    for group in &request.approver_groups {
        let members = match directory.members.get(group) {
            Some(members) => members.clone(),
            // A group the policy no longer names: ask Identity Center.
            None => state.inner.idc.group_members(group).await?,
        };
        for user in members {
            if user.user_id != request.requester.user_id {
                users.insert(
                    user.user_name.clone(),
                    UserRef {
                        user_id: user.user_id,
                        user_name: user.user_name,
                        display_name: user.display_name,
                    },
                );
            }
        }
    }
    let covering = match &request.group {
        Some(group) => viewer.policy.approval_rules_for_group(&group.name),
        None => viewer
            .policy
            .approval_rules_for(&request.account.id, &request.permission_set.name),
    };
    let rules = covering.iter().map(|(rule, _)| rule_ref(rule)).collect();
    Ok(axum::Json(ApproverExplanation {
        request_id: request.id,
        rules,
        groups: request.approver_groups.clone(),
        users: users.into_values().collect(),
    }))
}
