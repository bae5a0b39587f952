//! Request sets: one permission set in several accounts (named, or an OU's), approved once.
//! The policy checks every account as if it were asked for alone; the set is one decision
//! (approval when any account needs it, by the groups that may approve every account), and
//! the engine writes one request per account (`workflow/request_sets.rs`).

use axum::extract::State;
use axum::http::StatusCode;
use stint_api::{ApiError, CreateRequestSet, RequestSet, routes};

use super::before_policy::{Asking, before_policy};
use super::requests::visible_request;
use crate::api::caller::Viewer;
use crate::api::error::AppError;
use crate::api::extract::{Json, Path};
use crate::api::state::AppState;
use crate::idc::Account;
use crate::model::{AccountInfo, PermissionSetInfo, Request, RequestId};
use crate::policy::{Ask, Decision, ResolvedPolicy, secs};
use crate::workflow::{ApprovalDecision, EngineError, NewGrantSet};

/// Asks for one permission set in several accounts at once: every account is checked by
/// the policy, and one approval decides them all. Refused whole when any account is not
/// allowed, when the accounts are more than the policy's `max_targets`, or when nobody
/// could approve every one of them.
#[utoipa::path(
    post,
    path = routes::REQUEST_SETS,
    operation_id = "createRequestSet",
    tag = "requests",
    security(("bearer" = [])),
    request_body = CreateRequestSet,
    responses(
        (status = 201, description = "Recorded: one request per account, `pending`, or `approved` when none needs approval", body = RequestSet),
        (status = 400, description = "Bad input: no accounts, both accounts and an OU, an unknown OU, a duration out of range, or a missing ticket (`invalid_input`, `ticket_required`)", body = ApiError),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 403, description = "An account not allowed, more accounts than the policy's `max_targets`, or nobody who could approve them all (`not_eligible`, `no_approver`)", body = ApiError),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    viewer: Viewer,
    Json(body): Json<CreateRequestSet>,
) -> Result<(StatusCode, axum::Json<RequestSet>), AppError> {
    // As a single request is checked, in the same order: free text before the policy.
    let duration = before_policy(
        &state,
        &Asking {
            reason: &body.reason,
            ticket: body.ticket.as_deref(),
            duration_secs: body.duration_secs,
            start_at: body.start_at,
        },
    )?;
    let accounts = targets(&viewer.policy, &body)?;
    let limit = viewer.policy.settings().max_targets;
    if accounts.len() > limit as usize {
        return Err(AppError::new(
            stint_api::ErrorCode::NotEligible,
            format!(
                "this request names {} accounts; the policy allows at most {limit} in one request \
                 ([settings] max_targets): split it into several requests",
                accounts.len()
            ),
        ));
    }
    let directory = state.directory().current();
    let mut decisions = Vec::with_capacity(accounts.len());
    for account in &accounts {
        let decision = viewer.policy.check(
            &viewer.subject,
            &Ask {
                account: &account.id,
                permission_set: &body.permission_set,
                duration,
                ticket: body.ticket.as_deref(),
            },
            directory.as_ref(),
        )?;
        decisions.push(decision);
    }
    let approval = one_decision(&decisions)?;
    let Some(first) = decisions.first() else {
        return Err(AppError::invalid("name at least two accounts, or an OU"));
    };
    let ps = &first.permission_set;
    let set = NewGrantSet {
        accounts: decisions
            .iter()
            .map(|d| AccountInfo {
                id: d.account.id.clone(),
                name: d.account.name.clone(),
            })
            .collect(),
        permission_set: PermissionSetInfo {
            arn: ps.arn.clone(),
            name: ps.name.clone(),
            description: ps.description.clone(),
            session_duration_secs: secs(ps.session_duration),
        },
        duration: decisions
            .iter()
            .map(|d| d.duration)
            .min()
            .unwrap_or(first.duration),
        start_at: body.start_at,
        reason: body.reason,
        ticket: body.ticket,
        decision: approval,
    };
    let members = state.engine().create_set(&viewer.actor(), set).await?;
    let set = to_set(&members);
    tracing::info!(
        set_id = set.id,
        accounts = %set.account_names().join(","),
        permission_set = %ps.name,
        state = %set.state.as_str(),
        "request set created"
    );
    Ok((StatusCode::CREATED, axum::Json(set)))
}

/// A request set with its members and the state derived from them. Visible to whoever may
/// see its members (they share requester and approvers); anyone else is told it does not
/// exist.
#[utoipa::path(
    get,
    path = routes::REQUEST_SET,
    operation_id = "getRequestSet",
    tag = "requests",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The set's id (its first member's request id)")),
    responses(
        (status = 200, description = "The set", body = RequestSet),
        (status = 401, description = "No valid session", body = ApiError),
        (status = 404, description = "No such set, or not one the caller may see", body = ApiError),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<RequestId>,
) -> Result<axum::Json<RequestSet>, AppError> {
    let members = match state.engine().request_set(id).await {
        Ok(members) if members.iter().all(|m| viewer.can_see(m)) => members,
        Ok(_) | Err(EngineError::NotFound(_)) => return Err(no_set(&state, &viewer, id).await),
        Err(e) => return Err(e.into()),
    };
    Ok(axum::Json(to_set(&members)))
}

/// The 404 for set `id`, the same whether it does not exist or the caller may not see it,
/// saying what to read instead: a request of that id the caller may see is a single
/// request or another set's member; otherwise where set ids come from.
async fn no_set(state: &AppState, viewer: &Viewer, id: RequestId) -> AppError {
    let instead = match visible_request(state, viewer, id).await {
        Ok(request) => match request.set_id {
            Some(set) => format!(
                "request {id} belongs to request set {set}: read GET {}",
                routes::with_id(routes::REQUEST_SET, set)
            ),
            None => format!(
                "request {id} is a single request, not a set: read GET {}",
                routes::with_id(routes::REQUEST, id)
            ),
        },
        Err(e) if e.code == stint_api::ErrorCode::NotFound => {
            "a set's id is its first member's request id (each member's `setId`); `stint ls` \
             lists your requests and those waiting for your approval"
                .to_string()
        }
        Err(e) => return e,
    };
    AppError::not_found(format!("no request set {id}: {instead}"))
}

fn to_set(members: &[Request]) -> RequestSet {
    let id = members.first().and_then(|m| m.set_id).unwrap_or_default();
    RequestSet::from_members(id, members.iter().map(Request::to_api).collect())
}

/// The accounts a set asks for: those named (by id or name), or every account below the
/// OU at any depth, each once, in the order named (an OU's in the organization's order).
fn targets(policy: &ResolvedPolicy, body: &CreateRequestSet) -> Result<Vec<Account>, AppError> {
    let named: Vec<&str> = body
        .accounts
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty())
        .collect();
    let ou = body.ou.as_deref().map(str::trim).filter(|o| !o.is_empty());
    let accounts: Vec<Account> = match (named.is_empty(), ou) {
        (false, Some(_)) => {
            return Err(AppError::invalid(
                "name accounts or an OU, not both: the OU would decide which accounts",
            ));
        }
        (true, None) => {
            return Err(AppError::invalid(
                "a request set needs `accounts` (two or more) or an `ou`",
            ));
        }
        (false, None) => named
            .iter()
            .map(|name| {
                policy.find_account(name).cloned().ok_or_else(|| {
                    AppError::new(
                        stint_api::ErrorCode::NotEligible,
                        format!("there is no account \"{name}\" in the organization."),
                    )
                })
            })
            .collect::<Result<_, _>>()?,
        (true, Some(ou)) => accounts_below(policy, ou)?,
    };
    let mut seen = std::collections::BTreeSet::new();
    if let Some(twice) = accounts.iter().find(|a| !seen.insert(a.id.clone())) {
        return Err(AppError::invalid(format!(
            "account {} ({}) is named twice; name each account once",
            twice.name, twice.id
        )));
    }
    if accounts.len() < 2 {
        return Err(AppError::invalid(format!(
            "a request set names at least two accounts, and this one names {}: request a \
             single account with POST {}",
            accounts.len(),
            routes::REQUESTS
        )));
    }
    Ok(accounts)
}

/// Every account below an OU (named by name or id), at any depth.
fn accounts_below(policy: &ResolvedPolicy, ou: &str) -> Result<Vec<Account>, AppError> {
    let org = &policy.org;
    let Some(unit) = org.ous.iter().find(|o| o.name == ou || o.id == ou) else {
        let mut names: Vec<&str> = org.ous.iter().map(|o| o.name.as_str()).collect();
        names.sort_unstable();
        return Err(AppError::invalid(format!(
            "there is no OU \"{ou}\" in the organization; OUs are {}",
            names.join(", ")
        )));
    };
    Ok(org
        .accounts
        .iter()
        .filter(|a| org.ancestors(&a.id).iter().any(|o| o.id == unit.id))
        .cloned()
        .collect())
}

/// One approval decision for every account: approval when any needs it, by the groups that
/// may approve every account needing it (an approver of only some must not open the rest),
/// expiring with the earliest timeout.
fn one_decision(decisions: &[Decision]) -> Result<ApprovalDecision, AppError> {
    let needing: Vec<&Decision> = decisions.iter().filter(|d| d.approval_required).collect();
    let Some(first) = needing.first() else {
        return Ok(ApprovalDecision {
            approval_required: false,
            approver_groups: Vec::new(),
            approval_timeout: decisions.iter().map(|d| d.approval_timeout).min(),
        });
    };
    let groups: Vec<String> = first
        .approver_groups
        .iter()
        .filter(|g| needing.iter().all(|d| d.approver_groups.contains(g)))
        .cloned()
        .collect();
    if groups.is_empty() {
        let each: Vec<String> = needing
            .iter()
            .map(|d| format!("{}: {}", d.account.name, d.approver_groups.join(", ")))
            .collect();
        return Err(AppError::new(
            stint_api::ErrorCode::NoApprover,
            format!(
                "no group may approve all of these accounts at once ({}); request them in \
                 separate sets, one per approver group",
                each.join("; ")
            ),
        ));
    }
    Ok(ApprovalDecision {
        approval_required: true,
        approver_groups: groups,
        approval_timeout: needing.iter().map(|d| d.approval_timeout).min(),
    })
}

/// Whether a request can still be made longer: not once it has ended or is ending.
pub fn extendable(request: &Request) -> bool {
    !(request.state.is_final() || request.state == crate::model::State::Ending)
}

/// Who must approve extending an account assignment `request` by `by`; `None` when nobody
/// need. A set is extended whole (the engine extends every member that can be, so they
/// keep ending together): every such member is held to the policy at its new length, as
/// a new request of it would be, and the answer is one decision for all of them, as when
/// the set was made. The member asked about may itself have failed: the set is still
/// extended through it.
pub async fn extension_approval(
    state: &AppState,
    viewer: &Viewer,
    request: &Request,
    by: chrono::Duration,
) -> Result<Option<Vec<String>>, AppError> {
    let members = match request.set_id {
        Some(set) => state.engine().request_set(set).await?,
        None => vec![request.clone()],
    };
    let running: Vec<&Request> = members.iter().filter(|m| extendable(m)).collect();
    if running.is_empty() {
        return Err(EngineError::InvalidState {
            id: request.id,
            state: request.state,
            action: "extended",
        }
        .into());
    }
    let directory = state.directory().current();
    let mut decisions = Vec::with_capacity(running.len());
    for member in running {
        // The whole window as it would become; the engine extends from the current end.
        let length = (member.end_at + by - member.start_at)
            .to_std()
            .unwrap_or_default();
        decisions.push(viewer.policy.check(
            &viewer.subject,
            &Ask {
                account: &member.account.id,
                permission_set: &member.permission_set.name,
                duration: length,
                ticket: member.ticket.as_deref(),
            },
            directory.as_ref(),
        )?);
    }
    if let [one] = decisions.as_slice() {
        return Ok(one.approval_required.then(|| one.approver_groups.clone()));
    }
    let one = one_decision(&decisions)?;
    Ok(one.approval_required.then_some(one.approver_groups))
}
