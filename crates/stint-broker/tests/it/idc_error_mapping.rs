//! How the adapter reports failures, over real HTTP with the real SDK clients: a tiny server
//! answers every request with one canned AWS error (the JSON 1.1 error shapes the three
//! services use), and the test checks the `IdcError` the engine receives, that the SDK made
//! exactly one attempt (the engine owns retries), and that no credential leaks into errors.
//! stint-sim's fault injection covers the same ground end to end in `idc_sim.rs`.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Response};
use stint_broker::idc::{
    AwsIdentityCenter, IdcError, IdcSettings, IdentityCenter, READ_ATTEMPTS, error_kind,
};

const SECRET_KEY: &str = "stint-test-secret-key-must-never-print";
const SESSION_TOKEN: &str = "stint-test-session-token-must-never-print";

#[derive(Clone)]
struct Canned {
    status: u16,
    headers: Vec<(&'static str, &'static str)>,
    body: &'static str,
}

fn json_error(status: u16, type_: &'static str) -> Canned {
    Canned {
        status,
        headers: vec![("content-type", "application/x-amz-json-1.1")],
        body: type_,
    }
}

/// A server that answers every request with `canned`, and records each request's
/// `X-Amz-Target` (the JSON 1.1 operation name).
async fn canned_server(canned: Canned) -> (String, Arc<Mutex<Vec<String>>>) {
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let log = seen.clone();
    let app = Router::new().fallback(move |headers: HeaderMap| {
        let canned = canned.clone();
        let log = log.clone();
        async move {
            let target = headers
                .get("x-amz-target")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            log.lock().unwrap().push(target);
            let mut response = Response::builder().status(canned.status);
            for (name, value) in &canned.headers {
                response = response.header(*name, *value);
            }
            response.body(Body::from(canned.body)).unwrap()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, seen)
}

async fn sdk(url: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(Credentials::new(
            "AKIASTINTTEST0000001",
            SECRET_KEY,
            Some(SESSION_TOKEN.to_owned()),
            None,
            "test",
        ))
        .load()
        .await
}

fn settings() -> IdcSettings {
    IdcSettings {
        // Configured, so no ListInstances call comes first.
        instance_arn: Some("arn:aws:sso:::instance/ssoins-7223a1b2c3d4e5f6".to_owned()),
        identity_store_id: Some("d-9067a1b2c3".to_owned()),
        connect_timeout: Duration::from_secs(2),
        call_timeout: Duration::from_secs(2),
        page_size: None,
    }
}

fn assert_no_secrets(err: &IdcError) {
    for text in [err.to_string(), format!("{err:?}")] {
        assert!(!text.contains(SECRET_KEY), "secret key in error: {text}");
        assert!(
            !text.contains(SESSION_TOKEN),
            "session token in error: {text}"
        );
    }
}

/// Sends ListPermissionSets to a server that always answers `canned`.
async fn sso_admin_error(canned: Canned) -> IdcError {
    let (url, seen) = canned_server(canned).await;
    let idc = AwsIdentityCenter::new(&sdk(&url).await, settings()).unwrap();
    let err = idc
        .permission_sets()
        .await
        .expect_err("the server only fails");
    // The SDK's own retries are off: every attempt is the broker's. A directory read asks
    // a retryable failure again (READ_ATTEMPTS in all) and gives up at once on the others.
    let expected = if err.is_retryable() { READ_ATTEMPTS } else { 1 };
    let seen = seen.lock().unwrap().clone();
    assert_eq!(
        seen,
        vec!["SWBExternalService.ListPermissionSets"; expected as usize],
        "{expected} attempt(s), each of the real operation, for {err}"
    );
    assert_no_secrets(&err);
    err
}

#[tokio::test]
async fn throttling_is_throttled_whether_by_code_or_by_status() {
    let by_code = sso_admin_error(json_error(
        400,
        r#"{"__type":"com.amazonaws.swbexternalservice#ThrottlingException","message":"Rate exceeded"}"#,
    ))
    .await;
    assert!(
        matches!(by_code, IdcError::Throttled(ref m) if m.contains("Rate exceeded")),
        "{by_code}"
    );
    assert!(
        by_code.to_string().contains("ListPermissionSets"),
        "names the operation: {by_code}"
    );

    let by_status = sso_admin_error(Canned {
        status: 429,
        headers: vec![],
        body: "",
    })
    .await;
    assert_eq!(error_kind(&by_status), "throttled", "{by_status}");
}

#[tokio::test]
async fn conflict_is_conflict() {
    let err = sso_admin_error(json_error(
        400,
        r#"{"__type":"ConflictException","message":"Another operation is in progress on this permission set"}"#,
    ))
    .await;
    assert!(
        matches!(err, IdcError::Conflict(ref m) if m.contains("in progress")),
        "{err}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn server_failures_are_unavailable() {
    let err = sso_admin_error(json_error(
        500,
        r#"{"__type":"InternalServerException","message":"We encountered an internal error"}"#,
    ))
    .await;
    assert_eq!(error_kind(&err), "unavailable", "{err}");

    // A load balancer's HTML page: no AWS error code at all.
    let err = sso_admin_error(Canned {
        status: 503,
        headers: vec![("content-type", "text/html")],
        body: "<html><body>503 Service Temporarily Unavailable</body></html>",
    })
    .await;
    assert_eq!(error_kind(&err), "unavailable", "{err}");
}

#[tokio::test]
async fn refused_credentials_are_access_denied() {
    let err = sso_admin_error(json_error(
        400,
        r#"{"__type":"AccessDeniedException","Message":"User is not authorized to perform: sso:ListPermissionSets"}"#,
    ))
    .await;
    assert!(
        matches!(err, IdcError::AccessDenied(ref m) if m.contains("not authorized")),
        "{err}"
    );
    assert!(!err.is_retryable());

    // The code only in the header, as some AWS front ends send it.
    let err = sso_admin_error(Canned {
        status: 400,
        headers: vec![
            ("content-type", "application/x-amz-json-1.1"),
            ("x-amzn-errortype", "UnrecognizedClientException:http://internal.amazon.com/coral/com.amazon.coral.service/"),
        ],
        body: r#"{"message":"The security token included in the request is invalid."}"#,
    })
    .await;
    assert_eq!(error_kind(&err), "access_denied", "{err}");

    let err = sso_admin_error(json_error(
        403,
        r#"{"__type":"InvalidSignatureException","message":"The request signature we calculated does not match the signature you provided."}"#,
    ))
    .await;
    assert_eq!(error_kind(&err), "access_denied", "{err}");
}

#[tokio::test]
async fn not_found_and_everything_else() {
    let err = sso_admin_error(json_error(
        400,
        r#"{"__type":"ResourceNotFoundException","message":"Instance not found"}"#,
    ))
    .await;
    assert_eq!(error_kind(&err), "not_found", "{err}");

    let err = sso_admin_error(json_error(
        400,
        r#"{"__type":"ValidationException","message":"1 validation error detected: Value at 'instanceArn' failed to satisfy constraint"}"#,
    ))
    .await;
    let IdcError::Other(message) = &err else {
        panic!("a validation error is Other: {err}");
    };
    assert!(message.contains("ValidationException"), "{message}");
    assert!(message.contains("instanceArn"), "{message}");
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn organizations_throttling_is_throttled() {
    let (url, seen) = canned_server(json_error(
        400,
        r#"{"__type":"TooManyRequestsException","Message":"AWS Organizations can't complete your request because another request is already in progress."}"#,
    ))
    .await;
    let idc = AwsIdentityCenter::new(&sdk(&url).await, settings()).unwrap();
    let err = idc.organization().await.expect_err("the server only fails");
    assert_eq!(error_kind(&err), "throttled", "{err}");
    assert_eq!(
        *seen.lock().unwrap(),
        vec!["AWSOrganizationsV20161128.ListRoots"; READ_ATTEMPTS as usize],
        "a throttled directory read is asked again, then given up"
    );
}

#[tokio::test]
async fn a_missing_user_is_none_but_a_missing_identity_store_is_an_error() {
    let (url, _) = canned_server(json_error(
        400,
        r#"{"__type":"ResourceNotFoundException","Message":"USER not found.","ResourceType":"USER"}"#,
    ))
    .await;
    let idc = AwsIdentityCenter::new(&sdk(&url).await, settings()).unwrap();
    assert_eq!(idc.find_user("nobody").await, Ok(None));
    assert_eq!(idc.describe_user("u-1").await, Ok(None));

    let (url, seen) = canned_server(json_error(
        400,
        r#"{"__type":"ResourceNotFoundException","Message":"Identity store d-9067a1b2c3 not found.","ResourceType":"IDENTITY_STORE"}"#,
    ))
    .await;
    let idc = AwsIdentityCenter::new(&sdk(&url).await, settings()).unwrap();
    let err = idc
        .find_user("alice")
        .await
        .expect_err("a wrong identity store is not an unknown user");
    assert!(
        matches!(err, IdcError::NotFound(ref m) if m.contains("d-9067a1b2c3")),
        "{err}"
    );
    assert_eq!(*seen.lock().unwrap(), ["AWSIdentityStore.GetUserId"]);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_each_attempt() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(Mutex::new(Vec::new()));
    let held = accepted.clone();
    tokio::spawn(async move {
        // Accept and hold connections open without ever answering.
        while let Ok((socket, _)) = listener.accept().await {
            held.lock().unwrap().push(socket);
        }
    });
    let idc = AwsIdentityCenter::new(
        &sdk(&url).await,
        IdcSettings {
            call_timeout: Duration::from_millis(500),
            ..settings()
        },
    )
    .unwrap();
    let err = idc.permission_sets().await.expect_err("nobody answers");
    assert_eq!(error_kind(&err), "unavailable", "{err}");
    assert!(err.to_string().contains("timed out"), "{err}");
    // Each attempt ends at call_timeout, and a timeout is retryable: one connection per
    // attempt, no more (the SDK adds none of its own).
    assert_eq!(
        accepted.lock().unwrap().len(),
        READ_ATTEMPTS as usize,
        "one connection per attempt"
    );
}

#[tokio::test]
async fn nobody_listening_is_unavailable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let idc = AwsIdentityCenter::new(&sdk(&format!("http://127.0.0.1:{port}")).await, settings())
        .unwrap();
    let err = idc.permission_sets().await.expect_err("connection refused");
    assert_eq!(error_kind(&err), "unavailable", "{err}");
    assert_no_secrets(&err);
}
