//! The OIDC authorize endpoint of the browser sign-in (`GET /authorize`): checks the
//! request as Identity Center does, shows a sign-in and consent page, and on the person's
//! answer sends the browser back to the client's loopback redirect URI with a code (or
//! `error=access_denied`) and the client's `state`. The `/_sim/authorize/approve` control
//! call runs the same checks and decision for tests that have the URL but no browser.
//!
//! A request whose client or redirect URI cannot be trusted is answered here with an
//! error page, never redirected (RFC 6749 section 4.1.2.1); any other problem goes back to
//! the redirect URI as `error=...&error_description=...&state=...`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::html::{escape, page};
use super::pages::{form_fields, set_portal_cookie, user_datalist};
use crate::control::{AuthorizeDecision, ControlError};
use crate::sim::Sim;
use crate::state::authorize::{AuthorizeDecisionError, AuthorizeRequest, S256};
use crate::state::oidc::AUTHORIZATION_CODE_GRANT;

/// Why an authorize request is refused.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// The client or redirect URI is unknown: shown to the person, not redirected.
    Page(String),
    /// Sent back to the (registered) redirect URI.
    Redirect {
        location: String,
        error: &'static str,
        description: String,
    },
}

impl Refusal {
    fn message(&self) -> String {
        match self {
            Refusal::Page(m) => m.clone(),
            Refusal::Redirect {
                error, description, ..
            } => format!("{error}: {description}"),
        }
    }
}

fn redirect_error(
    uri: &str,
    state: Option<&str>,
    error: &'static str,
    description: String,
) -> Refusal {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("error", error);
    query.append_pair("error_description", &description);
    if let Some(state) = state {
        query.append_pair("state", state);
    }
    let sep = if uri.contains('?') { '&' } else { '?' };
    Refusal::Redirect {
        location: format!("{uri}{sep}{}", query.finish()),
        error,
        description,
    }
}

/// Checks an authorize request's parameters against the registered client.
pub(crate) fn check(
    sim: &Sim,
    params: &HashMap<String, String>,
) -> Result<AuthorizeRequest, Refusal> {
    let get = |k: &str| params.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let client_id = get("client_id")
        .ok_or_else(|| Refusal::Page("The sign-in link has no client_id.".into()))?;
    let redirect_uri = get("redirect_uri")
        .ok_or_else(|| Refusal::Page("The sign-in link has no redirect_uri.".into()))?;
    let now = sim.now();
    let state = sim.state();
    let client = state.oidc.public_client(client_id, now).ok_or_else(|| {
        Refusal::Page(format!(
            "No registered client has the id {client_id} (or its registration expired): the program must call RegisterClient again."
        ))
    })?;
    if !client.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(Refusal::Page(format!(
            "The redirect_uri {redirect_uri} is not one the client registered; nothing is sent there."
        )));
    }
    let st = get("state");
    let refuse = |error, description: String| redirect_error(redirect_uri, st, error, description);
    if get("response_type") != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "response_type must be code".into(),
        ));
    }
    if !client.allows_grant(AUTHORIZATION_CODE_GRANT) {
        return Err(refuse(
            "unauthorized_client",
            format!("the client did not register grant type {AUTHORIZATION_CODE_GRANT}"),
        ));
    }
    let Some(challenge) = get("code_challenge") else {
        return Err(refuse(
            "invalid_request",
            "code_challenge is required (PKCE)".into(),
        ));
    };
    if get("code_challenge_method") != Some(S256) {
        return Err(refuse(
            "invalid_request",
            format!("code_challenge_method must be {S256}"),
        ));
    }
    // S256 challenges are 43 characters of base64url (RFC 7636 section 4.2).
    if challenge.len() != 43
        || !challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(refuse(
            "invalid_request",
            "code_challenge must be the base64url SHA-256 of the verifier (43 characters)".into(),
        ));
    }
    // The AWS CLI sends `scopes` (space-separated); OAuth clients send `scope`.
    let scopes: Vec<String> = get("scopes")
        .or_else(|| get("scope"))
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    Ok(AuthorizeRequest {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        state: st.map(str::to_owned),
        code_challenge: challenge.to_owned(),
        scopes,
    })
}

fn decision_error(err: AuthorizeDecisionError) -> ControlError {
    match err {
        AuthorizeDecisionError::NotFound => {
            ControlError::NotFound("no sign-in is waiting with that id".into())
        }
        AuthorizeDecisionError::Expired => {
            ControlError::Gone("that sign-in page has expired; start the sign-in again".into())
        }
        AuthorizeDecisionError::AlreadyDecided => {
            ControlError::Conflict("that sign-in was already approved or denied".into())
        }
    }
}

/// Approves (as `user_name`) or denies a pending authorization, returning where the
/// browser goes next.
pub(crate) fn decide(
    sim: &Sim,
    id: &str,
    user_name: &str,
    deny: bool,
) -> Result<AuthorizeDecision, ControlError> {
    let user = match sim.world.user_by_name(user_name) {
        Some(u) => Some(u),
        None if deny => None,
        None => return Err(sim.unknown_user(user_name)),
    };
    let now = sim.now();
    let approve_as = user.filter(|_| !deny).map(|u| u.user_id.clone());
    let redirect = sim
        .state()
        .oidc
        .decide_authorization(id, approve_as, now, sim.world.timing())
        .map_err(decision_error)?;
    tracing::info!(
        user = user_name,
        approved = !deny,
        "browser sign-in decided"
    );
    Ok(AuthorizeDecision {
        redirect_to: redirect.location(),
        user_name: user.map(|u| u.user_name.clone()).unwrap_or_default(),
        status: if deny { "denied" } else { "approved" }.to_owned(),
    })
}

/// `/_sim/authorize/approve`: checks the authorize URL a client would open, then decides
/// it, as a person opening the link and pressing Allow (or Deny) would.
pub(crate) fn approve_url(
    sim: &Sim,
    authorize_url: &str,
    user_name: &str,
    deny: bool,
) -> Result<AuthorizeDecision, ControlError> {
    let url = url::Url::parse(authorize_url)
        .map_err(|e| ControlError::BadRequest(format!("authorizeUrl is not a URL: {e}")))?;
    if url.path() != "/authorize" {
        return Err(ControlError::BadRequest(format!(
            "authorizeUrl must be this simulator's {}/authorize?..., not a URL with path {}",
            sim.base_url,
            url.path()
        )));
    }
    let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
    let request = check(sim, &params).map_err(|r| ControlError::BadRequest(r.message()))?;
    let id = sim
        .state()
        .oidc
        .start_authorization(request, sim.now())
        .id
        .clone();
    decide(sim, &id, user_name, deny)
}

fn consent_form(sim: &Sim, id: &str, client_name: &str, notice: &str) -> String {
    format!(
        "<h1>Allow {} to access your data?</h1>{notice}\
<p>The program will get access to your AWS accounts and roles in this Identity Center, as the \
user you sign in as.</p>\
<form method=\"post\" action=\"/authorize\">\
<input type=\"hidden\" name=\"authorization\" value=\"{}\">\
<label>Sign in as<br><input name=\"user_name\" list=\"users\" required autocomplete=\"off\" placeholder=\"user name\"></label>{}\
<button class=\"approve\" name=\"decision\" value=\"approve\">Allow access</button>\
<button class=\"deny\" name=\"decision\" value=\"deny\" formnovalidate>Deny</button></form>",
        escape(client_name),
        escape(id),
        user_datalist(sim)
    )
}

pub(crate) async fn authorize_page(
    State(sim): State<Arc<Sim>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    tracing::Span::current().record("operation", "Authorize");
    match check(&sim, &params) {
        Ok(request) => {
            let now = sim.now();
            let mut state = sim.state();
            let client_name = state
                .oidc
                .public_client(&request.client_id, now)
                .map(|c| c.client_name.clone())
                .unwrap_or_default();
            let id = state.oidc.start_authorization(request, now).id.clone();
            drop(state);
            page(
                StatusCode::OK,
                "Sign in",
                &consent_form(&sim, &id, &client_name, ""),
            )
        }
        Err(Refusal::Redirect { location, .. }) => Redirect::to(&location).into_response(),
        Err(Refusal::Page(message)) => page(
            StatusCode::BAD_REQUEST,
            "Sign-in refused",
            &format!(
                "<h1 class=\"error\">This sign-in link is not valid</h1><p>{}</p>",
                escape(&message)
            ),
        ),
    }
}

pub(crate) async fn authorize_submit(State(sim): State<Arc<Sim>>, body: Bytes) -> Response {
    tracing::Span::current().record("operation", "AuthorizeDecision");
    let fields = form_fields(&body);
    let field = |k: &str| fields.get(k).map(String::as_str).unwrap_or_default();
    let deny = field("decision") == "deny";
    match decide(&sim, field("authorization"), field("user_name"), deny) {
        Ok(decision) => {
            let mut response = Redirect::to(&decision.redirect_to).into_response();
            // Signed in on this browser, as after the device page: the portal knows them.
            if let Some(user) = sim.world.user_by_name(&decision.user_name) {
                set_portal_cookie(&sim, &mut response, user);
            }
            response
        }
        Err(e @ ControlError::BadRequest(_)) => {
            // A mistyped user name: ask again, the sign-in is still waiting.
            let notice = format!("<p class=\"error\">{}</p>", escape(&e.to_string()));
            page(
                StatusCode::BAD_REQUEST,
                "Sign in",
                &consent_form(&sim, field("authorization"), "The program", &notice),
            )
        }
        Err(e) => {
            let status = e.status();
            page(
                status,
                "Sign in",
                &format!(
                    "<h1 class=\"error\">Not signed in</h1><p>{}</p>",
                    escape(&e.to_string())
                ),
            )
        }
    }
}
