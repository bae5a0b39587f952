//! The audit events of signing in and out. They carry who, which session (by its public
//! id), the groups granted and, for a refusal, the reason; never a token, its hash, a
//! signature or credentials.

use chrono::{DateTime, Utc};

use super::{AuthError, Caller};
use crate::model::audit::{Login, LoginRefused, Logout};
use crate::model::{AuditEvent, NewEvent};

/// The actor of a refused sign-in whose user is not known.
pub const ANONYMOUS: &str = "anonymous";

pub fn login(caller: &Caller, at: DateTime<Utc>, sts_endpoint: &str) -> NewEvent {
    NewEvent {
        at,
        actor: caller.person.user_name.clone(),
        request_id: None,
        event: AuditEvent::Login(Login {
            session_id: caller.session_id.clone(),
            user_id: caller.person.user_id.clone(),
            groups: caller.groups.clone(),
            expires_at: caller.session_expires_at,
            sts_endpoint: sts_endpoint.to_owned(),
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
        request_id: None,
        event: AuditEvent::LoginRefused(LoginRefused {
            code: error.code().as_str().to_owned(),
            reason: error.to_string(),
            sts_endpoint: sts_endpoint.map(str::to_owned),
            source: source.to_owned(),
            count: 1,
            repeats_from: None,
            repeats_to: None,
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
        request_id: None,
        event: AuditEvent::LoginRefused(LoginRefused {
            code: r.code.to_owned(),
            reason: r.reason.to_owned(),
            sts_endpoint: r.endpoint.map(str::to_owned),
            source: r.source.to_owned(),
            count: r.count,
            repeats_from: Some(r.from),
            repeats_to: Some(r.to),
        }),
    }
}

pub fn logout(caller: &Caller, at: DateTime<Utc>) -> NewEvent {
    NewEvent {
        at,
        actor: caller.person.user_name.clone(),
        request_id: None,
        event: AuditEvent::Logout(Logout {
            session_id: caller.session_id.clone(),
        }),
    }
}
