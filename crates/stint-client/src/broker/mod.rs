//! The Stint broker's API, as a typed client. Authentication is transparent: the broker
//! session (from `POST /v1/auth/aws`) lives in the keyring, is renewed before it expires,
//! and a 401 `unauthenticated` makes the client authenticate again once and retry.

mod activity;
mod checks;
mod events;
mod request_sets;
mod requests;
pub mod sse;

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use futures::future::BoxFuture;
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use stint_api::{ApiError, AuthAwsRequest, AuthConfig, ErrorCode, Me, SessionGrant, routes};
use url::Url;

pub use events::{EventStreamItem, RECONNECT_MAX};

use crate::clock::SharedClock;
use crate::error::{Error, Result};
use crate::http::CALL_DEADLINE;
use crate::lock::MachineLock;
use crate::secret::Secret;
use crate::store::{Vault, keys};

/// Authenticate again when the broker session has less than this left.
const RENEW_BEFORE: Duration = Duration::minutes(1);

/// Produces the signed identity request the broker authenticates (see
/// [`crate::identity`]). The client core implements it with the baseline role.
pub trait IdentitySigner: Send + Sync + 'static {
    fn signed_identity<'a>(&'a self, audience: &'a str) -> BoxFuture<'a, Result<AuthAwsRequest>>;
}

/// The broker session, as kept in the keyring.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BrokerSession {
    pub token: Secret,
    pub expires_at: DateTime<Utc>,
    pub me: Me,
}

#[derive(Clone)]
pub struct BrokerClient {
    base: Url,
    http: reqwest::Client,
    vault: Vault,
    signer: Arc<dyn IdentitySigner>,
    audience: Option<String>,
    sso_session: String,
    lock: MachineLock,
    clock: SharedClock,
}

impl std::fmt::Debug for BrokerClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BrokerClient")
            .field("base", &self.base.as_str())
            .finish_non_exhaustive()
    }
}

/// What a [`BrokerClient`] is made of.
pub struct BrokerClientParts {
    pub base: Url,
    pub http: reqwest::Client,
    pub vault: Vault,
    pub signer: Arc<dyn IdentitySigner>,
    /// What `stint configure` cached from the broker; when `None` it is fetched from
    /// `GET /v1/auth/config` at the first authentication.
    pub audience: Option<String>,
    /// The sso-session the broker session belongs to: two logins on one machine (two
    /// Identity Centers, or two people in tests) keep separate broker sessions.
    pub sso_session: String,
    pub lock_dir: std::path::PathBuf,
    pub clock: SharedClock,
}

impl BrokerClient {
    pub fn new(parts: BrokerClientParts) -> Self {
        let lock = MachineLock::new(
            &parts.lock_dir,
            &format!("broker-session-{}", parts.sso_session),
        );
        Self {
            base: parts.base,
            http: parts.http,
            vault: parts.vault,
            signer: parts.signer,
            audience: parts.audience,
            sso_session: parts.sso_session,
            lock,
            clock: parts.clock,
        }
    }

    pub fn base_url(&self) -> &Url {
        &self.base
    }

    fn url(&self, path: &str) -> Result<Url> {
        Ok(join(&self.base, path))
    }

    fn unreachable(&self, e: &reqwest::Error) -> Error {
        Error::Unreachable {
            service: self.unreachable_service(),
            message: describe(e),
        }
    }

    /// The error for a broker that did not answer within `waited`.
    pub fn silent(&self, waited: std::time::Duration) -> Error {
        Error::Unreachable {
            service: self.unreachable_service(),
            message: format!("no answer within {} ms", waited.as_millis()),
        }
    }

    fn unreachable_service(&self) -> String {
        format!(
            "the Stint broker at {}",
            self.base.as_str().trim_end_matches('/')
        )
    }

    /// `GET /v1/auth/config`: public, needs no session.
    pub async fn auth_config(&self) -> Result<AuthConfig> {
        get_auth_config(&self.http, &self.base).await
    }

    fn session_key(&self) -> String {
        keys::broker_session(&self.sso_session, self.base.as_str())
    }

    /// The stored session, if it is still good (no network).
    pub async fn stored_session(&self) -> Result<Option<BrokerSession>> {
        let session: Option<BrokerSession> = self.vault.load(&self.session_key()).await?;
        let now = self.clock.now();
        Ok(session.filter(|s| s.expires_at - now > RENEW_BEFORE))
    }

    /// A usable broker session: the stored one, or a new one.
    pub async fn session(&self) -> Result<BrokerSession> {
        if let Some(session) = self.stored_session().await? {
            return Ok(session);
        }
        self.authenticate(None).await
    }

    /// Authenticates with a new signed identity request. `rejected` is the token the
    /// broker just refused; a different stored token means another process already
    /// renewed.
    async fn authenticate(&self, rejected: Option<&Secret>) -> Result<BrokerSession> {
        let _guard = self.lock.acquire(|| {}).await?;
        if let Some(session) = self.stored_session().await? {
            if rejected != Some(&session.token) {
                return Ok(session);
            }
        }
        let audience = match &self.audience {
            Some(a) => a.clone(),
            None => self.auth_config().await?.audience,
        };
        let signed = self.signer.signed_identity(&audience).await?;
        let response = self
            .http
            .post(self.url(routes::AUTH_AWS)?)
            .timeout(CALL_DEADLINE)
            .json(&signed)
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let grant: SessionGrant = self.decode(response).await?;
        let session = BrokerSession {
            token: Secret::new(grant.token),
            expires_at: grant.expires_at,
            me: grant.me,
        };
        self.vault.save(&self.session_key(), &session).await?;
        Ok(session)
    }

    /// Forgets the stored session without telling the broker (after a new login, whose
    /// person may not be the one the session was for).
    pub async fn forget_session(&self) -> Result<()> {
        self.vault.delete(&self.session_key()).await
    }

    /// Ends the broker session (best effort) and forgets it.
    pub async fn logout(&self) -> Result<()> {
        let stored: Option<BrokerSession> = self.vault.load(&self.session_key()).await?;
        self.vault.delete(&self.session_key()).await?;
        if let Some(session) = stored {
            let result = self
                .http
                .post(self.url(routes::AUTH_LOGOUT)?)
                .timeout(CALL_DEADLINE)
                .bearer_auth(session.token.expose())
                .send()
                .await;
            if let Err(e) = result {
                tracing::debug!(error = %describe(&e), "broker logout not delivered");
            }
        }
        Ok(())
    }

    /// Sends an authenticated request; on `unauthenticated`, authenticates again once.
    async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        query: Option<&dyn erased::Query>,
        body: Option<&dyn erased::Body>,
    ) -> Result<T> {
        let mut session = self.session().await?;
        let mut retried = false;
        loop {
            let mut request = self
                .http
                .request(method.clone(), self.url(path)?)
                .timeout(CALL_DEADLINE)
                .bearer_auth(session.token.expose());
            if let Some(q) = query {
                request = q.apply(request);
            }
            if let Some(b) = body {
                request = b.apply(request);
            }
            let response = request.send().await.map_err(|e| self.unreachable(&e))?;
            match self.decode::<T>(response).await {
                Err(Error::Broker(api)) if api.code == ErrorCode::Unauthenticated && !retried => {
                    retried = true;
                    session = self.authenticate(Some(&session.token)).await?;
                }
                other => return other,
            }
        }
    }

    async fn decode<T: DeserializeOwned>(&self, response: reqwest::Response) -> Result<T> {
        let status = response.status();
        let bytes = response.bytes().await.map_err(|e| self.unreachable(&e))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                Error::protocol("the Stint broker", format!("unexpected response body: {e}"))
            });
        }
        Err(Error::Broker(api_error(status, &bytes)))
    }
}

/// `GET /v1/auth/config` of the broker at `base`, before anything else is configured.
pub async fn fetch_auth_config(base: &Url) -> Result<AuthConfig> {
    get_auth_config(&crate::http::default_client()?, base).await
}

async fn get_auth_config(http: &reqwest::Client, base: &Url) -> Result<AuthConfig> {
    let url = join(base, routes::AUTH_CONFIG);
    let unreachable = |e: reqwest::Error| Error::Unreachable {
        service: format!(
            "the Stint broker at {}",
            base.as_str().trim_end_matches('/')
        ),
        message: describe(&e),
    };
    let response = http
        .get(url)
        .timeout(CALL_DEADLINE)
        .send()
        .await
        .map_err(unreachable)?;
    let status = response.status();
    let bytes = response.bytes().await.map_err(unreachable)?;
    if !status.is_success() {
        return Err(Error::Broker(api_error(status, &bytes)));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
        Error::protocol(
            "the Stint broker",
            format!(
                "{} is not a Stint broker's auth configuration ({e}); check the URL",
                base
            ),
        )
    })
}

/// `base` + an API path, keeping a prefix the broker may live under (`https://host/stint/`).
fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = url.path().trim_end_matches('/').to_owned();
    url.set_path(&format!("{prefix}{path}"));
    url.set_query(None);
    url
}

/// Object-safe adapters so `call` can take any serializable query or body.
mod erased {
    pub trait Query: Send + Sync {
        fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    }
    impl<T: serde::Serialize + Send + Sync> Query for T {
        fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
            request.query(self)
        }
    }
    pub trait Body: Send + Sync {
        fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
    }
    impl<T: serde::Serialize + Send + Sync> Body for T {
        fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
            request.json(self)
        }
    }
}

/// The broker's `{code, message}`, or one made from the status when the body is not
/// that shape (a proxy's error page, say).
fn api_error(status: StatusCode, body: &[u8]) -> ApiError {
    if let Ok(api) = serde_json::from_slice::<ApiError>(body) {
        return api;
    }
    let code = match status.as_u16() {
        400 => ErrorCode::InvalidInput,
        401 => ErrorCode::Unauthenticated,
        403 => ErrorCode::Forbidden,
        404 => ErrorCode::NotFound,
        409 => ErrorCode::InvalidState,
        408 => ErrorCode::TimedOut,
        413 => ErrorCode::TooLarge,
        429 => ErrorCode::RateLimited,
        502..=504 => ErrorCode::Unavailable,
        _ => ErrorCode::Internal,
    };
    let text = String::from_utf8_lossy(body);
    let detail: String = text
        .lines()
        .next()
        .unwrap_or("")
        .chars()
        .take(160)
        .collect();
    ApiError::new(
        code,
        format!(
            "the broker answered HTTP {status}{}",
            if detail.is_empty() {
                String::new()
            } else {
                format!(": {detail}")
            }
        ),
    )
}

/// reqwest's error with its causes, the URL left out (it may carry a query).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_connect() {
        "connection failed".to_owned()
    } else if e.is_timeout() {
        "timed out".to_owned()
    } else {
        "request failed".to_owned()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_bodies_decode_to_the_stable_code() {
        let body = br#"{"code":"not_eligible","message":"You may not request AdministratorAccess in prod."}"#;
        let api = api_error(StatusCode::FORBIDDEN, body);
        assert_eq!(api.code, ErrorCode::NotEligible);
        assert_eq!(
            api.message,
            "You may not request AdministratorAccess in prod."
        );
    }

    #[test]
    fn routes_join_under_a_path_prefix() {
        let base = Url::parse("https://example.com/stint/").unwrap();
        assert_eq!(
            join(&base, routes::ME).as_str(),
            "https://example.com/stint/v1/me"
        );
        let base = Url::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(
            join(&base, routes::ME).as_str(),
            "http://127.0.0.1:8080/v1/me"
        );
    }

    #[test]
    fn foreign_error_pages_still_map_to_a_code() {
        let api = api_error(StatusCode::BAD_GATEWAY, b"<html>Bad Gateway</html>\n<body>");
        assert_eq!(api.code, ErrorCode::Unavailable);
        assert!(api.message.contains("502"), "{}", api.message);
        assert!(api.message.contains("Bad Gateway"), "{}", api.message);
    }
}
