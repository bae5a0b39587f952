//! Logs never carry a secret: run every flow that handles one, capture everything the
//! simulator logs at TRACE, and look for each secret in it.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use serde_json::Value;
use tracing_subscriber::fmt::MakeWriter;

use crate::support::*;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

/// The test runs on one thread (tokio's current-thread test runtime), server included,
/// so a thread-local subscriber sees everything the simulator logs.
#[tokio::test(flavor = "current_thread")]
async fn no_secret_reaches_the_logs() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("stint_sim=trace"))
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sim = demo().await;
    let mut secrets: Vec<(&str, String)> = Vec::new();

    // Device login with a refresh token, through the verification page's form.
    let oidc = oidc(&sim).await;
    let reg = register(&oidc, &[REFRESH_SCOPE]).await;
    let auth = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap();
    let device_code = auth.device_code().unwrap().to_owned();
    let http = reqwest::Client::new();
    let approved = http
        .post(format!("{}/device", sim.url()))
        .form(&[
            ("user_code", auth.user_code().unwrap()),
            ("user_name", "alice"),
            ("decision", "approve"),
        ])
        .send()
        .await
        .unwrap();
    let cookie = approved.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let cookie_value = cookie.split_once('=').unwrap().1.to_owned();
    let token = oidc
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(&device_code)
        .send()
        .await
        .unwrap();
    let access = token.access_token().unwrap().to_owned();
    let refresh = token.refresh_token().unwrap().to_owned();
    let renewed = oidc
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type("refresh_token")
        .refresh_token(&refresh)
        .send()
        .await
        .unwrap();
    secrets.push(("client secret", reg.client_secret.clone()));
    secrets.push(("device code", device_code));
    secrets.push(("access token", access.clone()));
    secrets.push(("refresh token", refresh));
    secrets.push((
        "renewed access token",
        renewed.access_token().unwrap().to_owned(),
    ));
    secrets.push((
        "renewed refresh token",
        renewed.refresh_token().unwrap().to_owned(),
    ));
    secrets.push(("portal cookie", cookie_value));

    // Role credentials, a signed STS call, a federation sign-in.
    let creds = portal(&sim)
        .await
        .get_role_credentials()
        .access_token(&access)
        .account_id("555555555555")
        .role_name("ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let c = creds.role_credentials().unwrap();
    let credentials = Credentials::new(
        c.access_key_id().unwrap(),
        c.secret_access_key().unwrap(),
        c.session_token().map(str::to_owned),
        None,
        "portal",
    );
    secrets.push((
        "secret access key",
        c.secret_access_key().unwrap().to_owned(),
    ));
    secrets.push(("session token", c.session_token().unwrap().to_owned()));

    let url = format!("{}/?Action=GetCallerIdentity&Version=2011-06-15", sim.url());
    let host = sim.url().trim_start_matches("http://").to_owned();
    let identity = credentials.clone().into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(sim.region())
        .name("sts")
        .time(SystemTime::from(sim.now()))
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.clone(),
        [("host", host.as_str())].into_iter(),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, signature) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method("GET")
        .uri(&url)
        .body(())
        .unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let mut builder = http.get(&url);
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    assert_eq!(builder.send().await.unwrap().status(), 200);
    secrets.push(("signature", signature));
    // A bad signature is refused, and its value must not be echoed into logs either.
    sts_with(
        &sim,
        Credentials::new(
            c.access_key_id().unwrap(),
            "wrong-secret",
            c.session_token().map(str::to_owned),
            None,
            "x",
        ),
    )
    .await
    .get_caller_identity()
    .send()
    .await
    .unwrap_err();

    let session = serde_json::json!({
        "sessionId": c.access_key_id().unwrap(),
        "sessionKey": c.secret_access_key().unwrap(),
        "sessionToken": c.session_token().unwrap(),
    })
    .to_string();
    let signin: Value = http
        .get(format!("{}/federation", sim.url()))
        .query(&[("Action", "getSigninToken"), ("Session", session.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let signin_token = signin["SigninToken"].as_str().unwrap().to_owned();
    let no_redirect = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let landed = no_redirect
        .get(format!("{}/federation", sim.url()))
        .query(&[
            ("Action", "login"),
            ("Destination", "https://console.aws.amazon.com/"),
            ("SigninToken", signin_token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let console = landed.headers()["location"].to_str().unwrap().to_owned();
    let page = no_redirect
        .get(format!("{}{console}", sim.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "{console}");
    secrets.push(("sign-in token", signin_token));
    secrets.push((
        "console session",
        console
            .trim_start_matches("/console/")
            .trim_end_matches('/')
            .to_owned(),
    ));

    portal(&sim)
        .await
        .logout()
        .access_token(&access)
        .send()
        .await
        .unwrap();
    // Operator keys sign admin calls.
    admin(&sim).await.list_instances().send().await.unwrap();
    secrets.push((
        "operator secret key",
        sim.operator_credentials()
            .secret_access_key
            .expose()
            .to_owned(),
    ));

    drop(sim);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    // The capture works and spans name operations: otherwise this test proves nothing.
    for op in [
        "CreateToken",
        "GetRoleCredentials",
        "GetCallerIdentity",
        "login",
        "ListInstances",
        "DeviceDecision",
        "Console",
    ] {
        let op = format!("operation=\"{op}\"");
        assert!(logs.contains(&op), "no {op} span in the logs:\n{logs}");
    }
    for (what, secret) in &secrets {
        assert!(secret.len() >= 16, "{what} is too short to search for");
        assert!(
            !logs.contains(secret.as_str()),
            "the {what} appears in the logs"
        );
    }
    assert!(
        !logs.contains("Signature="),
        "an Authorization header reached the logs"
    );
}
