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

/// One refused sign-in, the first of its kind in an interval (see `refusal_tally`).
pub fn login_refused(
    error: &AuthError,
    at: DateTime<Utc>,
    user_name: Option<&str>,
    sts_endpoint: Option<&str>,
    source: &str,
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
            "source": source,
            "count": 1,
        }),
    }
}

/// The repeats of one kind of refused sign-in over an interval.
pub struct Repeated<'a> {
    pub code: &'a str,
    pub reason: &'a str,
    pub user_name: Option<&'a str>,
    pub endpoint: Option<&'a str>,
    pub source: &'a str,
    pub count: u64,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub at: DateTime<Utc>,
}

pub fn login_refused_repeats(r: Repeated<'_>) -> NewEvent {
    NewEvent {
        at: r.at,
        actor: r.user_name.unwrap_or(ANONYMOUS).to_owned(),
        kind: LOGIN_REFUSED.into(),
        request_id: None,
        data: json!({
            "code": r.code,
            "reason": r.reason,
            "stsEndpoint": r.endpoint,
            "source": r.source,
            "count": r.count,
            "repeatsFrom": r.from,
            "repeatsTo": r.to,
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
