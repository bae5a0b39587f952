//! Who is calling, and what the policy in force lets them see and do. Handlers take a
//! [`Viewer`]: the bearer token resolved to a [`Caller`], with the policy held for the
//! length of the request so one decision never mixes two policies.

use std::sync::Arc;

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;

use super::error::AppError;
use super::observe::record_user;
use super::state::AppState;
use crate::auth::Caller;
use crate::model::{Actor, Request};
use crate::policy::{ResolvedPolicy, Subject};

pub struct Viewer {
    pub caller: Caller,
    pub policy: Arc<ResolvedPolicy>,
    pub subject: Subject,
    pub admin: bool,
    pub auditor: bool,
}

/// The token of an `Authorization: Bearer <token>` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AppError> {
    let header = headers.get(AUTHORIZATION).ok_or_else(|| {
        AppError::unauthenticated(
            "no session token: sign in (`stint login`) and send the token as `Authorization: Bearer <token>`",
        )
    })?;
    let value = header.to_str().unwrap_or_default().trim();
    let token = value
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            AppError::unauthenticated(
                "the Authorization header is not `Bearer <token>`: send the session token the broker gave at sign-in",
            )
        })?;
    Ok(token)
}

impl Viewer {
    pub fn new(caller: Caller, policy: Arc<ResolvedPolicy>) -> Self {
        let subject = Subject::new(caller.person.user_name.clone(), caller.groups.clone());
        let admin = policy.policy.is_admin(&subject);
        let auditor = policy.policy.is_auditor(&subject);
        Self {
            caller,
            policy,
            subject,
            admin,
            auditor,
        }
    }

    pub fn actor(&self) -> Actor {
        self.caller.actor(self.admin)
    }

    pub fn user_name(&self) -> &str {
        &self.caller.person.user_name
    }

    /// Auditors and admins see every request and the audit log.
    pub fn sees_everything(&self) -> bool {
        self.auditor || self.admin
    }

    pub fn is_requester(&self, request: &Request) -> bool {
        request.requester.user_id == self.caller.person.user_id
    }

    /// In one of the groups fixed as the request's approvers when it was made.
    pub fn is_approver_of(&self, request: &Request) -> bool {
        !self.is_requester(request)
            && request
                .approver_groups
                .iter()
                .any(|g| self.caller.groups.contains(g))
    }

    pub fn can_see(&self, request: &Request) -> bool {
        self.sees_everything() || self.is_requester(request) || self.is_approver_of(request)
    }

    pub fn require_auditor(&self, what: &str) -> Result<(), AppError> {
        if self.sees_everything() {
            Ok(())
        } else {
            Err(AppError::forbidden(format!(
                "{what} is for auditors and admins; {} is neither",
                self.user_name()
            )))
        }
    }
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let token = bearer_token(&parts.headers)?;
        let caller = state.inner.resolver.resolve(token).await?;
        // The resolver owns sessions; this guards against one that forgets to check expiry.
        if caller.session_expires_at <= state.inner.clock.now() {
            return Err(AppError::unauthenticated(
                "the session has expired: sign in again",
            ));
        }
        record_user(&caller.person.user_name);
        let policy = state
            .inner
            .policy
            .in_force()
            .ok_or_else(AppError::directory_unavailable)?;
        Ok(Viewer::new(caller, policy))
    }
}
