//! Proving who you are to the broker, exactly as the real client does: a device login
//! through `aws-sdk-ssooidc` (approved on the simulator as the person would on the
//! verification page), baseline role credentials through `aws-sdk-sso` GetRoleCredentials,
//! and an `sts:GetCallerIdentity` request signed with `aws-sigv4`, audience header included.

use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use stint_api::{AUDIENCE_HEADER, AuthAwsRequest, SignedHeader};
use stint_sim::{RunningSim, SimClock};

/// The demo world's identity account, where everyone holds the baseline permission set.
pub const BASELINE_ACCOUNT: &str = "222222222222";
pub const BASELINE_ROLE: &str = "StintBaseline";
pub const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// The SDK clients sign with the simulator's clock, so tests may move it.
#[derive(Debug)]
pub struct SimTime(pub SimClock);

impl aws_smithy_async::time::TimeSource for SimTime {
    fn now(&self) -> SystemTime {
        self.0.now().into()
    }
}

async fn anonymous_sdk(sim: &RunningSim) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .time_source(SimTime(sim.clock()))
        .retry_config(RetryConfig::disabled())
        .no_credentials()
        .load()
        .await
}

/// The device login a person does once: returns their Identity Center access token.
pub async fn device_login(sim: &RunningSim, user: &str) -> String {
    let oidc = aws_sdk_ssooidc::Client::new(&anonymous_sdk(sim).await);
    let registration = oidc
        .register_client()
        .client_name("stint-broker-tests")
        .client_type("public")
        .send()
        .await
        .expect("RegisterClient");
    let client_id = registration.client_id().expect("clientId");
    let client_secret = registration.client_secret().expect("clientSecret");
    let auth = oidc
        .start_device_authorization()
        .client_id(client_id)
        .client_secret(client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .expect("StartDeviceAuthorization");
    sim.approve_device(auth.user_code().expect("userCode"), user)
        .expect("the simulator approves the device code");
    let token = oidc
        .create_token()
        .client_id(client_id)
        .client_secret(client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(auth.device_code().expect("deviceCode"))
        .send()
        .await
        .expect("CreateToken");
    token.access_token().expect("accessToken").to_owned()
}

/// Role credentials from the access portal for a permission set the person holds.
pub async fn role_credentials(
    sim: &RunningSim,
    access_token: &str,
    account: &str,
    role: &str,
) -> Credentials {
    let portal = aws_sdk_sso::Client::new(&anonymous_sdk(sim).await);
    let out = portal
        .get_role_credentials()
        .access_token(access_token)
        .account_id(account)
        .role_name(role)
        .send()
        .await
        .expect("GetRoleCredentials");
    let c = out.role_credentials().expect("roleCredentials");
    Credentials::new(
        c.access_key_id().expect("accessKeyId"),
        c.secret_access_key().expect("secretAccessKey"),
        c.session_token().map(str::to_owned),
        None,
        "stint-sim-portal",
    )
}

/// A person's baseline role credentials, from a fresh device login.
pub async fn baseline_credentials(sim: &RunningSim, user: &str) -> Credentials {
    let token = device_login(sim, user).await;
    role_credentials(sim, &token, BASELINE_ACCOUNT, BASELINE_ROLE).await
}

/// How to sign one identity request. [`Signing::new`] is what the real client does.
#[derive(Debug, Clone)]
pub struct Signing {
    /// The STS endpoint, `http://127.0.0.1:PORT/` for the simulator.
    pub url: String,
    pub region: String,
    /// The `x-stint-broker` value; `None` sends no audience header.
    pub audience: Option<String>,
    /// Sign the audience header (when false it is added after signing).
    pub sign_audience: bool,
    pub time: SystemTime,
}

impl Signing {
    pub fn new(sim: &RunningSim, audience: &str) -> Self {
        Self {
            url: format!("{}/", sim.url()),
            region: sim.region().to_owned(),
            audience: Some(audience.to_owned()),
            sign_audience: true,
            time: sim.now().into(),
        }
    }

    /// The same signing, `secs` later (or earlier, when negative). Requests signed with the
    /// same keys in the same second are identical, so tests that sign several take each
    /// from one base at its own second.
    pub fn shifted(&self, secs: i64) -> Self {
        let mut out = self.clone();
        let by = Duration::from_secs(secs.unsigned_abs());
        out.time = if secs >= 0 {
            self.time + by
        } else {
            self.time - by
        };
        out
    }

    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = url.into();
        self
    }

    /// Signs a POST GetCallerIdentity with these credentials.
    pub fn sign(&self, creds: &Credentials) -> AuthAwsRequest {
        let uri: http::Uri = self.url.parse().expect("a valid STS URL");
        let host = uri.authority().expect("the URL has a host").to_string();
        let mut headers: Vec<(String, String)> = vec![
            ("host".into(), host),
            (
                "content-type".into(),
                "application/x-www-form-urlencoded; charset=utf-8".into(),
            ),
        ];
        if let (Some(audience), true) = (&self.audience, self.sign_audience) {
            headers.push((AUDIENCE_HEADER.into(), audience.clone()));
        }
        let identity = creds.clone().into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&self.region)
            .name("sts")
            .time(self.time)
            .settings(SigningSettings::default())
            .build()
            .expect("signing params")
            .into();
        let signable = SignableRequest::new(
            "POST",
            self.url.clone(),
            headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            SignableBody::Bytes(GET_CALLER_IDENTITY.as_bytes()),
        )
        .expect("signable request");
        let (instructions, _signature) = sign(signable, &params)
            .expect("signing succeeds")
            .into_parts();
        for (name, value) in instructions.headers() {
            headers.push((name.to_owned(), value.to_owned()));
        }
        if let (Some(audience), false) = (&self.audience, self.sign_audience) {
            headers.push((AUDIENCE_HEADER.into(), audience.clone()));
        }
        AuthAwsRequest {
            method: "POST".into(),
            url: self.url.clone(),
            headers: headers
                .into_iter()
                .map(|(name, value)| SignedHeader { name, value })
                .collect(),
            body: GET_CALLER_IDENTITY.into(),
        }
    }
}

/// The whole client side for `user`: device login, baseline credentials, a signed request
/// for the broker named `audience`.
pub async fn identity_request(sim: &RunningSim, user: &str, audience: &str) -> AuthAwsRequest {
    let creds = baseline_credentials(sim, user).await;
    Signing::new(sim, audience).sign(&creds)
}

/// The value of a header of a signed request.
pub fn header<'r>(req: &'r AuthAwsRequest, name: &str) -> Option<&'r str> {
    req.headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// The signature of a signed request (to look for it in logs).
pub fn signature(req: &AuthAwsRequest) -> String {
    let auth = header(req, "authorization").expect("signed");
    auth.rsplit("Signature=")
        .next()
        .expect("a signature")
        .to_owned()
}
