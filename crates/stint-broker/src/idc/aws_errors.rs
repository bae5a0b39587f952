//! How an AWS SDK failure becomes an [`IdcError`]: the engine decides whether to retry from
//! the variant alone, so the mapping must be exact.
//!
//! The three services speak JSON 1.1, so a service error carries a code (`__type` or the
//! `x-amzn-ErrorType` header, which the SDK has already stripped of its namespace) and an
//! HTTP status. Messages never carry credentials: they are the service's own message, or
//! the SDK's description of a transport failure, which names no secret.

use aws_sdk_ssoadmin::config::http::HttpResponse;
use aws_sdk_ssoadmin::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::IdcError;

/// Codes AWS services use for throttling (the SDK's own retry classifier uses the same
/// list; quota errors such as `LimitExceededException` are deliberately left out: waiting
/// does not fix them).
const THROTTLING: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];

/// Another write to the same resource is in flight: try again shortly.
const CONFLICT: &[&str] = &[
    "ConflictException",
    // Organizations' name for the same thing.
    "ConcurrentModificationException",
];

/// The service failed or could not answer in time.
const UNAVAILABLE: &[&str] = &[
    "InternalServerException",
    "InternalFailure",
    "InternalServerError",
    "ServiceException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "RequestTimeout",
    "RequestTimeoutException",
];

/// The broker's identity was refused: missing permission, unknown or expired key, bad
/// signature. Retrying does not help; an operator must fix the role or the credentials.
const ACCESS_DENIED: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "AccessDeniedForDependencyException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "IncompleteSignatureException",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "ExpiredToken",
    "ExpiredTokenException",
    "NotAuthorized",
];

/// Classifies a response the service sent, from its error code, message and HTTP status.
/// A recognised code wins over the status (AWS throttles with 400 as often as with 429);
/// the status decides only for codes we do not know, or none at all (a proxy's 502 page).
pub fn classify_service_error(code: Option<&str>, message: Option<&str>, status: u16) -> IdcError {
    let detail = describe(code, message, status);
    let Some(code) = code.filter(|c| !c.is_empty()) else {
        return classify_status(status, detail);
    };
    if THROTTLING.contains(&code) {
        IdcError::Throttled(detail)
    } else if CONFLICT.contains(&code) {
        IdcError::Conflict(detail)
    } else if UNAVAILABLE.contains(&code) {
        IdcError::Unavailable(detail)
    } else if ACCESS_DENIED.contains(&code) {
        IdcError::AccessDenied(detail)
    } else if code.ends_with("NotFoundException") {
        // ResourceNotFoundException, and Organizations' AccountNotFoundException,
        // ParentNotFoundException, OrganizationalUnitNotFoundException...
        IdcError::NotFound(detail)
    } else {
        classify_status(status, detail)
    }
}

fn classify_status(status: u16, detail: String) -> IdcError {
    match status {
        429 => IdcError::Throttled(detail),
        401 | 403 => IdcError::AccessDenied(detail),
        500..=599 => IdcError::Unavailable(detail),
        _ => IdcError::Other(detail),
    }
}

fn describe(code: Option<&str>, message: Option<&str>, status: u16) -> String {
    let code = code.filter(|c| !c.is_empty()).unwrap_or("no error code");
    match message.filter(|m| !m.is_empty()) {
        Some(message) => format!("{code} (HTTP {status}): {message}"),
        None => format!("{code} (HTTP {status})"),
    }
}

/// Maps one failed SDK call. `operation` names the AWS operation, so an operator reading
/// the error knows which permission or call is at fault.
pub fn map_sdk_error<E>(operation: &'static str, err: SdkError<E, HttpResponse>) -> IdcError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let error = match &err {
        SdkError::ServiceError(service) => classify_service_error(
            service.err().code(),
            service.err().message(),
            service.raw().status().as_u16(),
        ),
        SdkError::TimeoutError(_) => {
            IdcError::Unavailable(format!("timed out: {}", DisplayErrorContext(&err)))
        }
        SdkError::DispatchFailure(failure) if failure.is_user() => IdcError::Other(format!(
            "the request could not be sent: {}",
            DisplayErrorContext(&err)
        )),
        // Connection refused or reset, DNS, TLS, connect timeouts, and a credentials
        // provider that could not answer (an instance-metadata hiccup): all pass with time.
        SdkError::DispatchFailure(_) => IdcError::Unavailable(format!(
            "could not reach the service: {}",
            DisplayErrorContext(&err)
        )),
        SdkError::ResponseError(response) if response.raw().status().is_server_error() => {
            IdcError::Unavailable(format!(
                "unreadable HTTP {} response: {}",
                response.raw().status().as_u16(),
                DisplayErrorContext(&err)
            ))
        }
        SdkError::ResponseError(response) => IdcError::Other(format!(
            "unreadable HTTP {} response: {}",
            response.raw().status().as_u16(),
            DisplayErrorContext(&err)
        )),
        SdkError::ConstructionFailure(_) => IdcError::Other(format!(
            "the request could not be built: {}",
            DisplayErrorContext(&err)
        )),
        _ => IdcError::Other(DisplayErrorContext(&err).to_string()),
    };
    prefix(operation, error)
}

fn prefix(operation: &'static str, error: IdcError) -> IdcError {
    match error {
        IdcError::Throttled(m) => IdcError::Throttled(format!("{operation}: {m}")),
        IdcError::Conflict(m) => IdcError::Conflict(format!("{operation}: {m}")),
        IdcError::Unavailable(m) => IdcError::Unavailable(format!("{operation}: {m}")),
        IdcError::NotFound(m) => IdcError::NotFound(format!("{operation}: {m}")),
        IdcError::AccessDenied(m) => IdcError::AccessDenied(format!("{operation}: {m}")),
        IdcError::Other(m) => IdcError::Other(format!("{operation}: {m}")),
    }
}

/// A short, stable name for an error's kind, for logs and metrics labels.
pub fn error_kind(error: &IdcError) -> &'static str {
    match error {
        IdcError::Throttled(_) => "throttled",
        IdcError::Conflict(_) => "conflict",
        IdcError::Unavailable(_) => "unavailable",
        IdcError::NotFound(_) => "not_found",
        IdcError::AccessDenied(_) => "access_denied",
        IdcError::Other(_) => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ssoadmin::error::ConnectorError;
    use aws_sdk_ssoadmin::operation::create_account_assignment::CreateAccountAssignmentError;

    fn kind(code: Option<&str>, status: u16) -> &'static str {
        error_kind(&classify_service_error(code, Some("msg"), status))
    }

    #[test]
    fn throttling_by_code_or_by_429() {
        assert_eq!(kind(Some("ThrottlingException"), 400), "throttled");
        assert_eq!(kind(Some("TooManyRequestsException"), 400), "throttled");
        assert_eq!(kind(Some("Throttling"), 400), "throttled");
        assert_eq!(kind(None, 429), "throttled");
        assert_eq!(kind(Some("SomethingNew"), 429), "throttled");
    }

    #[test]
    fn conflicts() {
        assert_eq!(kind(Some("ConflictException"), 409), "conflict");
        assert_eq!(kind(Some("ConflictException"), 400), "conflict");
        assert_eq!(
            kind(Some("ConcurrentModificationException"), 400),
            "conflict"
        );
    }

    #[test]
    fn server_failures_are_unavailable() {
        assert_eq!(kind(Some("InternalServerException"), 500), "unavailable");
        assert_eq!(kind(Some("ServiceException"), 500), "unavailable");
        assert_eq!(kind(None, 502), "unavailable");
        assert_eq!(kind(None, 503), "unavailable");
        assert_eq!(kind(Some("Unknown"), 504), "unavailable");
    }

    #[test]
    fn not_found() {
        assert_eq!(kind(Some("ResourceNotFoundException"), 400), "not_found");
        assert_eq!(kind(Some("AccountNotFoundException"), 400), "not_found");
        assert_eq!(kind(Some("ParentNotFoundException"), 400), "not_found");
    }

    #[test]
    fn refused_identity_is_access_denied() {
        assert_eq!(kind(Some("AccessDeniedException"), 400), "access_denied");
        assert_eq!(
            kind(Some("UnrecognizedClientException"), 400),
            "access_denied"
        );
        assert_eq!(
            kind(Some("InvalidSignatureException"), 403),
            "access_denied"
        );
        assert_eq!(kind(Some("ExpiredTokenException"), 400), "access_denied");
        assert_eq!(kind(None, 403), "access_denied");
        assert_eq!(kind(None, 401), "access_denied");
    }

    #[test]
    fn everything_else_is_other_with_code_and_message() {
        let err = classify_service_error(Some("ValidationException"), Some("bad arn"), 400);
        assert_eq!(error_kind(&err), "other");
        let text = err.to_string();
        assert!(text.contains("ValidationException"), "{text}");
        assert!(text.contains("bad arn"), "{text}");
        assert!(text.contains("HTTP 400"), "{text}");
        assert_eq!(kind(Some("ServiceQuotaExceededException"), 400), "other");
        assert_eq!(kind(None, 400), "other");
        assert!(!IdcError::Other(String::new()).is_retryable());
    }

    #[test]
    fn quota_errors_are_not_mistaken_for_throttling() {
        assert_eq!(kind(Some("LimitExceededException"), 400), "other");
    }

    type CreateError = SdkError<CreateAccountAssignmentError, HttpResponse>;

    #[test]
    fn timeouts_and_connection_failures_are_unavailable_and_name_the_operation() {
        let timeout: CreateError = SdkError::timeout_error("operation timed out after 10s");
        let err = map_sdk_error("CreateAccountAssignment", timeout);
        assert_eq!(error_kind(&err), "unavailable");
        assert!(err.to_string().contains("CreateAccountAssignment"), "{err}");

        let refused: CreateError = SdkError::dispatch_failure(ConnectorError::io(
            std::io::Error::from(std::io::ErrorKind::ConnectionRefused).into(),
        ));
        assert_eq!(
            error_kind(&map_sdk_error("ListInstances", refused)),
            "unavailable"
        );

        let connect_timeout: CreateError =
            SdkError::dispatch_failure(ConnectorError::timeout("connect timed out".into()));
        assert_eq!(
            error_kind(&map_sdk_error("ListInstances", connect_timeout)),
            "unavailable"
        );
    }

    #[test]
    fn a_request_that_cannot_be_built_is_not_retried() {
        let built: CreateError = SdkError::construction_failure("missing field");
        assert_eq!(
            error_kind(&map_sdk_error("CreateAccountAssignment", built)),
            "other"
        );
        let user: CreateError =
            SdkError::dispatch_failure(ConnectorError::user("invalid URI".into()));
        assert_eq!(
            error_kind(&map_sdk_error("CreateAccountAssignment", user)),
            "other"
        );
    }
}
