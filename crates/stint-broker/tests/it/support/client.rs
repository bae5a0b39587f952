//! A client of the broker API over real HTTP, signing in exactly as the real client does:
//! a device login with Identity Center, baseline role credentials, a signed
//! `sts:GetCallerIdentity` sent to `POST /v1/auth/aws`.

use std::time::Duration;

use serde_json::Value;
use stint_api::{AccessRequest, SessionGrant};
use stint_sim::RunningSim;

use super::identity::{BASELINE_ACCOUNT, BASELINE_ROLE, Signing, device_login, role_credentials};

/// One person signed in: their Identity Center access token (for the portal) and their
/// broker session token.
#[derive(Clone)]
pub struct Session {
    pub user: String,
    pub sso_token: String,
    pub token: String,
}

#[derive(Clone)]
pub struct BrokerClient {
    pub base: String,
    http: reqwest::Client,
}

impl BrokerClient {
    pub fn new(base: impl Into<String>) -> BrokerClient {
        BrokerClient {
            base: base.into(),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(60))
                .build()
                .unwrap(),
        }
    }

    /// The same session, against another broker (a replica, or a restart on a new port).
    pub fn at(&self, base: impl Into<String>) -> BrokerClient {
        BrokerClient {
            base: base.into(),
            http: self.http.clone(),
        }
    }

    /// Signs `user` in through the simulator and `POST /v1/auth/aws`.
    pub async fn login(&self, sim: &RunningSim, user: &str, audience: &str) -> Session {
        let sso_token = device_login(sim, user).await;
        let creds = role_credentials(sim, &sso_token, BASELINE_ACCOUNT, BASELINE_ROLE).await;
        let signed = Signing::new(sim, audience).sign(&creds);
        let response = self
            .http
            .post(format!("{}{}", self.base, stint_api::routes::AUTH_AWS))
            .json(&signed)
            .send()
            .await
            .expect("the broker answers");
        let status = response.status().as_u16();
        let body: Value = response.json().await.expect("a JSON body");
        assert_eq!(status, 200, "{user} could not sign in: {body}");
        let grant: SessionGrant = serde_json::from_value(body).expect("a SessionGrant");
        assert_eq!(grant.me.user.user_name, user);
        Session {
            user: user.to_owned(),
            sso_token,
            token: grant.token,
        }
    }

    pub async fn get(&self, session: &Session, path: &str) -> (u16, Value) {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .bearer_auth(&session.token)
            .send()
            .await
            .expect("the broker answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post(&self, session: &Session, path: &str, body: Value) -> (u16, Value) {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&session.token)
            .json(&body)
            .send()
            .await
            .expect("the broker answers");
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// `POST /v1/requests`; panics unless it was recorded.
    pub async fn create(&self, session: &Session, body: Value) -> AccessRequest {
        let (status, body) = self.post(session, stint_api::routes::REQUESTS, body).await;
        assert_eq!(status, 201, "{}: {body}", session.user);
        serde_json::from_value(body).unwrap()
    }

    /// `POST /v1/requests/{id}/{action}`; panics unless it succeeded.
    pub async fn act(
        &self,
        session: &Session,
        id: i64,
        action: &str,
        comment: &str,
    ) -> AccessRequest {
        let (status, body) = self
            .post(
                session,
                &format!("/v1/requests/{id}/{action}"),
                serde_json::json!({ "comment": comment }),
            )
            .await;
        assert_eq!(status, 200, "{} {action} {id}: {body}", session.user);
        serde_json::from_value(body).unwrap()
    }

    /// `GET /v1/requests/{id}`, with its history.
    pub async fn request(&self, session: &Session, id: i64) -> AccessRequest {
        let (status, body) = self.get(session, &format!("/v1/requests/{id}")).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_value(body).unwrap()
    }

    pub async fn logout(&self, session: &Session) -> u16 {
        self.http
            .post(format!("{}{}", self.base, stint_api::routes::AUTH_LOGOUT))
            .bearer_auth(&session.token)
            .send()
            .await
            .expect("the broker answers")
            .status()
            .as_u16()
    }
}

/// The portal's `GetRoleCredentials` for an account and role: `Ok` with the access key id,
/// or the error code Identity Center answered.
pub async fn try_role_credentials(
    sim: &RunningSim,
    sso_token: &str,
    account: &str,
    role: &str,
) -> Result<String, String> {
    use aws_config::{BehaviorVersion, Region};
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .no_credentials()
        .load()
        .await;
    let portal = aws_sdk_sso::Client::new(&sdk);
    match portal
        .get_role_credentials()
        .access_token(sso_token)
        .account_id(account)
        .role_name(role)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .role_credentials()
            .and_then(|c| c.access_key_id())
            .unwrap_or_default()
            .to_owned()),
        Err(e) => Err(aws_sdk_sso::error::ProvideErrorMetadata::code(&e)
            .unwrap_or("unknown")
            .to_owned()),
    }
}

/// Polls `check` every 100 ms until it holds, for at most `wait`.
pub async fn eventually<F, Fut>(what: &str, wait: Duration, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + wait;
    while !check().await {
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out after {wait:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
