//! The SSO OIDC calls of the device login, with each outcome the login loop branches on
//! made into a value instead of an error.

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use chrono::{DateTime, Duration, Utc};

use crate::aws_error;
use crate::endpoints::LazySdk;
use crate::error::{Error, Result};
use crate::secret::Secret;
use crate::sso::token::ClientRegistration;

const SERVICE: &str = "SSO OIDC";
/// The scope that makes Identity Center issue refresh tokens.
pub const ACCOUNT_ACCESS_SCOPE: &str = "sso:account:access";
const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
const REFRESH_GRANT: &str = "refresh_token";
const AUTHORIZATION_CODE_GRANT: &str = "authorization_code";

/// The SSO OIDC client, built on first use.
#[derive(Debug, Clone)]
pub(crate) struct Oidc {
    sdk: LazySdk,
    client: std::sync::Arc<tokio::sync::OnceCell<aws_sdk_ssooidc::Client>>,
}

#[derive(Debug, Clone)]
pub(crate) struct DeviceAuthorization {
    pub device_code: Secret,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: String,
    pub expires_in: Duration,
    pub interval: Duration,
}

#[derive(Debug)]
pub(crate) struct IssuedToken {
    pub access_token: Secret,
    pub expires_in: Duration,
    pub refresh_token: Option<Secret>,
}

/// One answer to a device-code CreateToken poll.
#[derive(Debug)]
pub(crate) enum Poll {
    Issued(IssuedToken),
    Pending,
    SlowDown,
    Expired,
    Denied,
    /// The client registration is no longer accepted; register again.
    ClientRejected,
}

/// One answer to an authorization-code CreateToken.
#[derive(Debug)]
pub(crate) enum Exchange {
    Issued(IssuedToken),
    /// The code was refused (used, expired, or the verifier or redirect URI do not match).
    CodeRefused(String),
    /// The client registration is no longer accepted; register again.
    ClientRejected,
}

/// One answer to a refresh-token CreateToken.
#[derive(Debug)]
pub(crate) enum Refresh {
    Issued(IssuedToken),
    /// The refresh token or the client is no longer accepted: the session has ended.
    Rejected,
}

impl Oidc {
    pub fn new(sdk: LazySdk) -> Self {
        Self {
            sdk,
            client: std::sync::Arc::default(),
        }
    }

    async fn client(&self) -> &aws_sdk_ssooidc::Client {
        self.client
            .get_or_init(|| async { aws_sdk_ssooidc::Client::new(self.sdk.get().await) })
            .await
    }

    pub async fn register(&self, region: &str, now: DateTime<Utc>) -> Result<ClientRegistration> {
        let out = self
            .client()
            .await
            .register_client()
            .client_name(format!("stint-{}", hostname_hint()))
            .client_type("public")
            .scopes(ACCOUNT_ACCESS_SCOPE)
            .send()
            .await
            .map_err(|e| aws_error::from_sdk(SERVICE, "RegisterClient", e))?;
        registration_from(region, &out, now)
    }

    /// Registers a client for the browser sign-in: the authorization-code grant (and the
    /// refresh grant that keeps the login), redirected to `redirect_uri` only.
    pub async fn register_for_browser(
        &self,
        region: &str,
        start_url: &str,
        redirect_uri: &str,
        now: DateTime<Utc>,
    ) -> Result<ClientRegistration> {
        let out = self
            .client()
            .await
            .register_client()
            .client_name(format!("stint-{}", hostname_hint()))
            .client_type("public")
            .scopes(ACCOUNT_ACCESS_SCOPE)
            .grant_types(AUTHORIZATION_CODE_GRANT)
            .grant_types(REFRESH_GRANT)
            .redirect_uris(redirect_uri)
            .issuer_url(start_url)
            .send()
            .await
            .map_err(|e| aws_error::from_sdk(SERVICE, "RegisterClient", e))?;
        let mut registration = registration_from(region, &out, now)?;
        registration.redirect_uri = Some(redirect_uri.to_owned());
        Ok(registration)
    }

    /// The OIDC endpoint the SDK client talks to: `<it>/authorize` is the sign-in page.
    pub async fn endpoint(&self, region: &str) -> Result<url::Url> {
        use aws_sdk_ssooidc::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
        let sdk = self.sdk.get().await;
        let params = Params::builder()
            .region(region)
            .use_fips(sdk.use_fips().unwrap_or(false))
            .use_dual_stack(sdk.use_dual_stack().unwrap_or(false))
            .set_endpoint(crate::endpoints::configured_endpoint(sdk, "SSO OIDC"))
            .build()
            .map_err(|e| {
                Error::InvalidInput(format!("cannot resolve the SSO OIDC endpoint: {e}"))
            })?;
        let endpoint = DefaultResolver::new()
            .resolve_endpoint(&params)
            .await
            .map_err(|e| {
                Error::InvalidInput(format!("cannot resolve the SSO OIDC endpoint: {e}"))
            })?;
        url::Url::parse(endpoint.url()).map_err(|e| {
            Error::InvalidInput(format!("SSO OIDC endpoint `{}`: {e}", endpoint.url()))
        })
    }

    /// Trades the code the browser brought back for tokens.
    pub async fn exchange_code(
        &self,
        registration: &ClientRegistration,
        code: &Secret,
        verifier: &Secret,
        redirect_uri: &str,
    ) -> Result<Exchange> {
        let result = self
            .client()
            .await
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type(AUTHORIZATION_CODE_GRANT)
            .code(code.expose())
            .code_verifier(verifier.expose())
            .redirect_uri(redirect_uri)
            .send()
            .await;
        match result {
            Ok(out) => Ok(Exchange::Issued(issued(&out)?)),
            Err(err) => match err.as_service_error() {
                Some(CreateTokenError::InvalidGrantException(e)) => Ok(Exchange::CodeRefused(
                    e.error_description()
                        .or(e.message())
                        .unwrap_or("invalid_grant")
                        .to_owned(),
                )),
                Some(
                    CreateTokenError::InvalidClientException(_)
                    | CreateTokenError::UnauthorizedClientException(_),
                ) => Ok(Exchange::ClientRejected),
                _ => Err(aws_error::from_sdk(SERVICE, "CreateToken", err)),
            },
        }
    }

    /// `Ok(None)` when the registration was refused (register again).
    pub async fn start_device_authorization(
        &self,
        registration: &ClientRegistration,
        start_url: &str,
    ) -> Result<Option<DeviceAuthorization>> {
        let result = self
            .client()
            .await
            .start_device_authorization()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .start_url(start_url)
            .send()
            .await;
        let out = match result {
            Ok(out) => out,
            Err(e)
                if matches!(
                    aws_error::code_of(&e),
                    Some("InvalidClientException" | "UnauthorizedClientException")
                ) =>
            {
                return Ok(None);
            }
            Err(e) => return Err(aws_error::from_sdk(SERVICE, "StartDeviceAuthorization", e)),
        };
        let (Some(device_code), Some(user_code), Some(uri)) =
            (out.device_code(), out.user_code(), out.verification_uri())
        else {
            return Err(Error::protocol(
                SERVICE,
                "StartDeviceAuthorization left out the device or user code",
            ));
        };
        Ok(Some(DeviceAuthorization {
            device_code: Secret::new(device_code),
            user_code: user_code.to_owned(),
            verification_uri: uri.to_owned(),
            verification_uri_complete: out.verification_uri_complete().unwrap_or(uri).to_owned(),
            expires_in: Duration::seconds(i64::from(out.expires_in().max(1))),
            // RFC 8628: 5 seconds when the server does not say.
            interval: Duration::seconds(i64::from(if out.interval() > 0 {
                out.interval()
            } else {
                5
            })),
        }))
    }

    pub async fn poll(
        &self,
        registration: &ClientRegistration,
        device: &DeviceAuthorization,
    ) -> Result<Poll> {
        let result = self
            .client()
            .await
            .create_token()
            .client_id(&registration.client_id)
            .client_secret(registration.client_secret.expose())
            .grant_type(DEVICE_CODE_GRANT)
            .device_code(device.device_code.expose())
            .send()
            .await;
        match result {
            Ok(out) => Ok(Poll::Issued(issued(&out)?)),
            Err(err) => {
                let outcome = match err.as_service_error() {
                    Some(CreateTokenError::AuthorizationPendingException(_)) => Some(Poll::Pending),
                    Some(CreateTokenError::SlowDownException(_)) => Some(Poll::SlowDown),
                    Some(CreateTokenError::ExpiredTokenException(_)) => Some(Poll::Expired),
                    Some(CreateTokenError::AccessDeniedException(_)) => Some(Poll::Denied),
                    Some(
                        CreateTokenError::InvalidClientException(_)
                        | CreateTokenError::UnauthorizedClientException(_),
                    ) => Some(Poll::ClientRejected),
                    _ => None,
                };
                outcome.map_or_else(|| Err(aws_error::from_sdk(SERVICE, "CreateToken", err)), Ok)
            }
        }
    }

    pub async fn refresh(
        &self,
        client_id: &str,
        client_secret: &Secret,
        refresh_token: &Secret,
    ) -> Result<Refresh> {
        let result = self
            .client()
            .await
            .create_token()
            .client_id(client_id)
            .client_secret(client_secret.expose())
            .grant_type(REFRESH_GRANT)
            .refresh_token(refresh_token.expose())
            .send()
            .await;
        match result {
            Ok(out) => Ok(Refresh::Issued(issued(&out)?)),
            Err(err) => match err.as_service_error() {
                Some(
                    CreateTokenError::InvalidGrantException(_)
                    | CreateTokenError::ExpiredTokenException(_)
                    | CreateTokenError::AccessDeniedException(_)
                    | CreateTokenError::InvalidClientException(_)
                    | CreateTokenError::UnauthorizedClientException(_),
                ) => Ok(Refresh::Rejected),
                _ => Err(aws_error::from_sdk(SERVICE, "CreateToken", err)),
            },
        }
    }
}

fn registration_from(
    region: &str,
    out: &aws_sdk_ssooidc::operation::register_client::RegisterClientOutput,
    now: DateTime<Utc>,
) -> Result<ClientRegistration> {
    let (Some(id), Some(secret)) = (out.client_id(), out.client_secret()) else {
        return Err(Error::protocol(
            SERVICE,
            "RegisterClient returned no client id or secret",
        ));
    };
    let expires_at = DateTime::from_timestamp(out.client_secret_expires_at(), 0)
        .filter(|t| *t > now)
        .ok_or_else(|| Error::protocol(SERVICE, "RegisterClient returned an expired client"))?;
    Ok(ClientRegistration {
        region: region.to_owned(),
        client_id: id.to_owned(),
        client_secret: Secret::new(secret),
        expires_at,
        scopes: vec![ACCOUNT_ACCESS_SCOPE.to_owned()],
        redirect_uri: None,
    })
}

fn issued(
    out: &aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
) -> Result<IssuedToken> {
    let access_token = out
        .access_token()
        .ok_or_else(|| Error::protocol(SERVICE, "CreateToken returned no access token"))?;
    Ok(IssuedToken {
        access_token: Secret::new(access_token),
        expires_in: Duration::seconds(i64::from(out.expires_in().max(0))),
        refresh_token: out.refresh_token().map(Secret::new),
    })
}

/// A client name that helps a person recognise this machine among their registrations.
fn hostname_hint() -> String {
    let raw = std::env::var("HOSTNAME")
        .ok()
        .or_else(|| std::fs::read_to_string("/etc/hostname").ok())
        .unwrap_or_default();
    let name: String = raw
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(40)
        .collect();
    if name.is_empty() {
        "cli".to_owned()
    } else {
        name
    }
}
