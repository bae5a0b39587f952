//! The authentication endpoints: `GET /v1/auth/config` (public), `POST /v1/auth/aws`
//! (a signed identity request in, a session out) and `POST /v1/auth/logout` (bearer).
//! The API layer merges [`routes`] into its router.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::extract::{DefaultBodyLimit, Extension, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use stint_api::{
    ApiError, AuthAwsRequest, AuthConfig, ErrorCode, Me, Persona, SessionGrant, UserRef,
};

use super::authenticator::UNKNOWN_SOURCE;
use super::{AuthError, Authenticator, Caller};
use crate::edge::ClientAddr;
use crate::policy::{PolicyHandle, Subject};

/// A signed GetCallerIdentity is a few KiB; anything much larger is not one.
const MAX_BODY_BYTES: usize = 64 * 1024;

/// Where a session's personas come from. Policy decides them, so the API layer passes its
/// policy in (a [`PolicyHandle`] is one); a grant without personas would hide the
/// approver's and auditor's views in the app.
pub trait PersonaSource: Send + Sync + 'static {
    /// `None` while no policy is in force yet (the directory has not been read).
    fn personas(&self, caller: &Caller) -> Option<Vec<Persona>>;
    /// Whether a policy is in force (the directory has been read at least once).
    fn in_force(&self) -> bool;
}

impl PersonaSource for PolicyHandle {
    fn personas(&self, caller: &Caller) -> Option<Vec<Persona>> {
        let subject = Subject::new(
            caller.person.user_name.as_str(),
            caller.groups.iter().cloned(),
        );
        Some(PolicyHandle::in_force(self)?.personas(&subject))
    }

    fn in_force(&self) -> bool {
        PolicyHandle::in_force(self).is_some()
    }
}

/// What the authentication routes need.
#[derive(Clone)]
pub struct AuthState {
    pub authenticator: Arc<Authenticator>,
    pub personas: Arc<dyn PersonaSource>,
}

impl std::fmt::Debug for AuthState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthState").finish_non_exhaustive()
    }
}

pub fn routes(state: AuthState) -> Router {
    Router::new()
        .route(stint_api::routes::AUTH_CONFIG, get(auth_config))
        .route(stint_api::routes::AUTH_AWS, post(login))
        .route(stint_api::routes::AUTH_LOGOUT, post(logout))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(state)
}

/// The bearer token of a request's `Authorization` header.
pub fn bearer_token(headers: &HeaderMap) -> Result<&str, AuthError> {
    let missing = || {
        AuthError::Unauthenticated(
            "this needs a Stint session: send `Authorization: Bearer <session token>` (sign in with stint login)"
                .to_owned(),
        )
    };
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(missing)?
        .to_str()
        .map_err(|_| missing())?;
    match value.split_once(' ') {
        Some((scheme, token))
            if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() =>
        {
            Ok(token.trim())
        }
        _ => Err(missing()),
    }
}

/// An [`AuthError`] as the API's one error shape.
struct Rejection(AuthError);

impl IntoResponse for Rejection {
    fn into_response(self) -> Response {
        let code = self.0.code();
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = (status, Json(ApiError::new(code, self.0.to_string()))).into_response();
        if let AuthError::RateLimited { retry_after, .. } = &self.0 {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(*retry_after));
        }
        response
    }
}

fn invalid_input(message: String) -> Response {
    let code = ErrorCode::InvalidInput;
    let status = StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST);
    (status, Json(ApiError::new(code, message))).into_response()
}

#[tracing::instrument(skip_all)]
async fn auth_config(State(state): State<AuthState>) -> Json<AuthConfig> {
    Json(state.authenticator.client_config())
}

#[tracing::instrument(skip_all)]
async fn login(
    State(state): State<AuthState>,
    client: Option<Extension<ClientAddr>>,
    body: Result<Json<AuthAwsRequest>, JsonRejection>,
) -> Response {
    let Json(req) = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            let code = ErrorCode::TooLarge;
            let message = format!(
                "a signed identity request is a few KiB; this body is over {} KiB",
                MAX_BODY_BYTES / 1024
            );
            return (
                StatusCode::PAYLOAD_TOO_LARGE,
                Json(ApiError::new(code, message)),
            )
                .into_response();
        }
        // The rejection's text names the JSON problem, never the values.
        Err(rejection) => {
            return invalid_input(format!(
                "the body must be a signed identity request (method, url, headers, body): {}",
                rejection.body_text()
            ));
        }
    };
    if !state.personas.in_force() {
        // Every call a session could make needs the policy; do not hand out one yet.
        return Rejection(AuthError::DirectoryUnavailable).into_response();
    }
    let source = client.map_or_else(|| UNKNOWN_SOURCE.to_owned(), |c| c.0.to_string());
    if let Err(e) = state.authenticator.throttle(&source, &req).await {
        return Rejection(e).into_response();
    }
    match state.authenticator.login_from(&req, &source).await {
        Ok((token, caller)) => {
            // Checked before signing in too; only a race with nothing in force can get here.
            let personas = state.personas.personas(&caller).unwrap_or_default();
            let grant = SessionGrant {
                token: token.expose().to_owned(),
                expires_at: caller.session_expires_at,
                me: me(&caller, personas),
            };
            Json(grant).into_response()
        }
        Err(e) => Rejection(e).into_response(),
    }
}

#[tracing::instrument(skip_all)]
async fn logout(State(state): State<AuthState>, headers: HeaderMap) -> Response {
    let result = match bearer_token(&headers) {
        Ok(token) => state.authenticator.logout(token).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => Rejection(e).into_response(),
    }
}

/// `Me` for a caller, with personas from policy.
pub fn me(caller: &Caller, personas: Vec<Persona>) -> Me {
    Me {
        user: UserRef {
            user_id: caller.person.user_id.clone(),
            user_name: caller.person.user_name.clone(),
            display_name: caller.person.display_name.clone(),
        },
        email: caller.email.clone(),
        groups: caller.groups.clone(),
        personas,
    }
}
