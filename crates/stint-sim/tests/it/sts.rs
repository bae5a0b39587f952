//! STS GetCallerIdentity and SigV4 verification: through `aws-sdk-sts`, and against
//! requests signed directly with the SDK's signer (`aws-sigv4`), the way Stint's client
//! signs a request for the broker to forward.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use stint_sim::RunningSim;

use crate::support::*;

async fn role_credentials(sim: &RunningSim, user: &str, account: &str, role: &str) -> Credentials {
    let login = device_login(sim, user, &[]).await;
    let out = portal(sim)
        .await
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id(account)
        .role_name(role)
        .send()
        .await
        .unwrap();
    let c = out.role_credentials().unwrap();
    Credentials::new(
        c.access_key_id().unwrap(),
        c.secret_access_key().unwrap(),
        c.session_token().map(str::to_owned),
        None,
        "portal",
    )
}

#[tokio::test]
async fn operator_and_role_identities() {
    let sim = demo().await;
    let op = sim.operator_credentials();
    let sts = sts_with(
        &sim,
        Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "op",
        ),
    )
    .await;
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::111111111111:assumed-role/StintBrokerRole/stint-broker")
    );
    assert_eq!(me.account(), Some("111111111111"));
    assert!(
        me.user_id().unwrap().starts_with("AROA")
            && me.user_id().unwrap().ends_with(":stint-broker")
    );

    let creds = role_credentials(&sim, "alice", "555555555555", "ReadOnlyAccess").await;
    let me = sts_with(&sim, creds)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    let arn = me.arn().unwrap();
    let role = sim
        .world()
        .reserved_role_name("555555555555", "ReadOnlyAccess");
    assert_eq!(
        arn,
        format!("arn:aws:sts::555555555555:assumed-role/{role}/alice")
    );
    let suffix = role.strip_prefix("AWSReservedSSO_ReadOnlyAccess_").unwrap();
    assert_eq!(suffix.len(), 16);
    assert!(suffix.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(me.account(), Some("555555555555"));
    assert!(me.user_id().unwrap().ends_with(":alice"));
}

#[tokio::test]
async fn bad_keys_tokens_and_signatures_get_aws_errors() {
    let sim = demo().await;
    let unknown = Credentials::new(
        "AKIAUNKNOWNUNKNOWN00",
        "secret-secret-secret",
        None,
        None,
        "x",
    );
    let err = sts_with(&sim, unknown.clone())
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidClientTokenId");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    let err = aws_sdk_ssoadmin::Client::new(&config_with(&sim, unknown).await)
        .list_instances()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");

    let op = sim.operator_credentials();
    let wrong_secret = Credentials::new(
        op.access_key_id.clone(),
        "not-the-secret-key",
        None,
        None,
        "x",
    );
    let err = sts_with(&sim, wrong_secret.clone())
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "SignatureDoesNotMatch");
    let err = aws_sdk_identitystore::Client::new(&config_with(&sim, wrong_secret).await)
        .list_users()
        .identity_store_id(sim.identity_store_id())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidSignatureException");

    let creds = role_credentials(&sim, "carol", "555555555555", "ReadOnlyAccess").await;
    let no_token = Credentials::new(
        creds.access_key_id(),
        creds.secret_access_key(),
        None,
        None,
        "x",
    );
    let err = sts_with(&sim, no_token)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidClientTokenId");

    // Role credentials are not admin credentials.
    let err = aws_sdk_ssoadmin::Client::new(&config_with(&sim, creds.clone()).await)
        .list_instances()
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_ssoadmin::operation::list_instances::ListInstancesError::AccessDeniedException(_)
    ));

    // Role credentials expire with the permission set's session duration (8h here).
    sim.advance_clock(Duration::from_secs(8 * 3600 + 1));
    let err = sts_with(&sim, creds)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ExpiredToken");
}

#[tokio::test]
async fn a_signature_older_than_fifteen_minutes_is_refused() {
    let sim = demo().await;
    sim.advance_clock(Duration::from_secs(3600));
    let op = sim.operator_credentials();
    // This client signs with the real clock, an hour behind the simulator's.
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(sim.region().to_owned()))
        .endpoint_url(sim.url())
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .credentials_provider(Credentials::new(
            op.access_key_id,
            op.secret_access_key.expose(),
            None,
            None,
            "op",
        ))
        .load()
        .await;
    let err = aws_sdk_sts::Client::new(&config)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "SignatureDoesNotMatch");
    let message = aws_smithy_types::error::metadata::ProvideErrorMetadata::message(&err)
        .unwrap_or_default()
        .to_owned();
    assert!(message.starts_with("Signature expired"), "{message}");
}

/// Signs `GET /?Action=GetCallerIdentity...` with `aws-sigv4`, adding a header the way
/// Stint's client names the broker, and sends it with a plain HTTP client.
async fn send_signed(
    sim: &RunningSim,
    creds: &Credentials,
    location: SignatureLocation,
    time: SystemTime,
    tamper: bool,
) -> (u16, String) {
    let url = format!("{}/?Action=GetCallerIdentity&Version=2011-06-15", sim.url());
    let host = sim.url().trim_start_matches("http://").to_owned();
    let headers = [
        ("host", host.as_str()),
        ("x-stint-broker", "broker.example.com"),
    ];
    let identity = creds.clone().into();
    let mut settings = SigningSettings::default();
    if location == SignatureLocation::QueryParams {
        settings.expires_in = Some(Duration::from_secs(300));
    }
    settings.signature_location = location;
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(sim.region())
        .name("sts")
        .time(time)
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let signable = SignableRequest::new(
        "GET",
        url.clone(),
        headers.into_iter(),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _signature) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder()
        .method("GET")
        .uri(&url)
        .header(
            "x-stint-broker",
            if tamper {
                "evil.example.com"
            } else {
                "broker.example.com"
            },
        )
        .body(())
        .unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let client = reqwest::Client::new();
    let mut builder = client.get(request.uri().to_string());
    for (name, value) in request.headers() {
        builder = builder.header(name, value);
    }
    let response = builder.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn agrees_with_the_sdk_signer_on_headers_query_and_presigned_urls() {
    let sim = demo().await;
    let creds = role_credentials(&sim, "alice", "222222222222", "StintBaseline").await;
    let now: SystemTime = sim.now().into();

    let (status, body) = send_signed(&sim, &creds, SignatureLocation::Headers, now, false).await;
    assert_eq!(status, 200, "{body}");
    let role = sim
        .world()
        .reserved_role_name("222222222222", "StintBaseline");
    assert!(
        body.contains(&format!(
            "<Arn>arn:aws:sts::222222222222:assumed-role/{role}/alice</Arn>"
        )),
        "{body}"
    );

    let (status, body) =
        send_signed(&sim, &creds, SignatureLocation::QueryParams, now, false).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("<Account>222222222222</Account>"));

    // A signed header changed after signing breaks the signature.
    let (status, body) = send_signed(&sim, &creds, SignatureLocation::Headers, now, true).await;
    assert_eq!(status, 403);
    assert!(
        body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{body}"
    );

    // Signed twenty minutes ago.
    let stale = now - Duration::from_secs(20 * 60);
    let (status, body) = send_signed(&sim, &creds, SignatureLocation::Headers, stale, false).await;
    assert_eq!(status, 403);
    assert!(body.contains("Signature expired"), "{body}");
}

#[tokio::test]
async fn credentials_outlive_the_assignment_as_in_aws() {
    let sim = demo().await;
    let creds = role_credentials(&sim, "alice", "555555555555", "ReadOnlyAccess").await;
    let admin = admin(&sim).await;
    admin
        .delete_account_assignment()
        .instance_arn(sim.instance_arn())
        .target_id("555555555555")
        .target_type(aws_sdk_ssoadmin::types::TargetType::AwsAccount)
        .permission_set_arn(permission_set_arn(&sim, "ReadOnlyAccess"))
        .principal_type(aws_sdk_ssoadmin::types::PrincipalType::Group)
        .principal_id(group_id(&sim, "engineers"))
        .send()
        .await
        .unwrap();
    sim.advance_clock(Duration::from_secs(5));
    let me = sts_with(&sim, creds)
        .await
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert!(me.arn().unwrap().ends_with("/alice"));
}
