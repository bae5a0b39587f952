//! The browser sign-in's refusals of clients and authorize requests, each with the error AWS
//! gives: a wrong redirect URI, a client without the grant type, no PKCE S256, and
//! registrations that could not redirect safely.

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_sdk_ssooidc::operation::register_client::RegisterClientError;

use crate::support::code_flow::*;
use crate::support::*;

#[tokio::test]
async fn a_wrong_redirect_uri_is_refused_at_both_ends() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("redirect");

    // At the authorize endpoint: an unregistered URI gets an error page, never a redirect.
    let other = authorize_url(&sim, &reg.client_id, &p, "s").replace("53117", "9999");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = browser.get(&other).send().await.unwrap();
    assert_eq!(page.status(), 400);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("not one the client registered")
    );
    let answer = approve_over_http(&sim, &other).await;
    assert_eq!(answer.status(), 400);

    // At CreateToken: the code was issued for REDIRECT.
    let code = code_for(&sim, &reg, &p).await;
    let err = exchange(
        &sim,
        &reg,
        &code,
        &p.verifier,
        "http://127.0.0.1:9999/oauth/callback",
    )
    .await
    .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(CreateTokenError::InvalidGrantException(_))
        ),
        "{err:?}"
    );
    // The failed attempt did not spend the code.
    exchange(&sim, &reg, &code, &p.verifier, REDIRECT)
        .await
        .expect("the right redirect URI still works");
}

#[tokio::test]
async fn a_client_without_the_grant_type_is_refused() {
    let sim = demo().await;
    let oidc = oidc(&sim).await;
    // Registered for the device code only, but with a redirect URI.
    let out = oidc
        .register_client()
        .client_name("device-only")
        .client_type("public")
        .grant_types(DEVICE_GRANT)
        .redirect_uris(REDIRECT)
        .send()
        .await
        .unwrap();
    let reg = Registration {
        client_id: out.client_id().unwrap().to_owned(),
        client_secret: out.client_secret().unwrap().to_owned(),
    };
    let p = pkce("grant");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let answer = browser
        .get(authorize_url(&sim, &reg.client_id, &p, "s-g"))
        .send()
        .await
        .unwrap();
    assert!(answer.status().is_redirection());
    let location = answer.headers()["location"].to_str().unwrap();
    assert_eq!(
        query_param(location, "error").as_deref(),
        Some("unauthorized_client")
    );
    assert_eq!(query_param(location, "state").as_deref(), Some("s-g"));

    let err = exchange(&sim, &reg, "any-code", &p.verifier, REDIRECT)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(CreateTokenError::UnauthorizedClientException(_))
        ),
        "{err:?}"
    );

    // And the other way round: a code-only client cannot start a device authorization.
    let code_only = register_code_client(&sim).await;
    let err = oidc
        .start_device_authorization()
        .client_id(&code_only.client_id)
        .client_secret(&code_only.client_secret)
        .start_url(sim.start_url())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnauthorizedClientException");
}

#[tokio::test]
async fn authorize_requests_without_pkce_s256_are_sent_back_invalid() {
    let sim = demo().await;
    let reg = register_code_client(&sim).await;
    let p = pkce("pkce");
    let good = authorize_url(&sim, &reg.client_id, &p, "s-p");
    let without_challenge = good.replace(&format!("&code_challenge={}", p.challenge), "");
    let plain = good.replace("code_challenge_method=S256", "code_challenge_method=plain");
    let token = good.replace("response_type=code", "response_type=token");
    let browser = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for (url, error) in [
        (without_challenge, "invalid_request"),
        (plain, "invalid_request"),
        (token, "unsupported_response_type"),
    ] {
        let answer = browser.get(&url).send().await.unwrap();
        assert!(answer.status().is_redirection(), "{url}");
        let location = answer.headers()["location"].to_str().unwrap();
        assert!(location.starts_with(REDIRECT), "{location}");
        assert_eq!(
            query_param(location, "error").as_deref(),
            Some(error),
            "{url}"
        );
    }
    let unknown_client = good.replace(&reg.client_id, "no-such-client");
    assert_eq!(
        browser.get(&unknown_client).send().await.unwrap().status(),
        400
    );
}

#[tokio::test]
async fn registration_refuses_what_could_not_redirect_safely() {
    let sim = demo().await;
    let oidc = oidc(&sim).await;
    let base = || {
        oidc.register_client()
            .client_name("bad")
            .client_type("public")
    };
    let err = base().grant_types(CODE_GRANT).send().await.unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(RegisterClientError::InvalidRedirectUriException(_))
        ),
        "no redirect URI: {err:?}"
    );
    for uri in [
        "http://evil.example.com/cb",
        "ftp://127.0.0.1/cb",
        "http://127.0.0.1:1/cb#frag",
        "not a uri",
    ] {
        let err = base()
            .grant_types(CODE_GRANT)
            .redirect_uris(uri)
            .send()
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.as_service_error(),
                Some(RegisterClientError::InvalidRedirectUriException(_))
            ),
            "{uri}: {err:?}"
        );
    }
    let err = base().grant_types("implicit").send().await.unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(RegisterClientError::UnsupportedGrantTypeException(_))
    ));
    let err = base()
        .grant_types(CODE_GRANT)
        .redirect_uris(REDIRECT)
        .issuer_url("https://d-0000000000.awsapps.com/elsewhere")
        .send()
        .await
        .unwrap_err();
    assert!(matches!(
        err.as_service_error(),
        Some(RegisterClientError::InvalidRequestException(_))
    ));
}
