//! The federation endpoint (`/federation`, AWS's `signin.aws.amazon.com/federation`):
//! `Action=getSigninToken` trades session credentials for a sign-in token;
//! `Action=login` spends it and redirects to the simulated console page.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::json;

use super::RequestContext;
use crate::sim::Sim;
use crate::state::credentials::{ConsoleSession, SigninError};

fn refuse(message: &str) -> Response {
    tracing::info!(reason = message, "federation request refused");
    (
        StatusCode::BAD_REQUEST,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        format!("{message}\n"),
    )
        .into_response()
}

#[derive(Deserialize)]
struct SessionJson {
    #[serde(rename = "sessionId")]
    session_id: String,
    #[serde(rename = "sessionKey")]
    session_key: String,
    #[serde(rename = "sessionToken")]
    session_token: String,
}

pub(crate) async fn federation(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let action = params.get("Action").map(String::as_str).unwrap_or_default();
    tracing::Span::current().record("operation", action);
    match action {
        "getSigninToken" => get_signin_token(&sim, &params),
        "login" => login(&sim, &ctx, &params),
        "" => refuse("Action is required: getSigninToken or login"),
        _ => refuse("Unknown Action: use getSigninToken or login"),
    }
}

fn get_signin_token(sim: &Sim, params: &HashMap<String, String>) -> Response {
    if params.contains_key("SessionDuration") {
        // AWS refuses SessionDuration for credentials from an assumed role; role
        // credentials from the portal are exactly that.
        return refuse("SessionDuration is not allowed with role session credentials");
    }
    let Some(session) = params.get("Session") else {
        return refuse("Session is required: the JSON {sessionId, sessionKey, sessionToken}");
    };
    let Ok(session) = serde_json::from_str::<SessionJson>(session) else {
        return refuse("Session must be JSON with sessionId, sessionKey and sessionToken");
    };
    let now = sim.now();
    let result = sim.state().credentials.signin_token(
        &session.session_id,
        &session.session_key,
        &session.session_token,
        now,
    );
    match result {
        Ok(token) => (
            [(header::CONTENT_TYPE, "application/json")],
            json!({ "SigninToken": token.expose() }).to_string(),
        )
            .into_response(),
        Err(SigninError::ExpiredCredentials) => refuse("The session credentials have expired"),
        Err(_) => refuse("The session credentials are not valid"),
    }
}

/// AWS only lands sign-ins on the console.
fn is_console_url(destination: &str) -> bool {
    url::Url::parse(destination).is_ok_and(|u| {
        u.scheme() == "https"
            && u.host_str().is_some_and(|h| {
                h == "console.aws.amazon.com" || h.ends_with(".console.aws.amazon.com")
            })
    })
}

fn login(sim: &Sim, ctx: &RequestContext, params: &HashMap<String, String>) -> Response {
    let Some(token) = params.get("SigninToken") else {
        return refuse("SigninToken is required");
    };
    let destination = params
        .get("Destination")
        .cloned()
        .unwrap_or_else(|| "https://console.aws.amazon.com/".to_owned());
    if !is_console_url(&destination) {
        return refuse("Destination must be an https://console.aws.amazon.com/ URL");
    }
    let issuer = params.get("Issuer").cloned();
    let now = sim.now();
    let opened = sim
        .state()
        .credentials
        .redeem_signin_token(token, destination, issuer, now)
        .cloned();
    match opened {
        Ok(session) => {
            super::trail::record_console_login(sim, ctx, &session);
            found(&console_path(&session))
        }
        Err(_) => refuse(
            "The sign-in token is not valid: it is unknown, already used, or older than 15 minutes",
        ),
    }
}

/// A 302, as AWS's federation endpoint answers.
pub(crate) fn found(location: &str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, location.to_owned())]).into_response()
}

/// `/console/<session>/<destination path>?<destination query>`, so the address bar reads
/// like the console page it stands for.
pub(crate) fn console_path(session: &ConsoleSession) -> String {
    let rest = url::Url::parse(&session.destination)
        .map(|u| {
            let path = u.path().trim_start_matches('/').to_owned();
            match u.query() {
                Some(q) => format!("{path}?{q}"),
                None => path,
            }
        })
        .unwrap_or_default();
    format!("/console/{}/{rest}", session.id)
}

#[cfg(test)]
mod tests {
    use super::is_console_url;

    #[test]
    fn only_console_destinations() {
        assert!(is_console_url("https://console.aws.amazon.com/ec2/home"));
        assert!(is_console_url(
            "https://us-east-1.console.aws.amazon.com/s3/"
        ));
        assert!(!is_console_url("https://evil.example.com/"));
        assert!(!is_console_url("http://console.aws.amazon.com/"));
    }
}
