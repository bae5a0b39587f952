//! The SSO portal API through `aws-sdk-sso`.

use std::time::Duration;

use aws_sdk_sso::operation::get_role_credentials::GetRoleCredentialsError;
use aws_sdk_sso::operation::list_accounts::ListAccountsError;

use crate::support::*;

#[tokio::test]
async fn lists_what_the_user_holds_through_groups() {
    let sim = demo().await;
    let login = device_login(&sim, "alice", &[]).await;
    let portal = portal(&sim).await;
    let accounts = portal
        .list_accounts()
        .access_token(&login.access_token)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = accounts
        .account_list()
        .iter()
        .map(|a| a.account_name().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["dev", "identity"]);
    let dev = accounts
        .account_list()
        .iter()
        .find(|a| a.account_name() == Some("dev"))
        .unwrap();
    assert_eq!(dev.account_id(), Some("555555555555"));
    assert_eq!(dev.email_address(), Some("aws-dev@example.com"));

    let roles = portal
        .list_account_roles()
        .access_token(&login.access_token)
        .account_id("555555555555")
        .send()
        .await
        .unwrap();
    let roles: Vec<&str> = roles
        .role_list()
        .iter()
        .map(|r| r.role_name().unwrap())
        .collect();
    assert_eq!(roles, ["ReadOnlyAccess"]);
}

#[tokio::test]
async fn paginates_with_next_token() {
    let sim = demo().await;
    let login = device_login(&sim, "bob", &[]).await;
    let portal = portal(&sim).await;
    let first = portal
        .list_accounts()
        .access_token(&login.access_token)
        .max_results(1)
        .send()
        .await
        .unwrap();
    assert_eq!(first.account_list().len(), 1);
    // bob holds only the baseline in identity: one account, no next page.
    assert!(first.next_token().is_none());

    let alice = device_login(&sim, "alice", &[]).await;
    let pages: Vec<_> = portal
        .list_accounts()
        .access_token(&alice.access_token)
        .max_results(1)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    assert_eq!(pages.len(), 2, "one account per page");
    assert!(
        pages
            .iter()
            .all(|p| p.as_ref().unwrap().account_list().len() == 1)
    );
}

#[tokio::test]
async fn role_credentials_only_for_held_roles_and_expiry_in_millis() {
    let sim = demo().await;
    let login = device_login(&sim, "alice", &[]).await;
    let portal = portal(&sim).await;
    let out = portal
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id("555555555555")
        .role_name("ReadOnlyAccess")
        .send()
        .await
        .unwrap();
    let creds = out.role_credentials().unwrap();
    assert!(creds.access_key_id().unwrap().starts_with("ASIA"));
    assert!(creds.secret_access_key().is_some());
    assert!(creds.session_token().is_some());
    // ReadOnlyAccess lasts 8h in the demo world; expiration is epoch milliseconds.
    let expected = sim.now().timestamp_millis() + 8 * 3600 * 1000;
    assert!(
        (creds.expiration() - expected).abs() < 5_000,
        "{}",
        creds.expiration()
    );

    let err = portal
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id("333333333333")
        .role_name("AdministratorAccess")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ForbiddenException");
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(403));
    // The SDK models no ForbiddenException; it surfaces as an unmodelled error with that code.
    assert!(!matches!(
        err.into_service_error(),
        GetRoleCredentialsError::UnauthorizedException(_)
            | GetRoleCredentialsError::ResourceNotFoundException(_)
    ));
}

#[tokio::test]
async fn logout_invalidates_the_token_and_its_refresh_token() {
    let sim = demo().await;
    let login = device_login(&sim, "carol", &[REFRESH_SCOPE]).await;
    let portal = portal(&sim).await;
    portal
        .logout()
        .access_token(&login.access_token)
        .send()
        .await
        .unwrap();
    let err = portal
        .list_accounts()
        .access_token(&login.access_token)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        ListAccountsError::UnauthorizedException(_)
    ));

    let oidc = oidc(&sim).await;
    let err = oidc
        .create_token()
        .client_id(&login.registration.client_id)
        .client_secret(&login.registration.client_secret)
        .grant_type("refresh_token")
        .refresh_token(login.refresh_token.unwrap())
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        aws_sdk_ssooidc::operation::create_token::CreateTokenError::InvalidGrantException(_)
    ));
}

#[tokio::test]
async fn unknown_and_expired_tokens_are_unauthorized() {
    let sim = demo().await;
    let portal = portal(&sim).await;
    let err = portal
        .list_accounts()
        .access_token("aoa-nonsense")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.raw_response().map(|r| r.status().as_u16()), Some(401));
    assert!(matches!(
        err.into_service_error(),
        ListAccountsError::UnauthorizedException(_)
    ));

    let login = device_login(&sim, "dave", &[]).await;
    sim.advance_clock(Duration::from_secs(3600));
    let err = portal
        .get_role_credentials()
        .access_token(&login.access_token)
        .account_id("222222222222")
        .role_name("StintBaseline")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.into_service_error(),
        GetRoleCredentialsError::UnauthorizedException(_)
    ));
}
