//! The authorization code flow with PKCE, step by step as a browser and the AWS CLI take it:
//! registering a client, the authorize URL, approving over HTTP, and exchanging the code.

use aws_sdk_ssooidc::operation::create_token::CreateTokenError;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::support::*;

pub const REDIRECT: &str = "http://127.0.0.1:53117/oauth/callback";

pub const CODE_GRANT: &str = "authorization_code";

pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

pub fn pkce(seed: &str) -> Pkce {
    let verifier = format!("{seed}-{}", "v".repeat(60));
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    Pkce {
        verifier,
        challenge,
    }
}

pub async fn register_code_client(sim: &stint_sim::RunningSim) -> Registration {
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
pub fn authorize_url(
    sim: &stint_sim::RunningSim,
    client_id: &str,
    p: &Pkce,
    state: &str,
) -> String {
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

pub fn query_param(url: &str, name: &str) -> Option<String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Approves through `POST /_sim/authorize/approve`, as a test's browser stand-in does.
pub async fn approve_over_http(sim: &stint_sim::RunningSim, url: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/_sim/authorize/approve", sim.url()))
        .json(&serde_json::json!({ "authorizeUrl": url, "userName": "alice" }))
        .send()
        .await
        .unwrap()
}

pub async fn exchange(
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
pub async fn code_for(sim: &stint_sim::RunningSim, reg: &Registration, p: &Pkce) -> String {
    let decision = sim
        .approve_authorization(&authorize_url(sim, &reg.client_id, p, "st-1"), "alice")
        .expect("approve");
    query_param(&decision.redirect_to, "code").expect("a code in the redirect")
}
