use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Stable, machine-readable error codes. Clients branch on these, never on the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The request body or query was malformed or a field was out of range.
    InvalidInput,
    /// No session token, or one that is unknown, expired or logged out.
    Unauthenticated,
    /// The signed identity request was refused (bad host, audience, signing time, role).
    IdentityRejected,
    /// The caller is known but may not do this.
    Forbidden,
    /// Policy does not let this person request this access.
    NotEligible,
    /// Nobody other than the requester could approve this request.
    NoApprover,
    /// The requester tried to approve their own request.
    SelfApproval,
    /// The thing asked for does not exist (or the caller may not know it does).
    NotFound,
    /// The request is not in a state that allows this action.
    InvalidState,
    /// A ticket reference is required by policy, or did not match the required pattern.
    TicketRequired,
    /// The request body is larger than the broker accepts.
    TooLarge,
    /// The client took too long to send its request.
    TimedOut,
    /// Too many attempts from this address or identity, or too many open event streams;
    /// `Retry-After` says when to try again.
    RateLimited,
    /// A dependency (Identity Center, STS, the database) failed; retrying may help.
    Unavailable,
    /// The broker has not been able to read the Identity Center directory yet (it is
    /// starting, or Identity Center is throttling it); what does not need it still works.
    DirectoryUnavailable,
    /// The organization trail could not be read (CloudWatch Logs failed, refused the
    /// broker, or took too long); the activity is unknown, not empty.
    ActivityUnavailable,
    /// The broker's database refuses writes (read-only or full); reads still work.
    DatabaseReadOnly,
    /// Anything else; the broker logged the cause.
    Internal,
}

impl ErrorCode {
    /// The HTTP status the broker answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            ErrorCode::InvalidInput | ErrorCode::TicketRequired => 400,
            ErrorCode::Unauthenticated | ErrorCode::IdentityRejected => 401,
            ErrorCode::Forbidden
            | ErrorCode::NotEligible
            | ErrorCode::NoApprover
            | ErrorCode::SelfApproval => 403,
            ErrorCode::NotFound => 404,
            ErrorCode::InvalidState => 409,
            ErrorCode::TimedOut => 408,
            ErrorCode::TooLarge => 413,
            ErrorCode::RateLimited => 429,
            ErrorCode::Unavailable
            | ErrorCode::DirectoryUnavailable
            | ErrorCode::ActivityUnavailable
            | ErrorCode::DatabaseReadOnly => 503,
            ErrorCode::Internal => 500,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidInput => "invalid_input",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::IdentityRejected => "identity_rejected",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::NotEligible => "not_eligible",
            ErrorCode::NoApprover => "no_approver",
            ErrorCode::SelfApproval => "self_approval",
            ErrorCode::NotFound => "not_found",
            ErrorCode::InvalidState => "invalid_state",
            ErrorCode::TicketRequired => "ticket_required",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::TimedOut => "timed_out",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::Unavailable => "unavailable",
            ErrorCode::DirectoryUnavailable => "directory_unavailable",
            ErrorCode::ActivityUnavailable => "activity_unavailable",
            ErrorCode::DatabaseReadOnly => "database_read_only",
            ErrorCode::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The one error shape every endpoint returns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(export))]
pub struct ApiError {
    pub code: ErrorCode,
    /// One sentence for a person: what was wrong and what to do.
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_serialize_as_their_stable_names() {
        for code in [
            ErrorCode::InvalidInput,
            ErrorCode::Unauthenticated,
            ErrorCode::IdentityRejected,
            ErrorCode::Forbidden,
            ErrorCode::NotEligible,
            ErrorCode::NoApprover,
            ErrorCode::SelfApproval,
            ErrorCode::NotFound,
            ErrorCode::InvalidState,
            ErrorCode::TicketRequired,
            ErrorCode::TooLarge,
            ErrorCode::TimedOut,
            ErrorCode::RateLimited,
            ErrorCode::Unavailable,
            ErrorCode::DirectoryUnavailable,
            ErrorCode::ActivityUnavailable,
            ErrorCode::DatabaseReadOnly,
            ErrorCode::Internal,
        ] {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            let back: ErrorCode = serde_json::from_str(&json).unwrap();
            assert_eq!(back, code);
        }
    }
}
