//! AWS errors and how each wire protocol spells them. A handler returns an [`AwsError`]
//! (status, code, message); the protocol it arrived on renders it:
//! - JSON 1.1 (sso-admin, identitystore, organizations): `{"__type": code, "Message": ..}`;
//! - REST-JSON (sso portal): header `x-amzn-ErrorType: code`, body `{"message": ..}`;
//! - SSO OIDC: header `x-amzn-ErrorType: code`, body `{"error": .., "error_description": ..}`
//!   (the Rust SDK and botocore both read the type from the header);
//! - query (STS): `<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/>`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::xml::escape;

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AwsError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The OAuth error string for SSO OIDC errors (`authorization_pending`...).
    pub oauth_error: Option<&'static str>,
    /// Members some JSON 1.1 errors carry beside the message, e.g. identitystore's
    /// `ResourceType`/`ResourceId` and `Reason`.
    pub extra: Vec<(&'static str, String)>,
}

impl AwsError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            oauth_error: None,
            extra: Vec::new(),
        }
    }

    pub fn with(mut self, member: &'static str, value: impl Into<String>) -> Self {
        self.extra.push((member, value.into()));
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn oauth(
        status: StatusCode,
        code: &'static str,
        oauth_error: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self {
            oauth_error: Some(oauth_error),
            ..Self::new(status, code, message)
        }
    }
}

fn with_type(mut response: Response, code: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(code) {
        response.headers_mut().insert("x-amzn-errortype", value);
    }
    response
}

pub(crate) fn json11(err: &AwsError) -> Response {
    let mut body = json!({ "__type": err.code, "Message": err.message });
    for (member, value) in &err.extra {
        body[*member] = json!(value);
    }
    (
        err.status,
        [(header::CONTENT_TYPE, "application/x-amz-json-1.1")],
        body.to_string(),
    )
        .into_response()
}

pub(crate) fn rest_json(err: &AwsError) -> Response {
    let body = json!({ "message": err.message });
    with_type(
        (
            err.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        err.code,
    )
}

pub(crate) fn oidc(err: &AwsError) -> Response {
    let body = match err.oauth_error {
        Some(error) => json!({ "error": error, "error_description": err.message }),
        None => json!({ "message": err.message }),
    };
    with_type(
        (
            err.status,
            [(header::CONTENT_TYPE, "application/json")],
            body.to_string(),
        )
            .into_response(),
        err.code,
    )
}

pub(crate) fn query_xml(err: &AwsError, request_id: &str) -> Response {
    let kind = if err.status.is_server_error() {
        "Receiver"
    } else {
        "Sender"
    };
    let body = format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <Error>\n    <Type>{kind}</Type>\n    <Code>{}</Code>\n    <Message>{}</Message>\n  </Error>\n  <RequestId>{}</RequestId>\n</ErrorResponse>\n",
        escape(err.code),
        escape(&err.message),
        escape(request_id)
    );
    (err.status, [(header::CONTENT_TYPE, "text/xml")], body).into_response()
}
