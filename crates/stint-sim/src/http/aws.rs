//! `/` serves several protocols on one port, told apart by the request's shape: JSON 1.1
//! with `X-Amz-Target` (sso-admin, identitystore, organizations, logs) and DynamoDB's JSON
//! 1.0, the query protocol (`Action=` in a form body or the query string: STS, or EC2 when
//! signed for `ec2`), S3's ListBuckets (`GET /` signed for `s3`), and, for a browser, an
//! index page.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{self, AwsError};
use super::trail;
use super::{
    RequestContext, apply_faults, auth, identitystore, logs, organizations, pages, resources,
    sso_admin, sts,
};
use crate::calls::is_logged;
use crate::faults::Api;
use crate::sigv4::SignedRequest;
use crate::sim::Sim;

pub(crate) async fn root(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = SignedRequest {
        method: method.as_str(),
        raw_path: uri.path(),
        raw_query: uri.query(),
        headers: &headers,
        body: &body,
    };
    // The service a request was signed for, when it carries a signature at all.
    let signed_for = crate::sigv4::parse(&req).ok().map(|a| a.service);
    if let Some(target) = headers.get("x-amz-target").and_then(|v| v.to_str().ok()) {
        if let Some(op) = target.strip_prefix("DynamoDB_20120810.") {
            return resources::dynamodb(&sim, &ctx, &req, op);
        }
        let target = target.to_owned();
        return json11(&sim, &ctx, &method, &uri, &headers, &body, &target).await;
    }
    let params: Vec<(String, String)> = if method == Method::POST {
        url::form_urlencoded::parse(&body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    } else {
        url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    };
    if let Some(action) = params
        .iter()
        .find(|(k, _)| k == "Action")
        .map(|(_, v)| v.clone())
    {
        if signed_for.as_deref() == Some("ec2") {
            return resources::ec2(&sim, &ctx, &req, &action);
        }
        return sts::handle(&sim, &ctx, &req, &action).await;
    }
    if method == Method::GET && signed_for.as_deref() == Some("s3") {
        return resources::s3_list_buckets(&sim, &ctx, &req);
    }
    if method == Method::GET {
        return pages::index(&sim).into_response();
    }
    error::json11(&AwsError::bad_request(
        "UnknownOperationException",
        "POST / needs an X-Amz-Target header (JSON 1.1 APIs) or an Action parameter (STS)",
    ))
}

pub(crate) fn unknown_operation(service: &str, op: &str) -> AwsError {
    AwsError::bad_request(
        "UnknownOperationException",
        format!("{service} has no operation {op} (or stint-sim does not implement it)"),
    )
}

struct JsonApi {
    api: Api,
    signing_name: &'static str,
    iam_prefix: &'static str,
    regions: auth::Regions,
}

fn json_api(target_prefix: &str) -> Option<JsonApi> {
    use auth::Regions::{Instance, InstanceOrUsEast1};
    if target_prefix == "Logs_20140328" {
        return Some(JsonApi {
            api: Api::Logs,
            signing_name: "logs",
            iam_prefix: "logs",
            regions: Instance,
        });
    }
    let (api, signing_name, iam_prefix, regions) = match target_prefix {
        "SWBExternalService" => (Api::SsoAdmin, "sso", "sso", Instance),
        "AWSIdentityStore" => (
            Api::IdentityStore,
            "identitystore",
            "identitystore",
            Instance,
        ),
        "AWSOrganizationsV20161128" => (
            Api::Organizations,
            "organizations",
            "organizations",
            InstanceOrUsEast1,
        ),
        _ => return None,
    };
    Some(JsonApi {
        api,
        signing_name,
        iam_prefix,
        regions,
    })
}

/// Key fields of a logged call, taken from its input (never a secret).
fn call_fields(op: &str, input: Option<&Value>) -> BTreeMap<String, String> {
    let mut fields = BTreeMap::new();
    let Some(input) = input else { return fields };
    let pairs: &[(&str, &str)] = match op {
        "CreateAccountAssignment" | "DeleteAccountAssignment" => &[
            ("TargetId", "accountId"),
            ("PermissionSetArn", "permissionSetArn"),
            ("PrincipalType", "principalType"),
            ("PrincipalId", "principalId"),
        ],
        "CreateGroupMembership" => &[("GroupId", "groupId")],
        "DeleteGroupMembership" => &[("MembershipId", "membershipId")],
        _ => &[],
    };
    for (from, to) in pairs {
        if let Some(v) = input.get(*from).and_then(Value::as_str) {
            fields.insert((*to).to_owned(), v.to_owned());
        }
    }
    if let Some(user) = input.pointer("/MemberId/UserId").and_then(Value::as_str) {
        fields.insert("userId".into(), user.to_owned());
    }
    fields
}

async fn json11(
    sim: &Sim,
    ctx: &RequestContext,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &Bytes,
    target: &str,
) -> Response {
    let Some((prefix, op)) = target.split_once('.') else {
        return error::json11(&AwsError::bad_request(
            "UnknownOperationException",
            format!("X-Amz-Target \"{target}\" is not <service>.<operation>"),
        ));
    };
    let Some(api) = json_api(prefix) else {
        return error::json11(&unknown_operation(prefix, op));
    };
    tracing::Span::current().record("operation", op);
    let parsed: Option<Value> = if body.is_empty() {
        Some(json!({}))
    } else {
        serde_json::from_slice(body).ok()
    };
    let result = async {
        let req = SignedRequest {
            method: method.as_str(),
            raw_path: uri.path(),
            raw_query: uri.query(),
            headers,
            body,
        };
        let caller = auth::authenticate(sim, &req, api.signing_name, api.regions)
            .map_err(auth::json_error)?;
        if let Err(denied) = auth::require_operator(&caller, &format!("{}:{op}", api.iam_prefix)) {
            // A role session trying an admin API is activity too, refused or not.
            let region = crate::sigv4::parse(&req)
                .map(|a| a.region)
                .unwrap_or_default();
            let event = trail::Event {
                service: api.signing_name,
                name: op,
                region,
                request_parameters: parsed.clone().unwrap_or(Value::Null),
                read_only: op.starts_with("List")
                    || op.starts_with("Describe")
                    || op.starts_with("Get"),
            };
            trail::record_call(sim, ctx, &caller, event, Err(&denied));
            return Err(denied);
        }
        apply_faults(sim, api.api).await?;
        let input = parsed.as_ref().ok_or_else(|| {
            AwsError::bad_request(
                "SerializationException",
                "The request body is not valid JSON",
            )
        })?;
        match api.api {
            Api::SsoAdmin => sso_admin::handle(sim, op, input),
            Api::IdentityStore => identitystore::handle(sim, op, input),
            Api::Logs => logs::handle(sim, op, input),
            _ => organizations::handle(sim, op, input),
        }
    }
    .await;

    if is_logged(api.api, op) {
        let mut fields = call_fields(op, parsed.as_ref());
        if let Ok(output) = &result {
            if let Some(id) = output.get("MembershipId").and_then(Value::as_str) {
                fields.insert("membershipId".into(), id.to_owned());
            }
            for key in [
                "AccountAssignmentCreationStatus",
                "AccountAssignmentDeletionStatus",
            ] {
                if let Some(id) = output
                    .pointer(&format!("/{key}/RequestId"))
                    .and_then(Value::as_str)
                {
                    fields.insert("requestId".into(), id.to_owned());
                }
            }
        }
        let outcome = match &result {
            Ok(_) => "ok",
            Err(e) => e.code,
        };
        let mut state = sim.state();
        sim.record_call(&mut state, api.api, op, fields, ctx.arrival_micros, outcome);
    }

    if api.api == Api::IdentityStore
        && result.is_ok()
        && matches!(op, "CreateGroupMembership" | "DeleteGroupMembership")
    {
        // Made and logged, not yet answered: a client that dies now never learns of it.
        let hold = sim.state().faults.write_answer_delay();
        if !hold.is_zero() {
            tokio::time::sleep(hold).await;
        }
    }

    match result {
        Ok(output) => (
            [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
            super::strip_nulls(output).to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::info!(code = e.code, "refused");
            error::json11(&e)
        }
    }
}
