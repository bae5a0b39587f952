//! Every log line written while people sign in, are refused, resolve their sessions and
//! sign out, captured at TRACE from every crate in the process (the broker, its HTTP
//! client and server, sqlx, the AWS SDK, the simulator), holds no session token or its
//! hash, no signature or Authorization header, no secret key and no AWS session token.
//! Debug output of the values that carry them is checked the same way.
//!
//! The capture uses the broker's own log filter, `auth::secret_safe_filter("trace")`: what
//! `RUST_LOG=trace` gives on a real broker. Without its caps the AWS SDK's TRACE lines print
//! request headers (this test fails that way).

use std::io::Write;
use std::sync::{Arc, Mutex};

use aws_credential_types::Credentials;
use stint_api::SessionGrant;
use stint_broker::auth::{CallerResolver, SessionToken, secret_safe_filter};
use stint_sim::{ApiFaults, Faults, World};
use tracing_subscriber::fmt::MakeWriter;

use crate::support::auth_broker::{AUDIENCE, AuthBroker, SESSION_TTL};
use crate::support::identity::{
    BASELINE_ACCOUNT, BASELINE_ROLE, Signing, device_login, header, role_credentials, signature,
};
use crate::support::own_process;

/// Every byte any log line wrote.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

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

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

/// The secrets seen during the test, by what they are.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: &str, value: impl Into<String>) {
        let value = value.into();
        assert!(
            value.len() >= 16,
            "{what} is too short to search for: {value:?}"
        );
        self.0.push((what.to_owned(), value));
    }

    fn credentials(&mut self, whose: &str, creds: &Credentials) {
        self.add(
            &format!("{whose} secret access key"),
            creds.secret_access_key(),
        );
        if let Some(token) = creds.session_token() {
            self.add(&format!("{whose} AWS session token"), token);
        }
    }

    fn request(&mut self, what: &str, req: &stint_api::AuthAwsRequest) {
        self.add(&format!("{what} signature"), signature(req));
        self.add(
            &format!("{what} Authorization header"),
            header(req, "authorization").unwrap(),
        );
        if let Some(token) = header(req, "x-amz-security-token") {
            self.add(&format!("{what} x-amz-security-token"), token);
        }
    }

    fn session(&mut self, grant: &SessionGrant) {
        self.add("session token", grant.token.clone());
        let token = SessionToken::parse(&grant.token).unwrap();
        self.add("session token hash", token.hash().as_str());
        // The random part alone, in case something strips the prefix.
        self.add(
            "session token body",
            grant.token.trim_start_matches("stint_"),
        );
    }

    fn assert_absent_from(&self, place: &str, text: &str) {
        for (what, value) in &self.0 {
            if let Some(line) = text.lines().find(|l| l.contains(value.as_str())) {
                // Show where, with the secret itself masked.
                let shown: String = line
                    .replace(value.as_str(), "<SECRET>")
                    .chars()
                    .take(400)
                    .collect();
                panic!("the {what} appears in {place}: {shown}");
            }
        }
    }
}

#[test]
fn no_secret_reaches_a_log_line() {
    own_process::run_alone(ALONE, &[], &[]);
}

const ALONE: &str = "auth_logs::no_secret_reaches_a_log_line_alone";

/// Installs the global tracing subscriber: alone in its own process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "run by no_secret_reaches_a_log_line, alone"]
async fn no_secret_reaches_a_log_line_alone() {
    own_process::assert_alone(ALONE);
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;

    let captured = Captured::default();
    tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_ansi(false)
                .with_writer(captured.clone())
                .with_filter(secret_safe_filter("trace").unwrap()),
        )
        .init();

    let mut secrets = Secrets::default();
    let sim = stint_sim::spawn(World::demo()).await.unwrap();
    let broker = AuthBroker::start(&sim).await;
    let op = sim.operator_credentials();
    secrets.add("operator secret key", op.secret_access_key.expose());

    // alice signs in, her session resolves, she signs out.
    let access_token = device_login(&sim, "alice").await;
    secrets.add("SSO access token", access_token.clone());
    let creds = role_credentials(&sim, &access_token, BASELINE_ACCOUNT, BASELINE_ROLE).await;
    secrets.credentials("alice's baseline", &creds);
    let base = Signing::new(&sim, AUDIENCE);
    let req = base.sign(&creds);
    secrets.request("alice's identity request", &req);
    let (status, body) = broker.login(&req).await;
    assert_eq!(status, 200, "{body}");
    let grant: SessionGrant = serde_json::from_value(body).unwrap();
    secrets.session(&grant);
    let caller = broker.authenticator.resolve(&grant.token).await.unwrap();
    tracing::info!(
        ?caller,
        ?grant,
        ?req,
        "debug output of what carries secrets"
    );

    // Every kind of refusal, each logged and audited.
    let replay = broker.login(&req).await;
    assert_eq!(replay.0, 401);
    let mut refusals = vec![
        base.shifted(-1).url("http://169.254.169.254/"),
        Signing {
            audience: Some("https://elsewhere.example".into()),
            ..base.shifted(-2)
        },
        Signing {
            sign_audience: false,
            ..base.shifted(-3)
        },
        base.shifted(-6 * 60),
        base.shifted(6 * 60),
    ]
    .into_iter()
    .map(|s| s.sign(&creds))
    .collect::<Vec<_>>();
    let mut tampered = base.shifted(-4).sign(&creds);
    tampered.body = "Version=2011-06-15&Action=GetCallerIdentity".into();
    refusals.push(tampered);
    let readonly = role_credentials(&sim, &access_token, "555555555555", "ReadOnlyAccess").await;
    secrets.credentials("alice's ReadOnlyAccess", &readonly);
    refusals.push(base.shifted(-5).sign(&readonly));
    let operator = Credentials::new(
        op.access_key_id.clone(),
        op.secret_access_key.expose(),
        None,
        None,
        "op",
    );
    refusals.push(base.shifted(-6).sign(&operator));
    for (i, req) in refusals.iter().enumerate() {
        secrets.request(&format!("refused request {i}"), req);
        let (status, body) = broker.login(req).await;
        assert!(
            status == 401 || status == 503,
            "refusal {i}: {status} {body}"
        );
        secrets.assert_absent_from(&format!("the answer to refusal {i}"), &body.to_string());
    }
    sim.set_faults(Faults {
        sts: ApiFaults {
            error_rate: 1.0,
            ..ApiFaults::default()
        },
        ..Faults::default()
    })
    .unwrap();
    let outage = base.shifted(-7).sign(&creds);
    secrets.request("request during an outage", &outage);
    assert_eq!(broker.login(&outage).await.0, 503);
    sim.set_faults(Faults::default()).unwrap();

    // A second session: signed out over HTTP, then used again; the first one expires.
    let again = base.shifted(-8).sign(&creds);
    secrets.request("alice's second identity request", &again);
    let (_, body) = broker.login(&again).await;
    let second: SessionGrant = serde_json::from_value(body).unwrap();
    secrets.session(&second);
    assert_eq!(broker.logout(&second.token).await.0, 204);
    let err = broker
        .authenticator
        .resolve(&second.token)
        .await
        .unwrap_err();
    tracing::info!(?err, "resolving a revoked session");
    assert_eq!(broker.logout(&second.token).await.0, 401);
    broker
        .clock
        .advance(chrono::Duration::from_std(SESSION_TTL).unwrap());
    let err = broker
        .authenticator
        .resolve(&grant.token)
        .await
        .unwrap_err();
    tracing::info!(?err, "resolving an expired session");
    broker.authenticator.purge_expired().await.unwrap();

    let logs = captured.text();
    // The capture really saw the flows, at every level, from the broker and its clients.
    for expected in [
        "signed in",
        "sign-in refused",
        "signed out",
        "TRACE",
        "DEBUG",
        "already used",
        "stint_broker",
    ] {
        assert!(
            logs.contains(expected),
            "the captured logs lack {expected:?}"
        );
    }
    secrets.assert_absent_from("the logs", &logs);
    // Nor any other SigV4 signature or session token: the broker's own signed calls to
    // Identity Center, the simulator's checks of them.
    let signature = regex::Regex::new(r"Signature=[0-9a-fA-F]{64}").unwrap();
    let amz_token =
        regex::Regex::new(r"(?i)x-amz-security-token\W{1,6}[A-Za-z0-9+/=]{16}").unwrap();
    for line in logs.lines() {
        assert!(
            !signature.is_match(line),
            "a signature in the logs: {}",
            &line[..line.len().min(300)]
        );
        assert!(
            !amz_token.is_match(line),
            "a session token in the logs: {}",
            &line[..line.len().min(300)]
        );
    }

    // The audit log (a place people read) carries none either.
    let events = broker
        .store
        .audit_events(&stint_broker::audit::AuditFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(events.len() >= 12, "{} events", events.len());
    for event in &events {
        secrets.assert_absent_from(
            &format!("audit event {} ({})", event.seq, event.kind),
            &event.data,
        );
    }
}
