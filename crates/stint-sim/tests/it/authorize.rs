//! The browser sign-in (authorization code with PKCE) through `aws-sdk-ssooidc` and the
//! authorize endpoint over HTTP: the happy path as the AWS CLI runs it, and each refusal
//! with the error AWS gives.

use std::time::Duration;

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use aws_sdk_ssooidc::operation::register_client::RegisterClientError;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::support::*;

const REDIRECT: &str = "http://127.0.0.1:53117/oauth/callback";
const CODE_GRANT: &str = "authorization_code";

struct Pkce {
    verifier: String,
    challenge: String,
}

fn pkce(seed: &str) -> Pkce {
    let verifier = format!("{seed}-{}", "v".repeat(60));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

async fn register_code_client(sim: &stint_sim::RunningSim) -> Registration {
    let out = oidc(sim)
        .await
        .register_client()
        .client_name("stint-pkce-test")
        .client_type("public")
        .scopes(REFRESH_SCOPE)
        .grant_types(CODE_GRANT)
        .grant_types("refresh_token")
        .redirect_uris(REDIRECT)
        .issuer_url(sim.start_url())
        .send()
        .await
        .expect("RegisterClient with the authorization code grant");
    Registration {
        client_id: out.client_id().unwrap().to_owned(),
        client_secret: out.client_secret().unwrap().to_owned(),
    }
}

/// The URL the AWS CLI opens, with the parameters it sends.
fn authorize_url(sim: &stint_sim::RunningSim, client_id: &str, p: &Pkce, state: &str) -> String {
    let mut url = url::Url::parse(&format!("{}/authorize", sim.url())).unwrap();
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", state)
        .append_pair("code_challenge_method", "S256")
        .append_pair("scopes", REFRESH_SCOPE)
        .append_pair("code_challenge", &p.challenge);
    url.to_string()
}

fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Approves through `POST /_sim/authorize/approve`, as a test's browser stand-in does.
async fn approve_over_http(sim: &stint_sim::RunningSim, url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_sim/authorize/approve", sim.url()))
        .json(&serde_json::json!({ "authorizeUrl": url, "userName": "alice" }))
        .send()
        .await
        .unwrap()
}

async fn exchange(
    sim: &stint_sim::RunningSim,
    reg: &Registration,
    code: &str,
    verifier: &str,
    redirect: &str,
) -> Result<
    aws_sdk_ssooidc::operation::create_token::CreateTokenOutput,
    aws_sdk_ssooidc::error::SdkError<CreateTokenError>,
> {
    oidc(sim)
        .await
        .create_token()
        .client_id(&reg.client_id)
        .client_secret(&reg.client_secret)
        .grant_type(CODE_GRANT)
        .code(code)
        .code_verifier(verifier)
        .redirect_uri(redirect)
        .send()
        .await
}

/// Registers, approves as alice and returns the code.
async fn code_for(sim: &stint_sim::RunningSim, reg: &Registration, p: &Pkce) -> String {
    let decision = sim
        .approve_authorization(&authorize_url(sim, &reg.client_id, p, "st-1"), "alice")
        .expect("approve");
    query_param(&decision.redirect_to, "code").expect("a code in the redirect")
}

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
