//! The SSO access portal API (REST-JSON, bearer token in `x-amz-sso_bearer_token`):
//! ListAccounts, ListAccountRoles, GetRoleCredentials, Logout. What a user may see and
//! assume is computed from the assignments they hold at this moment, directly or through a
//! group.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};

use super::error::{self, AwsError};
use super::{RequestContext, apply_faults, paging};
use crate::faults::Api;
use crate::sim::Sim;
use crate::state::credentials::NewCredential;
use crate::world::User;

const BEARER: &str = "x-amz-sso_bearer_token";
const DEFAULT_PAGE: usize = 20;

fn unauthorized() -> AwsError {
    AwsError::new(
        StatusCode::UNAUTHORIZED,
        "UnauthorizedException",
        "Session token not found or invalid",
    )
}

fn invalid(message: impl Into<String>) -> AwsError {
    AwsError::bad_request("InvalidRequestException", message)
}

/// The user behind the bearer token, if the token is still good.
fn user<'a>(sim: &'a Sim, headers: &HeaderMap) -> Result<&'a User, AwsError> {
    let token = headers
        .get(BEARER)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(unauthorized)?;
    let now = sim.now();
    let state = sim.state();
    let user_id = state
        .oidc
        .user_for_access_token(token, now)
        .ok_or_else(unauthorized)?;
    sim.world.user_by_id(user_id).ok_or_else(unauthorized)
}

fn page_size(max: Option<u64>) -> Result<usize, AwsError> {
    match max {
        None => Ok(DEFAULT_PAGE),
        Some(n @ 1..=1000) => Ok(n as usize),
        Some(n) => Err(invalid(format!("max_result {n} is out of range"))),
    }
}

async fn run(
    sim: &Sim,
    ctx: &RequestContext,
    operation: &'static str,
    handler: impl FnOnce(&mut BTreeMap<String, String>) -> Result<Value, AwsError>,
) -> Response {
    tracing::Span::current().record("operation", operation);
    let mut fields = BTreeMap::new();
    let result = match apply_faults(sim, Api::Sso).await {
        Ok(()) => handler(&mut fields),
        Err(e) => Err(e),
    };
    if crate::calls::is_logged(Api::Sso, operation) {
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.code,
        };
        let mut state = sim.state();
        sim.record_call(
            &mut state,
            Api::Sso,
            operation,
            fields,
            ctx.arrival_micros,
            outcome,
        );
    }
    match result {
        Ok(Value::Null) => StatusCode::OK.into_response(),
        Ok(v) => (
            [(header::CONTENT_TYPE, "application/json")],
            super::strip_nulls(v).to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::info!(code = e.code, "refused");
            error::rest_json(&e)
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct ListQuery {
    next_token: Option<String>,
    max_result: Option<u64>,
    account_id: Option<String>,
}

pub(crate) async fn list_accounts(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    run(&sim, &ctx, "ListAccounts", |_| {
        let user = user(&sim, &headers)?;
        let access = sim.state().access_of(&user.user_id);
        let mut account_ids: Vec<&str> = access.iter().map(|(a, _)| a.as_str()).collect();
        account_ids.dedup();
        let items: Vec<Value> = account_ids
            .into_iter()
            .filter_map(|id| sim.world.account(id))
            .map(|a| json!({ "accountId": a.id, "accountName": a.name, "emailAddress": a.email }))
            .collect();
        let (page, next) = paging::page(
            items,
            q.next_token.as_deref(),
            page_size(q.max_result)?,
            &format!("ListAccounts/{}", user.user_id),
        )
        .ok_or_else(|| invalid("The next_token is not valid for this request"))?;
        Ok(json!({ "accountList": page, "nextToken": next }))
    })
    .await
}

pub(crate) async fn list_account_roles(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(q): Query<ListQuery>,
) -> Response {
    run(&sim, &ctx, "ListAccountRoles", |_| {
        let user = user(&sim, &headers)?;
        let account = q
            .account_id
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| invalid("account_id is required"))?;
        let access = sim.state().access_of(&user.user_id);
        let items: Vec<Value> = access
            .iter()
            .filter(|(acc, _)| acc == account)
            .filter_map(|(_, ps)| sim.world.permission_set_by_arn(ps))
            .map(|ps| json!({ "roleName": ps.name, "accountId": account }))
            .collect();
        let (page, next) = paging::page(
            items,
            q.next_token.as_deref(),
            page_size(q.max_result)?,
            &format!("ListAccountRoles/{}/{account}", user.user_id),
        )
        .ok_or_else(|| invalid("The next_token is not valid for this request"))?;
        Ok(json!({ "roleList": page, "nextToken": next }))
    })
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct CredentialsQuery {
    role_name: Option<String>,
    account_id: Option<String>,
}

pub(crate) async fn get_role_credentials(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
    Query(q): Query<CredentialsQuery>,
) -> Response {
    run(&sim, &ctx, "GetRoleCredentials", |fields| {
        let role = q
            .role_name
            .as_deref()
            .filter(|r| !r.is_empty())
            .ok_or_else(|| invalid("role_name is required"))?;
        let account = q
            .account_id
            .as_deref()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| invalid("account_id is required"))?;
        fields.insert("accountId".into(), account.to_owned());
        fields.insert("roleName".into(), role.to_owned());
        let user = user(&sim, &headers)?;
        fields.insert("userName".into(), user.user_name.clone());
        let issued = issue_for(&sim, user, account, role)?;
        fields.insert("accessKeyId".into(), issued.access_key_id.clone());
        Ok(json!({
            "roleCredentials": {
                "accessKeyId": issued.access_key_id,
                "secretAccessKey": issued.secret_access_key.expose(),
                "sessionToken": issued.session_token.expose(),
                "expiration": issued.expires_at.timestamp_millis(),
            }
        }))
    })
    .await
}

/// Issues role credentials if, at this moment, the user holds the permission set named
/// `role` in `account`. Shared with the access portal's console links.
pub(crate) fn issue_for(
    sim: &Sim,
    user: &User,
    account: &str,
    role: &str,
) -> Result<crate::state::credentials::IssuedCredential, AwsError> {
    let forbidden = || AwsError::new(StatusCode::FORBIDDEN, "ForbiddenException", "No access");
    let ps = sim
        .world
        .permission_set_by_name(role)
        .ok_or_else(forbidden)?;
    let now = sim.now();
    let mut state = sim.state();
    if !state.user_holds(&user.user_id, account, &ps.arn) {
        return Err(forbidden());
    }
    let duration = chrono::Duration::from_std(ps.session_duration).unwrap_or_default();
    let issued = state
        .credentials
        .issue(NewCredential {
            user_name: user.user_name.clone(),
            account_id: account.to_owned(),
            permission_set_name: ps.name.clone(),
            role_name: sim.world.reserved_role_name(account, &ps.name),
            issued_at: now,
            expires_at: now + duration,
        })
        .clone();
    tracing::info!(
        user = %user.user_name,
        account = %account,
        role = %role,
        access_key_id = %issued.access_key_id,
        "role credentials issued"
    );
    Ok(issued)
}

pub(crate) async fn logout(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    headers: HeaderMap,
) -> Response {
    run(&sim, &ctx, "Logout", |fields| {
        let user = user(&sim, &headers)?;
        fields.insert("userName".into(), user.user_name.clone());
        let token = headers
            .get(BEARER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let now = sim.now();
        if !sim.state().oidc.logout(token, now) {
            return Err(unauthorized());
        }
        Ok(Value::Null)
    })
    .await
}
