//! Who is calling. `POST /v1/auth/aws` turns a SigV4-signed `sts:GetCallerIdentity`
//! request into a broker session (see DESIGN.md, "Identity"); every other endpoint
//! resolves its bearer token to a [`Caller`] through [`CallerResolver`].

mod audit_events;
mod authenticator;
mod authorization;
mod caller_arn;
mod limits;
mod log_safety;
mod refusal_tally;
mod routes;
mod settings;
mod signed_request;
mod sts;
mod token;

pub use authenticator::Authenticator;
pub use limits::{SignInLimiter, Throttled, claimed_access_key};
pub use log_safety::{SECRET_BEARING_TARGETS, secret_caps, secret_safe_filter};
pub use routes::{AuthState, PersonaSource, bearer_token, me, routes};
pub use settings::{AuthSettings, DEFAULT_STS_TIMEOUT, partition};
pub use sts::StsClient;
pub use token::{SessionToken, TOKEN_PREFIX, TokenHash};

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::model::{Actor, Person};

/// An authenticated person, as the API layer sees them for one request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub person: Person,
    pub email: Option<String>,
    /// Identity Center group names, as resolved when the session was made.
    pub groups: Vec<String>,
    /// A non-secret handle for logs (never the token or its hash).
    pub session_id: String,
    pub session_expires_at: DateTime<Utc>,
}

impl Caller {
    /// The engine's view of this caller; `admin` comes from policy.
    pub fn actor(&self, admin: bool) -> Actor {
        Actor {
            person: self.person.clone(),
            groups: self.groups.clone(),
            admin,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No token, or an unknown, expired or logged-out one.
    #[error("{0}")]
    Unauthenticated(String),
    /// The signed identity request was refused: bad host, audience, signing time, replay,
    /// STS said no, or the role is not the baseline.
    #[error("{0}")]
    IdentityRejected(String),
    /// STS, Identity Center or the database could not be reached.
    #[error("{0}")]
    Unavailable(String),
    /// The database takes no writes (read-only or full): the sentence says which.
    #[error("{0}")]
    DatabaseReadOnly(String),
    /// Too many attempts from one address or for one identity.
    #[error("{message}")]
    RateLimited { message: String, retry_after: u64 },
    /// The broker has not read the organization from Identity Center yet, so no policy is
    /// in force and a session could do nothing.
    #[error(
        "the broker has not yet been able to read the organization from Identity Center (throttled or unreachable), so it cannot sign anyone in yet; it keeps trying: try again in a minute (GET /readyz says when it is ready)"
    )]
    DirectoryUnavailable,
}

impl AuthError {
    pub fn code(&self) -> stint_api::ErrorCode {
        match self {
            AuthError::Unauthenticated(_) => stint_api::ErrorCode::Unauthenticated,
            AuthError::IdentityRejected(_) => stint_api::ErrorCode::IdentityRejected,
            AuthError::Unavailable(_) => stint_api::ErrorCode::Unavailable,
            AuthError::DatabaseReadOnly(_) => stint_api::ErrorCode::DatabaseReadOnly,
            AuthError::RateLimited { .. } => stint_api::ErrorCode::RateLimited,
            AuthError::DirectoryUnavailable => stint_api::ErrorCode::DirectoryUnavailable,
        }
    }
}

/// Resolves a bearer token to the person it belongs to.
#[async_trait]
pub trait CallerResolver: Send + Sync + 'static {
    async fn resolve(&self, bearer_token: &str) -> Result<Caller, AuthError>;
}
