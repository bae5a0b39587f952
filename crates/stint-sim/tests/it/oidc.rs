//! SSO OIDC through `aws-sdk-ssooidc`: registration, the device flow and every error the
//! SDK has a variant for.

use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_sdk_ssooidc::operation::start_device_authorization::StartDeviceAuthorizationError;

use crate::support::*;

#[tokio::test]
async fn register_client_returns_an_opaque_secret_and_times() {
    let sim = demo().await;
    let oidc = oidc(&sim).await;
    let out = oidc
        .register_client()
        .client_name("stint")
        .client_type("public")
        .scopes(REFRESH_SCOPE)
        .send()
        .await
        .unwrap();
    assert!(!out.client_id().unwrap().is_empty());
    assert!(out.client_secret().unwrap().len() > 40);
    let issued = out.client_id_issued_at();
    let expires = out.client_secret_expires_at();
    assert!(
        (issued - sim.now().timestamp()).abs() < 5,
        "issued {issued}"
    );
    assert_eq!(expires - issued, 90 * 24 * 3600);
}

#[tokio::test]
async fn device_authorization_has_aws_shape() {
    let sim = demo().await;
    let oidc = oidc(&sim).await;
    let reg = register(&oidc, &[]).await;
    let out = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap();
    let code = out.user_code().unwrap();
    assert_eq!(code.len(), 9);
    assert_eq!(&code[4..5], "-");
    assert_eq!(
        out.verification_uri().unwrap(),
        format!("{}/device", sim.url())
    );
    assert_eq!(
        out.verification_uri_complete().unwrap(),
        format!("{}/device?user_code={code}", sim.url())
    );
    assert_eq!(out.expires_in(), 600);
    assert_eq!(out.interval(), 1);
    assert!(out.device_code().unwrap().len() >= 32);
}

#[tokio::test]
async fn a_foreign_start_url_or_bad_client_is_refused() {
    let sim = demo().await;
    let oidc = oidc(&sim).await;
    let reg = register(&oidc, &[]).await;
    let err = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .start_url("https://d-1234567890.awsapps.com/nope")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartDeviceAuthorizationError::InvalidRequestException(_))
    ));
    let err = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret("not-the-secret")
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(StartDeviceAuthorizationError::InvalidClientException(_))
    ));
}

struct Pending {
    oidc: aws_sdk_ssooidc::Client,
    reg: Registration,
    device_code: String,
    user_code: String,
}

async fn pending(sim: &stint_sim::RunningSim, scopes: &[&str]) -> Pending {
    let oidc = oidc(sim).await;
    let reg = register(&oidc, scopes).await;
    let out = oidc
        .start_device_authorization()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap();
    Pending {
        oidc,
        device_code: out.device_code().unwrap().to_owned(),
        user_code: out.user_code().unwrap().to_owned(),
        reg,
    }
}

async fn poll(
    p: &Pending,
) -> Result<aws_sdk_ssooidc::operation::create_token::CreateTokenOutput, CreateTokenError> {
    p.oidc
        .create_token()
        .client_id(&p.reg.client_id)
        .client_secret(&p.reg.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(&p.device_code)
        .send()
        .await
        .map_err(|e| e.into_service_error())
}

#[tokio::test]
async fn pending_then_slow_down_then_token() {
    // A long interval so the second poll is certainly too early.
    let sim = demo_with(|s| {
        s.replace(
            "device_poll_interval = \"1s\"",
            "device_poll_interval = \"60s\"",
        )
    })
    .await;
    let p = pending(&sim, &[]).await;
    let first = poll(&p).await.unwrap_err();
    assert!(
        matches!(first, CreateTokenError::AuthorizationPendingException(_)),
        "{first:?}"
    );
    if let CreateTokenError::AuthorizationPendingException(e) = &first {
        assert_eq!(e.error(), Some("authorization_pending"));
    }
    let second = poll(&p).await.unwrap_err();
    assert!(
        matches!(second, CreateTokenError::SlowDownException(_)),
        "{second:?}"
    );

    sim.approve_device(&p.user_code, "alice").unwrap();
    sim.advance_clock(Duration::from_secs(61));
    let token = poll(&p).await.unwrap();
    assert_eq!(token.token_type(), Some("Bearer"));
    assert_eq!(token.expires_in(), 3600);
    assert!(token.access_token().is_some());
    assert!(
        token.refresh_token().is_none(),
        "no sso:account:access scope, no refresh token"
    );

    // A device code works once.
    sim.advance_clock(Duration::from_secs(61));
    let again = poll(&p).await.unwrap_err();
    assert!(
        matches!(again, CreateTokenError::InvalidGrantException(_)),
        "{again:?}"
    );
}

#[tokio::test]
async fn denied_on_the_page_is_access_denied() {
    let sim = demo().await;
    let p = pending(&sim, &[]).await;
    sim.deny_device(&p.user_code, "alice").unwrap();
    let err = poll(&p).await.unwrap_err();
    assert!(
        matches!(err, CreateTokenError::AccessDeniedException(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_old_device_code_is_expired_token() {
    let sim = demo().await;
    let p = pending(&sim, &[]).await;
    sim.advance_clock(Duration::from_secs(601));
    let err = poll(&p).await.unwrap_err();
    assert!(
        matches!(err, CreateTokenError::ExpiredTokenException(_)),
        "{err:?}"
    );
    // And it can no longer be approved.
    assert!(sim.approve_device(&p.user_code, "alice").is_err());
}

#[tokio::test]
async fn unknown_device_code_is_invalid_grant_and_bad_secret_is_invalid_client() {
    let sim = demo().await;
    let p = pending(&sim, &[]).await;
    let err = p
        .oidc
        .create_token()
        .client_id(&p.reg.client_id)
        .client_secret(&p.reg.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code("not-a-device-code")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(err, CreateTokenError::InvalidGrantException(_)),
        "{err:?}"
    );

    let err = p
        .oidc
        .create_token()
        .client_id(&p.reg.client_id)
        .client_secret("wrong")
        .grant_type(DEVICE_GRANT)
        .device_code(&p.device_code)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(401));
    assert!(matches!(
        err.into_service_error(),
        CreateTokenError::InvalidClientException(_)
    ));

    let err = p
        .oidc
        .create_token()
        .client_id(&p.reg.client_id)
        .client_secret(&p.reg.client_secret)
        .grant_type("client_credentials")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(
        matches!(err, CreateTokenError::UnsupportedGrantTypeException(_)),
        "{err:?}"
    );
}

#[tokio::test]
async fn refresh_tokens_rotate_and_end_with_the_session() {
    let sim = demo().await;
    let login = device_login(&sim, "alice", &[REFRESH_SCOPE]).await;
    let first = login
        .refresh_token
        .clone()
        .expect("refresh token with sso:account:access");
    let oidc = oidc(&sim).await;
    let refresh = |token: String| {
        let oidc = oidc.clone();
        let reg = (
            login.registration.client_id.clone(),
            login.registration.client_secret.clone(),
        );
        async move {
            oidc.create_token()
                .client_id(reg.0)
                .client_secret(reg.1)
                .grant_type("refresh_token")
                .refresh_token(token)
                .send()
                .await
                .map_err(|e| e.into_service_error())
        }
    };

    // Access tokens expire after the access-token TTL...
    sim.advance_clock(Duration::from_secs(3601));
    let portal = portal(&sim).await;
    let expired = portal
        .list_accounts()
        .access_token(&login.access_token)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        expired.into_service_error(),
        aws_sdk_sso::operation::list_accounts::ListAccountsError::UnauthorizedException(_)
    ));

    // ...and a refresh gives a new one, and a new refresh token.
    let renewed = refresh(first.clone()).await.unwrap();
    let second = renewed.refresh_token().unwrap().to_owned();
    assert_ne!(second, first);
    portal
        .list_accounts()
        .access_token(renewed.access_token().unwrap())
        .send()
        .await
        .unwrap();

    // The old refresh token died when it was used.
    let reused = refresh(first).await.unwrap_err();
    assert!(
        matches!(reused, CreateTokenError::InvalidGrantException(_)),
        "{reused:?}"
    );

    // After the session (8h in the demo world), refreshing stops.
    sim.advance_clock(Duration::from_secs(8 * 3600));
    let late = refresh(second).await.unwrap_err();
    assert!(
        matches!(late, CreateTokenError::InvalidGrantException(_)),
        "{late:?}"
    );
}

#[tokio::test]
async fn the_scope_may_come_with_the_token_request() {
    let sim = demo().await;
    let p = pending(&sim, &[]).await;
    sim.approve_device(&p.user_code, "carol").unwrap();
    let token = p
        .oidc
        .create_token()
        .client_id(&p.reg.client_id)
        .client_secret(&p.reg.client_secret)
        .grant_type(DEVICE_GRANT)
        .device_code(&p.device_code)
        .scope(REFRESH_SCOPE)
        .send()
        .await
        .unwrap();
    assert!(token.refresh_token().is_some());
}
