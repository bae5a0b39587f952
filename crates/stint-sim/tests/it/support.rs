//! Helpers shared by the integration tests: the simulator on a free port, AWS SDK clients pointed
//! at it, a device login, a group member, and the browser sign-in's code flow (`code_flow`).

pub mod code_flow;

use std::time::{Duration, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_sdk_identitystore::types::MemberId;
use stint_sim::{RunningSim, SimClock, World};

/// The SDK signs with the simulator's clock, so tests may advance it freely.
#[derive(Debug)]
pub struct SimTime(pub SimClock);

impl aws_smithy_async::time::TimeSource for SimTime {
    fn now(&self) -> SystemTime {
        self.0.now().into()
    }
}

pub async fn demo() -> RunningSim {
    stint_sim::spawn(World::demo())
        .await
        .expect("simulator starts")
}

/// The demo world, edited before loading (e.g. a longer poll interval).
pub async fn demo_with(edit: impl FnOnce(&str) -> String) -> RunningSim {
    let src = edit(stint_sim::DEMO_WORLD_TOML);
    let world = World::from_toml_str(&src, "edited-demo.toml").expect("edited world is valid");
    stint_sim::spawn(world).await.expect("simulator starts")
}

async fn base(sim: &RunningSim) -> aws_config::ConfigLoader {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .time_source(SimTime(sim.clock()))
        // Tests look at the first answer; the SDK retrying throttles would hide it.
        .retry_config(RetryConfig::disabled())
}

/// Signed with the world operator's keys (the broker's identity).
pub async fn operator_config(sim: &RunningSim) -> SdkConfig {
    let c = sim.operator_credentials();
    base(sim)
        .await
        .credentials_provider(Credentials::new(
            c.access_key_id,
            c.secret_access_key.expose(),
            None,
            None,
            "stint-sim-operator",
        ))
        .load()
        .await
}

/// Signed with arbitrary credentials.
pub async fn config_with(sim: &RunningSim, creds: Credentials) -> SdkConfig {
    base(sim).await.credentials_provider(creds).load().await
}

/// For the unsigned APIs (sso-oidc, the portal).
pub async fn anonymous_config(sim: &RunningSim) -> SdkConfig {
    base(sim).await.no_credentials().load().await
}

pub async fn oidc(sim: &RunningSim) -> aws_sdk_ssooidc::Client {
    aws_sdk_ssooidc::Client::new(&anonymous_config(sim).await)
}

pub async fn portal(sim: &RunningSim) -> aws_sdk_sso::Client {
    aws_sdk_sso::Client::new(&anonymous_config(sim).await)
}

pub async fn admin(sim: &RunningSim) -> aws_sdk_ssoadmin::Client {
    aws_sdk_ssoadmin::Client::new(&operator_config(sim).await)
}

pub async fn identitystore(sim: &RunningSim) -> aws_sdk_identitystore::Client {
    aws_sdk_identitystore::Client::new(&operator_config(sim).await)
}

pub async fn organizations(sim: &RunningSim) -> aws_sdk_organizations::Client {
    aws_sdk_organizations::Client::new(&operator_config(sim).await)
}

pub async fn sts_with(sim: &RunningSim, creds: Credentials) -> aws_sdk_sts::Client {
    aws_sdk_sts::Client::new(&config_with(sim, creds).await)
}

pub const DEVICE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";
pub const REFRESH_SCOPE: &str = "sso:account:access";

pub struct Registration {
    pub client_id: String,
    pub client_secret: String,
}

pub async fn register(oidc: &aws_sdk_ssooidc::Client, scopes: &[&str]) -> Registration {
    let mut req = oidc
        .register_client()
        .client_name("stint-test")
        .client_type("public");
    for s in scopes {
        req = req.scopes(*s);
    }
    let out = req.send().await.expect("RegisterClient");
    Registration {
        client_id: out.client_id().expect("clientId").to_owned(),
        client_secret: out.client_secret().expect("clientSecret").to_owned(),
    }
}

pub struct Login {
    pub registration: Registration,
    pub access_token: String,
    pub refresh_token: Option<String>,
}

/// The whole device login: register, start, approve as `user`, create the token.
pub async fn device_login(sim: &RunningSim, user: &str, scopes: &[&str]) -> Login {
    let oidc = oidc(sim).await;
    let registration = register(&oidc, scopes).await;
    let auth = oidc
        .start_device_authorization()
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .expect("StartDeviceAuthorization");
    sim.approve_device(auth.user_code().expect("userCode"), user)
        .expect("approve");
    let token = oidc
        .create_token()
        .client_id(&registration.client_id)
        .client_secret(&registration.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(auth.device_code().expect("deviceCode"))
        .send()
        .await
        .expect("CreateToken");
    Login {
        registration,
        access_token: token.access_token().expect("accessToken").to_owned(),
        refresh_token: token.refresh_token().map(str::to_owned),
    }
}

pub fn user_id(sim: &RunningSim, name: &str) -> String {
    sim.world()
        .user_by_name(name)
        .expect("user")
        .user_id
        .clone()
}

pub fn group_id(sim: &RunningSim, name: &str) -> String {
    sim.world()
        .group_by_name(name)
        .expect("group")
        .group_id
        .clone()
}

pub fn account_id(sim: &RunningSim, name: &str) -> String {
    sim.world().account(name).expect("account").id.clone()
}

pub fn permission_set_arn(sim: &RunningSim, name: &str) -> String {
    sim.world()
        .permission_set_by_name(name)
        .expect("permission set")
        .arn
        .clone()
}

/// Polls a condition until it holds, failing after a generous timeout.
pub async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The error code the SDK parsed from a failed call.
pub fn code<E, R>(err: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata,
{
    use aws_smithy_types::error::metadata::ProvideErrorMetadata;
    err.code().unwrap_or("<no code>").to_owned()
}

pub fn member(user_id: &str) -> MemberId {
    MemberId::UserId(user_id.to_owned())
}
