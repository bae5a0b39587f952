//! One error type for every handler. It answers `{code, message}` with the status the code
//! stands for; causes a client must not see (database errors, AWS errors) are logged here
//! and replaced by a sentence that says what to do.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use stint_api::{ApiError, ErrorCode};

use crate::auth::AuthError;
use crate::idc::IdcError;
use crate::policy::{ApprovalRefusal, Refusal};
use crate::store::StoreError;
use crate::workflow::EngineError;

#[derive(Debug)]
pub struct AppError {
    pub code: ErrorCode,
    pub message: String,
    /// What went wrong inside, for the log only.
    cause: Option<String>,
    /// When the code's usual status is not the right one (405 for a wrong method).
    status: Option<StatusCode>,
    /// Seconds for the `Retry-After` header (429).
    retry_after: Option<u64>,
}

impl AppError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
            cause: None,
            status: None,
            retry_after: None,
        }
    }

    pub fn with_status(mut self, status: StatusCode) -> Self {
        self.status = Some(status);
        self
    }

    /// Tells the client when to try again (`Retry-After`, in seconds).
    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::InvalidInput, message)
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Forbidden, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::NotFound, message)
    }

    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorCode::Unauthenticated, message)
    }

    /// A dependency failed: the client is told to retry, the log gets the cause.
    pub fn unavailable(message: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::Unavailable,
            message: message.into(),
            cause: Some(cause.to_string()),
            status: None,
            retry_after: None,
        }
    }

    /// The trail could not be read: the message says why and what to do; the cause is
    /// logged.
    pub fn activity_unavailable(message: impl Into<String>, cause: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::ActivityUnavailable,
            message: message.into(),
            cause: Some(cause.to_string()),
            status: None,
            retry_after: None,
        }
    }

    /// Nothing that needs the policy can be decided before the organization has been read
    /// from Identity Center once (the policy resolves against it).
    pub fn directory_unavailable() -> Self {
        Self::new(
            ErrorCode::DirectoryUnavailable,
            "the broker has not yet been able to read the organization from Identity Center (throttled or unreachable), so it cannot answer this yet; it keeps trying: try again in a minute (GET /readyz says when it is ready)",
        )
    }

    /// The database failed. One that takes no writes says so (`database_read_only`:
    /// "database is read-only: …" or "database is full: …"); anything else is
    /// `unavailable`. The database's own error goes to the log only.
    pub fn store(cause: StoreError) -> Self {
        match cause.write_fault() {
            Some(fault) => Self {
                code: ErrorCode::DatabaseReadOnly,
                message: fault.to_string(),
                cause: Some(cause.to_string()),
                status: None,
                retry_after: None,
            },
            None => Self::unavailable(
                "the broker's database is unavailable; try again in a moment",
                cause,
            ),
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self {
            code: ErrorCode::Internal,
            message: "the broker hit an unexpected problem; it has been logged".into(),
            cause: Some(cause.to_string()),
            status: None,
            retry_after: None,
        }
    }

    pub fn status(&self) -> StatusCode {
        if let Some(status) = self.status {
            return status;
        }
        StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }
}

impl std::fmt::Display for AppError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> Self {
        match e {
            EngineError::Store(cause) => Self::store(cause),
            EngineError::Busy(_) => Self::unavailable(e.to_string(), "optimistic retries ran out"),
            other => Self::new(other.code(), other.to_string()),
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Unavailable(cause) => Self::unavailable(
                "the broker could not check the session; try again in a moment",
                cause,
            ),
            AuthError::DatabaseReadOnly(message) => Self::new(ErrorCode::DatabaseReadOnly, message),
            other => Self::new(other.code(), other.to_string()),
        }
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        Self::new(r.error_code(), r.to_string())
    }
}

impl From<ApprovalRefusal> for AppError {
    fn from(r: ApprovalRefusal) -> Self {
        Self::new(r.error_code(), r.to_string())
    }
}

impl From<IdcError> for AppError {
    fn from(e: IdcError) -> Self {
        Self::unavailable(
            "Identity Center could not be reached to answer this; try again in a moment",
            e,
        )
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(cause) = &self.cause {
            match self.code {
                ErrorCode::Internal => tracing::error!(code = %self.code, %cause, "request failed"),
                _ => tracing::warn!(code = %self.code, %cause, "request failed"),
            }
        }
        let status = self.status();
        let mut response = (status, Json(ApiError::new(self.code, self.message))).into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"stint\""),
            );
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_errors_are_logged_not_shown() {
        let e = AppError::from(EngineError::Store(crate::store::StoreError::Corrupt(
            "row 7 has state \"bogus\"".into(),
        )));
        assert_eq!(e.code, ErrorCode::Unavailable);
        assert!(!e.message.contains("bogus"), "{}", e.message);
        assert_eq!(e.status(), StatusCode::SERVICE_UNAVAILABLE);
    }

    #[test]
    fn engine_refusals_keep_their_code_and_sentence() {
        let e = AppError::from(EngineError::SelfApproval("sre-leads".into()));
        assert_eq!(e.code, ErrorCode::SelfApproval);
        assert_eq!(e.status(), StatusCode::FORBIDDEN);
        assert!(e.message.contains("sre-leads"));
    }
}
