//! SSO OIDC (REST-JSON, unsigned): RegisterClient, StartDeviceAuthorization, CreateToken.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::{self, AwsError};
use super::{RequestContext, apply_faults};
use crate::faults::Api;
use crate::sim::Sim;
use crate::state::authorize::CodeExchange;
use crate::state::oidc::{
    AUTHORIZATION_CODE_GRANT, DEVICE_GRANT, OidcError, REFRESH_GRANT, Registration,
};

fn invalid_request(message: impl Into<String>) -> AwsError {
    AwsError::oauth(
        StatusCode::BAD_REQUEST,
        "InvalidRequestException",
        "invalid_request",
        message,
    )
}

fn oidc_error(err: OidcError) -> AwsError {
    let bad = StatusCode::BAD_REQUEST;
    match err {
        OidcError::InvalidClient(m) => AwsError::oauth(
            StatusCode::UNAUTHORIZED,
            "InvalidClientException",
            "invalid_client",
            m,
        ),
        OidcError::InvalidGrant(m) => {
            AwsError::oauth(bad, "InvalidGrantException", "invalid_grant", m)
        }
        OidcError::InvalidRequest(m) => invalid_request(m),
        OidcError::UnauthorizedClient(m) => {
            AwsError::oauth(bad, "UnauthorizedClientException", "unauthorized_client", m)
        }
        OidcError::UnsupportedGrantType(m) => AwsError::oauth(
            bad,
            "UnsupportedGrantTypeException",
            "unsupported_grant_type",
            m,
        ),
        OidcError::AuthorizationPending => AwsError::oauth(
            bad,
            "AuthorizationPendingException",
            "authorization_pending",
            "Authorization is still pending",
        ),
        OidcError::SlowDown => AwsError::oauth(
            bad,
            "SlowDownException",
            "slow_down",
            "Client is polling too quickly; wait the interval between polls",
        ),
        OidcError::ExpiredToken => AwsError::oauth(
            bad,
            "ExpiredTokenException",
            "expired_token",
            "Device code has expired; start a new device authorization",
        ),
        OidcError::AccessDenied => AwsError::oauth(
            bad,
            "AccessDeniedException",
            "access_denied",
            "The user denied the authorization request",
        ),
    }
}

struct Body(Value);

impl Body {
    fn parse(bytes: &[u8]) -> Result<Self, AwsError> {
        serde_json::from_slice(bytes)
            .map(Body)
            .map_err(|_| invalid_request("The request body is not valid JSON"))
    }

    fn opt(&self, field: &str) -> Option<&str> {
        self.0.get(field).and_then(Value::as_str)
    }

    fn req(&self, field: &str) -> Result<&str, AwsError> {
        self.opt(field)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid_request(format!("{field} is required")))
    }

    fn strings(&self, field: &str) -> Vec<String> {
        self.0
            .get(field)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn epoch_seconds(t: chrono::DateTime<chrono::Utc>) -> i64 {
    t.timestamp()
}

/// Runs one OIDC operation: faults, then the handler; records the call; renders.
async fn run(
    sim: &Sim,
    ctx: &RequestContext,
    operation: &'static str,
    handler: impl FnOnce(&mut BTreeMap<String, String>) -> Result<Value, AwsError>,
) -> Response {
    tracing::Span::current().record("operation", operation);
    let mut fields = BTreeMap::new();
    let result = match apply_faults(sim, Api::SsoOidc).await {
        Ok(()) => handler(&mut fields),
        Err(e) => Err(e),
    };
    let outcome = match &result {
        Ok(_) => "ok",
        Err(e) => e.code,
    };
    {
        let mut state = sim.state();
        sim.record_call(
            &mut state,
            Api::SsoOidc,
            operation,
            fields,
            ctx.arrival_micros,
            outcome,
        );
    }
    match result {
        Ok(v) => (
            [(header::CONTENT_TYPE, "application/json")],
            super::strip_nulls(v).to_string(),
        )
            .into_response(),
        Err(e) => {
            tracing::info!(code = e.code, "refused");
            error::oidc(&e)
        }
    }
}

pub(crate) async fn register_client(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    body: Bytes,
) -> Response {
    run(&sim, &ctx, "RegisterClient", |fields| {
        let body = Body::parse(&body)?;
        let name = body.req("clientName")?.to_owned();
        let client_type = body.req("clientType")?;
        if client_type != "public" {
            return Err(AwsError::oauth(
                StatusCode::BAD_REQUEST,
                "InvalidClientMetadataException",
                "invalid_client_metadata",
                format!("clientType must be \"public\", not \"{client_type}\""),
            ));
        }
        let scopes = body.strings("scopes");
        let grant_types = body.strings("grantTypes");
        let redirect_uris = body.strings("redirectUris");
        fields.insert("clientName".into(), name.clone());
        fields.insert("scopes".into(), scopes.join(" "));
        fields.insert("grantTypes".into(), grant_types.join(" "));
        check_registration(&sim, &body, &grant_types, &redirect_uris)?;
        let now = sim.now();
        let mut state = sim.state();
        let client = state.oidc.register_client(
            Registration {
                name,
                scopes,
                grant_types,
                redirect_uris,
            },
            now,
            sim.world.timing().client_registration_ttl,
        );
        fields.insert("clientId".into(), client.client_id.clone());
        Ok(json!({
            "clientId": client.client_id,
            "clientSecret": client.client_secret.expose(),
            "clientIdIssuedAt": epoch_seconds(client.issued_at),
            "clientSecretExpiresAt": epoch_seconds(client.expires_at),
        }))
    })
    .await
}

/// What RegisterClient refuses: unknown grant types, the authorization code grant without
/// a redirect URI, a redirect URI a browser could not safely be sent to, and an issuer
/// that is not this Identity Center.
fn check_registration(
    sim: &Sim,
    body: &Body,
    grant_types: &[String],
    redirect_uris: &[String],
) -> Result<(), AwsError> {
    let bad = StatusCode::BAD_REQUEST;
    for grant in grant_types {
        if ![AUTHORIZATION_CODE_GRANT, REFRESH_GRANT, DEVICE_GRANT].contains(&grant.as_str()) {
            return Err(AwsError::oauth(
                bad,
                "UnsupportedGrantTypeException",
                "unsupported_grant_type",
                format!(
                    "Grant type {grant} is not supported; use {AUTHORIZATION_CODE_GRANT}, {REFRESH_GRANT} or {DEVICE_GRANT}"
                ),
            ));
        }
    }
    let code_grant = grant_types.iter().any(|g| g == AUTHORIZATION_CODE_GRANT);
    if code_grant && redirect_uris.is_empty() {
        return Err(AwsError::oauth(
            bad,
            "InvalidRedirectUriException",
            "invalid_redirect_uri",
            "redirectUris is required with grant type authorization_code",
        ));
    }
    for uri in redirect_uris {
        if let Err(why) = check_redirect_uri(uri) {
            return Err(AwsError::oauth(
                bad,
                "InvalidRedirectUriException",
                "invalid_redirect_uri",
                format!("Redirect URI {uri} is not supported: {why}"),
            ));
        }
    }
    if let Some(issuer) = body.opt("issuerUrl")
        && !is_our_start_url(issuer)
    {
        return Err(invalid_request(format!(
            "issuerUrl {issuer} is not this Identity Center's issuer; use {}",
            sim.start_url()
        )));
    }
    Ok(())
}

/// A native app's redirect URI: http on the loopback interface (RFC 8252 section 7.3) or
/// https, absolute, without a fragment.
fn check_redirect_uri(uri: &str) -> Result<(), &'static str> {
    let url = url::Url::parse(uri).map_err(|_| "it is not an absolute URI")?;
    if url.fragment().is_some() {
        return Err("a redirect URI may not have a fragment");
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => Ok(()),
            Some(url::Host::Domain("localhost")) => Ok(()),
            _ => {
                Err("http is allowed only on the loopback interface (127.0.0.1, [::1], localhost)")
            }
        },
        _ => Err("the scheme must be http (loopback) or https"),
    }
}

/// The start URL must be this simulator's access portal; the host may differ (localhost
/// and 127.0.0.1 are the same portal) but the path may not.
pub(crate) fn is_our_start_url(start_url: &str) -> bool {
    url::Url::parse(start_url).is_ok_and(|u| {
        let path = u.path().trim_end_matches('/');
        path == "/start"
    })
}

pub(crate) async fn start_device_authorization(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    body: Bytes,
) -> Response {
    run(&sim, &ctx, "StartDeviceAuthorization", |fields| {
        let body = Body::parse(&body)?;
        let client_id = body.req("clientId")?;
        let client_secret = body.req("clientSecret")?;
        let start_url = body.req("startUrl")?;
        fields.insert("clientId".into(), client_id.to_owned());
        if !is_our_start_url(start_url) {
            return Err(invalid_request(format!(
                "startUrl {start_url} is not this Identity Center's access portal; use {}",
                sim.start_url()
            )));
        }
        let now = sim.now();
        let mut state = sim.state();
        let device = state
            .oidc
            .start_device_authorization(client_id, client_secret, now, sim.world.timing())
            .map_err(oidc_error)?;
        fields.insert("userCode".into(), device.user_code.clone());
        let verification_uri = format!("{}/device", sim.base_url);
        Ok(json!({
            "deviceCode": device.device_code.expose(),
            "userCode": device.user_code,
            "verificationUri": verification_uri,
            "verificationUriComplete": format!("{verification_uri}?user_code={}", device.user_code),
            "expiresIn": (device.expires_at - now).num_seconds(),
            "interval": device.interval.as_secs(),
        }))
    })
    .await
}

pub(crate) async fn create_token(
    State(sim): State<Arc<Sim>>,
    Extension(ctx): Extension<RequestContext>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let operation = if query.is_some_and(|q| q.contains("aws_iam")) {
        "CreateTokenWithIAM"
    } else {
        "CreateToken"
    };
    run(&sim, &ctx, operation, |fields| {
        if operation == "CreateTokenWithIAM" {
            return Err(invalid_request(
                "CreateTokenWithIAM is not implemented by stint-sim",
            ));
        }
        let body = Body::parse(&body)?;
        let client_id = body.req("clientId")?;
        let client_secret = body.req("clientSecret")?;
        let grant_type = body.req("grantType")?;
        fields.insert("clientId".into(), client_id.to_owned());
        fields.insert("grantType".into(), grant_type.to_owned());
        let now = sim.now();
        let timing = sim.world.timing();
        let mut state = sim.state();
        let grant = match grant_type {
            DEVICE_GRANT => {
                let device_code = body.req("deviceCode")?;
                state.oidc.create_token_from_device_code(
                    client_id,
                    client_secret,
                    device_code,
                    &body.strings("scope"),
                    now,
                    timing,
                )
            }
            AUTHORIZATION_CODE_GRANT => {
                let exchange = CodeExchange {
                    client_id,
                    client_secret,
                    code: body.req("code")?,
                    code_verifier: body.req("codeVerifier")?,
                    redirect_uri: body.req("redirectUri")?,
                };
                state
                    .oidc
                    .create_token_from_authorization_code(&exchange, now, timing)
            }
            REFRESH_GRANT => {
                let refresh = body.req("refreshToken")?;
                state.oidc.create_token_from_refresh_token(
                    client_id,
                    client_secret,
                    refresh,
                    now,
                    timing,
                )
            }
            other => Err(OidcError::UnsupportedGrantType(format!(
                "Grant type {other} is not supported; use {AUTHORIZATION_CODE_GRANT}, {DEVICE_GRANT} or {REFRESH_GRANT}"
            ))),
        }
        .map_err(oidc_error)?;
        if let Some(user) = state
            .oidc
            .user_for_access_token(grant.access_token.expose(), now)
            .and_then(|id| sim.world.user_by_id(id))
        {
            fields.insert("userName".into(), user.user_name.clone());
        }
        fields.insert(
            "refreshTokenIssued".into(),
            grant.refresh_token.is_some().to_string(),
        );
        Ok(json!({
            "accessToken": grant.access_token.expose(),
            "tokenType": "Bearer",
            "expiresIn": grant.expires_in,
            "refreshToken": grant.refresh_token.as_ref().map(|t| t.expose()),
        }))
    })
    .await
}
