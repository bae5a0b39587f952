//! The secrets of one browser sign-in (RFC 7636 PKCE and the OAuth `state`) and the
//! authorize URL the browser opens, as the AWS CLI builds it.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore;
use sha2::{Digest, Sha256};
use url::Url;

use crate::secret::Secret;

pub(crate) const S256: &str = "S256";

/// One sign-in's code verifier and state, fresh each time.
#[derive(Debug)]
pub(crate) struct Pkce {
    /// 32 random bytes in base64url: 43 characters, within RFC 7636's 43..=128.
    pub verifier: Secret,
    /// Echoed back on the redirect; a callback with another value is not ours.
    pub state: String,
}

impl Pkce {
    pub fn generate() -> Self {
        Self {
            verifier: Secret::new(random_base64url(32)),
            state: random_base64url(16),
        }
    }

    /// `BASE64URL(SHA256(verifier))`, RFC 7636 section 4.2.
    pub fn challenge(&self) -> String {
        challenge_of(self.verifier.expose())
    }
}

fn random_base64url(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    URL_SAFE_NO_PAD.encode(buf)
}

pub(crate) fn challenge_of(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `<oidc endpoint>/authorize?...` with the parameters botocore's `SSOTokenFetcherAuth`
/// sends (`scopes`, not OAuth's `scope`, is what Identity Center reads).
pub(crate) fn authorize_url(
    oidc_endpoint: &Url,
    client_id: &str,
    redirect_uri: &str,
    pkce: &Pkce,
    scopes: &[&str],
) -> Url {
    let mut url = oidc_endpoint.clone();
    url.set_path(&format!(
        "{}/authorize",
        oidc_endpoint.path().trim_end_matches('/')
    ));
    url.set_query(None);
    url.query_pairs_mut()
        .append_pair("response_type", "code")
        .append_pair("client_id", client_id)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("state", &pkce.state)
        .append_pair("code_challenge_method", S256)
        .append_pair("scopes", &scopes.join(" "))
        .append_pair("code_challenge", &pkce.challenge());
    url
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    #[test]
    fn the_challenge_is_rfc_7636s_example() {
        // RFC 7636 appendix B.
        assert_eq!(
            challenge_of("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn each_sign_in_gets_fresh_secrets_of_the_right_shape() {
        let a = Pkce::generate();
        let b = Pkce::generate();
        assert_ne!(a.verifier.expose(), b.verifier.expose());
        assert_ne!(a.state, b.state);
        assert_eq!(a.verifier.expose().len(), 43);
        assert_eq!(a.challenge().len(), 43);
        assert!(
            a.verifier
                .expose()
                .bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn the_authorize_url_carries_every_parameter_once() {
        let pkce = Pkce::generate();
        let endpoint = Url::parse("https://oidc.eu-west-1.amazonaws.com").unwrap();
        let url = authorize_url(
            &endpoint,
            "client-1",
            "http://127.0.0.1:4321/oauth/callback",
            &pkce,
            &["sso:account:access"],
        );
        assert_eq!(
            url.as_str().split('?').next().unwrap(),
            "https://oidc.eu-west-1.amazonaws.com/authorize"
        );
        let params: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(params.len(), 7, "{params:?}");
        assert_eq!(params["response_type"], "code");
        assert_eq!(params["client_id"], "client-1");
        assert_eq!(
            params["redirect_uri"],
            "http://127.0.0.1:4321/oauth/callback"
        );
        assert_eq!(params["state"], pkce.state);
        assert_eq!(params["code_challenge_method"], "S256");
        assert_eq!(params["scopes"], "sso:account:access");
        assert_eq!(params["code_challenge"], pkce.challenge());
        assert!(
            !url.as_str().contains(pkce.verifier.expose()),
            "the verifier never leaves the process"
        );

        // An endpoint with a path prefix (a proxy, the simulator behind one) keeps it.
        let prefixed = Url::parse("http://127.0.0.1:9000/sim/").unwrap();
        let url = authorize_url(
            &prefixed,
            "c",
            "http://127.0.0.1:1/oauth/callback",
            &pkce,
            &[],
        );
        assert_eq!(url.path(), "/sim/authorize");
    }
}
