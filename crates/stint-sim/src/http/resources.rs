//! A few read calls of other services, so role credentials have something to do and the
//! trail something to show: S3 ListBuckets (REST-XML), EC2 DescribeInstances (EC2 query)
//! and DynamoDB ListTables (JSON 1.0). Each is SigV4-verified like STS, in any region,
//! and answers with a small fixed inventory derived from the account (two buckets, two
//! instances, two tables), so the same account always shows the same things.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::RequestContext;
use super::auth::{self, Caller, Regions};
use super::error::AwsError;
use super::trail::{Event, record_call};
use super::xml::escape;
use crate::sigv4::{SigV4Error, SignedRequest};
use crate::sim::Sim;

/// The fixed creation time of every simulated resource.
const CREATED: &str = "2024-01-01T00:00:00.000Z";

fn account_of(caller: &Caller) -> (String, String) {
    match caller {
        Caller::Operator(op) => (op.account_id.clone(), op.name.clone()),
        Caller::Role(c) => (c.account_id.clone(), c.user_name.clone()),
    }
}

fn account_name(sim: &Sim, account_id: &str) -> String {
    sim.world
        .account(account_id)
        .map_or_else(|| account_id.to_owned(), |a| a.name.clone())
}

/// Authenticates, then runs `answer` and records the call in the trail either way.
fn run(
    sim: &Sim,
    ctx: &RequestContext,
    req: &SignedRequest<'_>,
    service: &'static str,
    event: Event<'_>,
    answer: impl FnOnce(&Caller, &str) -> Result<Response, AwsError>,
    auth_error: impl FnOnce(SigV4Error) -> AwsError,
) -> Result<Response, AwsError> {
    let signed = crate::sigv4::parse(req).and_then(|parsed| {
        auth::authenticate(sim, req, service, Regions::Any).map(|c| (c, parsed.region))
    });
    let (caller, region) = signed.map_err(auth_error)?;
    let result = answer(&caller, &region);
    let event = Event { region, ..event };
    record_call(sim, ctx, &caller, event, result.as_ref().map(|_| ()));
    result
}

/// `GET /` signed for `s3`: ListBuckets.
pub(crate) fn s3_list_buckets(
    sim: &Sim,
    ctx: &RequestContext,
    req: &SignedRequest<'_>,
) -> Response {
    tracing::Span::current().record("operation", "ListBuckets");
    let result = run(
        sim,
        ctx,
        req,
        "s3",
        Event {
            service: "s3",
            name: "ListBuckets",
            region: String::new(),
            request_parameters: json!({ "Host": "s3.amazonaws.com" }),
            read_only: true,
        },
        |caller, _| {
            let (account, owner) = account_of(caller);
            let name = account_name(sim, &account);
            let buckets: String = ["app-assets", "access-logs"]
                .iter()
                .map(|kind| {
                    format!(
                        "<Bucket><Name>{}</Name><CreationDate>{CREATED}</CreationDate></Bucket>",
                        escape(&format!("{name}-{kind}-{account}"))
                    )
                })
                .collect();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Owner><ID>{}</ID><DisplayName>{}</DisplayName></Owner><Buckets>{buckets}</Buckets></ListAllMyBucketsResult>",
                hex::encode(account.as_bytes()),
                escape(&owner)
            );
            Ok(([(header::CONTENT_TYPE, "application/xml")], body).into_response())
        },
        |e| match e {
            SigV4Error::Missing => {
                AwsError::new(StatusCode::FORBIDDEN, "AccessDenied", "Access Denied")
            }
            SigV4Error::UnknownKey => AwsError::new(
                StatusCode::FORBIDDEN,
                "InvalidAccessKeyId",
                "The AWS Access Key Id you provided does not exist in our records.",
            ),
            SigV4Error::BadToken => AwsError::bad_request(
                "InvalidToken",
                "The provided token is malformed or otherwise invalid.",
            ),
            SigV4Error::ExpiredToken => {
                AwsError::bad_request("ExpiredToken", "The provided token has expired.")
            }
            SigV4Error::Incomplete(m) => AwsError::bad_request("AuthorizationHeaderMalformed", m),
            SigV4Error::Invalid(m) => {
                AwsError::new(StatusCode::FORBIDDEN, "SignatureDoesNotMatch", m)
            }
        },
    );
    result.unwrap_or_else(|e| {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{}</Code><Message>{}</Message><RequestId>{}</RequestId></Error>",
            escape(e.code),
            escape(&e.message),
            escape(&ctx.request_id)
        );
        (e.status, [(header::CONTENT_TYPE, "application/xml")], body).into_response()
    })
}

/// EC2 query protocol, `Action=DescribeInstances`.
pub(crate) fn ec2(
    sim: &Sim,
    ctx: &RequestContext,
    req: &SignedRequest<'_>,
    action: &str,
) -> Response {
    tracing::Span::current().record("operation", action);
    let action_owned = action.to_owned();
    let result = run(
        sim,
        ctx,
        req,
        "ec2",
        Event {
            service: "ec2",
            name: "DescribeInstances",
            region: String::new(),
            request_parameters: json!({ "instancesSet": {}, "filterSet": {} }),
            read_only: true,
        },
        |caller, region| {
            if action_owned != "DescribeInstances" {
                return Err(AwsError::bad_request(
                    "InvalidAction",
                    format!(
                        "The action {action_owned} is not valid for this web service (stint-sim answers DescribeInstances)"
                    ),
                ));
            }
            let (account, _) = account_of(caller);
            let name = account_name(sim, &account);
            let instances: String = ["web-1", "worker-1"]
                .iter()
                .enumerate()
                .map(|(i, role)| {
                    let id = format!("i-0{}{i}", &hex::encode(account.as_bytes())[..15]);
                    format!(
                        "<item><instanceId>{id}</instanceId><imageId>ami-0abcdef1234567890</imageId><instanceState><code>16</code><name>running</name></instanceState><instanceType>t3.micro</instanceType><launchTime>{CREATED}</launchTime><placement><availabilityZone>{}a</availabilityZone></placement><tagSet><item><key>Name</key><value>{}</value></item></tagSet></item>",
                        escape(region),
                        escape(&format!("{name}-{role}"))
                    )
                })
                .collect();
            let body = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>{}</requestId><reservationSet><item><reservationId>r-0{}</reservationId><ownerId>{account}</ownerId><groupSet/><instancesSet>{instances}</instancesSet></item></reservationSet></DescribeInstancesResponse>",
                escape(&ctx.request_id),
                &hex::encode(account.as_bytes())[..16]
            );
            Ok(([(header::CONTENT_TYPE, "text/xml;charset=UTF-8")], body).into_response())
        },
        |e| match e {
            SigV4Error::Missing => AwsError::new(
                StatusCode::UNAUTHORIZED,
                "MissingAuthenticationToken",
                "Request is missing Authentication Token",
            ),
            SigV4Error::ExpiredToken => AwsError::bad_request(
                "RequestExpired",
                "The security token included in the request is expired",
            ),
            SigV4Error::Incomplete(m) | SigV4Error::Invalid(m) => {
                AwsError::new(StatusCode::UNAUTHORIZED, "AuthFailure", m)
            }
            SigV4Error::UnknownKey | SigV4Error::BadToken => AwsError::new(
                StatusCode::UNAUTHORIZED,
                "AuthFailure",
                "AWS was not able to validate the provided access credentials",
            ),
        },
    );
    result.unwrap_or_else(|e| {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{}</Code><Message>{}</Message></Error></Errors><RequestID>{}</RequestID></Response>",
            escape(e.code),
            escape(&e.message),
            escape(&ctx.request_id)
        );
        (e.status, [(header::CONTENT_TYPE, "text/xml;charset=UTF-8")], body).into_response()
    })
}

const DYNAMODB_ERROR_PREFIX: &str = "com.amazonaws.dynamodb.v20120810#";

/// DynamoDB JSON 1.0, `X-Amz-Target: DynamoDB_20120810.ListTables`.
pub(crate) fn dynamodb(
    sim: &Sim,
    ctx: &RequestContext,
    req: &SignedRequest<'_>,
    op: &str,
) -> Response {
    tracing::Span::current().record("operation", op);
    let op_owned = op.to_owned();
    let result = run(
        sim,
        ctx,
        req,
        "dynamodb",
        Event {
            service: "dynamodb",
            name: "ListTables",
            region: String::new(),
            request_parameters: Value::Null,
            read_only: true,
        },
        |caller, _| {
            if op_owned != "ListTables" {
                return Err(AwsError::bad_request(
                    "UnknownOperationException",
                    format!("DynamoDB has no operation {op_owned} (stint-sim answers ListTables)"),
                ));
            }
            let (account, _) = account_of(caller);
            let name = account_name(sim, &account);
            let tables = [format!("{name}-orders"), format!("{name}-sessions")];
            Ok((
                [(header::CONTENT_TYPE, "application/x-amz-json-1.0")],
                json!({ "TableNames": tables }).to_string(),
            )
                .into_response())
        },
        auth::json_error,
    );
    result.unwrap_or_else(|e| {
        let body = json!({
            "__type": format!("{DYNAMODB_ERROR_PREFIX}{}", e.code),
            "message": e.message,
        });
        (
            e.status,
            [(header::CONTENT_TYPE, "application/x-amz-json-1.0")],
            body.to_string(),
        )
            .into_response()
    })
}
