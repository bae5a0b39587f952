//! The audit events of signing in and out. They carry who, which session (by its public
//! id), the groups granted and, for a refusal, the reason; never a token, its hash, a
//! signature or credentials.

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{AuthError, Caller};
use crate::workflow::types::NewEvent;

/// The actor of a refused sign-in whose user is not known.
pub const ANONYMOUS: &str = "anonymous";

pub const LOGIN: &str = "login";
pub const LOGIN_REFUSED: &str = "login_refused";
pub const LOGOUT: &str = "logout";

pub fn login(caller: &Caller, at: DateTime<Utc>, sts_endpoint: &str) -> NewEvent {
    NewEvent {
        at,
        actor: caller.person.user_name.clone(),
        kind: LOGIN.into(),
        request_id: None,
        data: json!({
            "sessionId": caller.session_id,
            "userId": caller.person.user_id,
            "groups": caller.groups,
            "expiresAt": caller.session_expires_at,
            "stsEndpoint": sts_endpoint,
        }),
    }
}

pub fn login_refused(
    error: &AuthError,
    at: DateTime<Utc>,
    user_name: Option<&str>,
    sts_endpoint: Option<&str>,
) -> NewEvent {
    NewEvent {
        at,
        actor: user_name.unwrap_or(ANONYMOUS).to_owned(),
        kind: LOGIN_REFUSED.into(),
        request_id: None,
        data: json!({
            "code": error.code().as_str(),
            "reason": error.to_string(),
            "stsEndpoint": sts_endpoint,
        }),
    }
}

pub fn logout(caller: &Caller, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        at,
        actor: caller.person.user_name.clone(),
        kind: LOGOUT.into(),
        request_id: None,
        data: json!({ "sessionId": caller.session_id }),
    }
}
