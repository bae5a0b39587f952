//! The browser sign-in (authorization code with PKCE) through `aws-sdk-ssooidc` and the
//! authorize endpoint over HTTP: the happy path as the AWS CLI runs it, the page's form and
//! deny, and a code refused when reused, expired or exchanged with the wrong verifier.

use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;

use crate::support::code_flow::*;
use crate::support::*;

#[tokio::test]
async fn browser_sign_in_gives_tokens_that_work_and_refresh() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("happy");
    let url = authorize_url(&sim, &reg.client_id, &p, "xyz-state");

    // The page a person sees names the program and asks who signs in.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("stint-pkce-test"), "{html}");
    assert!(html.contains("Allow access"));

    let answer = approve_over_http(&sim, &url).await;
    assert_eq!(answer.status(), 200);
    let decision: stint_sim::AuthorizeDecision = answer.json().await.unwrap();
    assert_eq!(decision.status, "approved");
    assert!(
        decision
            .redirect_to
            .starts_with(&format!("{REDIRECT}?code="))
    );
    assert_eq!(
        query_param(&decision.redirect_to, "state").as_deref(),
        Some("xyz-state")
    );
    let code = query_param(&decision.redirect_to, "code").unwrap();

    let token = exchange(&sim, &reg, &code, &p.verifier, REDIRECT)
        .await
        .expect("CreateToken with the code");
    let access = token.access_token().unwrap();
    assert_eq!(token.expires_in(), 3600);
    let accounts = portal(&sim)
        .await
        .list_accounts()
        .access_token(access)
        .send()
        .await
        .expect("the access token works on the portal");
    assert!(!accounts.account_list().is_empty());

    let refreshed = oidc(&sim)
        .await
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type("refresh_token")
        .refresh_token(
            token
                .refresh_token()
                .expect("sso:account:access gives a refresh token"),
        )
        .send()
        .await
        .expect("refresh");
    assert_ne!(refreshed.access_token().unwrap(), access);
}

#[tokio::test]
async fn the_page_form_redirects_with_the_code_and_deny_says_access_denied() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("form");
    let html = reqwest::get(authorize_url(&sim, &reg.client_id, &p, "s-form"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let id = html
        .split("name=\"authorization\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the form names the pending sign-in")
        .to_owned();
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let submit = |decision: &'static str, id: String| {
        browser
            .post(format!("{}/authorize", sim.url()))
            .form(&[
                ("authorization", id.as_str()),
                ("user_name", "carol"),
                ("decision", decision),
            ])
            .send()
    };
    let answer = submit("approve", id.clone()).await.unwrap();
    assert!(answer.status().is_redirection());
    assert!(
        answer.headers().get("set-cookie").is_some(),
        "the browser is signed in to the access portal too"
    );
    let location = answer.headers()["location"].to_str().unwrap().to_owned();
    let code = query_param(&location, "code").expect("code");
    let token = exchange(&sim, &reg, &code, &p.verifier, REDIRECT)
        .await
        .unwrap();
    let roles = portal(&sim)
        .await
        .list_account_roles()
        .access_token(token.access_token().unwrap())
        .account_id(account_id(&sim, "dev"))
        .send()
        .await
        .unwrap();
    assert!(
        roles
            .role_list()
            .iter()
            .any(|r| r.role_name() == Some("ReadOnlyAccess")),
        "signed in as carol, who reads dev"
    );
    // Answered once: a second submit of the same page is refused.
    assert_eq!(submit("approve", id).await.unwrap().status(), 409);

    let denied = sim
        .deny_authorization(&authorize_url(&sim, &reg.client_id, &p, "s-deny"))
        .unwrap();
    assert_eq!(denied.status, "denied");
    assert_eq!(
        query_param(&denied.redirect_to, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(
        query_param(&denied.redirect_to, "state").as_deref(),
        Some("s-deny")
    );
    assert!(query_param(&denied.redirect_to, "code").is_none());
}

#[tokio::test]
async fn a_reused_code_is_refused_and_revokes_what_it_gave() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("reuse");
    let the_code = code_for(&sim, &reg, &p).await;
    let first = exchange(&sim, &reg, &the_code, &p.verifier, REDIRECT)
        .await
        .unwrap();
    let err = exchange(&sim, &reg, &the_code, &p.verifier, REDIRECT)
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(CreateTokenError::InvalidGrantException(_))
    ));
    let err = portal(&sim)
        .await
        .list_accounts()
        .access_token(first.access_token().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnauthorizedException");
}

#[tokio::test]
async fn a_code_past_its_lifetime_is_refused() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("expired");
    let code = code_for(&sim, &reg, &p).await;
    sim.advance_clock(Duration::from_secs(5 * 60 + 1));
    let err = exchange(&sim, &reg, &code, &p.verifier, REDIRECT)
        .await
        .unwrap_err();
    match err.as_service_error() {
        Some(CreateTokenError::InvalidGrantException(e)) => {
            assert!(
                e.error_description()
                    .unwrap_or_default()
                    .contains("expired"),
                "{e:?}"
            );
        }
        other => panic!("expected InvalidGrantException, got {other:?}"),
    }
}

#[tokio::test]
async fn a_verifier_that_does_not_match_is_refused() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("verifier");
    let code = code_for(&sim, &reg, &p).await;
    let wrong = pkce("someone-else").verifier;
    let err = exchange(&sim, &reg, &code, &wrong, REDIRECT)
        .await
        .unwrap_err();
    match err.as_service_error() {
        Some(CreateTokenError::InvalidGrantException(e)) => {
            assert!(
                e.error_description()
                    .unwrap_or_default()
                    .contains("codeVerifier"),
                "{e:?}"
            );
        }
        other => panic!("expected InvalidGrantException, got {other:?}"),
    }
    let err = exchange(&sim, &reg, &code, "short", REDIRECT)
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(CreateTokenError::InvalidRequestException(_))
    ));
    exchange(&sim, &reg, &code, &p.verifier, REDIRECT)
        .await
        .expect("the right verifier still works");
}
