//! STS over the query protocol: GetCallerIdentity, signed by an operator key or by role
//! credentials the portal issued, answered in XML.

use axum::http::header;
use axum::response::{IntoResponse, Response};

use super::auth::{self, Caller};
use super::error::{self, AwsError};
use super::xml::escape;
use super::{RequestContext, apply_faults, trail};
use crate::faults::Api;
use crate::sigv4::SignedRequest;
use crate::sim::Sim;
use crate::world::ids;

pub(crate) async fn handle(
    sim: &Sim,
    ctx: &RequestContext,
    req: &SignedRequest<'_>,
    action: &str,
) -> Response {
    tracing::Span::current().record("operation", action);
    let result = async {
        let caller = auth::authenticate(sim, req, "sts", auth::Regions::Any)
            .map_err(auth::query_error)?;
        apply_faults(sim, Api::Sts).await?;
        let outcome = match action {
            "GetCallerIdentity" => Ok(()),
            other => Err(AwsError::bad_request(
                "InvalidAction",
                format!(
                    "Could not find operation {other} for version 2011-06-15 (stint-sim implements GetCallerIdentity)"
                ),
            )),
        };
        let event = trail::Event {
            service: "sts",
            name: action,
            region: crate::sigv4::parse(req)
                .map(|a| a.region)
                .unwrap_or_default(),
            request_parameters: serde_json::Value::Null,
            read_only: true,
        };
        trail::record_call(sim, ctx, &caller, event, outcome.as_ref().copied());
        outcome.map(|()| caller)
    }
    .await;
    match result {
        Ok(caller) => {
            let (account, role, session) = match &caller {
                Caller::Operator(op) => {
                    (op.account_id.clone(), op.role_name.clone(), op.name.clone())
                }
                Caller::Role(c) => (
                    c.account_id.clone(),
                    c.role_name.clone(),
                    c.user_name.clone(),
                ),
            };
            let user_id = format!("{}:{session}", ids::role_unique_id(&account, &role));
            let body = format!(
                "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>{}</Arn>\n    <UserId>{}</UserId>\n    <Account>{}</Account>\n  </GetCallerIdentityResult>\n  <ResponseMetadata>\n    <RequestId>{}</RequestId>\n  </ResponseMetadata>\n</GetCallerIdentityResponse>\n",
                escape(&caller.arn()),
                escape(&user_id),
                escape(&account),
                escape(&ctx.request_id)
            );
            ([(header::CONTENT_TYPE, "text/xml")], body).into_response()
        }
        Err(e) => {
            tracing::info!(code = e.code, "refused");
            error::query_xml(&e, &ctx.request_id)
        }
    }
}
